"""Assets: upload, read, list, download renditions."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.access import CallerDep
from api.deps import RootDep, SessionDep, SettingsDep, StorageDep, UowDep
from api.media_responses import media_response
from api.routes.uploads import limits
from api.schemas import (
    AssetCreated,
    AssetExportPublic,
    AssetPage,
    AssetPatch,
    AssetPublic,
    BulkEdit,
    BulkResult,
    RenditionPublic,
    ShotMatchPublic,
    ShotPublic,
    SidecarPublic,
    SimilarItem,
    SimilarPage,
)
from mam import catalog
from mam import uploads as upload_sessions
from mam.errors import NotFound
from mam.metadata import track as tracks
from mam.models import Asset
from mam.search.document import asset_values, display_title
from mam.search.similar import similar_assets
from mam.storage import Storage
from pipelines import workflow

log = logging.getLogger(__name__)
router = APIRouter(prefix="/assets", tags=["assets"])


def thumbnail_url(asset: Asset, request: Request, storage: Storage, ttl_s: int) -> str | None:
    """The poster's URL (else the first shot's keyframe), or None before the media pass made one."""
    base = str(request.base_url).rstrip("/") + f"/api/v1/assets/{asset.id}"
    poster = next((r for r in asset.renditions if r.kind == "poster"), None)
    if poster is not None:
        return storage.presigned_get(poster.key, ttl_s) or f"{base}/renditions/poster"
    shot = next((sh for sh in asset.shot_facts if sh.image_key), None)
    if shot is not None:
        return storage.presigned_get(shot.image_key, ttl_s) or f"{base}/shots/{shot.index}/image"
    return None


def _to_public(asset: Asset, request: Request, storage: Storage, ttl_s: int) -> AssetPublic:
    base = str(request.base_url).rstrip("/") + f"/api/v1/assets/{asset.id}"
    rends = []
    for r in asset.renditions:
        name = r.key.rsplit("/", 1)[-1]
        url = storage.presigned_get(r.key, ttl_s) or f"{base}/renditions/{name}"
        kind = "sprite" if r.kind.startswith("sprite_") else r.kind
        rends.append(RenditionPublic(kind=kind, name=name, url=url, content_type=r.content_type, width=r.width,
                                     height=r.height, size_bytes=r.size_bytes))
    shots = [ShotPublic.from_shot(sh, (storage.presigned_get(sh.image_key, ttl_s) or f"{base}/shots/{sh.index}/image")
                                  if sh.image_key else None)
             for sh in asset.shot_facts]
    # straight from S3 an original or a sidecar is saved, never shown, and never typed as the client said
    original = storage.presigned_get(asset.original_key, ttl_s, asset.original_filename, attachment=True,
                                     content_type="application/octet-stream") or f"{base}/original"
    sidecars = [SidecarPublic(kind=sc.kind, filename=sc.filename, size_bytes=sc.size_bytes,
                              url=storage.presigned_get(sc.key, ttl_s, sc.filename, attachment=True,
                                                       content_type="application/octet-stream")
                              or f"{base}/sidecars/{i}")
                for i, sc in enumerate(asset.sidecars)]
    exports = [AssetExportPublic(id=e.id, preset=e.preset, status=e.status, created_at=e.created_at)
               for e in asset.exports]
    return AssetPublic(**catalog.asset_record(asset), renditions=rends, sidecars=sidecars, shots=shots,
                       exports=exports, original_url=original)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AssetCreated,
             responses={200: {"description": "already stored: `duplicate_of` names the asset"},
                        413: {"description": "over MAM_MAX_UPLOAD_BYTES"}, 415: {"description": "not media"},
                        422: {"description": "bad filename or form"}, 503: {"description": "store down"}})
def upload_asset(
    _: CallerDep,
    r: RootDep,
    response: Response,
    file: Annotated[UploadFile, File(description="the original media file")],
    title: Annotated[str | None, Form()] = None,
    project: Annotated[str | None, Form()] = None,
    tags: Annotated[str | None, Form(description="comma-separated")] = None,
) -> AssetCreated:
    """Store an original in one request and queue its ingest: a one-request upload session with the same
    checks as any other (content, allowed kinds, sha256 recomputed, duplicates answered with the asset).

    For large files and flaky networks use the resumable `/api/v1/uploads` sessions instead.
    """
    size = file.size if file.size is not None else file.file.seek(0, 2)
    file.file.seek(0)
    done = upload_sessions.upload_whole(
        r.uow, r.storage, limits(r.settings), file.file, size_bytes=size, filename=file.filename or "",
        content_type=file.content_type, title=title, project=project,
        tags=[t.strip() for t in (tags or "").split(",") if t.strip()],
        start_flow=workflow.starter(r))
    if done.duplicate_of is not None:
        response.status_code = status.HTTP_200_OK
        with r.uow() as s:
            dup = catalog.get_asset(s, done.duplicate_of)
            return AssetCreated(id=dup.id, status=dup.status, duplicate_of=dup.id)
    return AssetCreated(id=done.asset_id, status="pending")


@router.get("", response_model=AssetPage)
def list_assets(
    _: CallerDep, session: SessionDep, settings: SettingsDep, storage: StorageDep, request: Request,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    status_: Annotated[str | None, Query(alias="status")] = None,
) -> AssetPage:
    """Assets, newest first."""
    total, rows = catalog.list_assets(session, page=page, page_size=page_size, status=status_)
    items = [_to_public(a, request, storage, settings.presign_ttl_s) for a in rows]
    return AssetPage(total=total, page=page, page_size=page_size, items=items)


@router.get("/{asset_id}", response_model=AssetPublic, responses={404: {"description": "no such asset"}})
def get_asset(_: CallerDep, asset_id: str, session: SessionDep, settings: SettingsDep, storage: StorageDep,
              request: Request) -> AssetPublic:
    """One asset: status, error, technical facts, renditions with download URLs."""
    return _to_public(catalog.get_asset(session, asset_id), request, storage, settings.presign_ttl_s)


@router.patch("/{asset_id}", response_model=AssetPublic,
              responses={404: {"description": "no such asset"}, 422: {"description": "bad field"}})
def edit_asset(_: CallerDep, asset_id: str, body: AssetPatch, uow: UowDep, settings: SettingsDep,
               storage: StorageDep, request: Request) -> AssetPublic:
    """Change title, description, user tags or project. Fields left out stay; the change is searchable as soon
    as this returns (the index is written in the same transaction)."""
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    with uow() as s:
        asset = catalog.edit_asset(s, catalog.get_asset(s, asset_id), **changes)
        return _to_public(asset, request, storage, settings.presign_ttl_s)


@router.post("/bulk", response_model=BulkResult, responses={422: {"description": "bad tag or project"}})
def bulk_edit(_: CallerDep, body: BulkEdit, uow: UowDep) -> BulkResult:
    """Add and remove user tags, set the project, for many assets in one transaction."""
    extra = {"project": body.project} if "project" in body.model_fields_set else {}
    with uow() as s:
        updated, missing = catalog.bulk_edit(s, body.asset_ids, add_tags=body.add_tags,
                                             remove_tags=body.remove_tags, **extra)
    return BulkResult(updated=updated, missing=missing)


@router.get("/{asset_id}/similar", response_model=SimilarPage, responses={404: {"description": "no such asset"}})
def similar(_: CallerDep, asset_id: str, session: SessionDep, settings: SettingsDep, storage: StorageDep,
            request: Request,
            max_distance: Annotated[int, Query(ge=0, le=32, description="bits that may differ")] = 10,
            limit: Annotated[int, Query(ge=1, le=100)] = 20) -> SimilarPage:
    """Other assets with shots that look like this one's (perceptual hashes of the shot keyframes), closest
    first, with the matching shots and where they are."""
    catalog.get_asset(session, asset_id)
    found = similar_assets(session, asset_id, max_distance=max_distance, limit=limit)
    assets = {a.id: a for a in session.scalars(select(Asset).where(Asset.id.in_([f.asset_id for f in found]))
                                                 .options(selectinload(Asset.renditions)))}
    items = [SimilarItem(asset_id=f.asset_id, title=display_title(asset_values(assets[f.asset_id])),
                         thumbnail_url=thumbnail_url(assets[f.asset_id], request, storage, settings.presign_ttl_s),
                         distance=f.distance, matches=[ShotMatchPublic(**vars(m)) for m in f.matches])
             for f in found if f.asset_id in assets]
    return SimilarPage(asset_id=asset_id, items=items)


@router.get("/{asset_id}/renditions/{name}", response_class=FileResponse,
            responses={404: {"description": "no such asset or rendition"}})
def download_rendition(_: CallerDep, asset_id: str, name: str, session: SessionDep, storage: StorageDep):
    """A rendition's bytes, by kind (``proxy``) or file name (``sprite_001.jpg``, as the WebVTT names them),
    inline with the type the product recorded. HTTP Range works on the local store."""
    asset = catalog.get_asset(session, asset_id)
    rend = next((r for r in asset.renditions if name in (r.kind, r.key.rsplit("/", 1)[-1])), None)
    if rend is None:
        raise NotFound(f"asset {asset_id} has no rendition {name!r}")
    return media_response(storage, rend.key, role="rendition", content_type=rend.content_type,
                          filename=f"{asset_id}-{rend.key.rsplit('/', 1)[-1]}")


@router.get("/{asset_id}/shots/{index}/image", response_class=FileResponse,
            responses={404: {"description": "no such shot or image"}})
def shot_image(_: CallerDep, asset_id: str, index: int, session: SessionDep, storage: StorageDep):
    """The keyframe image of one shot."""
    asset = catalog.get_asset(session, asset_id)
    shot = next((s for s in asset.shot_facts if s.index == index and s.image_key), None)
    if shot is None:
        raise NotFound(f"asset {asset_id} has no image for shot {index}")
    return media_response(storage, shot.image_key, role="shot_image", filename=f"{asset_id}-shot-{index}.jpg")


@router.get("/{asset_id}/original", response_class=FileResponse, responses={404: {"description": "not found"}})
def download_original(_: CallerDep, asset_id: str, session: SessionDep, storage: StorageDep):
    """The original, bit-exact, as an attachment typed from its stored bytes (never from what the client said)."""
    asset = catalog.get_asset(session, asset_id)
    return media_response(storage, asset.original_key, role="original", filename=asset.original_filename)


@router.get("/{asset_id}/sidecars/{index}", response_class=FileResponse, responses={404: {"description": "not found"}})
def download_sidecar(_: CallerDep, asset_id: str, index: int, session: SessionDep, storage: StorageDep):
    """A sidecar file (e.g. the DJI .SRT telemetry) as uploaded, as an attachment."""
    asset = catalog.get_asset(session, asset_id)
    if not 0 <= index < len(asset.sidecars):
        raise NotFound(f"asset {asset_id} has no sidecar {index}")
    sc = asset.sidecars[index]
    return media_response(storage, sc.key, role="sidecar", sidecar_kind=sc.kind, filename=sc.filename)


@router.get("/{asset_id}/track", responses={404: {"description": "no such asset, or it has no track"}})
def get_track(_: CallerDep, asset_id: str, session: SessionDep) -> dict:
    """The telemetry track as a GeoJSON Feature: a ``LineString`` of [lon, lat, alt] whose ``properties.t_s``
    gives each point's offset in the clip (seconds) and ``properties.rel_alt_m`` its height above take-off."""
    asset = catalog.get_asset(session, asset_id)
    encoded = asset.telemetry_facts.encoded
    if not encoded:
        raise NotFound(f"asset {asset_id} has no telemetry track")
    feature = tracks.to_geojson(tracks.decode_points(encoded))
    feature["properties"]["asset_id"] = asset_id
    return feature


class ReprocessIn(BaseModel):
    steps: list[Literal["metadata", "renditions", "analysis"]] = Field(
        default_factory=lambda: ["metadata", "renditions", "analysis"],
        description="Steps to run again. Steps after the earliest one named also run (they depend on it). "
        "Outputs are replaced, never duplicated.")


@router.post("/{asset_id}/reprocess", response_model=AssetCreated, status_code=status.HTTP_202_ACCEPTED,
             responses={404: {"description": "no such asset"}})
def reprocess(_: CallerDep, asset_id: str, r: RootDep, body: ReprocessIn | None = None) -> AssetCreated:
    """Run steps again for an asset (after a fix, or for files ingested before a step existed)."""
    state = workflow.reprocess(r, asset_id, (body or ReprocessIn()).steps)
    return AssetCreated(id=asset_id, status=state)

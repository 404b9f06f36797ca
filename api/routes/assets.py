"""Assets: upload, read, list, download renditions."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.access import CallerDep
from api.deps import RootDep, SessionDep, StorageDep, UowDep
from api.media_links import LinksDep, MediaLinks, rewrite_references
from api.media_responses import media_response, read_text, text_response
from api.routes.uploads import audit_upload, limits
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
from mam import audit, catalog, trash
from mam import uploads as upload_sessions
from mam.errors import Forbidden, NotFound
from mam.metadata import track as tracks
from mam.models import Asset
from mam.search.document import asset_values, display_title
from mam.search.similar import similar_assets
from pipelines import workflow

log = logging.getLogger(__name__)
router = APIRouter(prefix="/assets", tags=["assets"])


def thumbnail_url(asset: Asset, links: MediaLinks) -> str | None:
    """The poster's URL (else the first shot's keyframe), or None before the media pass made one."""
    base = f"/api/v1/assets/{asset.id}"
    poster = next((r for r in asset.renditions if r.kind == "poster"), None)
    if poster is not None:
        return links.stored(poster.key, f"{base}/renditions/poster")
    shot = next((sh for sh in asset.shot_facts if sh.image_key), None)
    if shot is not None:
        return links.stored(shot.image_key, f"{base}/shots/{shot.index}/image")
    return None


def asset_public(asset: Asset, links: MediaLinks) -> AssetPublic:
    base = f"/api/v1/assets/{asset.id}"
    rends = []
    for r in asset.renditions:
        name = r.key.rsplit("/", 1)[-1]
        kind = "sprite" if r.kind.startswith("sprite_") else r.kind
        rends.append(RenditionPublic(kind=kind, name=name, url=links.stored(r.key, f"{base}/renditions/{name}"),
                                     content_type=r.content_type, width=r.width, height=r.height,
                                     size_bytes=r.size_bytes))
    shots = [ShotPublic.from_shot(sh, links.stored(sh.image_key, f"{base}/shots/{sh.index}/image")
                                  if sh.image_key else None)
             for sh in asset.shot_facts]
    # straight from S3 an original or a sidecar is saved, never shown, and never typed as the client said
    original = links.stored(asset.original_key, f"{base}/original", filename=asset.original_filename,
                            attachment=True, content_type="application/octet-stream")
    sidecars = [SidecarPublic(kind=sc.kind, filename=sc.filename, size_bytes=sc.size_bytes,
                              url=links.stored(sc.key, f"{base}/sidecars/{i}", filename=sc.filename,
                                               attachment=True, content_type="application/octet-stream"))
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
    me: CallerDep,
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
        start_flow=workflow.starter(r), created_by=me.actor.user_id if me.actor else None)
    if done.duplicate_of is not None:
        response.status_code = status.HTTP_200_OK
        with r.uow() as s:
            dup = catalog.get_asset(s, done.duplicate_of)
            return AssetCreated(id=dup.id, status=dup.status, duplicate_of=dup.id,
                                duplicate_in_trash=done.duplicate_in_trash)
    audit_upload(r, me, done)
    return AssetCreated(id=done.asset_id, status="pending")


@router.get("", response_model=AssetPage)
def list_assets(
    _: CallerDep, session: SessionDep, links: LinksDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    status_: Annotated[str | None, Query(alias="status")] = None,
    trashed: Annotated[bool, Query(description="list the trash instead")] = False,
) -> AssetPage:
    """Assets, newest first (those in the trash only with `trashed=true`)."""
    total, rows = catalog.list_assets(session, page=page, page_size=page_size, status=status_, trashed=trashed)
    items = [asset_public(a, links) for a in rows]
    return AssetPage(total=total, page=page, page_size=page_size, items=items)


@router.get("/{asset_id}", response_model=AssetPublic, responses={404: {"description": "no such asset"}})
def get_asset(_: CallerDep, asset_id: str, session: SessionDep, links: LinksDep) -> AssetPublic:
    """One asset: status, error, technical facts, renditions with URLs that play without a header."""
    return asset_public(catalog.get_asset(session, asset_id), links)


@router.patch("/{asset_id}", response_model=AssetPublic,
              responses={404: {"description": "no such asset"}, 422: {"description": "bad field"}})
def edit_asset(me: CallerDep, asset_id: str, body: AssetPatch, uow: UowDep, links: LinksDep) -> AssetPublic:
    """Change title, description, user tags or project. Fields left out stay; the change is searchable as soon
    as this returns (the index is written in the same transaction). A videographer edits only its own uploads."""
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    with uow() as s:
        asset = catalog.get_asset(s, asset_id)
        if not me.reaches("editor") and (me.actor is None or asset.created_by != me.actor.user_id):
            raise Forbidden("editing an asset someone else uploaded needs the role 'editor'")
        before = _edited_fields(asset)
        asset = catalog.edit_asset(s, asset, **changes)
        if diff := audit.diff(before, _edited_fields(asset)):
            me.audit(s, "asset.update", "asset", asset.id, diff)
        return asset_public(asset, links)


def _edited_fields(asset: Asset) -> dict:
    return {"title": asset.title, "description": asset.description, "tags": list(asset.tags or []),
            "project": asset.project}


@router.post("/bulk", response_model=BulkResult, responses={422: {"description": "bad tag or project"}})
def bulk_edit(me: CallerDep, body: BulkEdit, uow: UowDep) -> BulkResult:
    """Add and remove user tags, set the project, for many assets in one transaction."""
    extra = {"project": body.project} if "project" in body.model_fields_set else {}
    with uow() as s:
        before = {a.id: _edited_fields(a) for a in s.scalars(select(Asset).where(Asset.id.in_(body.asset_ids)))}
        updated, missing = catalog.bulk_edit(s, body.asset_ids, add_tags=body.add_tags,
                                             remove_tags=body.remove_tags, **extra)
        for a in s.scalars(select(Asset).where(Asset.id.in_(updated))):
            if diff := audit.diff(before[a.id], _edited_fields(a)):
                me.audit(s, "asset.update", "asset", a.id, diff)
    return BulkResult(updated=updated, missing=missing)


@router.get("/{asset_id}/similar", response_model=SimilarPage, responses={404: {"description": "no such asset"}})
def similar(_: CallerDep, asset_id: str, session: SessionDep, links: LinksDep,
            max_distance: Annotated[int, Query(ge=0, le=32, description="bits that may differ")] = 10,
            limit: Annotated[int, Query(ge=1, le=100)] = 20) -> SimilarPage:
    """Other assets with shots that look like this one's (perceptual hashes of the shot keyframes), closest
    first, with the matching shots and where they are."""
    catalog.get_asset(session, asset_id)
    found = similar_assets(session, asset_id, max_distance=max_distance, limit=limit)
    assets = {a.id: a for a in session.scalars(select(Asset).where(Asset.id.in_([f.asset_id for f in found]))
                                                 .options(selectinload(Asset.renditions)))}
    items = [SimilarItem(asset_id=f.asset_id, title=display_title(asset_values(assets[f.asset_id])),
                         thumbnail_url=thumbnail_url(assets[f.asset_id], links),
                         distance=f.distance, matches=[ShotMatchPublic(**vars(m)) for m in f.matches])
             for f in found if f.asset_id in assets]
    return SimilarPage(asset_id=asset_id, items=items)


@router.get("/{asset_id}/renditions/{name}", response_class=FileResponse,
            responses={404: {"description": "no such asset or rendition"}})
def download_rendition(_: CallerDep, asset_id: str, name: str, session: SessionDep, storage: StorageDep,
                       links: LinksDep):
    """A rendition's bytes, by kind (``proxy``) or file name (``sprite_001.jpg``, as the WebVTT names them),
    inline with the type the product recorded. HTTP Range works on the local store. The thumbnails WebVTT
    comes with each sprite sheet's own signed link."""
    asset = catalog.get_asset(session, asset_id)
    rend = next((r for r in asset.renditions if name in (r.kind, r.key.rsplit("/", 1)[-1])), None)
    if rend is None:
        raise NotFound(f"asset {asset_id} has no rendition {name!r}")
    if rend.key.endswith(".vtt"):
        by_name = {r.key.rsplit("/", 1)[-1]: r.key for r in asset.renditions}
        text = rewrite_references(
            read_text(storage, rend.key), "vtt",
            lambda ref: links.stored(by_name[ref], f"/api/v1/assets/{asset_id}/renditions/{ref}")
            if ref in by_name else None)
        return text_response(text, rend.content_type or "text/vtt; charset=utf-8")
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
def reprocess(me: CallerDep, asset_id: str, r: RootDep, body: ReprocessIn | None = None) -> AssetCreated:
    """Run steps again for an asset (after a fix, or for files ingested before a step existed)."""
    state = workflow.reprocess(r, asset_id, (body or ReprocessIn()).steps)
    return AssetCreated(id=asset_id, status=state)


@router.delete("/{asset_id}", response_model=AssetPublic,
               responses={404: {"description": "no such asset"},
                          409: {"description": "already in the trash; or a purge of an asset not in the trash, or "
                                "of one being worked on"},
                          503: {"description": "the store kept some objects: the asset stays in the trash"}})
def delete_asset(me: CallerDep, asset_id: str, uow: UowDep, r: RootDep, links: LinksDep,
                 purge: Annotated[bool, Query(description="remove it for good (admin; only from the trash)")] = False):
    """Move the asset to the trash (hidden from search and lists, every file kept, restorable), or with
    `purge=true` remove every object it owns and its records. A purge returns 204."""
    with uow() as s:
        asset = catalog.get_asset(s, asset_id)
        if purge:
            me.require("admin", "a purge")
            n = trash.purge(s, r.storage, asset)
            me.audit(s, "asset.purge", "asset", asset_id, {"objects_deleted": n,
                                                           "original_filename": asset.original_filename})
            return Response(status_code=status.HTTP_204_NO_CONTENT)
        trash.trash(s, asset, me.actor.user_id if me.actor else None)
        me.audit(s, "asset.trash", "asset", asset_id)
        return asset_public(asset, links)


@router.post("/{asset_id}/restore", response_model=AssetPublic,
             responses={404: {"description": "no such asset"}, 409: {"description": "not in the trash"}})
def restore_asset(me: CallerDep, asset_id: str, uow: UowDep, links: LinksDep) -> AssetPublic:
    """Bring an asset back from the trash exactly as it was (search finds it again)."""
    with uow() as s:
        asset = catalog.get_asset(s, asset_id)
        trash.restore(s, asset)
        me.audit(s, "asset.restore", "asset", asset_id)
        return asset_public(asset, links)

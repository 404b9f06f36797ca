"""Exports (platform presets rendered from assets), their outputs, deliveries and the delivery report."""

from __future__ import annotations

import posixpath
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import Field
from sqlalchemy.orm import object_session

from api.access import CallerDep
from api.deps import RootDep, SessionDep, StorageDep, UowDep
from api.media_links import LinksDep, get_links, rewrite_references
from api.media_responses import media_response, read_text, text_response
from api.schemas import (
    DeliveryCreate,
    DeliveryPatch,
    DeliveryPublic,
    DeliveryReport,
    ExportCreated,
    ExportOutputPublic,
    ExportPage,
    ExportPublic,
    ExportRef,
    PresetPublic,
    ReviewPublic,
)
from mam import export_jobs, reviews, work
from mam.errors import InvalidInput, NotFound
from mam.export_finishing import FinishingIn
from mam.models import Delivery, Export
from mam.utc import aware_utc
from pipelines import workflow

router = APIRouter(tags=["exports"])


class ExportIn(FinishingIn):
    """Presets for assets (or for one sequence of pieces), with the finishing every output gets."""

    asset_ids: list[str] = Field([], description="assets to export (each its own outputs); empty with a sequence")
    presets: list[str] = Field(min_length=1, description="preset names (GET /api/v1/presets)")
    start_s: float | None = Field(None, description="subclip start, seconds")
    end_s: float | None = Field(None, description="subclip end, seconds (after start_s, within the asset)")
    loudness_target: float | None = Field(None, description="LUFS, overrides the presets' targets")


def delivery_public(d: Delivery) -> DeliveryPublic:
    return DeliveryPublic(id=d.id, export_id=d.export_id, platform=d.platform, status=d.status, url=d.url,
                          note=d.note, history=list(d.history or []), created_at=d.created_at,
                          updated_at=d.updated_at)


def export_public(e: Export, request: Request) -> ExportPublic:
    """An export as the API shows it: outputs with links that play without a header, QC, review, deliveries."""
    links, base = get_links(request), f"/api/v1/exports/{e.id}/outputs"
    outputs = [ExportOutputPublic(name=o["name"], size_bytes=o["size_bytes"], content_type=o["content_type"],
                                  main=bool(o.get("main")), url=links.stored(o["key"], f"{base}/{o['name']}"))
               for o in e.outputs or []]
    review = ReviewPublic(**reviews.review_state(object_session(e), e, request.app.state.root.review))
    return ExportPublic(id=e.id, batch_id=e.batch_id, asset_id=e.asset_id, preset=e.preset, status=e.status,
                        progress=round(e.progress or 0.0, 3), eta_s=e.eta_s, error=e.error, start_s=e.start_s,
                        end_s=e.end_s, loudness_target=e.loudness_target, outputs=outputs, qc=e.qc or None,
                        deliveries=[delivery_public(d) for d in e.deliveries], created_at=e.created_at,
                        updated_at=e.updated_at, review=review)


@router.get("/presets", response_model=list[PresetPublic])
def list_presets(_: CallerDep, r: RootDep) -> list[PresetPublic]:
    """Every export preset, with where its numbers come from (``source``) and how sure they are."""
    return [PresetPublic(**p.model_dump(mode="json")) for p in sorted(r.presets.values(), key=lambda p: p.name)]


@router.post("/exports", response_model=ExportCreated, status_code=status.HTTP_202_ACCEPTED,
             responses={409: {"description": "an asset is not ready"},
                        422: {"description": "unknown preset or asset, bad range, too many outputs, a sequence "
                              "piece missing or empty, no subtitles, a logo that is not a PNG or is larger than "
                              "the picture, a caption too long (each names the item)"}})
def create_exports(me: CallerDep, body: ExportIn, r: RootDep) -> ExportCreated:
    """Queue exports: every preset for every asset. The presets of one asset are made together from one read
    of its original, on the `export` queue (never delaying ingest). Nothing is queued when a field is refused."""
    with r.uow() as s:
        batches = export_jobs.create(s, asset_ids=body.asset_ids, preset_names=body.presets, presets=r.presets,
                                     start_s=body.start_s, end_s=body.end_s, loudness_target=body.loudness_target,
                                     max_outputs=r.settings.export_max_outputs,
                                     finishing=FinishingIn.model_validate(body.model_dump(
                                         include=set(FinishingIn.model_fields), exclude_unset=True)))
        for b in batches:
            workflow.submit_exports(s, r, b.asset_id, b.batch_id)
            for e in b.exports:
                e.created_by = me.actor.user_id if me.actor else None
                me.audit(s, "export.create", "export", e.id, {"asset_id": e.asset_id, "preset": e.preset})
        refs = [ExportRef(id=e.id, asset_id=e.asset_id, preset=e.preset) for b in batches for e in b.exports]
    return ExportCreated(exports=refs)


@router.get("/exports", response_model=ExportPage)
def list_exports(_: CallerDep, session: SessionDep, r: RootDep, request: Request,
                 asset_id: str | None = None,
                 status_: Annotated[str | None, Query(alias="status")] = None,
                 page: Annotated[int, Query(ge=1)] = 1,
                 page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> ExportPage:
    """Exports, newest first."""
    total, rows = export_jobs.list_exports(session, asset_id=asset_id, status=status_, page=page, page_size=page_size)
    return ExportPage(total=total, page=page, page_size=page_size,
                      items=[export_public(e, request) for e in rows])


@router.get("/exports/{export_id}", response_model=ExportPublic, responses={404: {"description": "no such export"}})
def get_export(_: CallerDep, export_id: str, session: SessionDep, r: RootDep, request: Request) -> ExportPublic:
    """Status, progress with ETA, the outputs (only when QC passed) and the QC report (each check: want, got)."""
    return export_public(export_jobs.get(session, export_id), request)


@router.delete("/exports/{export_id}", response_model=ExportPublic,
               responses={404: {"description": "no such export"}, 409: {"description": "already ended"}})
def cancel_export(me: CallerDep, export_id: str, r: RootDep, request: Request) -> ExportPublic:
    """Cancel a queued or running export. When no export of its batch is left, its ffmpeg is stopped and
    nothing it made is kept."""
    with r.uow() as s:
        e = export_jobs.cancel(s, export_id)
        if export_jobs.all_cancelled(s, e.batch_id):  # the running ffmpeg notices within a second and stops
            work.supersede(s, e.asset_id, subject_id=e.batch_id)
        me.audit(s, "export.cancel", "export", export_id)
        return export_public(export_jobs.get(s, export_id), request)


@router.get("/exports/{export_id}/outputs/{name:path}", responses={404: {"description": "no such output"}})
def download_output(_: CallerDep, export_id: str, name: str, session: SessionDep, storage: StorageDep,
                    links: LinksDep):
    """One file of an export. HLS playlists and WebVTT files come with each file they name as its own signed
    link, so a player follows them without a header."""
    e = export_jobs.get(session, export_id)
    out = next((o for o in e.outputs or [] if o["name"] == name), None)
    if out is None:
        raise NotFound(f"export {export_id} has no output {name!r}")
    if name.endswith((".m3u8", ".vtt")):
        by_name = {o["name"]: o["key"] for o in e.outputs or []}
        folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""

        def resolve(ref: str) -> str | None:
            target = posixpath.normpath(folder + ref)
            return links.stored(by_name[target], f"/api/v1/exports/{export_id}/outputs/{target}") \
                if target in by_name else None

        return text_response(rewrite_references(read_text(storage, out["key"]), name.rsplit(".", 1)[-1], resolve),
                             out["content_type"])
    return media_response(storage, out["key"], role="rendition", filename=f"{e.preset}-{name.replace('/', '-')}",
                          content_type=out["content_type"])


@router.post("/exports/{export_id}/deliveries", response_model=DeliveryPublic, status_code=status.HTTP_201_CREATED,
             responses={404: {"description": "no such export"},
                        409: {"description": "the export is not ready, or needs review first"}})
def add_delivery(me: CallerDep, export_id: str, body: DeliveryCreate, r: RootDep) -> DeliveryPublic:
    """Record that an export went to a platform (submitted, published, adopted or rejected). A platform or
    preset that needs review (三审) needs every level approved first: 409 names the missing level."""
    with r.uow() as s:
        d = export_jobs.add_delivery(s, export_id, platform=body.platform, status=body.status, url=body.url,
                                     note=body.note, review=r.review)
        me.audit(s, "delivery.create", "delivery", d.id, {"export_id": export_id, "platform": d.platform,
                                                          "status": d.status})
        return delivery_public(d)


@router.patch("/deliveries/{delivery_id}", response_model=DeliveryPublic,
              responses={404: {"description": "no such delivery"}})
def update_delivery(me: CallerDep, delivery_id: str, body: DeliveryPatch, uow: UowDep) -> DeliveryPublic:
    """Move a delivery on (e.g. submitted → adopted); the history keeps every step."""
    with uow() as s:
        d = export_jobs.update_delivery(s, delivery_id, status=body.status, url=body.url, note=body.note)
        me.audit(s, "delivery.update", "delivery", d.id, body.model_dump(exclude_unset=True))
        return delivery_public(d)


def _day(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: use a date such as 2026-06-30") from None
    return aware_utc(datetime.combine(d + timedelta(days=1) if end else d, time()))


@router.get("/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(_: CallerDep, session: SessionDep, platform: str | None = None,
                    status_: Annotated[str | None, Query(alias="status")] = None, project: str | None = None,
                    from_: Annotated[str | None, Query(alias="from")] = None, to: str | None = None
                    ) -> list[DeliveryPublic]:
    """Delivery records, newest first (``to`` includes the whole day)."""
    rows = export_jobs.list_deliveries(session, platform=platform, status=status_, project=project,
                                       start=_day(from_, "from"), end=_day(to, "to", end=True))
    return [delivery_public(d) for d, *_ in rows]


@router.get("/reports/deliveries", response_model=DeliveryReport)
def report_deliveries(_: CallerDep, session: SessionDep, from_: Annotated[str | None, Query(alias="from")] = None,
                      to: str | None = None) -> DeliveryReport:
    """Counts by platform × status × project × month: "50 submitted, 40 adopted"."""
    rows = export_jobs.delivery_report(session, start=_day(from_, "from"), end=_day(to, "to", end=True))
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        totals.setdefault(row["platform"], {}).setdefault(row["status"], 0)
        totals[row["platform"]][row["status"]] += row["count"]
    return DeliveryReport(rows=rows, totals=totals)

"""Export jobs and delivery records in the catalog: what a producer asked for, where it stands, what went where.

Exports requested together for one asset form a batch (one work item, one read of the original). Every
request is checked before anything is written: a refused request queues nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mam import export_finishing
from mam.errors import Conflict, InvalidInput, NotFound
from mam.export_finishing import FinishingIn
from mam.models import (
    OPEN_EXPORTS,
    Asset,
    AssetStatus,
    Delivery,
    DeliveryStatus,
    Export,
    ExportStatus,
    new_id,
    utcnow,
)
from mam.reviews import ReviewPolicy, require_approved
from mam.utc import aware_utc

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Batch:
    """The exports of one asset made together."""

    asset_id: str
    batch_id: str
    exports: list[Export]


def _check_range(asset: Asset, start_s: float | None, end_s: float | None) -> None:
    duration = asset.technical_facts.duration_s
    fps = asset.technical_facts.fps or 25.0
    if start_s is not None and start_s < 0:
        raise InvalidInput("start_s: must be 0 or more")
    if end_s is not None and end_s <= (start_s or 0):
        raise InvalidInput(f"end_s: must be after start_s ({start_s or 0} s)")
    if duration and start_s is not None and start_s >= duration:
        raise InvalidInput(f"start_s: {start_s} s is past the end of asset {asset.id} ({duration:.3f} s)")
    if duration and end_s is not None and end_s > duration + 1 / fps:
        raise InvalidInput(f"end_s: {end_s} s is past the end of asset {asset.id} ({duration:.3f} s)")


def _check_fits(asset: Asset, preset: Any) -> None:
    has_picture = asset.kind in ("video", "image")
    if preset.kind in ("video", "hls", "still") and not has_picture:
        raise InvalidInput(f"presets: {preset.name} needs a picture; asset {asset.id} is {asset.kind or 'not media'}")
    if preset.kind == "audio" and not asset.technical_facts.audio_codec:
        raise InvalidInput(f"presets: {preset.name} needs sound; asset {asset.id} has no audio")
    if asset.kind == "image" and preset.kind != "still":
        raise InvalidInput(f"presets: {preset.name} needs a moving picture; asset {asset.id} is a still")


def create(session: Session, *, asset_ids: Sequence[str], preset_names: Sequence[str], presets: Mapping[str, Any],
           start_s: float | None = None, end_s: float | None = None, loudness_target: float | None = None,
           max_outputs: int = 20, finishing: FinishingIn | None = None) -> list[Batch]:
    """Check the request and write one batch of queued exports per asset (the caller submits each batch); a
    sequence (``finishing.sequence``) is one batch, filed under its first piece's asset."""
    finishing = finishing or FinishingIn()
    asset_ids = list(dict.fromkeys(asset_ids))
    names = list(dict.fromkeys(preset_names))
    if finishing.sequence is not None:
        if asset_ids or start_s is not None or end_s is not None:
            raise InvalidInput("sequence: name the pieces' assets and ranges in the sequence, not in asset_ids, "
                               "start_s or end_s")
        return _create_sequence(session, names, presets, finishing, loudness_target, max_outputs)
    if not asset_ids:
        raise InvalidInput("asset_ids: name at least one asset")
    if not names:
        raise InvalidInput("presets: name at least one preset")
    unknown = [n for n in names if n not in presets]
    if unknown:
        raise InvalidInput(f"presets: unknown preset {unknown[0]!r}; known: {', '.join(sorted(presets))}")
    if len(asset_ids) * len(names) > max_outputs:
        raise InvalidInput(f"presets: {len(asset_ids) * len(names)} outputs asked in one request, at most "
                           f"{max_outputs} (MAM_EXPORT_MAX_OUTPUTS)")
    if loudness_target is not None and not -70 <= loudness_target <= -5:
        raise InvalidInput("loudness_target: must be between -70 and -5 LUFS")
    assets = []
    for aid in asset_ids:
        asset = session.get(Asset, aid)
        if asset is None:
            raise InvalidInput(f"asset_ids: asset {aid} not found")
        if asset.status != AssetStatus.READY:
            raise Conflict(f"asset_ids: asset {aid} is {asset.status}, not ready; export it once it is ready")
        _check_range(asset, start_s, end_s)
        for name in names:
            _check_fits(asset, presets[name])
        assets.append(asset)
    stored = export_finishing.check(session, finishing, assets, [presets[n] for n in names], start_s=start_s,
                                    end_s=end_s)
    batches = [_batch(session, asset.id, names, start_s, end_s, loudness_target, stored) for asset in assets]
    session.flush()
    return batches


def _batch(session: Session, asset_id: str, names: list[str], start_s: float | None, end_s: float | None,
           loudness_target: float | None, finishing: dict[str, Any] | None) -> Batch:
    batch_id = new_id()
    rows = [Export(id=new_id(), batch_id=batch_id, asset_id=asset_id, preset=name, status=ExportStatus.QUEUED,
                   start_s=start_s, end_s=end_s, loudness_target=loudness_target, progress=0.0, outputs=[], qc={},
                   finishing=finishing) for name in names]
    session.add_all(rows)
    return Batch(asset_id, batch_id, rows)


def _create_sequence(session: Session, names: list[str], presets: Mapping[str, Any], finishing: FinishingIn,
                     loudness_target: float | None, max_outputs: int) -> list[Batch]:
    if not names:
        raise InvalidInput("presets: name at least one preset")
    unknown = [n for n in names if n not in presets]
    if unknown:
        raise InvalidInput(f"presets: unknown preset {unknown[0]!r}; known: {', '.join(sorted(presets))}")
    if len(names) > max_outputs:
        raise InvalidInput(f"presets: {len(names)} outputs asked in one request, at most {max_outputs}")
    bad = [n for n in names if presets[n].kind not in ("video", "hls")]
    if bad:
        raise InvalidInput(f"presets: a sequence is made into video presets; {bad[0]} is {presets[bad[0]].kind}")
    assets = export_finishing.check_sequence(session, finishing.sequence or [])
    stored = export_finishing.check(session, finishing, assets, [presets[n] for n in names], start_s=None,
                                    end_s=None)
    batch = _batch(session, assets[0].id, names, None, None, loudness_target, stored)
    session.flush()
    return [batch]


def get(session: Session, export_id: str) -> Export:
    """The export with its deliveries; raises ``NotFound``."""
    export = session.scalar(select(Export).where(Export.id == export_id).options(selectinload(Export.deliveries)))
    if export is None:
        raise NotFound(f"export {export_id} not found")
    return export


def list_exports(session: Session, *, asset_id: str | None = None, status: str | None = None, page: int = 1,
                 page_size: int = 50) -> tuple[int, list[Export]]:
    """A page of exports, newest first, and the total."""
    query, count = select(Export), select(func.count()).select_from(Export)
    for col, value in ((Export.asset_id, asset_id), (Export.status, status)):
        if value:
            query, count = query.where(col == value), count.where(col == value)
    rows = session.scalars(query.options(selectinload(Export.deliveries))
                           .order_by(Export.created_at.desc(), Export.id.desc())
                           .offset((page - 1) * page_size).limit(page_size))
    return session.scalar(count) or 0, list(rows)


def of_asset(session: Session, asset_id: str) -> list[Export]:
    """An asset's exports, newest first."""
    return list(session.scalars(select(Export).where(Export.asset_id == asset_id)
                                .order_by(Export.created_at.desc(), Export.id.desc())))


def batch(session: Session, batch_id: str) -> list[Export]:
    """Every export of a batch."""
    return list(session.scalars(select(Export).where(Export.batch_id == batch_id).order_by(Export.preset)))


def live(session: Session, batch_id: str) -> list[Export]:
    """The exports of a batch still to make (not cancelled, not ended)."""
    return [e for e in batch(session, batch_id) if e.status in OPEN_EXPORTS]


def all_cancelled(session: Session, batch_id: str) -> bool:
    """Whether nobody wants this batch any more."""
    return not live(session, batch_id)


def mark_running(session: Session, batch_id: str | None) -> None:
    for e in live(session, batch_id or ""):
        e.status, e.error, e.progress, e.eta_s = ExportStatus.RUNNING, None, 0.0, None


def mark_made(session: Session, batch_id: str | None) -> None:
    """The batch was made: each export is ready, or failed_qc when an output missed its preset."""
    for e in live(session, batch_id or ""):
        if not e.qc:
            e.status, e.error = ExportStatus.FAILED, "no output was made"
        elif e.qc.get("passed"):
            e.status, e.error = ExportStatus.READY, None
        else:
            missed = [c["name"] for c in e.qc.get("checks", []) if not c.get("passed")]
            e.status, e.error = ExportStatus.FAILED_QC, f"QC failed: {', '.join(missed) or 'see the report'}"
        e.progress, e.eta_s = 1.0, None


def mark_failed(session: Session, batch_id: str | None, reason: str) -> None:
    for e in live(session, batch_id or ""):
        e.status, e.error, e.eta_s = ExportStatus.FAILED, reason[:MAX_ERROR_CHARS], None


def set_progress(session: Session, batch_id: str, fraction: float, eta_s: float | None) -> None:
    for e in live(session, batch_id):
        e.progress, e.eta_s = round(fraction, 3), eta_s


def record(session: Session, export_id: str, *, outputs: list[dict[str, Any]], qc: dict[str, Any]) -> None:
    """Keep what was made (outputs only when QC passed) and the QC report."""
    e = get(session, export_id)
    e.outputs, e.qc = outputs, qc


def cancel(session: Session, export_id: str) -> Export:
    """Cancel a queued or running export; ``Conflict`` if it has ended."""
    e = get(session, export_id)
    if e.status not in OPEN_EXPORTS:
        raise Conflict(f"export {export_id} is {e.status}; only a queued or running export can be cancelled")
    e.status, e.eta_s, e.error = ExportStatus.CANCELLED, None, None
    session.flush()
    return e


# --- deliveries -------------------------------------------------------------------------------------------

def add_delivery(session: Session, export_id: str, *, platform: str, status: str, url: str | None = None,
                 note: str | None = None, review: ReviewPolicy | None = None) -> Delivery:
    """Record that an export went to a platform; only a ready export can be delivered, and only once every
    review level is approved where ``review`` (the policy) says the platform or the preset needs it."""
    e = get(session, export_id)
    if e.status != ExportStatus.READY:
        raise Conflict(f"export {export_id} is {e.status}; only a ready export can be delivered")
    platform = _platform(platform)
    if review is not None:
        require_approved(session, e, platform, review)
    status = _delivery_status(status)
    d = Delivery(id=new_id(), export_id=e.id, platform=platform, status=status, url=url, note=note,
                 history=[{"status": status, "at": utcnow().isoformat(), "note": note}])
    session.add(d)
    session.flush()
    return d


def update_delivery(session: Session, delivery_id: str, *, status: str | None = None, url: str | None = None,
                    note: str | None = None) -> Delivery:
    """Move a delivery on (e.g. a 学习强国 submission later adopted); every change is kept in ``history``."""
    d = session.get(Delivery, delivery_id)
    if d is None:
        raise NotFound(f"delivery {delivery_id} not found")
    if status is not None:
        d.status = _delivery_status(status)
    if url is not None:
        d.url = url
    if note is not None:
        d.note = note
    d.history = [*(d.history or []), {"status": d.status, "at": utcnow().isoformat(), "note": note}]
    d.updated_at = utcnow()
    session.flush()
    return d


def _platform(value: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 64:
        raise InvalidInput("platform: name the platform (at most 64 characters)")
    return value


def _delivery_status(value: str) -> str:
    try:
        return DeliveryStatus(value).value
    except ValueError:
        raise InvalidInput(f"status: {value!r} is not one of {', '.join(s.value for s in DeliveryStatus)}") from None


def _delivery_query(*, platform: str | None, status: str | None, project: str | None, start: datetime | None,
                    end: datetime | None):
    query = (select(Delivery, Export.preset, Export.asset_id, Asset.project)
             .join(Export, Export.id == Delivery.export_id).join(Asset, Asset.id == Export.asset_id))
    if platform:
        query = query.where(Delivery.platform == platform)
    if status:
        query = query.where(Delivery.status == _delivery_status(status))
    if project:
        query = query.where(Asset.project == project)
    if start is not None:
        query = query.where(Delivery.created_at >= start)
    if end is not None:
        query = query.where(Delivery.created_at < end)
    return query


def list_deliveries(session: Session, *, platform: str | None = None, status: str | None = None,
                    project: str | None = None, start: datetime | None = None, end: datetime | None = None,
                    limit: int = 500) -> list[tuple[Delivery, str, str, str | None]]:
    """Deliveries with their export's preset, asset and project, newest first."""
    query = _delivery_query(platform=platform, status=status, project=project, start=start, end=end)
    return [tuple(r) for r in session.execute(query.order_by(Delivery.created_at.desc()).limit(limit))]


def delivery_report(session: Session, *, start: datetime | None = None, end: datetime | None = None
                    ) -> list[dict[str, Any]]:
    """Counts by platform × status × project × month (of the delivery record), the half-year report's figures."""
    counts: Counter[tuple[str, str, str | None, str]] = Counter()
    for d, _preset, _asset, project in session.execute(
            _delivery_query(platform=None, status=None, project=None, start=start, end=end)):
        counts[(d.platform, d.status, project, aware_utc(d.created_at).strftime("%Y-%m"))] += 1
    return [{"platform": p, "status": s, "project": pr, "month": m, "count": n}
            for (p, s, pr, m), n in sorted(counts.items(), key=lambda kv: (kv[0][3], kv[0][0], kv[0][1],
                                                                            kv[0][2] or ""))]

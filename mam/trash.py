"""The trash: an asset in it keeps every file and row but is hidden from search and lists; a restore brings
it back as it was; a purge (only from the trash) removes every object it owns, then its rows.

A purge deletes objects first and the rows last, so a purge that fails half-way leaves the asset in the
trash, saying which objects remain; running it again finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mam import comments
from mam.errors import Conflict, TransientError
from mam.models import Asset, Export, UploadSession, WorkItem, WorkState, utcnow
from mam.storage import Storage
from mam.storage.keys import originals_prefix
from mam.utc import aware_utc


class PurgeIncomplete(TransientError):
    """Some objects of a purged asset could not be deleted; the asset stays in the trash."""

    def __init__(self, asset_id: str, remaining: list[str]) -> None:
        super().__init__(f"purge of {asset_id} stopped: {len(remaining)} object(s) remain "
                         f"({', '.join(remaining[:5])}); the asset stays in the trash, try again")
        self.remaining = remaining


def trash(session: Session, asset: Asset, user_id: str | None) -> None:
    """Move ``asset`` to the trash (``Conflict`` when it is there already)."""
    if asset.trashed_at is not None:
        raise Conflict(f"asset {asset.id} is already in the trash")
    asset.trashed_at, asset.trashed_by = utcnow(), user_id
    session.flush()


def restore(session: Session, asset: Asset) -> None:
    """Bring ``asset`` back from the trash as it was (``Conflict`` when it is not in the trash)."""
    if asset.trashed_at is None:
        raise Conflict(f"asset {asset.id} is not in the trash")
    asset.trashed_at, asset.trashed_by = None, None
    session.flush()


def owned_prefixes(session: Session, asset: Asset) -> list[str]:
    """Every key prefix holding the asset's objects: original and sidecars, derivatives, export outputs."""
    exports = session.scalars(select(Export.id).where(Export.asset_id == asset.id))
    return [originals_prefix(asset.id), f"derivatives/{asset.id}/", *(f"exports/{e}/" for e in exports)]


def purge(session: Session, storage: Storage, asset: Asset) -> int:
    """Delete every object ``asset`` owns, then its rows (exports, renditions, index entries...). Only from
    the trash (``Conflict`` otherwise). Returns how many objects were deleted; ``PurgeIncomplete`` names
    what remains when the store kept something."""
    if asset.trashed_at is None:
        raise Conflict(f"asset {asset.id} is not in the trash: move it there first")
    running = session.scalar(select(WorkItem.step).where(WorkItem.asset_id == asset.id,
                                                         WorkItem.state == WorkState.RUNNING).limit(1))
    if running:
        raise Conflict(f"asset {asset.id} is being worked on ({running}); purge it when that step ends")
    prefixes = owned_prefixes(session, asset)
    deleted = 0
    for prefix in prefixes:
        try:
            deleted += storage.delete_prefix(prefix)
        except Exception:  # noqa: BLE001 - keep going; what is left is listed below
            pass
    remaining = [k for p in prefixes for k in storage.list_keys(p)]
    if remaining:
        raise PurgeIncomplete(asset.id, remaining)
    comments.delete_for_asset(session, asset.id)
    for sess in session.scalars(select(UploadSession).where(UploadSession.asset_id == asset.id)):
        session.delete(sess)
    for item in session.scalars(select(WorkItem).where(WorkItem.asset_id == asset.id)):
        session.delete(item)
    for export in session.scalars(select(Export).where(Export.asset_id == asset.id)):
        session.delete(export)
    session.flush()  # exports go before the asset (the database would cascade them under the ORM)
    session.delete(asset)
    session.flush()
    return deleted


def due_for_purge(session: Session, days: float) -> list[str]:
    """Ids of assets in the trash for more than ``days``."""
    cutoff = utcnow() - timedelta(days=days)
    return list(session.scalars(select(Asset.id).where(Asset.trashed_at.is_not(None), Asset.trashed_at < cutoff)))


@dataclass
class FsckReport:
    """What ``fsck`` found: objects without rows, rows without objects, work stuck in the queue."""

    orphan_objects: list[str] = field(default_factory=list)
    missing_objects: list[tuple[str, str]] = field(default_factory=list)  # (asset id, key)
    stuck_work: list[tuple[str, str, str]] = field(default_factory=list)  # (asset id, step, state)

    @property
    def clean(self) -> bool:
        return not (self.orphan_objects or self.missing_objects or self.stuck_work)


def _asset_keys(asset: Asset) -> list[str]:
    keys = [asset.original_key, *(sc.key for sc in asset.sidecars), *(r.key for r in asset.renditions)]
    keys += [sh.image_key for sh in asset.shot_facts if sh.image_key]
    return keys


def fsck(session: Session, storage: Storage, *, stuck_after_s: float = 6 * 3600) -> FsckReport:
    """Compare the catalog with the store: every object should belong to a row, every row's object exist,
    no work item should sit unfinished for longer than ``stuck_after_s``."""
    report = FsckReport()
    assets = {a.id: a for a in session.scalars(select(Asset))}
    exports = set(session.scalars(select(Export.id)))
    open_uploads = {s.asset_id for s in session.scalars(select(UploadSession).where(UploadSession.status == "open"))}
    for key in storage.list_keys():
        top, _, rest = key.partition("/")
        owner = rest.split("/", 1)[0]
        if top in ("originals", "derivatives") and owner not in assets and owner not in open_uploads:
            report.orphan_objects.append(key)
        elif top == "exports" and owner not in exports:
            report.orphan_objects.append(key)
    for asset in assets.values():
        if asset.status == "pending" and asset.id in open_uploads:
            continue
        for key in _asset_keys(asset):
            if not storage.exists(key):
                report.missing_objects.append((asset.id, key))
    cutoff = utcnow() - timedelta(seconds=stuck_after_s)
    for item in session.scalars(select(WorkItem).where(WorkItem.state.in_([WorkState.QUEUED, WorkState.SENT,
                                                                           WorkState.RUNNING]))):
        if item.updated_at is not None and aware_utc(item.updated_at) < cutoff:
            report.stuck_work.append((item.asset_id, item.step, item.state))
    return report


def repair(session: Session, storage: Storage, report: FsckReport) -> int:
    """Delete the orphan objects ``report`` found (rows without objects and stuck work are only reported:
    ``mam reprocess`` remakes derivatives, and the dispatcher resends stuck work). Returns objects deleted."""
    n = 0
    for key in report.orphan_objects:
        n += storage.delete_prefix(key)
    return n

"""Work items: the catalog's record of every submitted step (a transactional outbox).

A step is submitted by writing a row in the same transaction as the change that asks for it, so an upload
accepted while the broker is down is not lost: the row waits in ``queued`` until it can be handed over.
Each delivery of the step counts an attempt on the row *before* it waits for anything, so a file that
kills its worker every time runs out of attempts instead of being redelivered forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mam.errors import NotFound
from mam.models import OPEN_WORK, WorkItem, WorkState, utcnow

MAX_ERROR_CHARS = 2000


def submit(session: Session, asset_id: str, step: str, queue: str, subject_id: str | None = None) -> WorkItem:
    """Write a queued work item for ``step`` of ``asset_id`` (the caller's transaction commits it)."""
    item = WorkItem(asset_id=asset_id, subject_id=subject_id, step=step, queue=queue, state=WorkState.QUEUED,
                    attempts=0, retries=0)
    session.add(item)
    session.flush()
    return item


def supersede(session: Session, asset_id: str, *, steps: tuple[str, ...] | None = None,
              subject_id: str | None = None) -> int:
    """Cancel open work items of the asset (of these ``steps``, or of this ``subject_id``): a reprocess
    starts a new chain, a cancelled export batch stops. Returns how many."""
    query = update(WorkItem).where(WorkItem.asset_id == asset_id, WorkItem.state.in_(OPEN_WORK))
    if steps is not None:
        query = query.where(WorkItem.step.in_(steps))
    if subject_id is not None:
        query = query.where(WorkItem.subject_id == subject_id)
    return session.execute(query.values(state=WorkState.CANCELLED, updated_at=utcnow())).rowcount or 0


def get(session: Session, work_id: str) -> WorkItem:
    """The work item; raises ``NotFound``."""
    item = session.get(WorkItem, work_id)
    if item is None:
        raise NotFound(f"work item {work_id} not found")
    return item


def latest(session: Session, asset_id: str, step: str) -> WorkItem | None:
    """The newest work item of this step for this asset."""
    return session.scalar(select(WorkItem).where(WorkItem.asset_id == asset_id, WorkItem.step == step)
                          .order_by(WorkItem.created_at.desc()).limit(1))


def mark_sent(session: Session, work_id: str) -> None:
    """Record that the broker has the item (only a queued or already-sent item changes)."""
    session.execute(update(WorkItem).where(WorkItem.id == work_id,
                                           WorkItem.state.in_((WorkState.QUEUED, WorkState.SENT)))
                    .values(state=WorkState.SENT, sent_at=utcnow()))


def finish(item: WorkItem, state: WorkState, error: str | None = None) -> None:
    """Close an item as done, failed or cancelled."""
    item.state = state
    item.error = error[:MAX_ERROR_CHARS] if error else None
    item.updated_at = utcnow()


def due(session: Session, *, now: datetime | None = None, resend_after_s: float, limit: int = 200) -> list[WorkItem]:
    """Items to hand to the broker: queued ones, and sent or running ones not touched for ``resend_after_s``
    (their message may be lost; a duplicate delivery finds the row closed or the lock held and stops)."""
    now = now or utcnow()
    stale = now - timedelta(seconds=resend_after_s)
    query = select(WorkItem).where(
        (WorkItem.state == WorkState.QUEUED)
        | ((WorkItem.state.in_((WorkState.SENT, WorkState.RUNNING))) & (WorkItem.updated_at < stale))
    ).order_by(WorkItem.created_at).limit(limit)
    return list(session.scalars(query))


def open_items(session: Session, asset_id: str) -> list[WorkItem]:
    """The asset's work items still queued, sent or running."""
    return list(session.scalars(select(WorkItem).where(WorkItem.asset_id == asset_id,
                                                       WorkItem.state.in_(OPEN_WORK))))

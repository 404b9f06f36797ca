"""Jobs: the work items of the catalog as people follow them (what waits, what runs, what failed and why).

A job is one work item (``mam.work``): one step of one asset — the asset's own steps (``metadata``,
``renditions``, …), its ``analysis``, or an ``export`` batch (the presets of one asset requested together,
made from one read; the batch's exports travel with the job). States as people read them: ``queued`` (the
catalog's ``queued`` and ``sent``: waiting for a worker), ``running``, ``done``, ``failed``, ``cancelled``.

Only the steps of the asset's own flow can be retried here (a retry runs the flow again from that step, the
same way as a reprocess); an export is made again by asking for it again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mam.errors import Conflict, InvalidInput, NotFound
from mam.models import Asset, Export, ExportStatus, WorkItem, WorkState

STATES = ("queued", "running", "done", "failed", "cancelled")
#: a job's state -> the work item states it covers
_COVERS: dict[str, tuple[str, ...]] = {
    "queued": (WorkState.QUEUED, WorkState.SENT),
    "running": (WorkState.RUNNING,),
    "done": (WorkState.DONE,),
    "failed": (WorkState.FAILED,),
    "cancelled": (WorkState.CANCELLED,),
}
_SHOWN = {w: s for s, ws in _COVERS.items() for w in ws}


@dataclass
class Job:
    """One work item with what people need to follow it."""

    item: WorkItem
    asset_title: str | None
    state: str
    progress: float | None = None
    eta_s: float | None = None
    exports: list[Export] = field(default_factory=list)
    retryable: bool = False
    superseded: bool = False


def state_of(item: WorkItem) -> str:
    """The job state of a work item (``sent`` reads ``queued``)."""
    return _SHOWN.get(item.state, item.state)


def _states(states: Sequence[str]) -> list[str]:
    unknown = [s for s in states if s not in _COVERS]
    if unknown:
        raise InvalidInput(f"state: no state {unknown[0]!r}; states: {', '.join(STATES)}")
    return [w for s in states for w in _COVERS[s]]


def list_jobs(session: Session, *, states: Sequence[str] = (), kinds: Sequence[str] = (),
              asset_id: str | None = None, retry_steps: Collection[str] = (), page: int = 1,
              page_size: int = 50) -> tuple[int, list[Job]]:
    """A page of jobs, newest first, and the total. Jobs of assets in the trash are left out (as in lists).
    ``retry_steps``: the steps a retry may run again (the workflow's asset steps)."""
    query = (select(WorkItem, Asset).join(Asset, Asset.id == WorkItem.asset_id)
             .where(Asset.trashed_at.is_(None)))
    if states:
        query = query.where(WorkItem.state.in_(_states(states)))
    if kinds:
        query = query.where(WorkItem.step.in_(list(kinds)))
    if asset_id:
        query = query.where(WorkItem.asset_id == asset_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(WorkItem.created_at.desc(), WorkItem.id.desc())
                           .offset((page - 1) * page_size).limit(page_size)).all()
    batches = {i.subject_id for i, _ in rows if i.subject_id}
    by_batch: dict[str, list[Export]] = {}
    if batches:
        for e in session.scalars(select(Export).where(Export.batch_id.in_(batches)).order_by(Export.preset)):
            by_batch.setdefault(e.batch_id, []).append(e)
    newest = _newest_runs(session, {i.asset_id for i, _ in rows}, retry_steps)
    jobs = []
    for item, asset in rows:
        job = Job(item, asset.title or asset.original_filename, state_of(item))
        exports = by_batch.get(item.subject_id or "", []) if item.subject_id else []
        job.exports = exports
        if exports:
            live = [e for e in exports if e.status != ExportStatus.CANCELLED] or exports
            job.progress = round(sum(e.progress or 0.0 for e in live) / len(live), 3)
            etas = [e.eta_s for e in live if e.eta_s is not None]
            job.eta_s = max(etas) if etas and job.state == "running" else None
        elif job.state == "done":
            job.progress = 1.0
        elif job.state == "running" and item.step in retry_steps and asset.status == "processing":
            job.progress, job.eta_s = round(asset.progress or 0.0, 3), asset.eta_s
        if item.step in retry_steps:
            job.superseded = _after(newest.get((item.asset_id, item.step)), item)
            job.retryable = job.state == "failed" and not _after(newest.get(item.asset_id), item)
        jobs.append(job)
    return total, jobs


def _newest_runs(session: Session, asset_ids: Collection[str], steps: Collection[str]
                 ) -> dict[str | tuple[str, str], tuple[datetime, str]]:
    """(created_at, id) of the newest work item among ``steps``: per asset, and per (asset, step)."""
    if not asset_ids or not steps:
        return {}
    found: dict[str | tuple[str, str], tuple[datetime, str]] = {}
    rows = session.execute(select(WorkItem.asset_id, WorkItem.step, WorkItem.created_at, WorkItem.id)
                           .where(WorkItem.asset_id.in_(list(asset_ids)), WorkItem.step.in_(list(steps)))
                           .order_by(WorkItem.created_at, WorkItem.id))
    for aid, step, created, wid in rows:  # ordered: the last one wins
        found[aid] = found[(aid, step)] = (created, wid)
    return found


def _after(newest: tuple[datetime, str] | None, item: WorkItem) -> bool:
    """Whether ``newest`` is another work item, made after ``item``."""
    return newest is not None and newest[1] != item.id and newest[0] >= item.created_at


def get_job(session: Session, job_id: str, *, retry_steps: Collection[str] = ()) -> Job:
    """One job; raises ``NotFound``."""
    item = session.get(WorkItem, job_id)
    asset = session.get(Asset, item.asset_id) if item is not None else None
    if item is None or asset is None or asset.trashed_at is not None:
        raise NotFound(f"job {job_id} not found")
    _, jobs = list_jobs(session, asset_id=item.asset_id, retry_steps=retry_steps, page_size=10_000)
    return next(j for j in jobs if j.item.id == job_id)


def check_retry(session: Session, job_id: str, *, retry_steps: Collection[str]) -> Job:
    """The failed job a retry may run again; ``Conflict`` in words when it may not."""
    job = get_job(session, job_id, retry_steps=retry_steps)
    step = job.item.step
    if step not in retry_steps:
        raise Conflict(f"job {job_id} is an {step} job: ask for the export again (POST /api/v1/exports)"
                       if step == "export" else f"job {job_id}: the {step} step cannot be retried")
    if job.state != "failed":
        raise Conflict(f"job {job_id} is {job.state}, not failed: only a failed job is retried")
    if not job.retryable:
        raise Conflict(f"job {job_id} failed, but the asset's steps have run again since: nothing to retry")
    return job

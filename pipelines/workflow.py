"""The flow's one owner: which steps an asset goes through, in which order, on which queue, and every status
change on the way.

``STEPS`` is the table. Adding a step (transcribe, export, site indexing) is a row here plus its function;
the Celery tasks, the reprocess route, ``mam reprocess`` and the start-up requeue all go through this module.

Statuses:

* asset ``status``: ``pending`` (accepted) → ``processing`` (a step of the ``asset`` stage started) →
  ``ready`` (the step marked ``ready_when_done`` finished) | ``failed`` (any ``asset`` step failed, with why);
* ``analysis.status`` (the ``analysis`` stage, after ready): ``pending`` → ``running`` → ``done`` | ``failed``;
  a failure here never touches the asset's own status;
* an export's ``status`` (the ``export`` stage; a work item per batch of exports requested together for one
  asset, made from one read): ``queued`` → ``running`` → ``ready`` | ``failed_qc`` (an output missed its
  preset) | ``failed``; ``cancelled`` by a person at any time before it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from config.settings import Settings
from mam import catalog, export_jobs, work
from mam.db import UnitOfWork, after_commit
from mam.errors import InvalidInput
from mam.models import Asset, AssetStatus, WorkItem, utcnow
from pipelines import analysis, export, ingest, metadata
from pipelines.context import Enqueuer, Services, StepContext, StepResult

log = logging.getLogger(__name__)
Stage = Literal["asset", "analysis", "export"]


@dataclass(frozen=True)
class Step:
    """One row of the flow."""

    name: str  # what reprocess and the work items call it
    task: str  # the Celery task name (routed by its prefix to ``queue``)
    queue: str  # its queue (``queue_for`` may move one asset's step to the interactive queue)
    run: Callable[[StepContext], StepResult | None]
    stage: Stage  # which status this step drives and fails
    then: str | None = None  # the step submitted when this one is done
    ready_when_done: bool = False  # the asset becomes ``ready`` when this step is done


INTERACTIVE = "ingest"  # the queue of the interactive pool: probe, metadata, media pass of short files
HEAVY = "transcode"  # the heavy pool: long transcodes (and exports)

STEPS: tuple[Step, ...] = (
    Step("metadata", "mam.ingest.probe", INTERACTIVE, metadata.describe_step, "asset", then="renditions"),
    Step("renditions", "mam.transcode.renditions", HEAVY, ingest.renditions_step, "asset",
         then="analysis", ready_when_done=True),
    Step("analysis", "mam.analyze.shots", "analyze", analysis.analysis_step, "analysis"),
    Step("export", "mam.export.run", "export", export.export_step, "export"),
)
BY_NAME = {s.name: s for s in STEPS}
FIRST = STEPS[0].name
ASSET_STEPS = tuple(s.name for s in STEPS if s.stage != "export")  # what reprocess may name
QUEUES = tuple(dict.fromkeys(s.queue for s in STEPS))


def step(name: str) -> Step:
    """The row called ``name``."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise InvalidInput(f"no step {name!r}; steps: {', '.join(BY_NAME)}") from None


# --- submitting -------------------------------------------------------------------------------------------

def queue_for(row: Step, asset: Asset, settings: Settings) -> str:
    """Where a step of this asset runs. The media pass of a short file (up to ``MAM_INTERACTIVE_MAX_S``) and of
    a still stays on the interactive queue, so a small clip is never stuck behind long transcodes."""
    if row.name == "renditions":
        duration = asset.technical_facts.duration_s or 0.0
        if asset.kind == "image" or duration <= settings.interactive_max_s:
            return INTERACTIVE
    return row.queue


def lock_name(row: Step, asset_id: str, subject_id: str | None) -> str:
    """The lock a run of ``row`` takes: the asset's for its own steps (they never run side by side), the
    batch's for an export (exports do not wait for a reprocess, nor it for them)."""
    return f"export:{subject_id}" if row.stage == "export" else f"asset:{asset_id}"


def submit(session: Session, services: Services, asset_id: str, name: str, subject_id: str | None = None
           ) -> WorkItem:
    """Write a work item for step ``name`` in the caller's transaction; it is handed to the broker after the
    commit (or by the dispatcher, if the broker cannot take it then)."""
    row = step(name)
    asset = catalog.get_asset(session, asset_id)
    item = work.submit(session, asset_id, row.name, queue_for(row, asset, services.settings), subject_id)
    if row.stage == "analysis":
        asset.analysis = {**(asset.analysis or {}), "status": "pending", "error": None}
    work_id, queue = item.id, item.queue
    after_commit(session, lambda: hand_over(services.uow, services.enqueuer, work_id, row, queue, asset_id))
    return item


def hand_over(uow: UnitOfWork, enqueuer: Enqueuer, work_id: str, row: Step, queue: str, asset_id: str) -> None:
    """Publish one work item on its queue and record that the broker has it."""
    enqueuer.send(row.task, queue, [asset_id, work_id])
    with uow() as s:
        work.mark_sent(s, work_id)


def start(session: Session, services: Services, asset_id: str) -> WorkItem:
    """Start the flow for a newly accepted asset (same transaction as the asset row)."""
    return submit(session, services, asset_id, FIRST)


def starter(services: Services) -> Callable[[Session, str], WorkItem]:
    """``start`` bound to the adapters: what a completed upload calls in its transaction."""
    return lambda session, asset_id: start(session, services, asset_id)


def submit_exports(session: Session, services: Services, asset_id: str, batch_id: str) -> WorkItem:
    """Submit the export batch (its rows written in the same transaction by ``export_jobs.create``)."""
    return submit(session, services, asset_id, "export", batch_id)


def reprocess(services: Services, asset_id: str, names: Iterable[str]) -> str:
    """Run steps again from the earliest one named (later steps depend on it); returns the asset status.

    Open work of the asset is cancelled first, so two chains never run side by side."""
    wanted = {step(n).name for n in names} or {FIRST}
    first = next(s for s in STEPS if s.name in wanted and s.stage != "export")
    with services.uow() as s:
        asset = catalog.get_asset(s, asset_id)
        work.supersede(s, asset_id, steps=ASSET_STEPS)
        if first.stage == "asset":
            catalog.set_status(asset, AssetStatus.PENDING)
            asset.attempts, asset.progress = 0, 0.0
            if first.name == FIRST:
                asset.warnings = []
        submit(s, services, asset_id, first.name)
        return asset.status


def dispatch_due(services: Services, *, resend_after_s: float, is_running: Callable[[str], bool]) -> int:
    """(``is_running(lock_name)``: whether a live run holds that lock.)"""
    """Hand the broker every work item it does not have: queued ones (the broker was down, or the process
    stopped between commit and publish) and ones whose message was lost. Returns how many were sent."""
    uow = services.uow
    with uow() as s:
        items = [(i.id, i.asset_id, i.subject_id, i.step, i.queue, i.state)
                 for i in work.due(s, resend_after_s=resend_after_s)]
    sent = 0
    for work_id, asset_id, subject_id, name, queue, state in items:
        if name not in BY_NAME:
            continue
        if state == "running" and is_running(lock_name(BY_NAME[name], asset_id, subject_id)):
            with uow() as s:
                work.get(s, work_id).updated_at = utcnow()  # alive: its worker holds the lock
            continue
        hand_over(uow, services.enqueuer, work_id, BY_NAME[name], queue, asset_id)
        sent += 1
    return sent


def resume_unfinished(services: Services) -> int:
    """At start-up: assets pending or processing with no open work item (older catalogs, or work lost with
    a broker's data) get their flow submitted again. Returns how many."""
    with services.uow() as s:
        ids = [aid for aid in catalog.unfinished_asset_ids(s) if not work.open_items(s, aid)]
        for aid in ids:
            submit(s, services, aid, FIRST)
    return len(ids)


# --- status changes ---------------------------------------------------------------------------------------

def begin(session: Session, asset: Asset, row: Step, subject_id: str | None = None) -> None:
    """A delivery of ``row`` starts working."""
    if row.stage == "export":
        export_jobs.mark_running(session, subject_id)
    elif row.stage == "asset":
        if asset.status != AssetStatus.PROCESSING:
            catalog.set_status(asset, AssetStatus.PROCESSING)
    else:
        asset.analysis = {**(asset.analysis or {}), "status": "running", "error": None,
                          "updated_at": utcnow().isoformat()}


def done(session: Session, services: Services, asset: Asset, row: Step, result: StepResult,
         subject_id: str | None = None) -> None:
    """``row`` finished: keep its warnings, move the status on, submit the next step."""
    if row.stage == "export":  # each export is ready, or failed_qc when an output missed its preset
        export_jobs.mark_made(session, subject_id)
        return
    if result.warnings:
        asset.warnings = list(dict.fromkeys([*(asset.warnings or []), *result.warnings]))
    if row.stage == "asset":
        asset.attempts = 0
        if row.ready_when_done:
            catalog.set_status(asset, AssetStatus.READY)
    else:
        asset.analysis = {**(asset.analysis or {}), "status": "done", "error": None,
                          "updated_at": utcnow().isoformat()}
        if result.items == 0 and not asset.shots:
            asset.analysis["note"] = "nothing to analyse"
    if row.then:
        submit(session, services, asset.id, row.then)


def failed(session: Session, asset: Asset, row: Step, reason: str, subject_id: str | None = None) -> None:
    """``row`` failed for good: the asset (its analysis, or the exports of the batch) says why."""
    if row.stage == "export":
        export_jobs.mark_failed(session, subject_id, reason)
    elif row.stage == "asset":
        catalog.set_status(asset, AssetStatus.FAILED, reason)
    else:
        asset.analysis = {**(asset.analysis or {}), "status": "failed", "error": reason[:1000],
                          "updated_at": utcnow().isoformat()}

"""One error policy for every step on every queue.

``run_step`` is all a worker task does. In order:

1. **Count the delivery** on the step's work item, before waiting for anything. Past ``MAM_MAX_ATTEMPTS``
   deliveries the step fails with "stopped the worker N times": a file that kills its worker ends
   ``failed`` instead of being redelivered forever.
2. **Take the asset's lock.** Held by another run (a redelivered copy, or a killed worker's lock that has
   not expired yet): the count is given back and the delivery comes back later. Waiting never uses the
   attempt budget.
3. **Run the step** in a private work directory that is removed on every outcome.
   ``PermanentError`` fails the step with its message; ``TransientError`` (storage, broker, network) gives
   the attempt back and retries with exponential backoff, failing after ``MAX_RETRIES``; a time limit or
   any other exception fails the step with a reason. A step whose every item failed is not done.

The caller (a Celery task, a test) turns the returned ``Decision`` into an acknowledgement or a retry.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from mam import catalog, work
from mam.errors import Cancelled, NotFound, PermanentError, TransientError
from mam.models import Asset, AssetStatus, WorkItem, WorkState
from pipelines import workflow
from pipelines.context import Services, StepResult, remove_work_dirs, step_context

log = logging.getLogger(__name__)
MAX_RETRIES = 8


class Outcome(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"
    RETRY = "retry"
    DROPPED = "dropped"  # nothing to do: a duplicate delivery, a superseded item, a deleted asset


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    countdown_s: float = 0.0
    reason: str | None = None


@dataclass(frozen=True)
class _Delivery:
    work_id: str
    subject_id: str | None


def _work_item(db, asset_id: str, name: str, work_id: str | None) -> WorkItem:
    """The delivery's work item; a message from before work items existed adopts or opens one."""
    if work_id:
        return work.get(db, work_id)
    item = work.latest(db, asset_id, name)
    if item is None or item.state not in (WorkState.QUEUED, WorkState.SENT, WorkState.RUNNING):
        row = workflow.step(name)
        item = work.submit(db, asset_id, row.name, row.queue)
    return item


def _begin_delivery(services: Services, row: workflow.Step, asset_id: str, work_id: str | None
                    ) -> tuple[Decision | None, _Delivery]:
    """Count the attempt; returns a final decision (drop, or out of attempts) or None to go on."""
    max_attempts = services.settings.max_attempts
    with services.uow() as db:
        try:
            asset = catalog.get_asset(db, asset_id)
            item = _work_item(db, asset_id, row.name, work_id)
        except NotFound:
            log.warning("%s of asset %s: asset or work item no longer exists; dropped", row.name, asset_id)
            return Decision(Outcome.DROPPED), _Delivery(work_id or "", None)
        delivery = _Delivery(item.id, item.subject_id)
        if item.state not in (WorkState.QUEUED, WorkState.SENT, WorkState.RUNNING):
            return Decision(Outcome.DROPPED), delivery
        if row.stage == "asset" and asset.status == AssetStatus.FAILED:
            work.finish(item, WorkState.CANCELLED, "the asset had already failed")
            return Decision(Outcome.DROPPED), delivery
        item.attempts += 1
        item.state = WorkState.RUNNING
        if row.stage == "asset":
            asset.attempts = item.attempts
        if item.attempts > max_attempts:
            reason = (f"{row.name} stopped the worker {max_attempts} times (crashed or killed while working on "
                      "this file); the file may crash the decoder")
            work.finish(item, WorkState.FAILED, reason)
            workflow.failed(db, asset, row, reason, item.subject_id)
            remove_work_dirs(services.settings, item.subject_id or asset_id)  # what the killed runs left behind
            return Decision(Outcome.FAILED, reason=reason), delivery
        return None, delivery


def _give_back(services: Services, work_id: str, *, retry: bool = False) -> int:
    """Undo this delivery's attempt (it did not get to run, or failed transiently); returns retries so far."""
    with services.uow() as db:
        item = work.get(db, work_id)
        item.attempts = max(0, item.attempts - 1)
        item.retries += 1 if retry else 0
        if item.state == WorkState.RUNNING:
            item.state = WorkState.SENT
        return item.retries


def _close(services: Services, row: workflow.Step, asset_id: str, work_id: str, *,
           result: StepResult | None = None, reason: str | None = None) -> Decision:
    """Record the end of the step: done (status on, next step submitted) or failed with ``reason``."""
    with services.uow() as db:
        item = work.get(db, work_id)
        if item.state == WorkState.CANCELLED:  # superseded (a reprocess) or cancelled while it worked
            return Decision(Outcome.DROPPED)
        asset = catalog.get_asset(db, asset_id)
        if reason is not None:
            work.finish(item, WorkState.FAILED, reason)
            workflow.failed(db, asset, row, reason, item.subject_id)
            return Decision(Outcome.FAILED, reason=reason)
        work.finish(item, WorkState.DONE)
        workflow.done(db, services, asset, row, result or StepResult(), item.subject_id)
        return Decision(Outcome.DONE)


def _every_item_failed(row: workflow.Step, result: StepResult) -> str | None:
    if result.items and result.failed_items >= result.items:
        return f"{row.name} failed on every one of its {result.items} item(s): {result.first_failure or 'no reason'}"
    return None


def run_step(services: Services, name: str, asset_id: str, work_id: str | None = None, *,
             time_limit_errors: tuple[type[BaseException], ...] = ()) -> Decision:
    """Run one delivery of step ``name`` for ``asset_id`` under the error policy (see the module doc).

    ``time_limit_errors``: exception types the task runner raises at its soft time limit."""
    row = workflow.step(name)
    settings = services.settings
    early, delivery = _begin_delivery(services, row, asset_id, work_id)
    if early is not None:
        return early
    work_id, subject_id = delivery.work_id, delivery.subject_id
    with services.locks.hold(workflow.lock_name(row, asset_id, subject_id)) as got:
        if not got:
            _give_back(services, work_id)
            return Decision(Outcome.RETRY, countdown_s=max(1, settings.lock_ttl_s // 3),
                            reason="another run holds this asset")
        with services.uow() as db:
            workflow.begin(db, catalog.get_asset(db, asset_id), row, subject_id)
        try:
            with step_context(asset_id, services, subject_id) as ctx:
                result = row.run(ctx) or StepResult()
        except Cancelled:
            with services.uow() as db:
                work.finish(work.get(db, work_id), WorkState.CANCELLED, "cancelled while it ran")
            return Decision(Outcome.DROPPED, reason="cancelled")
        except PermanentError as exc:
            return _close(services, row, asset_id, work_id, reason=str(exc))
        except TransientError as exc:
            retries = _give_back(services, work_id, retry=True)
            if retries > MAX_RETRIES:
                return _close(services, row, asset_id, work_id,
                              reason=f"{exc} (gave up after {MAX_RETRIES} retries)")
            log.warning("%s of %s: %s; retry %d in a while", name, asset_id, exc, retries)
            return Decision(Outcome.RETRY, countdown_s=min(300, 5 * 2 ** (retries - 1)), reason=str(exc))
        except time_limit_errors:
            return _close(services, row, asset_id, work_id,
                          reason=f"{name} took longer than {settings.task_soft_time_limit_s} s and was stopped")
        except NotFound as exc:
            with services.uow() as db:
                if db.get(Asset, asset_id) is None:
                    return Decision(Outcome.DROPPED)
            return _close(services, row, asset_id, work_id, reason=str(exc))
        except Exception as exc:
            log.exception("%s failed for %s", name, asset_id)
            return _close(services, row, asset_id, work_id,
                          reason=f"internal error in {name}: {type(exc).__name__}: {exc}")
        if problem := _every_item_failed(row, result):
            return _close(services, row, asset_id, work_id, result=result, reason=problem)
        return _close(services, row, asset_id, work_id, result=result)

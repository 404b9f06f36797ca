"""One Celery task per workflow step, made from the table. Messages carry ids only; every task is a thin
caller of ``run_step`` (the error policy) that turns its decision into an acknowledgement or a retry."""

from __future__ import annotations

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded

from app.bootstrap import root
from pipelines.run_step import Outcome, run_step
from pipelines.workflow import STEPS, Step
from workers.app import app


def _make_task(row: Step):
    def task(self: Task, asset_id: str, work_id: str | None = None) -> str:
        decision = run_step(root(), row.name, asset_id, work_id, time_limit_errors=(SoftTimeLimitExceeded,))
        if decision.outcome == Outcome.RETRY:
            raise self.retry(countdown=decision.countdown_s, max_retries=None)
        return decision.outcome.value

    task.__name__ = task.__qualname__ = f"run_{row.name}"
    task.__doc__ = f"The {row.name} step on the {row.queue} queue."
    return app.task(name=row.task, bind=True)(task)


TASKS = {row.name: _make_task(row) for row in STEPS}

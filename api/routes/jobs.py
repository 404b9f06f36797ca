"""Jobs: what is queued, running, done or failed across ingest, analysis and exports, and retrying a failure.

A job is one work item of the catalog (``mam.work``): one step of one asset as ``pipelines.workflow`` names
it (``metadata``, ``renditions``, ``analysis``, ``export``). **Exports appear through their work item**: the
presets of one asset requested together are one ``export`` job, whose ``exports`` lists each export with its
status and progress; an export is cancelled with ``DELETE /api/v1/exports/{id}`` (the one way to cancel) and
made again by asking for it again. There is no cancel here: a queued step of the asset's own flow cannot be
dropped without leaving the asset (or its analysis) waiting for ever.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.access import CallerDep
from api.deps import RootDep, SessionDep
from api.schemas_jobs import JobExportPublic, JobPage, JobPublic
from mam import jobs, work
from mam.jobs import Job
from pipelines import workflow

router = APIRouter(tags=["jobs"])
RETRY_STEPS = workflow.ASSET_STEPS  # what a retry may run again (through the workflow's reprocess)


def job_public(j: Job) -> JobPublic:
    i = j.item
    return JobPublic(id=i.id, kind=i.step, queue=i.queue, asset_id=i.asset_id, asset_title=j.asset_title,
                     state=j.state, attempts=i.attempts or 0, retries=i.retries or 0, error=i.error,
                     progress=j.progress, eta_s=j.eta_s, retryable=j.retryable, superseded=j.superseded,
                     exports=[JobExportPublic(id=e.id, preset=e.preset, status=e.status,
                                              progress=round(e.progress or 0.0, 3), eta_s=e.eta_s, error=e.error)
                              for e in j.exports],
                     created_at=i.created_at, updated_at=i.updated_at)


@router.get("/jobs", response_model=JobPage, responses={422: {"description": "an unknown state"}})
def list_jobs(_: CallerDep, session: SessionDep,
              state: Annotated[list[str], Query(description="queued, running, done, failed, cancelled "
                                                "(several: any of them)")] = [],  # noqa: B006
              kind: Annotated[list[str], Query(description="work steps: metadata, renditions, analysis, export "
                                               "(several: any of them)")] = [],  # noqa: B006
              asset_id: str | None = None,
              page: Annotated[int, Query(ge=1)] = 1,
              page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> JobPage:
    """Jobs, newest first: each step of each asset with its state, attempts, why it failed, and its progress
    where known. Exports appear through their work item (one ``export`` job per batch, its exports listed)."""
    total, rows = jobs.list_jobs(session, states=state, kinds=kind, asset_id=asset_id, retry_steps=RETRY_STEPS,
                                 page=page, page_size=page_size)
    return JobPage(total=total, page=page, page_size=page_size, items=[job_public(j) for j in rows])


@router.post("/jobs/{job_id}/retry", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             responses={404: {"description": "no such job"},
                        409: {"description": "not failed, an export (ask for it again), or the asset's steps "
                              "already ran again"}})
def retry_job(me: CallerDep, job_id: str, r: RootDep) -> JobPublic:
    """Run a failed step of an asset again, and the steps after it, the way a reprocess does
    (``POST /api/v1/assets/{id}/reprocess``). Returns the new job."""
    with r.uow() as s:
        failed = jobs.check_retry(s, job_id, retry_steps=RETRY_STEPS)
        asset_id, step = failed.item.asset_id, failed.item.step
    workflow.reprocess(r, asset_id, [step])
    with r.uow() as s:
        me.audit(s, "job.retry", "asset", asset_id, {"job_id": job_id, "step": step})
        new = work.latest(s, asset_id, step)
        return job_public(jobs.get_job(s, new.id, retry_steps=RETRY_STEPS))

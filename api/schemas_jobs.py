"""The jobs API's shapes: work items as people follow them (``mam.jobs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

JobState = Literal["queued", "running", "done", "failed", "cancelled"]


class JobExportPublic(BaseModel):
    """One export of an export job's batch (cancel it with DELETE /api/v1/exports/{id})."""

    id: str
    preset: str
    status: Literal["queued", "running", "ready", "failed", "failed_qc", "cancelled"]
    progress: float = 0.0
    eta_s: float | None = None
    error: str | None = None


class JobPublic(BaseModel):
    id: str = Field(description="the work item's id")
    kind: str = Field(description="the work step, as the workflow names it: metadata, renditions, analysis, "
                      "export, …")
    queue: str
    asset_id: str
    asset_title: str | None = Field(None, description="the asset's title, else its file name")
    state: JobState = Field(description="queued (waiting for a worker), running, done, failed or cancelled")
    attempts: int = Field(description="deliveries so far (a worker that died counts one)")
    retries: int = Field(0, description="transient failures retried (storage or broker away)")
    error: str | None = Field(None, description="why it failed, in words")
    progress: float | None = Field(None, description="0..1 where known: the asset's media pass, the mean of an "
                                   "export batch; 1 when done")
    eta_s: float | None = None
    retryable: bool = Field(False, description="POST /api/v1/jobs/{id}/retry would run it again")
    superseded: bool = Field(False, description="this step of the asset ran again after this one")
    exports: list[JobExportPublic] = Field([], description="an export job's batch: one per preset")
    created_at: datetime
    updated_at: datetime


class JobPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[JobPublic]

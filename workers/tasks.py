"""One Celery task per ingest step. Messages carry an asset id only; state lives in the catalog."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task
from celery.exceptions import MaxRetriesExceededError, SoftTimeLimitExceeded

from config.settings import get_settings
from mam import catalog
from mam.db import unit_of_work
from mam.errors import NotFound, PermanentError, TransientError
from mam.models import AssetStatus
from pipelines import analysis, ingest, metadata
from pipelines.context import StepContext, step_context
from workers.app import app
from workers.enqueue import ANALYZE, PROBE, RENDITIONS, enqueue_analysis, enqueue_renditions
from workers.locks import held_lock

log = logging.getLogger(__name__)


def _bump_attempts(db_url: str, asset_id: str, delta: int | None) -> tuple[str, int]:
    """Add ``delta`` to the asset's attempt counter (``None`` resets it); return status and count."""
    with unit_of_work(db_url) as s:
        asset = catalog.get_asset(s, asset_id)
        asset.attempts = 0 if delta is None else max(0, (asset.attempts or 0) + delta)
        return asset.status, asset.attempts


def run_step(task: Task, asset_id: str, step: Callable[[StepContext], object], name: str) -> bool:
    """Run one pipeline step for an asset with its lock, attempt counter and error policy.

    Returns True when the step completed and the pipeline should go on.
    """
    settings = get_settings()
    db = settings.database_url
    with held_lock(settings.broker_url, f"{name}:{asset_id}", settings.lock_ttl_s) as got:
        if not got:
            raise task.retry(countdown=max(1, settings.lock_ttl_s // 3), max_retries=None)
        try:
            status, attempts = _bump_attempts(db, asset_id, +1)
        except NotFound:
            log.warning("asset %s no longer exists; dropping %s", asset_id, name)
            return False
        if status in (AssetStatus.READY, AssetStatus.FAILED):
            _bump_attempts(db, asset_id, -1)
            return False
        if attempts > settings.max_attempts:
            ingest.fail_asset(db, asset_id, (
                f"gave up after {settings.max_attempts} attempts: processing stopped each time "
                "(the worker crashed or was killed); the file may crash the decoder"))
            return False
        try:
            with step_context(asset_id, settings) as ctx:
                step(ctx)
        except PermanentError as exc:
            ingest.fail_asset(db, asset_id, str(exc))
            return False
        except SoftTimeLimitExceeded:
            ingest.fail_asset(db, asset_id, f"{name} took longer than {settings.task_soft_time_limit_s} s")
            return False
        except TransientError as exc:
            _bump_attempts(db, asset_id, -1)
            try:
                raise task.retry(exc=exc, countdown=min(300, 5 * 2 ** task.request.retries), max_retries=8)
            except MaxRetriesExceededError:
                ingest.fail_asset(db, asset_id, f"storage unavailable, gave up after retries: {exc}")
                return False
        except Exception as exc:
            log.exception("%s failed for %s", name, asset_id)
            ingest.fail_asset(db, asset_id, f"internal error in {name}: {type(exc).__name__}: {exc}")
            return False
        _bump_attempts(db, asset_id, None)
        return True


@app.task(name=PROBE, bind=True)
def probe_asset(self: Task, asset_id: str) -> None:
    """Probe an original, gate it, read its metadata; then queue its renditions on the transcode queue."""
    if run_step(self, asset_id, metadata.describe_step, "probe"):
        enqueue_renditions(asset_id)


@app.task(name=RENDITIONS, bind=True)
def make_renditions(self: Task, asset_id: str) -> None:
    """The media pass; the asset becomes ready; then its analysis is queued."""
    if run_step(self, asset_id, ingest.renditions_step, "renditions"):
        enqueue_analysis(asset_id)


@app.task(name=ANALYZE, bind=True)
def analyse_asset(self: Task, asset_id: str) -> None:
    """Keyframe analysis on its own queue: OCR, tags, perceptual hashes. Never fails the asset."""
    settings = get_settings()
    with held_lock(settings.broker_url, f"analysis:{asset_id}", settings.lock_ttl_s) as got:
        if not got:
            raise self.retry(countdown=max(1, settings.lock_ttl_s // 3), max_retries=None)
        try:
            with step_context(asset_id, settings) as ctx:
                analysis.analysis_step(ctx)
        except NotFound:
            log.warning("asset %s no longer exists; dropping its analysis", asset_id)
        except SoftTimeLimitExceeded:
            analysis.fail_analysis(settings.database_url, asset_id, "analysis took too long")
        except Exception as exc:
            log.exception("analysis failed for %s", asset_id)
            analysis.fail_analysis(settings.database_url, asset_id, f"{type(exc).__name__}: {exc}")

"""Health: the only route that needs no token.

It answers for anyone, so it says what is down in a few words and never how: no exception text, class
names, hosts or ports (those go to the server's log at WARNING).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from fastapi import APIRouter, Response, status
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.deps import SettingsDep, StorageDep
from api.schemas import ComponentHealth, Health
from mam.db import ping
from mam.errors import NotFound, StorageUnavailable

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)
VERSION = "0.1.0"

NOT_ANSWERING = "not answering"
FAILING = "failing"


def broker_cause(exc: Exception) -> str:
    """A short public reason for a broker check that raised."""
    if isinstance(exc, redis.AuthenticationError):
        return "refused the credentials"
    if isinstance(exc, redis.BusyLoadingError):
        return "starting up"
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError, OSError)):
        return NOT_ANSWERING
    return FAILING


def catalog_cause(exc: Exception) -> str:
    """A short public reason for a catalog check that raised."""
    if isinstance(exc, (DBAPIError, PoolTimeout, OSError)):
        return NOT_ANSWERING
    return FAILING


def storage_cause(exc: Exception) -> str:
    """A short public reason for a store check that raised."""
    if isinstance(exc, PermissionError):
        return "not writable"
    if isinstance(exc, (NotFound, FileNotFoundError)):
        return "missing"
    if isinstance(exc, (StorageUnavailable, OSError)):
        return NOT_ANSWERING
    return FAILING


_down: dict[str, str] = {}  # component -> the last failure logged (each change is logged once, not each poll)
CHECK_TIMEOUT_S = 3.0


def _in_background(fn: Callable[[], object]) -> Future:
    """Run a check in a daemon thread. The checks run side by side, each bounded in time: a catalog or a
    store that hangs (a dropped network route) is "not answering" and health still answers; a hung check
    keeps its thread until it returns, and never holds up the process's exit."""
    job: Future = Future()

    def run() -> None:
        try:
            job.set_result(fn())
        except BaseException as exc:  # handed to the waiting request
            job.set_exception(exc)

    threading.Thread(target=run, name="health-check", daemon=True).start()
    return job


def _outcome(component: str, job: Future, cause: Callable[[Exception], str], deadline: float) -> ComponentHealth:
    try:
        job.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        text = f"no answer within {CHECK_TIMEOUT_S:g} s"
        detail = NOT_ANSWERING
    except Exception as exc:  # reported, not raised: health must always answer
        text = f"{type(exc).__name__}: {exc}"
        detail = cause(exc)
    else:
        if _down.pop(component, None) is not None:
            log.info("health: %s answers again", component)
        return ComponentHealth(ok=True)
    if _down.get(component) != text:
        _down[component] = text
        log.warning("health: %s check failed: %s", component, text)
    return ComponentHealth(ok=False, detail=detail)


@router.get("/health", response_model=Health, responses={503: {"model": Health, "description": "degraded"}})
def health(settings: SettingsDep, storage: StorageDep, response: Response) -> Health:
    """State of the catalog, the object store and the broker. 503 (``degraded``) when any is down, each part
    with a short reason (e.g. ``{"ok": false, "detail": "not answering"}``)."""

    def broker() -> None:
        client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()

    deadline = time.monotonic() + CHECK_TIMEOUT_S
    catalog = _in_background(lambda: ping(settings.database_url))
    store = _in_background(storage.check)
    queue = _in_background(broker) if settings.broker_url else None
    result = Health(
        status="ok", version=VERSION,
        catalog=_outcome("catalog", catalog, catalog_cause, deadline),
        storage=_outcome("storage", store, storage_cause, deadline),
        broker=(_outcome("broker", queue, broker_cause, deadline) if queue is not None
                else ComponentHealth(ok=False, detail="not configured")),
    )
    if not (result.catalog.ok and result.storage.ok and result.broker.ok):
        result.status = "degraded"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return result

"""Health: the only route that needs no token."""

from __future__ import annotations

import redis
from fastapi import APIRouter, Response, status

from api.deps import SettingsDep, StorageDep
from api.schemas import ComponentHealth, Health
from mam.db import ping

router = APIRouter(tags=["health"])
VERSION = "0.1.0"


def _check(fn) -> ComponentHealth:
    try:
        fn()
        return ComponentHealth(ok=True)
    except Exception as exc:  # reported, not raised: health must always answer
        return ComponentHealth(ok=False, detail=f"{type(exc).__name__}: {exc}"[:300])


@router.get("/health", response_model=Health)
def health(settings: SettingsDep, storage: StorageDep, response: Response) -> Health:
    """State of the catalog, the object store and the broker. 503 when any is down."""

    def broker() -> None:
        client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()

    result = Health(
        status="ok", version=VERSION,
        catalog=_check(lambda: ping(settings.database_url)),
        storage=_check(storage.check),
        broker=_check(broker) if settings.broker_url else ComponentHealth(ok=False, detail="no broker set"),
    )
    if not (result.catalog.ok and result.storage.ok and result.broker.ok):
        result.status = "degraded"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return result

"""The FastAPI application factory: it takes what the composition root built."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI

from api import errors
from api.routes import assets, exports, health, projects, search, uploads
from app.bootstrap import Root, root
from mam import uploads as upload_sessions
from pipelines import workflow

log = logging.getLogger(__name__)


def sweep_expired_uploads(r: Root) -> int:
    """Abort upload sessions past their expiry and free their parts."""
    return upload_sessions.expire_sessions(r.uow, r.storage)


def dispatch_pending(r: Root) -> int:
    """Hand the broker the work the catalog holds and the broker lacks (see ``workflow.dispatch_due``)."""
    return workflow.dispatch_due(r, resend_after_s=r.settings.redispatch_after_s,
                                 is_running=r.locks.is_held)


async def _every(seconds: float, what: str, fn) -> None:
    while True:
        try:
            n = await asyncio.to_thread(fn)
            if n:
                log.info("%s: %d", what, n)
        except Exception as exc:  # the broker or the store may be down for a while; try again later
            log.warning("%s failed (%s); trying again in %.0f s", what, exc, seconds)
        await asyncio.sleep(seconds)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    r: Root = app.state.root
    tasks = [asyncio.create_task(_every(r.settings.upload_sweep_interval_s, "expired upload sessions",
                                        lambda: sweep_expired_uploads(r)))]
    if r.settings.dispatch_interval_s > 0:
        tasks.append(asyncio.create_task(_every(r.settings.dispatch_interval_s, "work handed to the broker",
                                                lambda: dispatch_pending(r))))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()


def create_app(r: Root | None = None) -> FastAPI:
    """The API with its routers; every /api/v1 route but health needs a bearer token."""
    r = r or root()
    app = FastAPI(
        title="MAM",
        version=health.VERSION,
        description="Media asset management for a convergence newsroom: upload originals, get proxies "
        "and posters made by workers, read technical metadata, search the archive in Chinese and English. "
        "Authenticate with `Authorization: Bearer`.",
        lifespan=_lifespan,
    )
    app.state.root = r
    v1 = APIRouter(prefix="/api/v1")
    for module in (health, assets, uploads, search, projects, exports):
        v1.include_router(module.router)
    app.include_router(v1)
    errors.install(app)
    return app

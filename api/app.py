"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from api.routes import assets, health, projects, search, uploads
from config.settings import Settings, get_settings
from mam import uploads as upload_sessions
from mam.db import unit_of_work
from mam.errors import InvalidInput, NotFound
from pipelines.context import storage_from_settings

log = logging.getLogger(__name__)


def sweep_expired_uploads(settings: Settings, storage) -> int:
    """Abort upload sessions past their expiry and free their parts."""
    with unit_of_work(settings.database_url) as s:
        return upload_sessions.expire_sessions(s, storage)


async def _sweeper(app: FastAPI) -> None:
    settings = app.state.settings
    while True:
        try:
            n = await asyncio.to_thread(sweep_expired_uploads, settings, app.state.storage)
            if n:
                log.info("expired %d upload session(s)", n)
        except Exception:
            log.exception("upload sweeper failed; trying again later")
        await asyncio.sleep(settings.upload_sweep_interval_s)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweeper(app))
    try:
        yield
    finally:
        task.cancel()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API with its routers; every /api/v1 route but health needs a bearer token."""
    settings = settings or get_settings()
    app = FastAPI(
        title="MAM",
        version=health.VERSION,
        description="Media asset management for a convergence newsroom: upload originals, get proxies "
        "and posters made by workers, read technical metadata, search the archive in Chinese and English. "
        "Authenticate with `Authorization: Bearer`.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.storage = storage_from_settings(settings)
    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(health.router)
    v1.include_router(assets.router)
    v1.include_router(uploads.router)
    v1.include_router(search.router)
    v1.include_router(projects.router)
    app.include_router(v1)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    return app

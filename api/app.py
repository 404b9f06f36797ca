"""The FastAPI application factory: it takes what the composition root built."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI

from api import access, errors, web
from api.routes import (
    assets,
    collections,
    comments,
    exports,
    finishing,
    health,
    jobs,
    people,
    projects,
    reviews,
    search,
    ui,
    uploads,
)
from app.bootstrap import Root, root
from mam import audit, catalog, trash
from mam import uploads as upload_sessions
from mam.errors import MamError
from pipelines import workflow

log = logging.getLogger(__name__)


def sweep_expired_uploads(r: Root) -> int:
    """Abort upload sessions past their expiry and free their parts."""
    return upload_sessions.expire_sessions(r.uow, r.storage)


def purge_old_trash(r: Root) -> int:
    """Purge the assets that have been in the trash for ``MAM_TRASH_DAYS`` (each in its own transaction; one
    the store will not let go of stays in the trash and is tried again next time)."""
    with r.uow() as s:
        due = trash.due_for_purge(s, r.settings.trash_days)
    purged = 0
    for asset_id in due:
        try:
            with r.uow() as s:
                n = trash.purge(s, r.storage, catalog.get_asset(s, asset_id))
                audit.record(s, None, "asset.purge", "asset", asset_id,
                             {"objects_deleted": n, "reason": "in the trash too long"}, actor_name="system")
            purged += 1
        except MamError as exc:
            log.warning("could not purge %s from the trash: %s", asset_id, exc)
    return purged


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
                                        lambda: sweep_expired_uploads(r))),
             asyncio.create_task(_every(r.settings.upload_sweep_interval_s, "assets purged from the trash",
                                        lambda: purge_old_trash(r)))]
    if r.settings.dispatch_interval_s > 0:
        tasks.append(asyncio.create_task(_every(r.settings.dispatch_interval_s, "work handed to the broker",
                                                lambda: dispatch_pending(r))))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()


def create_app(r: Root | None = None) -> FastAPI:
    """The API with its routers; every /api/v1 route needs the role ``api.access.RULES`` names."""
    r = r or root()
    app = FastAPI(
        title="MAM",
        version=health.VERSION,
        description="Media asset management for a convergence newsroom: upload originals, get proxies "
        "and posters made by workers, read technical metadata, search the archive in Chinese and English. "
        "Authenticate with `Authorization: Bearer <token>` (scripts, the CLI) or sign in at `/api/v1/auth/login` "
        "(browsers: a session cookie, and `X-CSRF-Token` on unsafe methods). Each route needs a role "
        "(viewer < videographer < editor < producer < admin); media URLs the API returns are signed and work "
        "without a header until they expire.",
        lifespan=_lifespan,
    )
    app.state.root = r
    v1 = APIRouter(prefix="/api/v1", dependencies=[Depends(access.authenticate)])
    for module in (health, people, assets, uploads, search, projects, exports, finishing, reviews, comments,
                   collections, jobs, ui):
        v1.include_router(module.router)
    app.include_router(v1)
    access.install(app)
    errors.install(app)
    web.install(app, r.settings.web_dir)
    return app

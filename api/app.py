"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from api.routes import assets, health
from config.settings import Settings, get_settings
from mam.errors import NotFound
from pipelines.context import storage_from_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API with its routers; every /api/v1 route but health needs a bearer token."""
    settings = settings or get_settings()
    app = FastAPI(
        title="MAM",
        version=health.VERSION,
        description="Media asset management for a convergence newsroom: upload originals, get proxies "
        "and posters made by workers, read technical metadata. Authenticate with `Authorization: Bearer`.",
    )
    app.state.settings = settings
    app.state.storage = storage_from_settings(settings)
    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(health.router)
    v1.include_router(assets.router)
    app.include_router(v1)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    return app

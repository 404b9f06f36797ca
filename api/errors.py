"""How the product's error types become HTTP answers: the one table of status codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mam.errors import (
    ChecksumRequired,
    Conflict,
    Forbidden,
    Gone,
    InvalidInput,
    MamError,
    NotFound,
    TooLarge,
    TooManyAttempts,
    TransientError,
    Unauthenticated,
    UnsupportedMedia,
)

#: most specific first
STATUS_BY_ERROR: tuple[tuple[type[MamError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (TooManyAttempts, 429),
    (NotFound, 404),
    (Gone, 410),
    (ChecksumRequired, 428),
    (Conflict, 409),
    (TooLarge, 413),
    (UnsupportedMedia, 415),
    (InvalidInput, 422),
    (TransientError, 503),
)


def status_for(exc: MamError) -> int:
    """The HTTP status of one of the product's errors (500 for one not in the table)."""
    return next((code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind)), 500)


def install(app: FastAPI) -> None:
    """Answer every product error with its status and its message as ``detail``."""

    @app.exception_handler(MamError)
    async def _mam_error(_: Request, exc: MamError) -> JSONResponse:
        headers = {}
        if isinstance(exc, Unauthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(exc.retry_after_s)
        return JSONResponse({"detail": str(exc)}, status_code=status_for(exc), headers=headers)

"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from config.settings import Settings
from mam.auth import find_token
from mam.db import session_factory
from mam.models import ApiToken
from mam.storage import Storage


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def get_session(settings: Annotated[Settings, Depends(get_app_settings)]) -> Iterator[Session]:
    session = session_factory(settings.database_url)()
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <token>`")


def current_token(
    settings: SettingsDep,
    session: SessionDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiToken:
    """The caller's token, or 401."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    token = find_token(session, creds.credentials, admin)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token",
                            headers={"WWW-Authenticate": "Bearer"})
    return token


CurrentToken = Annotated[ApiToken, Depends(current_token)]

"""Typed dependencies shared by the routers; everything comes from the composition root on ``app.state``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.bootstrap import Root
from config.settings import Settings
from mam.auth import find_token
from mam.db import UnitOfWork
from mam.models import ApiToken
from mam.storage import Storage


def get_root(request: Request) -> Root:
    return request.app.state.root


RootDep = Annotated[Root, Depends(get_root)]


def get_app_settings(r: RootDep) -> Settings:
    return r.settings


def get_storage(r: RootDep) -> Storage:
    return r.storage


def get_uow(r: RootDep) -> UnitOfWork:
    return r.uow


def get_session(r: RootDep) -> Iterator[Session]:
    """A session for reading; routes that change something go through the unit of work instead."""
    session = r.uow.read()
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
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

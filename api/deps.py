"""Typed dependencies shared by the routers; everything comes from the composition root on ``app.state``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.bootstrap import Root
from config.settings import Settings
from mam.db import UnitOfWork
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

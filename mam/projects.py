"""Projects and programmes: first-class names that assets belong to (``Asset.project`` holds the name)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mam.errors import Conflict, InvalidInput
from mam.models import Asset, Project, utcnow

MAX_NAME_CHARS = 200


def clean_name(name: str | None) -> str | None:
    """A project name stripped of surrounding space; None for empty. Raises ``InvalidInput`` when too long."""
    name = (name or "").strip()
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"a project name has at most {MAX_NAME_CHARS} characters")
    if any(ord(c) < 32 for c in name):
        raise InvalidInput("a project name may not contain control characters")
    return name or None


def ensure_project(session: Session, name: str | None) -> str | None:
    """The cleaned name, with its project row created when it is new (assets may name a project first)."""
    name = clean_name(name)
    if name and session.scalar(select(Project.id).where(Project.name == name)) is None:
        dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(dialect_insert(Project).values(name=name, created_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["name"]))
    return name


def create_project(session: Session, name: str, description: str | None = None) -> Project:
    """A new project. Raises ``Conflict`` when the name exists."""
    clean = clean_name(name)
    if not clean:
        raise InvalidInput("a project needs a name")
    if session.scalar(select(Project.id).where(Project.name == clean)) is not None:
        raise Conflict(f"project {clean!r} exists")
    project = Project(name=clean, description=(description or "").strip() or None)
    session.add(project)
    session.flush()
    return project


def list_projects(session: Session) -> list[dict[str, Any]]:
    """Every project with its asset count, by name."""
    counts = dict(session.execute(select(Asset.project, func.count()).where(Asset.project.is_not(None))
                                  .group_by(Asset.project)).all())
    return [{"name": p.name, "description": p.description, "asset_count": counts.get(p.name, 0),
             "created_at": p.created_at}
            for p in session.scalars(select(Project).order_by(Project.name))]

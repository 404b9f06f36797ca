"""Projects and programmes."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.access import CallerDep
from api.deps import SessionDep, UowDep
from api.schemas import ProjectIn, ProjectPublic
from mam import projects

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=list[ProjectPublic])
def list_projects(_: CallerDep, session: SessionDep) -> list[ProjectPublic]:
    """Every project, by name, with how many assets it holds."""
    return [ProjectPublic(**p) for p in projects.list_projects(session)]


@router.post("", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "a project of that name exists"}})
def create_project(_: CallerDep, body: ProjectIn, uow: UowDep) -> ProjectPublic:
    """Create a project (assets can then be put in it by PATCH, bulk edit or at upload)."""
    with uow() as s:
        p = projects.create_project(s, body.name, body.description)
        return ProjectPublic(name=p.name, description=p.description, asset_count=0, created_at=p.created_at)

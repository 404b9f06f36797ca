"""Catalog operations on assets and renditions. Callers own the session (unit of work)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mam.errors import NotFound
from mam.models import Asset, AssetStatus, Rendition, new_id, utcnow
from mam.projects import ensure_project
from mam.tags import clean_tags, public_tags

MAX_ERROR_CHARS = 2000


def new_asset(
    session: Session,
    *,
    original_filename: str,
    original_key_for,
    content_type: str | None = None,
    title: str | None = None,
    project: str | None = None,
    tags: list[str] | None = None,
    asset_id: str | None = None,
) -> Asset:
    """Add a pending asset; ``original_key_for(asset_id)`` gives its server-made original key."""
    aid = asset_id or new_id()
    project = ensure_project(session, project)
    asset = Asset(
        id=aid,
        status=AssetStatus.PENDING,
        original_filename=original_filename,
        original_key=original_key_for(aid),
        content_type=content_type,
        title=title or None,
        project=project or None,
        tags=clean_tags(tags or []),
        size_bytes=0,
        technical={},
        progress=0.0,
        attempts=0,
    )
    session.add(asset)
    session.flush()
    return asset


_UNSET: Any = object()


def edit_asset(session: Session, asset: Asset, *, title: str | None = _UNSET, description: str | None = _UNSET,
               tags: list[str] | None = _UNSET, project: str | None = _UNSET) -> Asset:
    """Change what a person wrote about an asset; only the arguments given change. The search index follows
    in the same transaction."""
    if title is not _UNSET:
        asset.title = (title or "").strip() or None
    if description is not _UNSET:
        asset.description = (description or "").strip() or None
    if tags is not _UNSET:
        asset.tags = clean_tags(tags or [])
    if project is not _UNSET:
        asset.project = ensure_project(session, project)
    asset.updated_at = utcnow()
    session.flush()
    return asset


def bulk_edit(session: Session, asset_ids: list[str], *, add_tags: list[str] = (), remove_tags: list[str] = (),
              project: str | None = _UNSET) -> tuple[list[str], list[str]]:
    """Add / remove user tags and set the project of many assets in one transaction: (updated, missing ids)."""
    add, remove = clean_tags(list(add_tags)), set(clean_tags(list(remove_tags)))
    wanted = list(dict.fromkeys(asset_ids))
    found = {a.id: a for a in session.scalars(select(Asset).where(Asset.id.in_(wanted)))}
    name = ensure_project(session, project) if project is not _UNSET else _UNSET
    for asset in found.values():
        tags = [t for t in asset.tags or [] if t not in remove]
        asset.tags = clean_tags(tags + [t for t in add if t not in tags])
        if name is not _UNSET:
            asset.project = name
        asset.updated_at = utcnow()
    session.flush()
    return [i for i in wanted if i in found], [i for i in wanted if i not in found]


def get_asset(session: Session, asset_id: str) -> Asset:
    """The asset with its renditions. Raises ``NotFound``."""
    asset = session.scalar(
        select(Asset).where(Asset.id == asset_id)
        .options(selectinload(Asset.renditions), selectinload(Asset.sidecars))
    )
    if asset is None:
        raise NotFound(f"asset {asset_id} not found")
    return asset


def list_assets(session: Session, *, page: int = 1, page_size: int = 50, status: str | None = None,
                trashed: bool = False) -> tuple[int, list[Asset]]:
    """A page of assets, newest first, and the total count: those outside the trash, or (``trashed``) in it."""
    in_trash = Asset.trashed_at.is_not(None) if trashed else Asset.trashed_at.is_(None)
    query = select(Asset).where(in_trash)
    count = select(func.count()).select_from(Asset).where(in_trash)
    if status:
        query = query.where(Asset.status == status)
        count = count.where(Asset.status == status)
    total = session.scalar(count) or 0
    rows = session.scalars(
        query.options(selectinload(Asset.renditions), selectinload(Asset.sidecars))
        .order_by(Asset.created_at.desc(), Asset.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    return total, list(rows)


def unfinished_asset_ids(session: Session) -> list[str]:
    """Assets still pending or processing (to re-enqueue after a restart)."""
    return list(session.scalars(
        select(Asset.id).where(Asset.status.in_([AssetStatus.PENDING, AssetStatus.PROCESSING]))
    ))


def set_status(asset: Asset, status: AssetStatus, error: str | None = None) -> None:
    """Move an asset to ``status``; a failure keeps a human-readable, bounded reason."""
    asset.status = status
    asset.error = error[:MAX_ERROR_CHARS] if error else None
    if status == AssetStatus.READY:
        asset.progress = 1.0
    if status != AssetStatus.PROCESSING:
        asset.eta_s = None
    asset.updated_at = utcnow()


def upsert_rendition(session: Session, asset: Asset, *, kind: str, key: str, content_type: str,
                     width: int | None, height: int | None, size_bytes: int) -> Rendition:
    """Record a rendition; a rerun replaces the row of the same kind instead of adding one."""
    rend = next((r for r in asset.renditions if r.kind == kind), None)
    if rend is None:
        rend = Rendition(asset_id=asset.id, kind=kind)
        asset.renditions.append(rend)
    rend.key, rend.content_type, rend.width, rend.height = key, content_type, width, height
    rend.size_bytes = size_bytes
    rend.created_at = utcnow()
    session.flush()
    return rend


def asset_record(asset: Asset) -> dict[str, Any]:
    """Plain values of an asset (no URLs): the shape the API decorates."""
    return {
        "id": asset.id,
        "status": asset.status,
        "trashed": asset.trashed_at is not None,
        "trashed_at": asset.trashed_at,
        "created_by": asset.created_by,
        "error": asset.error,
        "title": asset.title,
        "description": asset.description,
        "project": asset.project,
        "tags": public_tags(asset.tags or [], asset.auto_tags or []),
        "kind": asset.kind,
        "original_filename": asset.original_filename,
        "content_type": asset.content_type,
        "sha256": asset.sha256,
        "size_bytes": asset.size_bytes,
        "progress": round(asset.progress or 0.0, 3),
        "eta_s": asset.eta_s,
        "technical": asset.technical_facts.to_json(),
        "capture": asset.capture_facts.to_json(),
        "telemetry": asset.telemetry_facts.summary_json() or None,
        "places": list(asset.places or []),
        "warnings": list(asset.warnings or []),
        "loudness": asset.loudness_facts.to_json(),
        "qc": asset.qc_facts.to_json(),
        "ocr": list(asset.ocr or []),
        "transcript": list(asset.transcript or []),
        "analysis": {k: v for k, v in (asset.analysis or {}).items() if k in ("status", "error", "updated_at")},
        "created_at": asset.created_at,
        "updated_at": asset.updated_at,
    }

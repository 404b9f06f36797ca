"""Collections: named, hand-picked sets of assets (a story's selects, a programme's B-roll). Callers own the
session (unit of work).

An asset may be in any number of collections; adding one twice changes nothing. Assets in the trash stay
members but are left out of counts and listings unless asked for (``trashed=True``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mam.errors import Conflict, InvalidInput, NotFound
from mam.models import Asset, Collection, CollectionAsset, utcnow
from mam.users import Actor

MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 20000
MAX_ASSETS_PER_CALL = 5000


def clean_name(name: str | None) -> str:
    """The name stripped; ``InvalidInput`` when empty, too long or with control characters."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a collection needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"a collection name has at most {MAX_NAME_CHARS} characters")
    if any(ord(c) < 32 for c in name):
        raise InvalidInput("a collection name may not contain control characters")
    return name


def create_collection(session: Session, actor: Actor | None, name: str, description: str | None = None
                      ) -> Collection:
    """A new, empty collection. ``Conflict`` when one of that name exists."""
    clean = clean_name(name)
    if session.scalar(select(Collection.id).where(Collection.name == clean)) is not None:
        raise Conflict(f"a collection named {clean!r} exists")
    description = (description or "").strip() or None
    if description and len(description) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput(f"a description has at most {MAX_DESCRIPTION_CHARS} characters")
    collection = Collection(name=clean, description=description, created_by=actor.user_id if actor else None)
    session.add(collection)
    session.flush()
    return collection


def get_collection(session: Session, collection_id: str) -> Collection:
    """The collection; ``NotFound`` when there is none."""
    collection = session.get(Collection, collection_id)
    if collection is None:
        raise NotFound(f"collection {collection_id} not found")
    return collection


def _visible(trashed: bool) -> list:
    return [] if trashed else [Asset.trashed_at.is_(None)]


def asset_counts(session: Session, collection_ids: list[str] | None = None, *, trashed: bool = False
                 ) -> dict[str, int]:
    """``collection id → how many assets`` (those in the trash only with ``trashed``)."""
    query = (select(CollectionAsset.collection_id, func.count())
             .join(Asset, Asset.id == CollectionAsset.asset_id).where(*_visible(trashed))
             .group_by(CollectionAsset.collection_id))
    if collection_ids is not None:
        query = query.where(CollectionAsset.collection_id.in_(collection_ids))
    return {cid: int(n) for cid, n in session.execute(query).all()}


def list_collections(session: Session) -> list[tuple[Collection, int]]:
    """Every collection by name, with its asset count (not counting the trash)."""
    counts = asset_counts(session)
    return [(c, counts.get(c.id, 0)) for c in session.scalars(select(Collection).order_by(Collection.name,
                                                                                          Collection.id))]


def collection_assets(session: Session, collection_id: str, *, page: int = 1, page_size: int = 50,
                      trashed: bool = False) -> tuple[int, list[Asset]]:
    """A page of the collection's assets, most recently added first, and their total (assets in the trash
    only with ``trashed``)."""
    conds = [CollectionAsset.collection_id == collection_id, *_visible(trashed)]
    joined = select(Asset).join(CollectionAsset, CollectionAsset.asset_id == Asset.id).where(*conds)
    total = session.scalar(select(func.count()).select_from(CollectionAsset)
                           .join(Asset, Asset.id == CollectionAsset.asset_id).where(*conds)) or 0
    rows = session.scalars(joined.options(selectinload(Asset.renditions), selectinload(Asset.sidecars))
                           .order_by(CollectionAsset.added_at.desc(), Asset.id.desc())
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return int(total), list(rows)


def add_assets(session: Session, collection: Collection, asset_ids: list[str]) -> tuple[list[str], list[str]]:
    """Put assets in the collection, in the order named: ``(added, already there)``. Nothing is added when
    any id names no asset (``NotFound`` naming them) or an asset in the trash (``Conflict``)."""
    wanted = list(dict.fromkeys(a.strip() for a in asset_ids if a and a.strip()))
    if not wanted:
        raise InvalidInput("asset_ids names no asset")
    if len(wanted) > MAX_ASSETS_PER_CALL:
        raise InvalidInput(f"at most {MAX_ASSETS_PER_CALL} assets at once")
    found: dict[str, Any] = dict(session.execute(select(Asset.id, Asset.trashed_at).where(Asset.id.in_(wanted))).all())
    missing = [a for a in wanted if a not in found]
    if missing:
        raise NotFound("no such asset: " + ", ".join(missing))
    binned = [a for a in wanted if found[a] is not None]
    if binned:
        raise Conflict("in the trash (restore first): " + ", ".join(binned))
    already = set(session.scalars(select(CollectionAsset.asset_id).where(
        CollectionAsset.collection_id == collection.id, CollectionAsset.asset_id.in_(wanted))))
    added = [a for a in wanted if a not in already]
    now = utcnow()  # a microsecond apart: the last one named counts as the most recently added
    session.add_all(CollectionAsset(collection_id=collection.id, asset_id=a, added_at=now + timedelta(microseconds=i))
                    for i, a in enumerate(added))
    if added:
        collection.updated_at = now
    session.flush()
    return added, [a for a in wanted if a in already]


def remove_asset(session: Session, collection: Collection, asset_id: str) -> None:
    """Take an asset out of the collection (the asset itself stays); ``NotFound`` when it is not in it."""
    member = session.get(CollectionAsset, (collection.id, asset_id))
    if member is None:
        raise NotFound(f"asset {asset_id} is not in collection {collection.id}")
    session.delete(member)
    collection.updated_at = utcnow()
    session.flush()


def record(collection: Collection, asset_count: int) -> dict[str, Any]:
    """Plain values of a collection: the shape the API returns."""
    return {"id": collection.id, "name": collection.name, "description": collection.description,
            "asset_count": asset_count, "created_by": collection.created_by, "created_at": collection.created_at,
            "updated_at": collection.updated_at}

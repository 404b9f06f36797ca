"""Collections: named, hand-picked sets of assets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.access import CallerDep
from api.deps import SessionDep, UowDep
from api.media_links import LinksDep
from api.routes.assets import asset_public
from api.schemas import (
    AssetPage,
    CollectionAssetsIn,
    CollectionAssetsResult,
    CollectionDetail,
    CollectionIn,
    CollectionPublic,
)
from mam import collections

router = APIRouter(prefix="/collections", tags=["collections"])


@router.get("", response_model=list[CollectionPublic])
def list_collections(_: CallerDep, session: SessionDep) -> list[CollectionPublic]:
    """Every collection by name, with how many assets it holds (not counting the trash)."""
    return [CollectionPublic(**collections.record(c, n)) for c, n in collections.list_collections(session)]


@router.post("", response_model=CollectionPublic, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "a collection of that name exists"}})
def create_collection(me: CallerDep, body: CollectionIn, uow: UowDep) -> CollectionPublic:
    """Make an empty collection; put assets in it with POST /collections/{id}/assets."""
    with uow() as session:
        c = collections.create_collection(session, me.actor, body.name, body.description)
        me.audit(session, "collection.create", "collection", c.id, {"name": c.name, "description": c.description})
        return CollectionPublic(**collections.record(c, 0))


@router.get("/{collection_id}", response_model=CollectionDetail,
            responses={404: {"description": "no such collection"}})
def get_collection(
    _: CallerDep, collection_id: str, session: SessionDep, links: LinksDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    trashed: Annotated[bool, Query(description="also list its assets that are in the trash")] = False,
) -> CollectionDetail:
    """The collection with a page of its assets, most recently added first, in the shape of GET /assets."""
    c = collections.get_collection(session, collection_id)
    total, rows = collections.collection_assets(session, c.id, page=page, page_size=page_size, trashed=trashed)
    count = total if not trashed else collections.asset_counts(session, [c.id]).get(c.id, 0)
    assets = AssetPage(total=total, page=page, page_size=page_size, items=[asset_public(a, links) for a in rows])
    return CollectionDetail(**collections.record(c, count), assets=assets)


@router.post("/{collection_id}/assets", response_model=CollectionAssetsResult,
             responses={404: {"description": "no such collection, or ids naming no asset (nothing is added)"},
                        409: {"description": "an asset is in the trash (nothing is added)"}})
def add_assets(me: CallerDep, collection_id: str, body: CollectionAssetsIn, uow: UowDep) -> CollectionAssetsResult:
    """Put assets in the collection. Adding an asset already in it changes nothing; when any id is unknown,
    nothing is added and the answer names them."""
    with uow() as session:
        c = collections.get_collection(session, collection_id)
        added, already = collections.add_assets(session, c, body.asset_ids)
        if added:
            me.audit(session, "collection.add", "collection", c.id, {"asset_ids": added})
        count = collections.asset_counts(session, [c.id]).get(c.id, 0)
        return CollectionAssetsResult(added=added, already=already, asset_count=count)


@router.delete("/{collection_id}/assets/{asset_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={404: {"description": "no such collection, or the asset is not in it"}})
def remove_asset(me: CallerDep, collection_id: str, asset_id: str, uow: UowDep) -> Response:
    """Take an asset out of the collection (the asset itself is untouched)."""
    with uow() as session:
        c = collections.get_collection(session, collection_id)
        collections.remove_asset(session, c, asset_id)
        me.audit(session, "collection.remove", "collection", c.id, {"asset_id": asset_id})
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Search across the archive."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.access import CallerDep
from api.deps import SessionDep
from api.media_links import LinksDep
from api.routes.assets import thumbnail_url
from api.schemas import FacetCount, SearchHitPublic, SearchItemPublic, SearchPage
from mam import collections
from mam.search.document import asset_values, display_title
from mam.search.query import SearchError, SearchParams, Sort, search

router = APIRouter(tags=["search"])


def _floats(value: str | None, n: int, name: str) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        parts = tuple(float(v) for v in value.split(","))
    except ValueError:
        parts = ()
    if len(parts) != n:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"{name} must be {n} comma-separated numbers")
    return parts


def _place(places: list | None) -> dict[str, str | None]:
    """The first place's names, widest first: Chinese where known (``place``) and English (``place_en``)."""
    p = next((x for x in places or [] if isinstance(x, dict)), None) or {}
    zh = [p.get(f"{k}_zh") or p.get(k) for k in ("admin1", "admin2", "city")]
    en = [p.get(k) for k in ("admin1", "admin2", "city")]

    def join(names: list) -> str | None:
        return " ".join(dict.fromkeys(n for n in names if isinstance(n, str) and n)) or None

    return {"place": join(zh) or join([p.get("country_zh") or p.get("country")]),
            "place_en": join(en) or join([p.get("country")])}


def _when(value: str | None, name: str) -> date | datetime | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            f"{name} must be a date (2020-06-01) or an ISO 8601 time") from None


@router.get("/search", response_model=SearchPage, responses={422: {"description": "a parameter cannot be used"}})
def search_assets(
    _: CallerDep, session: SessionDep, links: LinksDep,
    q: Annotated[str, Query(max_length=1000, description="words (Chinese, English, pinyin, initials), "
                            '"quoted phrases", -excluded, prefix*')] = "",
    project: str | None = None,
    tag: Annotated[list[str] | None, Query(description="repeatable: every tag must be present")] = None,
    kind: Annotated[str | None, Query(pattern="^(video|image|audio)$")] = None,
    camera: str | None = None,
    from_: Annotated[str | None, Query(alias="from", description="capture date (or time) from, inclusive")] = None,
    to: Annotated[str | None, Query(description="capture date (whole day) or time to, inclusive")] = None,
    min_duration: Annotated[float | None, Query(ge=0)] = None,
    max_duration: Annotated[float | None, Query(ge=0)] = None,
    min_height: Annotated[int | None, Query(ge=0)] = None,
    near: Annotated[str | None, Query(description="lat,lon: assets captured, or flights passing, within radius_m",
                                      examples=["39.05,115.95"])] = None,
    radius_m: Annotated[float, Query(gt=0, le=500_000)] = 1000.0,
    bbox: Annotated[str | None, Query(description="west,south,east,north in degrees")] = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(pending|processing|ready|failed)$")] = None,
    collection: Annotated[str | None, Query(description="only assets in this collection (its id)")] = None,
    sort: Sort = "relevance",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> SearchPage:
    """Search titles, descriptions, tags, projects, file names, places, cameras, on-screen text, subtitles,
    transcripts and comments, with filters (``collection``: only that collection's assets) and facets. Hits say
    which field matched, with a highlighted snippet, and for timed text, comments and flight tracks the seconds
    in the media."""
    params = SearchParams(
        q=q, project=project, tags=tag or [], kind=kind, camera=camera, date_from=_when(from_, "from"),
        date_to=_when(to, "to"), min_duration=min_duration, max_duration=max_duration, min_height=min_height,
        near=_floats(near, 2, "near"), radius_m=radius_m, bbox=_floats(bbox, 4, "bbox"), status=status_,
        collection=collection, sort=sort, page=page, page_size=page_size,
    )  # type: ignore[arg-type]
    if collection:
        collections.get_collection(session, collection)  # 404 for an unknown one
    try:
        result = search(session, params)
    except SearchError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None
    items = [
        SearchItemPublic(
            asset_id=i.asset.id, title=display_title(asset_values(i.asset)), score=i.score,
            thumbnail_url=thumbnail_url(i.asset, links),
            duration_s=i.asset.technical_facts.duration_s, captured_at=i.asset.captured_at,
            kind=i.asset.kind, status=i.asset.status, project=i.asset.project,
            camera=i.asset.capture_facts.device or None, **_place(i.asset.places),
            hits=[SearchHitPublic(**vars(h)) for h in i.hits],
        ) for i in result.items
    ]
    facets = {k: [FacetCount(value=v, count=n) for v, n in vals] for k, vals in result.facets.items()}
    return SearchPage(total=result.total, total_exact=result.total_exact, page=page, page_size=page_size,
                      items=items, facets=facets, facets_estimated=result.facets_estimated)

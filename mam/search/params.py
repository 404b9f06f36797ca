"""What an editor asks a search for (``SearchParams``) and the error for a request that cannot run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

__all__ = ["MAX_RESULT_WINDOW", "MAX_TAG_FILTERS", "SearchError", "SearchParams", "Sort"]

Sort = Literal["relevance", "captured_at", "-captured_at", "duration", "-duration"]
MAX_TAG_FILTERS = 20
MAX_RESULT_WINDOW = 10_000
"""page × page_size may not reach beyond this (deep paging costs a sort of everything matched)."""


class SearchError(ValueError):
    """A request that cannot be run as given (the message says why)."""


@dataclass
class SearchParams:
    """What an editor asked for. Every filter is optional; all given filters must hold."""

    q: str = ""
    project: str | None = None
    tags: list[str] = field(default_factory=list)
    kind: str | None = None
    camera: str | None = None
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    min_height: int | None = None
    near: tuple[float, float] | None = None
    radius_m: float = 1000.0
    bbox: tuple[float, float, float, float] | None = None
    status: str | None = None
    collection: str | None = None
    sort: Sort = "relevance"
    page: int = 1
    page_size: int = 20
    facets: bool = True

    def check(self) -> None:
        """Raise ``SearchError`` for values no search can honour."""
        if self.page < 1 or not 1 <= self.page_size <= 200:
            raise SearchError("page must be ≥ 1 and page_size between 1 and 200")
        if self.page * self.page_size > MAX_RESULT_WINDOW:
            raise SearchError(f"page × page_size may not exceed {MAX_RESULT_WINDOW}: narrow the search instead")
        if self.near is not None:
            lat, lon = self.near
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise SearchError("near must be lat,lon in degrees")
            if not 0 < self.radius_m <= 500_000:
                raise SearchError("radius_m must be between 0 and 500000")
        if self.bbox is not None:
            w, s, e, n = self.bbox
            if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
                raise SearchError("bbox must be west,south,east,north in degrees, west ≤ east and south ≤ north "
                                  "(a box across the 180th meridian is two searches)")
        if len(self.tags) > MAX_TAG_FILTERS:
            raise SearchError(f"at most {MAX_TAG_FILTERS} tag filters")

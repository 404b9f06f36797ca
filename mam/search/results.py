"""What a search returns: the total, a page of assets with their hits, and facet counts."""

from __future__ import annotations

from dataclasses import dataclass

from mam.models import Asset

__all__ = ["Hit", "SearchItem", "SearchResult"]


@dataclass
class Hit:
    """Where an asset matched: a field, with a highlighted snippet and, for timed text or a track, the seconds."""

    field: str
    snippet: str | None = None
    start_s: float | None = None
    end_s: float | None = None


@dataclass
class SearchItem:
    """One asset on the page, its score and its hits."""

    asset: Asset
    score: float
    hits: list[Hit]


@dataclass
class SearchResult:
    """The page, the (possibly estimated) total and the facet counts (possibly scaled from a sample)."""

    total: int
    items: list[SearchItem]
    facets: dict[str, list[tuple[str, int]]]
    facets_estimated: bool = False
    total_exact: bool = True

"""The last step of a search: facets, the requested page (ordered from the window rows or by one ordered query
over everything matched), the page's assets and their hits. Hits are computed for the page only."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from mam.comments import comment_texts
from mam.models import Asset
from mam.search.document import asset_values, field_texts, timed_texts
from mam.search.facets import facet_counts
from mam.search.results import Hit, SearchItem, SearchResult
from mam.search.snippets import Matcher, highlight
from mam.search.statement import ASSET, CAPTURED, DURATION, ID, SCORE, order_by

if TYPE_CHECKING:
    from mam.search.params import SearchParams
    from mam.search.plan import SearchPlan

__all__ = ["MAX_HITS", "finish", "order_window", "text_hits"]

MAX_HITS = 20
_NOT_SHOWN = (Asset.telemetry, Asset.analysis, Asset.qc, Asset.loudness, Asset.warnings)


def text_hits(values: dict[str, Any], matcher: Matcher) -> list[Hit]:
    """Where the query matched in an asset: untimed fields first, then timed text in time order."""
    hits = [Hit(name, snip) for name, txt in field_texts(values).items() if (snip := highlight(txt, matcher))]
    timed = [Hit(name, snip, start, end) for name, start, end, txt in timed_texts(values)
             if (snip := highlight(txt, matcher))]
    return hits + sorted(timed, key=lambda h: (h.start_s is None, h.start_s or 0.0))


def order_window(rows: list[tuple], p: SearchParams, has_text: bool, end: int) -> list[tuple]:
    """The first ``end`` window rows in the requested order (stable multi-pass sorts on plain keys)."""
    if p.sort == "relevance" and has_text:
        return heapq.nsmallest(end, rows, key=lambda r: (-(r[SCORE] or 0.0), -r[ID]))
    out = sorted(rows, key=lambda r: r[ID], reverse=p.sort != "captured_at" and p.sort != "duration")
    col = DURATION if p.sort in ("duration", "-duration") else CAPTURED
    known = [r for r in out if r[col] is not None]
    known.sort(key=lambda r: r[col], reverse=p.sort in ("relevance", "-captured_at", "-duration"))
    return (known + [r for r in out if r[col] is None])[:end]


def finish(plan: SearchPlan, rows: list[tuple], total: int, total_exact: bool, order_in_sql: bool,
           geo_hits: dict[int, list[Hit]]) -> SearchResult:
    """Facets from ``rows``, the page (ordered from ``rows`` or, with ``order_in_sql``, by one ordered query
    over everything matched), the page's assets and their hits."""
    session, sql, p = plan.session, plan.sql, plan.p
    facets: dict[str, list[tuple[str, int]]] = {}
    facets_estimated = False
    if p.facets:
        facets, facets_estimated = facet_counts(plan, rows, total)
    start = (p.page - 1) * p.page_size
    if order_in_sql:
        page = plan.engine.page_by_index(session, sql, p, start)
        if page is None:
            page_sql = (f"SELECT d.id, d.asset_id, {sql.score} AS score {sql.from_where()} ORDER BY "
                        f"{order_by(p, plan.has_text)} LIMIT {int(p.page_size)} OFFSET {int(start)}")
            page = [(i, a, float(sc or 0.0)) for i, a, sc in session.execute(sql.statement(page_sql), sql.binds)]
    else:
        page = [(r[ID], r[ASSET], float(r[SCORE] or 0.0))
                for r in order_window(rows, p, plan.has_text, start + p.page_size)[start:]]
    assets = {a.id: a for a in session.scalars(
        select(Asset).where(Asset.id.in_([asset_id for _, asset_id, _ in page]))
        .options(selectinload(Asset.renditions), *(defer(c) for c in _NOT_SHOWN)))}
    matcher = Matcher.of(plan.q)
    comments = comment_texts(session, list(assets)) if matcher else {}
    items = []
    for doc_id, asset_id, score in page:
        asset = assets.get(asset_id)
        if asset is None:
            continue
        values = asset_values(asset) | {"comments": comments.get(asset_id, [])}
        hits = text_hits(values, matcher) + geo_hits.get(doc_id, [])
        items.append(SearchItem(asset, score, hits[:MAX_HITS]))
    return SearchResult(total, items, facets, facets_estimated, total_exact=total_exact)

"""Running a search: one interface over SQLite FTS5 + R*Tree and PostgreSQL tsvector + GiST.

``search(session, params)`` returns the total, a page of assets with their hits (fields and, for on-screen
text, subtitles, transcripts and flight tracks, the time ranges) and facet counts (see ``WINDOW`` and
``FACET_SAMPLE`` for how broad queries are bounded). The two engines differ only in the SQL fragments of
``sql_sqlite`` and ``sql_postgres`` (``engines.engine_sql``); filters, facets, paging, geo refinement and hits
are the same code:

* ``params`` / ``results``: what is asked (``SearchParams``, ``SearchError``) and returned (``SearchResult``);
* ``statement``: the SQL over ``search_docs`` and the filters; ``engines``: the engine-specific fragments;
* ``geo_refine``: the exact geo check of bounding-box candidates;
* ``window``: the bounded window and the total; ``facets``; ``page``: the page, its assets and hits.

A geo query (``near`` / ``bbox``) first finds candidates by bounding box in the index (R*Tree / GiST), then
checks each candidate's real track point by point: a drone clip matches only when its flight passes through
the area, and the hit says during which seconds.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mam.search.engines import engine_sql
from mam.search.facets import FACET_LIMIT, FACETS
from mam.search.geo_refine import area_of, refine
from mam.search.page import MAX_HITS, finish, text_hits
from mam.search.params import MAX_RESULT_WINDOW, MAX_TAG_FILTERS, SearchError, SearchParams, Sort
from mam.search.plan import SearchPlan
from mam.search.results import Hit, SearchItem, SearchResult
from mam.search.statement import Sql, filters
from mam.search.tokenize import query_terms
from mam.search.window import run_window

__all__ = [
    "FACETS", "FACET_LIMIT", "FACET_SAMPLE", "MAX_HITS", "MAX_RESULT_WINDOW", "MAX_TAG_FILTERS", "WINDOW", "Hit",
    "SearchError", "SearchItem", "SearchParams", "SearchResult", "Sort", "search", "text_hits",
]  # fmt: skip

FACET_SAMPLE = 1000
"""Facets are counted exactly up to this many matches; above, over this many of them (the newest, for a text
query), scaled to the total, and the result says ``facets_estimated``."""
WINDOW = 5000
"""At most this many matches (+1) are fetched, in one streaming query; total, facets and the page come from
them. With words, the text index yields the newest matches first: when more match, ``total`` is estimated
from how densely the window fills the id range (``total_exact`` false) and relevance ranks within the
newest WINDOW. Filters alone are counted exactly. Sorts other than relevance run one exact ordered query
over everything matched when the window overflows.

Both bounds are read here each time ``search`` runs (tests lower them on this module)."""


def search(session: Session, p: SearchParams) -> SearchResult:
    """Run ``p`` against the catalog's index (the engine is the session's database)."""
    p.check()
    engine = engine_sql(session.get_bind().dialect.name)
    q = query_terms(p.q)
    sql = Sql()
    has_text = bool(p.q.strip())
    if has_text and not engine.text_condition(sql, q):
        return SearchResult(0, [], {f: [] for f in FACETS} if p.facets else {})
    has_text = has_text and not q.is_empty()
    filters(sql, p)
    plan = SearchPlan(session, engine, sql, p, q, has_text, window=WINDOW, facet_sample=FACET_SAMPLE)
    area = area_of(p)
    if area is None:
        return run_window(plan)
    engine.geo_candidates(sql, area.bbox)  # every match is known after the exact check: no window needed
    matched, geo_hits = refine(session, sql, area)
    return finish(plan, matched, len(matched), True, False, geo_hits)

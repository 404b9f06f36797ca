"""Running a search: one interface over SQLite FTS5 + R*Tree and PostgreSQL tsvector + GiST.

``search(session, params)`` returns the total, a page of assets with their hits (fields and, for on-screen
text, subtitles, transcripts and flight tracks, the time ranges) and facet counts (see ``WINDOW`` and
``FACET_SAMPLE`` for how broad queries are bounded). The two engines differ only in the SQL fragments of
``_text_sql``, ``_ids_in``, ``_geo_candidates`` and SQLite's ``_sqlite_page_by_index``; filters, facets,
paging, geo refinement and hits are the same code.

A geo query (``near`` / ``bbox``) first finds candidates by bounding box in the index (R*Tree / GiST), then
checks each candidate's real track point by point: a drone clip matches only when its flight passes through
the area, and the hit says during which seconds.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import DateTime, bindparam, select, text
from sqlalchemy.orm import Session, defer, selectinload

from mam.models import Asset
from mam.search import geo
from mam.search.document import asset_values, field_texts, timed_texts
from mam.search.snippets import Matcher, highlight
from mam.search.tokenize import (
    Query,
    fts5_exclusion_match,
    fts5_match,
    pg_exclusion_tsquery,
    pg_tsquery,
    query_terms,
)

Sort = Literal["relevance", "captured_at", "-captured_at", "duration", "-duration"]
FACETS = ("project", "tag", "camera", "kind", "year")
FACET_LIMIT = 20
FACET_SAMPLE = 1000
"""Facets are counted exactly up to this many matches; above, over this many of them (the newest, for a text
query), scaled to the total, and the result says ``facets_estimated``."""
WINDOW = 5000
"""At most this many matches (+1) are fetched, in one streaming query; total, facets and the page come from
them. With words, the text index yields the newest matches first: when more match, ``total`` is estimated
from how densely the window fills the id range (``total_exact`` false) and relevance ranks within the
newest WINDOW. Filters alone are counted exactly. Sorts other than relevance run one exact ordered query
over everything matched when the window overflows."""
WINDOW_COLUMNS = ("d.id", "d.asset_id", "d.project", "d.camera", "d.kind", "d.year", "d.captured_at",
                  "d.duration_s")
# window rows: the WINDOW_COLUMNS, then the score
ID, ASSET, PROJECT, CAMERA, KIND, YEAR, CAPTURED, DURATION, SCORE = range(9)
MAX_HITS = 20
MAX_TAG_FILTERS = 20
MAX_RESULT_WINDOW = 10_000
"""page × page_size may not reach beyond this (deep paging costs a sort of everything matched)."""
BM25_WEIGHTS = (10.0, 3.0, 1.0)  # title, body, timed
EARTH_M_PER_DEG = 111_320.0
_NOT_SHOWN = (Asset.telemetry, Asset.analysis, Asset.qc, Asset.loudness, Asset.warnings)


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


@dataclass
class Hit:
    field: str
    snippet: str | None = None
    start_s: float | None = None
    end_s: float | None = None


@dataclass
class SearchItem:
    asset: Asset
    score: float
    hits: list[Hit]


@dataclass
class SearchResult:
    total: int
    items: list[SearchItem]
    facets: dict[str, list[tuple[str, int]]]
    facets_estimated: bool = False
    total_exact: bool = True


# --- SQL -------------------------------------------------------------------------------------------------------


@dataclass
class _Sql:
    source: str = "search_docs d"
    key: str = "d.id"  # newest first is ``key DESC``: an order every engine can stream
    where: list[str] = field(default_factory=list)
    binds: dict[str, Any] = field(default_factory=dict)
    score: str = "0.0"

    def from_where(self) -> str:
        return f"FROM {self.source}" + (" WHERE " + " AND ".join(self.where) if self.where else "")

    def statement(self, sql: str):
        stmt = text(sql)
        dated = [bindparam(k, type_=DateTime(timezone=True)) for k in ("dfrom", "dto") if k in self.binds]
        return stmt.bindparams(*dated) if dated else stmt


def _text_sql(sql: _Sql, q: Query, dialect: str) -> bool:
    """Add the text condition; False when the query can match nothing."""
    if dialect == "sqlite":
        match, excl = fts5_match(q), fts5_exclusion_match(q)
        if match:
            w = ", ".join(str(x) for x in BM25_WEIGHTS)
            # FTS5 walks its matches in descending rowid order, so the window below streams
            sql.source = (f"(SELECT rowid AS doc_id, bm25(search_fts, {w}) AS rank FROM search_fts WHERE "
                          "search_fts MATCH :match ORDER BY rowid DESC) f JOIN search_docs d ON d.id = f.doc_id")
            sql.key, sql.binds["match"], sql.score = "f.doc_id", match, "-f.rank"
        elif excl:
            sql.where.append("d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :excl)")
            sql.binds["excl"] = excl
        else:
            return False
        return True
    tsq, excl = pg_tsquery(q), pg_exclusion_tsquery(q)
    if tsq:
        sql.where.append("d.tsv @@ CAST(:tsq AS tsquery)")
        sql.binds["tsq"], sql.score = tsq, "ts_rank(d.tsv, CAST(:tsq AS tsquery))"
    elif excl:
        sql.where.append("NOT (d.tsv @@ CAST(:excl AS tsquery))")
        sql.binds["excl"] = excl
    else:
        return False
    return True


def _utc(value: date | datetime, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    day = datetime.combine(value, time.min, tzinfo=UTC)
    return day + timedelta(days=1) if end else day  # a date "to" includes that whole day


def _filters(sql: _Sql, p: SearchParams) -> None:
    for name, value in (("project", p.project), ("kind", p.kind), ("camera", p.camera), ("status", p.status)):
        if value:
            sql.where.append(f"d.{name} = :{name}")
            sql.binds[name] = value
    for i, tag in enumerate(dict.fromkeys(t for t in p.tags if t)):
        sql.where.append(f"d.id IN (SELECT doc_id FROM search_tags WHERE tag = :tag{i})")
        sql.binds[f"tag{i}"] = tag
    if p.date_from is not None:
        sql.where.append("d.captured_at >= :dfrom")
        sql.binds["dfrom"] = _utc(p.date_from, end=False)
    if p.date_to is not None:
        sql.where.append("d.captured_at < :dto" if not isinstance(p.date_to, datetime) else "d.captured_at <= :dto")
        sql.binds["dto"] = _utc(p.date_to, end=True)
    for cond, name, value in (("d.duration_s >= :mindur", "mindur", p.min_duration),
                              ("d.duration_s <= :maxdur", "maxdur", p.max_duration),
                              ("d.height >= :minh", "minh", p.min_height)):
        if value is not None:
            sql.where.append(cond)
            sql.binds[name] = value


def _ids_in(sql: _Sql, ids: list[int], dialect: str, name: str = "geo_ids") -> None:
    if dialect == "sqlite":
        sql.where.append(f"d.id IN (SELECT value FROM json_each(:{name}))")
        sql.binds[name] = json.dumps(ids)
    else:
        sql.where.append(f"d.id = ANY(:{name})")
        sql.binds[name] = ids


def _order(p: SearchParams, has_text: bool) -> str:
    newest = "d.captured_at DESC NULLS LAST, d.id DESC"
    return {
        "relevance": f"score DESC, {newest}" if has_text else newest,
        "captured_at": "d.captured_at ASC NULLS LAST, d.id ASC",
        "-captured_at": newest,
        "duration": "d.duration_s ASC NULLS LAST, d.id ASC",
        "-duration": "d.duration_s DESC NULLS LAST, d.id DESC",
    }[p.sort]


# --- geo -------------------------------------------------------------------------------------------------------


@dataclass
class _Area:
    bbox: tuple[float, float, float, float]  # w, s, e, n
    near: tuple[float, float, float] | None = None  # lat, lon, radius_m


def _area(p: SearchParams) -> _Area | None:
    """The area asked for: ``bbox`` when given (it wins over ``near``), else the circle and its bounding box."""
    if p.bbox is not None:
        return _Area(tuple(float(v) for v in p.bbox))  # type: ignore[arg-type]
    if p.near is None:
        return None
    lat, lon = p.near
    dlat = p.radius_m / EARTH_M_PER_DEG
    dlon = min(180.0, p.radius_m / (EARTH_M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6)))
    box = (max(-180.0, lon - dlon), max(-90.0, lat - dlat), min(180.0, lon + dlon), min(90.0, lat + dlat))
    return _Area(box, (lat, lon, p.radius_m))


def _geo_candidates(sql: _Sql, area: _Area, dialect: str) -> None:
    w, s, e, n = area.bbox
    sql.binds.update(gw=w, gs=s, ge=e, gn=n)
    if dialect == "sqlite":
        sql.where.append("d.id IN (SELECT id FROM search_geo WHERE min_lon <= :ge AND max_lon >= :gw "
                         "AND min_lat <= :gn AND max_lat >= :gs)")
    else:
        sql.where.append("d.geo_w IS NOT NULL AND box(point(d.geo_w, d.geo_s), point(d.geo_e, d.geo_n)) "
                         "&& box(point(:gw, :gs), point(:ge, :gn))")


def _refine_geo(session: Session, sql: _Sql, area: _Area) -> tuple[list[tuple], dict[int, list[Hit]]]:
    """Candidates whose track (or capture point) really is in the area, as window rows, with the hits saying
    when. Every candidate's points are checked in one vectorised pass."""
    g = len(WINDOW_COLUMNS) + 1  # geo columns follow the window row
    rows = session.execute(sql.statement(
        f"SELECT {', '.join(WINDOW_COLUMNS)}, {sql.score} AS score, d.lat, d.lon, d.geo_w, d.geo_s, d.geo_e, "
        f"d.geo_n, d.track_t0, d.track_t1, d.track_pts {sql.from_where()}"), sql.binds).all()
    found: dict[int, list[Hit]] = {}
    points = [r for r in rows if r[g + 8] is None and r[g] is not None and r[g + 1] is not None]
    if points:
        la, lo = np.array([r[g] for r in points]), np.array([r[g + 1] for r in points])
        for r, ok in zip(points, geo.inside_area(la, lo, area.near, area.bbox), strict=True):
            if ok:
                found[r[ID]] = [Hit("location")]
    flights = [r for r in rows if r[g + 8] is not None]
    if flights:  # a track whose box lies inside the area is inside the whole time
        corners = [geo.inside_area(np.array([r[g + i] for r in flights]), np.array([r[g + j] for r in flights]),
                                   area.near, area.bbox) for i in (3, 5) for j in (2, 4)]
        covered = np.logical_and.reduce(corners)
        partial = []
        for r, whole in zip(flights, covered, strict=True):
            if whole:
                found[r[ID]] = [Hit("track", None, r[g + 6], r[g + 7])]
            else:
                partial.append(r)
        for r, ranges in zip(partial, geo.ranges_many([r[g + 8] for r in partial], area.near, area.bbox),
                             strict=True):
            if ranges:
                found[r[ID]] = [Hit("track", None, a, b) for a, b in ranges]
    return [r[:g] for r in rows if r[ID] in found], found


# --- hits ------------------------------------------------------------------------------------------------------


def text_hits(values: dict[str, Any], matcher: Matcher) -> list[Hit]:
    """Where the query matched in an asset: untimed fields first, then timed text in time order."""
    hits = [Hit(name, snip) for name, txt in field_texts(values).items() if (snip := highlight(txt, matcher))]
    timed = [Hit(name, snip, start, end) for name, start, end, txt in timed_texts(values)
             if (snip := highlight(txt, matcher))]
    return hits + sorted(timed, key=lambda h: (h.start_s is None, h.start_s or 0.0))


# --- the search ------------------------------------------------------------------------------------------------


def search(session: Session, p: SearchParams) -> SearchResult:
    """Run ``p`` against the catalog's index (the engine is the session's database)."""
    p.check()
    dialect = session.get_bind().dialect.name
    q = query_terms(p.q)
    sql = _Sql()
    has_text = bool(p.q.strip())
    if has_text and not _text_sql(sql, q, dialect):
        return SearchResult(0, [], {f: [] for f in FACETS} if p.facets else {})
    has_text = has_text and not q.is_empty()
    _filters(sql, p)
    area = _area(p)
    if area is None:
        return _run(session, sql, p, has_text, q)
    _geo_candidates(sql, area, dialect)  # every match is known after the exact check: no window needed
    matched, geo_hits = _refine_geo(session, sql, area)
    return _finish(session, sql, p, has_text, q, matched, len(matched), True, False, geo_hits)


def _order_window(rows: list[tuple], p: SearchParams, has_text: bool, end: int) -> list[tuple]:
    """The first ``end`` window rows in the requested order (stable multi-pass sorts on plain keys)."""
    if p.sort == "relevance" and has_text:
        return heapq.nsmallest(end, rows, key=lambda r: (-(r[SCORE] or 0.0), -r[ID]))
    out = sorted(rows, key=lambda r: r[ID], reverse=p.sort != "captured_at" and p.sort != "duration")
    col = DURATION if p.sort in ("duration", "-duration") else CAPTURED
    known = [r for r in out if r[col] is not None]
    known.sort(key=lambda r: r[col], reverse=p.sort in ("relevance", "-captured_at", "-duration"))
    return (known + [r for r in out if r[col] is None])[:end]


def _tag_facet(session: Session, ids: list[int], dialect: str) -> list[tuple[str, int]]:
    sql = _Sql()
    _ids_in(sql, ids, dialect, "facet_ids")
    stmt = (f"SELECT t.tag, COUNT(*) AS n FROM search_tags t WHERE t.doc_id IN (SELECT d.id {sql.from_where()}) "
            f"GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT {FACET_LIMIT}")
    return [(tag, int(n)) for tag, n in session.execute(text(stmt), sql.binds)]


def _facets(session: Session, rows: list[tuple], total: int, dialect: str) -> tuple[dict, bool]:
    """Facet counts over the first ``FACET_SAMPLE`` window rows, scaled to ``total`` when more matched."""
    sample = rows[:FACET_SAMPLE]
    scale = total / len(sample) if sample else 1.0
    out: dict[str, list[tuple[str, int]]] = {}
    for name, col in (("project", PROJECT), ("camera", CAMERA), ("kind", KIND), ("year", YEAR)):
        counts = Counter(r[col] for r in sample)
        counts.pop(None, None)
        top = sorted(counts.items(), key=lambda x: (-x[1], str(x[0])))[:FACET_LIMIT]
        out[name] = [(str(v), round(n * scale)) for v, n in top]
    out["tag"] = [(t, round(n * scale)) for t, n in _tag_facet(session, [r[ID] for r in sample], dialect)]
    return out, len(sample) < total


def _run(session: Session, sql: _Sql, p: SearchParams, has_text: bool, q: Query) -> SearchResult:
    """Fetch a window of at most ``WINDOW`` + 1 matches, then total, facets and page."""
    newest_first = has_text  # the text index streams newest first; filters alone use their own indexes
    order = f" ORDER BY {sql.key} DESC" if newest_first else ""
    window = session.execute(sql.statement(
        f"SELECT {', '.join(WINDOW_COLUMNS)}, {sql.score} AS score {sql.from_where()}{order} LIMIT {WINDOW + 1}"),
        sql.binds).all()
    overflow = len(window) > WINDOW
    rows = window[:WINDOW]
    total, total_exact = len(rows), True
    if overflow and newest_first:  # estimated from how densely the newest WINDOW matches fill the id range
        top = session.execute(text("SELECT MAX(id) FROM search_docs")).scalar_one() or rows[0][ID]
        total, total_exact = max(WINDOW + 1, round(WINDOW * top / max(1, top - rows[-1][ID] + 1))), False
    elif overflow:
        total = int(session.execute(sql.statement(f"SELECT COUNT(*) {sql.from_where()}"), sql.binds).scalar_one())
    # past the window only relevance over text ranks the window itself; other orders need every match
    ordered_in_window = not overflow or (newest_first and p.sort == "relevance")
    return _finish(session, sql, p, has_text, q, rows, total, total_exact, not ordered_in_window, {})


def _sqlite_page_by_index(session: Session, sql: _Sql, p: SearchParams, start: int) -> list[tuple] | None:
    """A page in date or duration order over many matches: walk that column's index and probe each row's
    text match (FTS5 answers ``MATCH … AND rowid = ?`` without scanning), instead of sorting every match.
    Scores are 0 on such a page (it is not ordered by them).
    Cheap exactly when many rows match, which is when it is used. None when it cannot answer (a short
    ascending page: undated or untimed rows come last and are left to the general query)."""
    col = "duration_s" if p.sort in ("duration", "-duration") else "captured_at"
    desc = p.sort in ("relevance", "-captured_at", "-duration")
    where = list(sql.where)
    if "match" in sql.binds:  # a prefix is costly to probe row by row: its matches are listed once instead
        where.append("d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :match)" if "*" in
                     sql.binds["match"] else
                     "EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH :match AND rowid = d.id)")
    if not desc:
        where.append(f"d.{col} IS NOT NULL")
    direction = "DESC" if desc else "ASC"
    stmt = (f"SELECT d.id, d.asset_id FROM search_docs d INDEXED BY ix_search_docs_{col}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY d.{col} {direction}, d.id {direction} LIMIT {int(p.page_size)} OFFSET {int(start)}")
    rows = session.execute(sql.statement(stmt), sql.binds).all()
    if not desc and len(rows) < p.page_size:
        return None
    return [(i, a, 0.0) for i, a in rows]  # bm25 needs a pass over whole doclists: not worth it here


def _finish(session: Session, sql: _Sql, p: SearchParams, has_text: bool, q: Query, rows: list[tuple], total: int,
            total_exact: bool, order_in_sql: bool, geo_hits: dict[int, list[Hit]]) -> SearchResult:
    """Facets from ``rows``, the page (ordered from ``rows`` or, with ``order_in_sql``, by one ordered query
    over everything matched), the page's assets and their hits."""
    dialect = session.get_bind().dialect.name
    facets: dict[str, list[tuple[str, int]]] = {}
    facets_estimated = False
    if p.facets:
        facets, facets_estimated = _facets(session, rows, total, dialect)
    start = (p.page - 1) * p.page_size
    if order_in_sql:
        page = (_sqlite_page_by_index(session, sql, p, start) if dialect == "sqlite" else None)
        if page is None:
            page_sql = (f"SELECT d.id, d.asset_id, {sql.score} AS score {sql.from_where()} ORDER BY "
                        f"{_order(p, has_text)} LIMIT {int(p.page_size)} OFFSET {int(start)}")
            page = [(i, a, float(sc or 0.0)) for i, a, sc in session.execute(sql.statement(page_sql), sql.binds)]
    else:
        page = [(r[ID], r[ASSET], float(r[SCORE] or 0.0))
                for r in _order_window(rows, p, has_text, start + p.page_size)[start:]]
    assets = {a.id: a for a in session.scalars(
        select(Asset).where(Asset.id.in_([asset_id for _, asset_id, _ in page]))
        .options(selectinload(Asset.renditions), *(defer(c) for c in _NOT_SHOWN)))}
    matcher = Matcher.of(q)
    items = []
    for doc_id, asset_id, score in page:
        asset = assets.get(asset_id)
        if asset is None:
            continue
        hits = text_hits(asset_values(asset), matcher) + geo_hits.get(doc_id, [])
        items.append(SearchItem(asset, score, hits[:MAX_HITS]))
    return SearchResult(total, items, facets, facets_estimated, total_exact=total_exact)

"""SQLite's part of a search: FTS5 MATCH ranked by bm25, id lists through ``json_each``, the R*Tree of
boxes, and date or duration pages walked along that column's index."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from mam.search.render_fts5 import fts5_exclusion_match, fts5_match

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mam.search.params import SearchParams
    from mam.search.statement import Sql
    from mam.search.tokenize import Query

__all__ = ["BM25_WEIGHTS", "geo_candidates", "ids_in", "page_by_index", "text_condition"]

BM25_WEIGHTS = (10.0, 3.0, 1.0)  # title, body, timed


def text_condition(sql: Sql, q: Query) -> bool:
    """Add the text condition; False when the query can match nothing."""
    match, excl = fts5_match(q), fts5_exclusion_match(q)
    if match:
        w = ", ".join(str(x) for x in BM25_WEIGHTS)
        # FTS5 walks its matches in descending rowid order, so the window streams
        sql.source = (f"(SELECT rowid AS doc_id, bm25(search_fts, {w}) AS rank FROM search_fts WHERE "
                      "search_fts MATCH :match ORDER BY rowid DESC) f JOIN search_docs d ON d.id = f.doc_id")
        sql.key, sql.binds["match"], sql.score = "f.doc_id", match, "-f.rank"
    elif excl:
        sql.where.append("d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :excl)")
        sql.binds["excl"] = excl
    else:
        return False
    return True


def ids_in(sql: Sql, ids: list[int], name: str = "geo_ids") -> None:
    """Restrict to the documents ``ids`` (bound as one JSON array)."""
    sql.where.append(f"d.id IN (SELECT value FROM json_each(:{name}))")
    sql.binds[name] = json.dumps(ids)


def geo_candidates(sql: Sql, bbox: tuple[float, float, float, float]) -> None:
    """Restrict to documents whose box (R*Tree ``search_geo``) meets ``bbox`` (west, south, east, north)."""
    w, s, e, n = bbox
    sql.binds.update(gw=w, gs=s, ge=e, gn=n)
    sql.where.append("d.id IN (SELECT id FROM search_geo WHERE min_lon <= :ge AND max_lon >= :gw "
                     "AND min_lat <= :gn AND max_lat >= :gs)")


def page_by_index(session: Session, sql: Sql, p: SearchParams, start: int) -> list[tuple] | None:
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

"""PostgreSQL's part of a search: tsquery literals against the ``tsv`` column ranked by ``ts_rank``, id lists
as arrays, and boxes met through the GiST index on ``box(point, point)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mam.search.render_pg import pg_exclusion_tsquery, pg_tsquery

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mam.search.params import SearchParams
    from mam.search.statement import Sql
    from mam.search.tokenize import Query

__all__ = ["geo_candidates", "ids_in", "page_by_index", "text_condition"]


def text_condition(sql: Sql, q: Query) -> bool:
    """Add the text condition; False when the query can match nothing."""
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


def ids_in(sql: Sql, ids: list[int], name: str = "geo_ids") -> None:
    """Restrict to the documents ``ids`` (bound as one array)."""
    sql.where.append(f"d.id = ANY(:{name})")
    sql.binds[name] = ids


def geo_candidates(sql: Sql, bbox: tuple[float, float, float, float]) -> None:
    """Restrict to documents whose box meets ``bbox`` (west, south, east, north)."""
    w, s, e, n = bbox
    sql.binds.update(gw=w, gs=s, ge=e, gn=n)
    sql.where.append("d.geo_w IS NOT NULL AND box(point(d.geo_w, d.geo_s), point(d.geo_e, d.geo_n)) "
                     "&& box(point(:gw, :gs), point(:ge, :gn))")


def page_by_index(session: Session, sql: Sql, p: SearchParams, start: int) -> list[tuple] | None:
    """None: PostgreSQL's planner walks a date or duration index by itself; the general ordered query is used."""
    return None

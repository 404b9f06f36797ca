"""The SQL statement a search builds over ``search_docs``, the same on every engine: its source, its
conditions and binds, the filters every search applies, the page orders, and the shape of a window row.

The engine-specific fragments (text match, id lists, geo candidates) are added by ``mam.search.engines``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, TextClause, bindparam, text

from mam.utc import aware_utc

if TYPE_CHECKING:
    from mam.search.params import SearchParams

__all__ = ["ASSET", "CAMERA", "CAPTURED", "DURATION", "ID", "KIND", "PROJECT", "SCORE", "WINDOW_COLUMNS", "YEAR",
           "Sql", "filters", "order_by"]

WINDOW_COLUMNS = ("d.id", "d.asset_id", "d.project", "d.camera", "d.kind", "d.year", "d.captured_at",
                  "d.duration_s")
# window rows: the WINDOW_COLUMNS, then the score
ID, ASSET, PROJECT, CAMERA, KIND, YEAR, CAPTURED, DURATION, SCORE = range(9)


@dataclass
class Sql:
    """The statement so far: ``FROM source WHERE where…`` with its binds and the score expression."""

    source: str = "search_docs d"
    key: str = "d.id"  # newest first is ``key DESC``: an order every engine can stream
    where: list[str] = field(default_factory=list)
    binds: dict[str, Any] = field(default_factory=dict)
    score: str = "0.0"

    def from_where(self) -> str:
        return f"FROM {self.source}" + (" WHERE " + " AND ".join(self.where) if self.where else "")

    def statement(self, sql: str) -> TextClause:
        stmt = text(sql)
        dated = [bindparam(k, type_=DateTime(timezone=True)) for k in ("dfrom", "dto") if k in self.binds]
        return stmt.bindparams(*dated) if dated else stmt


def _utc(value: date | datetime, end: bool) -> datetime:
    if isinstance(value, datetime):
        return aware_utc(value)
    day = datetime.combine(value, time.min, tzinfo=UTC)
    return day + timedelta(days=1) if end else day  # a date "to" includes that whole day


def filters(sql: Sql, p: SearchParams) -> None:
    """Add the filters of ``p`` (project, kind, camera, status, collection, tags, dates, duration, height)."""
    for name, value in (("project", p.project), ("kind", p.kind), ("camera", p.camera), ("status", p.status)):
        if value:
            sql.where.append(f"d.{name} = :{name}")
            sql.binds[name] = value
    if p.collection:
        sql.where.append("d.asset_id IN (SELECT asset_id FROM collection_assets WHERE collection_id = :collection)")
        sql.binds["collection"] = p.collection
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


def order_by(p: SearchParams, has_text: bool) -> str:
    """The ORDER BY clause of the requested sort (ties: newest id first, or oldest for ascending sorts)."""
    newest = "d.captured_at DESC NULLS LAST, d.id DESC"
    return {
        "relevance": f"score DESC, {newest}" if has_text else newest,
        "captured_at": "d.captured_at ASC NULLS LAST, d.id ASC",
        "-captured_at": newest,
        "duration": "d.duration_s ASC NULLS LAST, d.id ASC",
        "-duration": "d.duration_s DESC NULLS LAST, d.id DESC",
    }[p.sort]

"""The engine-specific SQL of a search: ``engine_sql(dialect)`` is ``sql_sqlite`` for SQLite and
``sql_postgres`` otherwise; both modules answer the same calls (``EngineSql``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from mam.search import sql_postgres, sql_sqlite

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mam.search.params import SearchParams
    from mam.search.statement import Sql
    from mam.search.tokenize import Query

__all__ = ["EngineSql", "engine_sql"]


class EngineSql(Protocol):
    """What each engine module provides (see ``sql_sqlite`` / ``sql_postgres``)."""

    def text_condition(self, sql: Sql, q: Query) -> bool: ...

    def ids_in(self, sql: Sql, ids: list[int], name: str = ...) -> None: ...

    def geo_candidates(self, sql: Sql, bbox: tuple[float, float, float, float]) -> None: ...

    def page_by_index(self, session: Session, sql: Sql, p: SearchParams, start: int) -> list[tuple] | None: ...


def engine_sql(dialect: str) -> EngineSql:
    """The SQL fragments for a SQLAlchemy dialect name (``session.get_bind().dialect.name``)."""
    return sql_sqlite if dialect == "sqlite" else sql_postgres

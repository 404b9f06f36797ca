"""One search being run: what ``mam.search.query.search`` has built, handed to the window, facet and page steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mam.search.engines import EngineSql
    from mam.search.params import SearchParams
    from mam.search.statement import Sql
    from mam.search.tokenize import Query

__all__ = ["SearchPlan"]


@dataclass
class SearchPlan:
    """The session and its engine's SQL, the statement with text and filters, the request and its parsed
    words, and the bounds of this run (``query.WINDOW`` and ``query.FACET_SAMPLE`` when it started)."""

    session: Session
    engine: EngineSql
    sql: Sql
    p: SearchParams
    q: Query
    has_text: bool
    window: int
    facet_sample: int

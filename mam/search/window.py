"""The bounded window of a search without an area: at most ``plan.window`` + 1 matches fetched in one
streaming query, from which the total (exact, counted, or estimated) and the page's order are decided.

With words, the text index yields the newest matches first: when more match, the total is estimated from how
densely the window fills the id range and relevance ranks within the newest window. Filters alone are counted
exactly. Sorts other than relevance run one exact ordered query over everything matched when the window
overflows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from mam.search.page import finish
from mam.search.statement import ID, WINDOW_COLUMNS

if TYPE_CHECKING:
    from mam.search.plan import SearchPlan
    from mam.search.results import SearchResult

__all__ = ["run_window"]


def run_window(plan: SearchPlan) -> SearchResult:
    """Fetch a window of at most ``plan.window`` + 1 matches, then total, facets and page."""
    session, sql, p, window = plan.session, plan.sql, plan.p, plan.window
    newest_first = plan.has_text  # the text index streams newest first; filters alone use their own indexes
    order = f" ORDER BY {sql.key} DESC" if newest_first else ""
    fetched = session.execute(sql.statement(
        f"SELECT {', '.join(WINDOW_COLUMNS)}, {sql.score} AS score {sql.from_where()}{order} LIMIT {window + 1}"),
        sql.binds).all()
    overflow = len(fetched) > window
    rows = fetched[:window]
    total, total_exact = len(rows), True
    if overflow and newest_first:  # estimated from how densely the newest window matches fill the id range
        top = session.execute(text("SELECT MAX(id) FROM search_docs")).scalar_one() or rows[0][ID]
        total, total_exact = max(window + 1, round(window * top / max(1, top - rows[-1][ID] + 1))), False
    elif overflow:
        total = int(session.execute(sql.statement(f"SELECT COUNT(*) {sql.from_where()}"), sql.binds).scalar_one())
    # past the window only relevance over text ranks the window itself; other orders need every match
    ordered_in_window = not overflow or (newest_first and p.sort == "relevance")
    return finish(plan, rows, total, total_exact, not ordered_in_window, {})

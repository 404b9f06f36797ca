"""Facet counts of a search: project, camera, kind and year from the window rows, tags from ``search_tags``;
counted over a sample of the matches and scaled to the total when more matched."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import text

from mam.search.statement import CAMERA, ID, KIND, PROJECT, YEAR, Sql

if TYPE_CHECKING:
    from mam.search.plan import SearchPlan

__all__ = ["FACETS", "FACET_LIMIT", "facet_counts"]

FACETS = ("project", "tag", "camera", "kind", "year")
FACET_LIMIT = 20


def _tag_facet(plan: SearchPlan, ids: list[int]) -> list[tuple[str, int]]:
    sql = Sql()
    plan.engine.ids_in(sql, ids, "facet_ids")
    stmt = (f"SELECT t.tag, COUNT(*) AS n FROM search_tags t WHERE t.doc_id IN (SELECT d.id {sql.from_where()}) "
            f"GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT {FACET_LIMIT}")
    return [(tag, int(n)) for tag, n in plan.session.execute(text(stmt), sql.binds)]


def facet_counts(plan: SearchPlan, rows: list[tuple], total: int) -> tuple[dict[str, list[tuple[str, int]]], bool]:
    """Facet counts over the first ``plan.facet_sample`` window rows, scaled to ``total`` when more matched;
    the flag says whether they were scaled."""
    sample = rows[:plan.facet_sample]
    scale = total / len(sample) if sample else 1.0
    out: dict[str, list[tuple[str, int]]] = {}
    for name, col in (("project", PROJECT), ("camera", CAMERA), ("kind", KIND), ("year", YEAR)):
        counts = Counter(r[col] for r in sample)
        counts.pop(None, None)
        top = sorted(counts.items(), key=lambda x: (-x[1], str(x[0])))[:FACET_LIMIT]
        out[name] = [(str(v), round(n * scale)) for v, n in top]
    out["tag"] = [(t, round(n * scale)) for t, n in _tag_facet(plan, [r[ID] for r in sample])]
    return out, len(sample) < total

"""A parsed query as SQLite FTS5 syntax, for a column holding ``index_text`` output.

Every term is written as a quoted FTS5 string, so user input never becomes FTS syntax (``NEAR``, ``OR``,
``col:``, ``^`` … inside quotes are plain text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mam.search.tokenize import Query

__all__ = ["FTS5_TOKENIZE", "fts5_exclusion_match", "fts5_match"]

FTS5_TOKENIZE = "ascii"
"""The FTS5 tokenizer for a column holding ``index_text`` output: CREATE VIRTUAL TABLE ... USING fts5(col,
tokenize='ascii')."""


def _fts5_string(term: str) -> str:
    """A FTS5 string literal: inside double quotes nothing is syntax; a quote is written twice."""
    return '"' + term.replace("\x00", "").replace('"', '""') + '"'


def fts5_match(q: Query) -> str:
    """The SQLite FTS5 MATCH expression for ``q``, for a column indexed with ``index_text`` and ``FTS5_TOKENIZE``.

    Required terms are joined with AND, a must group's alternatives with OR, prefixes are ``"term"*``,
    exclusions follow a NOT. Every term is quoted, whatever it holds. Returns ``""`` when the query has no
    positive term (FTS5 cannot express "everything but"): run no MATCH then and return no rows.
    """
    parts: list[str] = []
    for alternatives in q.must:
        quoted = [_fts5_string(a) for a in dict.fromkeys(alternatives) if a]
        if len(quoted) == 1:
            parts.append(quoted[0])
        elif quoted:
            parts.append("(" + " OR ".join(quoted) + ")")
    parts += [_fts5_string(p) for p in q.phrases if p]
    parts += [_fts5_string(p) + "*" for p in q.prefixes if p]
    if not parts:
        return ""
    expr = " AND ".join(parts)
    excluded = [_fts5_string(e) for e in q.exclude if e]
    if excluded:
        expr = f"({expr}) NOT ({' OR '.join(excluded)})"
    return expr


def fts5_exclusion_match(q: Query) -> str:
    """The FTS5 expression matching any of ``q``'s exclusions (``""`` when none)."""
    return " OR ".join(_fts5_string(e) for e in q.exclude if e)

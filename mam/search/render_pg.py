"""Index terms and parsed queries as PostgreSQL tsvector / tsquery literals.

Lexemes are written as tsvector / tsquery *literals* (cast from text), which PostgreSQL stores as given: no
parser, no dictionary. So PostgreSQL holds exactly the terms ``index_terms`` made, as SQLite FTS5 does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mam.search.tokenize import Query

__all__ = ["PG_MAX_POSITION", "PG_MAX_POSITIONS_PER_LEXEME", "pg_exclusion_tsquery", "pg_tsquery", "pg_tsvector"]

PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_LEXEME = 255


def _pg_quote(term: str) -> str:
    return "'" + term.replace("\x00", "").replace("\\", "\\\\").replace("'", "''") + "'"


def pg_tsvector(*weighted: tuple[list[str], str]) -> str:
    """A tsvector literal of ``(terms, weight)`` groups (weights ``A``–``D``), positions in order, one free
    position between groups so a phrase never spans two fields."""
    positions: dict[str, list[str]] = {}
    pos = 0
    for terms, weight in weighted:
        for term in terms:
            pos += 1
            if pos > PG_MAX_POSITION:
                break
            slots = positions.setdefault(term, [])
            if len(slots) < PG_MAX_POSITIONS_PER_LEXEME:
                slots.append(f"{pos}{weight}")
        pos += 1
    return " ".join(f"{_pg_quote(t)}:{','.join(p)}" for t, p in positions.items())


def pg_tsquery(q: Query) -> str:
    """The tsquery literal for ``q`` (``""`` when it has no positive term), the counterpart of ``fts5_match``."""

    def seq(s: str) -> str:
        terms = [_pg_quote(t) for t in s.split(" ") if t]
        return terms[0] if len(terms) == 1 else "(" + " <-> ".join(terms) + ")"

    parts: list[str] = []
    for alternatives in q.must:
        quoted = [_pg_quote(a) for a in dict.fromkeys(alternatives) if a]
        if quoted:
            parts.append(quoted[0] if len(quoted) == 1 else "(" + " | ".join(quoted) + ")")
    parts += [seq(p) for p in q.phrases if p]
    parts += [_pg_quote(p) + ":*" for p in q.prefixes if p]
    if not parts:
        return ""
    return " & ".join(parts + ["!" + seq(e) for e in q.exclude if e])


def pg_exclusion_tsquery(q: Query) -> str:
    """The tsquery matching any of ``q``'s exclusions (``""`` when none)."""
    return " | ".join(
        ("(" + " <-> ".join(_pg_quote(t) for t in e.split(" ") if t) + ")") for e in q.exclude if e.strip()
    )

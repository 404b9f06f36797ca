"""Highlighted snippets: where in a field's text a query matched, as escaped HTML with ``<mark>``."""

from __future__ import annotations

import html
from dataclasses import dataclass

from mam.search.tokenize import Query, token_spans

SNIPPET_CHARS = 120
LEAD_CHARS = 30


@dataclass(frozen=True)
class Matcher:
    """Which index terms a query asks for: exact terms (words, pinyin, phrase words) and prefixes."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, q: Query) -> Matcher:
        exact = {a for alts in q.must for a in alts} | {t for p in q.phrases for t in p.split(" ") if t}
        return cls(frozenset(exact), tuple(q.prefixes))

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)

    def matches(self, terms: frozenset[str]) -> bool:
        return bool(terms & self.exact) or any(t.startswith(p) for t in terms for p in self.prefixes)


def highlight(text: str, matcher: Matcher, width: int = SNIPPET_CHARS) -> str | None:
    """An HTML-escaped excerpt of ``text`` around the first match with every match inside ``<mark>``; None when
    nothing in ``text`` matches."""
    if not matcher or not text:
        return None
    norm, spans = token_spans(text)
    ranges = sorted((s, e) for s, e, terms in spans if matcher.matches(terms))
    if not ranges:
        return None
    merged: list[list[int]] = []
    for s, e in ranges:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    start = max(0, merged[0][0] - LEAD_CHARS)
    end = min(len(norm), start + width)
    out, pos = [], start
    for s, e in merged:
        if s >= end:
            break
        s, e = max(s, start), min(e, end)
        out += [html.escape(norm[pos:s]), "<mark>", html.escape(norm[s:e]), "</mark>"]
        pos = e
    out.append(html.escape(norm[pos:end]))
    return ("…" if start > 0 else "") + "".join(out).strip() + ("…" if end < len(norm) else "")

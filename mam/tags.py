"""Tags with their source: what a person typed (``user``), what the file's metadata says (``metadata``),
what analysis of the pictures found (``analysis``)."""

from __future__ import annotations

from typing import Any

SOURCES = ("user", "metadata", "analysis")
MAX_TAG_CHARS = 200
MAX_TAGS = 200


def clean_tags(names: list[str]) -> list[str]:
    """User tags stripped, once each, in order. Raises ``InvalidInput`` for a tag that is too long or has control
    characters, or too many tags."""
    from mam.errors import InvalidInput

    out = list(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip()))
    for n in out:
        if len(n) > MAX_TAG_CHARS or any(ord(c) < 32 for c in n):
            raise InvalidInput(f"tag {n[:40]!r}: at most {MAX_TAG_CHARS} characters, no control characters")
    if len(out) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags an asset")
    return out


def replace_source(tags: list[dict[str, Any]], source: str, names: list[str]) -> list[dict[str, Any]]:
    """``tags`` with every tag of ``source`` replaced by ``names`` (so a rerun never duplicates)."""
    kept = [t for t in tags or [] if t.get("source") != source]
    seen = {(t["name"], t["source"]) for t in kept}
    for name in names:
        name = name.strip()
        if name and (name, source) not in seen:
            kept.append({"name": name, "source": source})
            seen.add((name, source))
    return kept


def public_tags(user: list[str], auto: list[dict[str, Any]]) -> list[dict[str, str]]:
    """User tags first, then metadata and analysis tags, each ``{name, source}``."""
    out = [{"name": t, "source": "user"} for t in user or []]
    order = {s: i for i, s in enumerate(SOURCES)}
    out += sorted(({"name": t["name"], "source": t["source"]} for t in auto or []),
                  key=lambda t: order.get(t["source"], 9))
    return out

"""Reading numbers out of loosely typed metadata (JSON, XML attributes, CSV cells, ffmpeg/ffprobe text)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["as_float", "as_int"]


def as_float(value: Any, *, finite: bool = True, strip: bool = False) -> float | None:
    """``float(value)``, or None when it is no number (None, "", "n/a", a list …).

    ``finite``: inf and nan count as no number (the default); ``finite=False`` keeps them, for a reader that
    passes such values on. ``strip``: a string is ``str.strip()``-ed first, which also drops the ASCII
    separator controls (``\\x1c``–``\\x1f``) that ``float()`` alone refuses; other whitespace ``float()``
    ignores anyway.
    """
    if strip and isinstance(value, str):
        value = value.strip()
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if not finite or math.isfinite(f) else None


def as_int(value: Any) -> int | None:
    """The whole part of ``as_float(value)`` (``"100"`` → 100, ``"5.9"`` → 5), None when no finite number."""
    f = as_float(value)
    return int(f) if f is not None else None

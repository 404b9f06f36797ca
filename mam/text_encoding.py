"""Decoding the head of a text file whose encoding nobody declared (subtitles, telemetry, sidecars)."""

from __future__ import annotations

import codecs

__all__ = ["BOMS", "bomless_utf16", "decode_prefix"]

#: byte-order marks and their encodings, longest first where two share a start
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_prefix(data: bytes, encoding: str) -> str | None:
    """Strict decode that tolerates an incomplete character at the very end (a cut-off read); None if invalid."""
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)
    except UnicodeDecodeError:
        return None


def bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the first bytes look like BOM-less UTF-16 text (NULs on one parity)."""
    head = data[:4096]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None

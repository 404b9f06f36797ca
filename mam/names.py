"""User-supplied filenames: checked, kept as metadata, never used in a path or a command."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

from mam.errors import InvalidInput

MAX_NAME_BYTES = 1024


def check_filename(name: str | None) -> str:
    """Return ``name`` if it is a plain file name (any script, emoji included); else ``InvalidInput``.

    Refused: empty, path separators or ``..`` components, absolute paths, NUL and other control
    characters, more than 1,024 UTF-8 bytes.
    """
    if name is None or not name.strip():
        raise InvalidInput("filename is empty")
    if "\x00" in name:
        raise InvalidInput("filename contains a NUL byte")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidInput("filename contains control characters")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidInput("filename is not valid Unicode") from exc
    if size > MAX_NAME_BYTES:
        raise InvalidInput(f"filename is {size} bytes long; the limit is {MAX_NAME_BYTES}")
    if "/" in name or "\\" in name:
        raise InvalidInput("filename must be a plain name without '/' or '\\' (no folders, no absolute paths)")
    if name in (".", "..") or PurePosixPath(name).name != name:
        raise InvalidInput("filename must not be '.' or '..'")
    return name


def stem_and_ext(name: str) -> tuple[str, str]:
    """``('DJI_0001', 'mp4')`` for ``DJI_0001.MP4``; the extension lower-cased, '' if none."""
    stem, dot, ext = name.rpartition(".")
    return (stem, ext.lower()) if dot and stem else (name, "")

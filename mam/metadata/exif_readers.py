"""Where each still-image container keeps its EXIF, XMP and pixel size: one reader per sniffed format.

``READERS`` maps a format (``image_containers._sniff``) to its reader; ``read_container`` picks the reader,
with a byte scan for an ``Exif`` + TIFF header for any other or unknown file. Every reader gets the open file
as a ``Source`` and returns a ``Found``; exifread runs only through the time-bounded ``Source.runner``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from mam.metadata.exif_runner import _ExifRunner
from mam.metadata.image_containers import _FORMAT_NAMES, _container_dims, _cr3_tags, _scan_exif_blob, _walk_jpeg

__all__ = ["READERS", "Found", "Source", "read_container"]


@dataclass
class Source:
    """An open still as a reader sees it.

    ``fh`` is the calling thread's handle (JPEG walk, container sizes); ``exif_fh`` is exifread's own handle
    (an abandoned exifread worker must never move ``fh``); ``head`` / ``tail`` are the first and last bytes
    of the file (``exif.HEAD_BYTES`` / ``exif.TAIL_BYTES``).
    """

    fmt: str | None
    fh: BinaryIO
    exif_fh: BinaryIO
    head: bytes
    tail: bytes
    size: int
    runner: _ExifRunner
    warnings: list[str]


@dataclass
class Found:
    """What a reader found: EXIF tags, the stored pixel size, the XMP packet (None: scan the bytes for it)."""

    tags: dict[str, Any] = field(default_factory=dict)
    dims: tuple[int, int] | None = None
    xmp: bytes | None = None


def read_jpeg(src: Source) -> Found:
    """Our bounded segment walk gives EXIF, XMP and size; exifread parses only the EXIF blob (a byte scan
    recovers it from a broken segment chain)."""
    info = _walk_jpeg(src.fh, src.warnings)
    found = Found(dims=info.dims, xmp=info.xmp)
    blob = info.exif
    if blob is None and info.broken:
        blob = _scan_exif_blob(src.head)
    if blob is not None:
        found.tags = src.runner.run(io.BytesIO(blob), details=False, what="JPEG EXIF")
    return found


def read_tiff(src: Source) -> Found:
    """exifread on the file with MakerNote/SubIFD details, retried without them when those break the parse."""
    runner = src.runner
    tags = runner.run(src.exif_fh, details=True, what="TIFF", quiet=True)
    if not tags and runner.last_error and not runner.timed_out:
        # a MakerNote/SubIFD decoder failure loses everything: retry without them
        tags = runner.run(src.exif_fh, details=False, what="TIFF")
        if tags:
            src.warnings.append(f"MakerNote/SubIFD decoding failed ({runner.first_error}); read without them")
    return Found(tags)


def read_boxed(src: Source) -> Found:
    """HEIF, PNG, WebP: exifread on the file, else a byte scan for the EXIF blob; the size from the container."""
    runner, warnings, fmt = src.runner, src.warnings, src.fmt or ""
    tags = runner.run(src.exif_fh, details=False, what=_FORMAT_NAMES[fmt], quiet=True)
    if not tags and not runner.timed_out:
        blob = _scan_exif_blob(src.head, src.tail)
        if blob is not None:
            tags = runner.run(io.BytesIO(blob), details=False, what="embedded EXIF")
            if tags and runner.first_error:
                warnings.append(
                    f"exifread could not parse the {_FORMAT_NAMES[fmt]} container "
                    f"({runner.first_error}); EXIF recovered by a byte scan"
                )
        elif runner.first_error:
            warnings.append(f"EXIF parser error ({runner.first_error})")
    return Found(tags, _container_dims(fmt, src.fh, src.head, src.size))


def read_cr3(src: Source) -> Found:
    """Canon CR3: the TIFF blobs of its ``CMT1``/``CMT2`` boxes."""
    return Found(_cr3_tags(src.head, src.runner))


def read_gif(src: Source) -> Found:
    """GIF has no EXIF: the size only (its XMP is found by the byte scan)."""
    return Found(dims=_container_dims("gif", src.fh, src.head, src.size))


def read_scanned(src: Source) -> Found:
    """Any other or unknown file: EXIF only where a byte scan finds an ``Exif`` + TIFF header."""
    blob = _scan_exif_blob(src.head, src.tail)
    if blob is None:
        return Found()
    return Found(src.runner.run(io.BytesIO(blob), details=False, what="embedded EXIF"))


READERS: dict[str, Callable[[Source], Found]] = {
    "jpeg": read_jpeg,
    "tiff": read_tiff,
    "heif": read_boxed,
    "png": read_boxed,
    "webp": read_boxed,
    "cr3": read_cr3,
    "gif": read_gif,
}
"""The reader of each sniffed format; anything else (unknown, a non-image ISO-BMFF) goes to ``read_scanned``."""


def read_container(src: Source) -> Found:
    """Run the reader of ``src.fmt`` (``read_scanned`` for a format without one)."""
    return READERS.get(src.fmt or "", read_scanned)(src)

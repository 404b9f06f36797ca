"""Which files of a card or folder are clips, and which sidecars travel with each: the one rule.

``mam ingest`` applies it to the files it walked on disk (:func:`cli.card.group`); the web UI sends the
relative paths and sizes of what was dropped to ``POST /api/v1/uploads/plan``, which applies it to those
names. A sidecar (``.SRT``, ``.LRF``, ``.THM``, ``.vtt``, ``.xmp``, … see
:data:`mam.uploads.SIDECAR_KINDS`) goes with the clip of the same folder and the same stem (case aside);
a sidecar without its clip, and anything that is neither media nor sidecar, is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Generic, TypeVar

from mam.uploads import SIDECAR_KINDS

MEDIA_EXTS = frozenset("""mp4 mov mxf mts m2ts ts mkv webm avi mpg mpeg m4v 3gp flv wmv dv insv
    wav mp3 m4a aac flac ogg opus aif aiff
    jpg jpeg png tif tiff dng heic heif webp arw cr2 cr3 nef raf orf rw2""".split())

#: why a file was left out (said to people as is)
NOT_MEDIA = "not a media file or a sidecar"
ORPHAN_SIDECAR = "sidecar without its clip (no media file of the same name in its folder)"

P = TypeVar("P", bound=PurePath)


def ext_of(p: PurePath) -> str:
    return p.suffix.lower().lstrip(".")


@dataclass
class Group(Generic[P]):
    """One clip and its sidecars."""

    clip: P
    sidecars: list[P] = field(default_factory=list)


@dataclass
class Grouped(Generic[P]):
    groups: list[Group[P]]
    left_out: list[tuple[P, str]]  # (path, reason)


def group_files(paths: Iterable[P]) -> Grouped[P]:
    """Group ``paths`` (files only, already found) into clips with their sidecars, in path order.

    Two media files of one folder with the same stem (``A.MP4`` and ``A.JPG``) are two clips; the sidecars
    go with the first in path order."""
    by_stem: dict[tuple[PurePath, str], Group[P]] = {}
    groups: list[Group[P]] = []
    loose: list[P] = []
    for f in sorted(set(paths)):
        if ext_of(f) in MEDIA_EXTS:
            g = Group(f)
            by_stem.setdefault((f.parent, f.stem.lower()), g)
            groups.append(g)
        else:
            loose.append(f)
    left_out: list[tuple[P, str]] = []
    for f in loose:
        g = by_stem.get((f.parent, f.stem.lower()))
        if ext_of(f) in SIDECAR_KINDS:
            if g is not None:
                g.sidecars.append(f)
            else:
                left_out.append((f, ORPHAN_SIDECAR))
        else:
            left_out.append((f, NOT_MEDIA))
    return Grouped(groups, left_out)

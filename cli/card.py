"""Find media on a card or folder and group each clip with its sidecars (same folder, same stem)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mam.uploads import SIDECAR_KINDS

MEDIA_EXTS = frozenset("""mp4 mov mxf mts m2ts ts mkv webm avi mpg mpeg m4v 3gp flv wmv dv insv
    wav mp3 m4a aac flac ogg opus aif aiff
    jpg jpeg png tif tiff dng heic heif webp arw cr2 cr3 nef raf orf rw2""".split())


@dataclass
class Item:
    """One original and the sidecars that travel with it."""

    path: Path
    sidecars: list[Path] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.path.stat().st_size + sum(s.stat().st_size for s in self.sidecars)


@dataclass
class Scan:
    items: list[Item]
    ignored: list[Path]


def _ext(p: Path) -> str:
    return p.suffix.lower().lstrip(".")


def group(paths: list[Path]) -> Scan:
    """Walk files and folders (card layouts such as ``DCIM/100MEDIA``), pair sidecars with their clip.

    A DJI ``.LRF`` is a low-res proxy of the ``.MP4`` with the same stem, so it is a sidecar there and
    ignored when alone; an ``.SRT`` without its clip is ignored too.
    """
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and not any(
                part.startswith(".") for part in f.relative_to(p).parts))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p} does not exist")
    by_stem: dict[tuple[Path, str], Item] = {}
    loose: list[Path] = []
    for f in files:
        if _ext(f) in MEDIA_EXTS:
            by_stem.setdefault((f.parent, f.stem.lower()), Item(f))
        else:
            loose.append(f)
    ignored: list[Path] = []
    for f in loose:
        item = by_stem.get((f.parent, f.stem.lower()))
        if item is not None and _ext(f) in SIDECAR_KINDS:
            item.sidecars.append(f)
        else:
            ignored.append(f)
    return Scan(items=list(by_stem.values()), ignored=ignored)

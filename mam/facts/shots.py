"""``Asset.shots``: the shots the media pass cut, with what the analysis step found in each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from mam.facts.base import Fact

ANALYSED = ("motion", "day_night", "colours", "faces", "phash", "aerial_score")
"""The keys the analysis step writes on every shot it could read (``None`` for a part that failed)."""


@dataclass(frozen=True)
class Shot(Fact):
    """One shot: its number (from 1), where it is, its keyframe image, and the keyframe analysis."""

    index: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    image_key: str | None = None  # the stored keyframe; None when none could be made
    motion: str | None = None  # static, pan, tilt or zoom
    day_night: str | None = None
    colours: list[dict[str, Any]] | None = None  # [{"name", "share", …}], main colour first
    faces: int | None = None
    phash: str | None = None  # 64-bit perceptual hash of the keyframe, 16 hex digits
    aerial_score: float | None = None  # 0..1: how much the keyframe looks shot from the air

    WRITES: ClassVar[tuple[str, ...]] = ("index", "start_s", "end_s")


def shots_from_json(data: Iterable[Mapping[str, Any]] | None) -> tuple[Shot, ...]:
    """The shots of a stored list (``None`` or ``[]``: no shots). The media pass writes every shot as a mapping."""
    return tuple(Shot.from_json(sh) for sh in data or ())


def shots_to_json(shots: Iterable[Shot]) -> list[dict[str, Any]]:
    """The stored list of ``shots``."""
    return [sh.to_json() for sh in shots]

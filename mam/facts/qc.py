"""``Asset.qc``: the quality-control intervals the media pass found (black, frozen, silent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mam.facts.base import Fact, nested_list


@dataclass(frozen=True)
class Interval(Fact):
    """A stretch of the media, in seconds from its start (stored ``{"start_s", "end_s"}``)."""

    start_s: float | None = None
    end_s: float | None = None

    WRITES: ClassVar[tuple[str, ...]] = ("start_s", "end_s")


@dataclass(frozen=True)
class Qc(Fact):
    """Black picture, frozen picture and silence intervals. ``Qc.empty()`` (stored ``{}``): a still, or an
    asset before its media pass; an audio or video file has all three lists, empty when nothing was found."""

    black: tuple[Interval, ...] = nested_list(Interval)
    freeze: tuple[Interval, ...] = nested_list(Interval)
    silence: tuple[Interval, ...] = nested_list(Interval)

    WRITES: ClassVar[tuple[str, ...]] = ("black", "freeze", "silence")

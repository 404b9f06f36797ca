"""``Asset.telemetry``: the summary of a flight / GPS track from a sidecar, and the track itself (opaque)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mam.facts.base import Fact, nested


@dataclass(frozen=True)
class TrackEnd(Fact):
    """The first or last point of a track: position and offset in the clip (seconds)."""

    lat: float | None = None
    lon: float | None = None
    t_s: float | None = None

    WRITES: ClassVar[tuple[str, ...]] = ("lat", "lon", "t_s")


@dataclass(frozen=True)
class Telemetry(Fact):
    """A track summary (``mam.metadata.track.TrackSummary`` without its warnings), the sidecar's format,
    the encoded track and the first camera settings.

    ``encoded`` is opaque here: ``mam.metadata.track`` encodes and decodes it; the API serves the summary
    without it (``summary_json``). ``Telemetry.empty()`` (stored ``{}``): the asset has no track.
    """

    points: int | None = None
    duration_s: float | None = None
    bbox: tuple[float, float, float, float] | list[float] | None = None  # (west, south, east, north)
    start: TrackEnd | None = nested(TrackEnd)
    end: TrackEnd | None = nested(TrackEnd)
    distance_m: float | None = None
    max_rel_alt_m: float | None = None
    line: list[list[float]] | None = None  # simplified [[lon, lat], …] for a map
    dropped_spikes: int | None = None
    format: str | None = None  # dji_srt, gpx, …
    encoded: Any = None
    camera: dict[str, Any] | None = None  # iso, shutter, fnum, ev, ct_k, focal_len_mm of the first cue

    WRITES: ClassVar[tuple[str, ...]] = (
        "points", "duration_s", "bbox", "start", "end", "distance_m", "max_rel_alt_m", "line", "dropped_spikes",
        "format", "encoded",
    )  # fmt: skip

    @classmethod
    def from_summary(cls, summary: Any, *, format: str | None, encoded: Any) -> Telemetry:  # noqa: A002
        """The telemetry of a ``TrackSummary`` (its warnings are the step's, not stored here)."""
        return cls(
            points=summary.points, duration_s=summary.duration_s, bbox=summary.bbox,
            start=TrackEnd.from_json(summary.start) if summary.start is not None else None,
            end=TrackEnd.from_json(summary.end) if summary.end is not None else None,
            distance_m=summary.distance_m, max_rel_alt_m=summary.max_rel_alt_m, line=summary.line,
            dropped_spikes=summary.dropped_spikes, format=format, encoded=encoded,
        )

    def summary_json(self) -> dict[str, Any]:
        """What the API serves: the stored mapping without the encoded track (``{}`` when there is no track)."""
        return {k: v for k, v in self.to_json().items() if k != "encoded"}

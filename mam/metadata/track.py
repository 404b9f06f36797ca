"""Flight tracks: summary, map line, GeoJSON, compact storage, and "when was the drone here" search.

Input is any list of points: `TelemetryPoint` (from `dji_srt` or `gpx`), a mapping with the same keys, or a
``(t_s, lat, lon, rel_alt_m, abs_alt_m)`` tuple (altitudes optional). Points without a valid position are
ignored and the rest put in time order; obvious GPS spikes (a jump implying more than ``max_speed_mps``) are
dropped before anything is measured. Distances are haversine on the mean Earth radius. Pure Python, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from statistics import median
from typing import Any, NamedTuple

from mam.geodesy import EARTH_RADIUS_M as EARTH_RADIUS_M  # re-export: bench/search_vocab.py reads it here
from mam.metadata.dji_srt import TelemetryPoint
from mam.numbers import as_float

ENCODING_VERSION = 1
ALTS = ("rel_alt_m", "abs_alt_m")
Ranges = list[tuple[float, float]]


class TrackPoint(NamedTuple):
    t_s: float
    lat: float
    lon: float
    rel_alt_m: float | None = None
    abs_alt_m: float | None = None
    time: datetime | None = None


@dataclass
class TrackSummary:
    """What a catalog row needs to show and search a track. ``line`` is ``[[lon, lat], ...]`` for a map."""

    points: int = 0
    duration_s: float = 0.0
    bbox: tuple[float, float, float, float] | None = None  # (west, south, east, north)
    start: dict[str, float] | None = None  # {"lat", "lon", "t_s"}
    end: dict[str, float] | None = None
    distance_m: float = 0.0
    max_rel_alt_m: float | None = None
    line: list[list[float]] = field(default_factory=list)
    dropped_spikes: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _coerce(p: Any) -> TrackPoint | None:
    if isinstance(p, Mapping):
        vals = [p.get(k) for k in TrackPoint._fields]
    elif isinstance(p, Sequence) and not isinstance(p, str):
        vals = [*p[:6], *[None] * (6 - len(p[:6]))]
    else:
        vals = [getattr(p, k, None) for k in TrackPoint._fields]
    t, lat, lon, rel, abs_ = (as_float(v) for v in vals[:5])
    if t is None or lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return TrackPoint(t, lat, lon, rel, abs_, vals[5] if isinstance(vals[5], datetime) else None)


def positioned(points: Iterable[Any] | None) -> list[TrackPoint]:
    """Points with a valid position, in time order (stable)."""
    return sorted((tp for tp in map(_coerce, points or []) if tp is not None), key=lambda p: p.t_s)


def _ok(a: TrackPoint, b: TrackPoint, max_speed: float, min_dt: float) -> bool:
    dt = abs(b.t_s - a.t_s)
    if a.time and b.time and (a.time.tzinfo is None) == (b.time.tzinfo is None):
        dt = max(dt, abs((b.time - a.time).total_seconds()))  # wall clock shows gaps between joined clips
    return haversine_m(a.lat, a.lon, b.lat, b.lon) <= max_speed * max(dt, min_dt)


def drop_spikes(pts: list[TrackPoint], max_speed_mps: float = 100.0, min_dt_s: float = 1.0) -> list[TrackPoint]:
    """Drop runs of points that jump away and back faster than ``max_speed_mps``.

    The track is cut into runs of plausible moves; the longest run is kept and the others only if they
    connect plausibly to what is kept. The time step is the larger of the ``t_s`` and wall-clock steps,
    floored at ``min_dt_s`` so moves under ``max_speed_mps * min_dt_s`` metres never count (cue jitter).
    """
    if len(pts) < 2:
        return list(pts)
    runs: list[list[TrackPoint]] = [[pts[0]]]
    for p in pts[1:]:
        if _ok(runs[-1][-1], p, max_speed_mps, min_dt_s):
            runs[-1].append(p)
        else:
            runs.append([p])
    main = max(range(len(runs)), key=lambda i: len(runs[i]))
    keep, last, first = {main}, runs[main][-1], runs[main][0]
    for i in range(main + 1, len(runs)):
        if _ok(last, runs[i][0], max_speed_mps, min_dt_s):
            keep.add(i)
            last = runs[i][-1]
    for i in range(main - 1, -1, -1):
        if _ok(runs[i][-1], first, max_speed_mps, min_dt_s):
            keep.add(i)
            first = runs[i][0]
    return [p for i, run in enumerate(runs) if i in keep for p in run]


def clean(points: Iterable[Any] | None, max_speed_mps: float = 100.0) -> tuple[list[TrackPoint], int, list[str]]:
    """Positioned points in time order without spikes, how many spikes were dropped, and a warning if any."""
    pts = positioned(points)
    kept = drop_spikes(pts, max_speed_mps)
    dropped = len(pts) - len(kept)
    return kept, dropped, [f"dropped {dropped} GPS spike point(s) implying > {max_speed_mps:g} m/s"] if dropped else []


def _xy(pts: list[TrackPoint]) -> list[tuple[float, float]]:
    """Local equirectangular projection in metres around the first point."""
    k, c = math.radians(1) * EARTH_RADIUS_M, math.cos(math.radians(pts[0].lat))
    return [(((p.lon - pts[0].lon + 180) % 360 - 180) * k * c, (p.lat - pts[0].lat) * k) for p in pts]


def _seg_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    d2 = dx * dx + dy * dy
    t = 0.0 if d2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / d2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _rdp(xy: list[tuple[float, float]], tol: float) -> list[int]:
    keep, stack = {0, len(xy) - 1}, [(0, len(xy) - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = max(((_seg_dist(xy[k], xy[i], xy[j]), k) for k in range(i + 1, j)), default=(-1.0, -1))
        if best > tol:
            keep.add(idx)
            stack += [(i, idx), (idx, j)]
    return sorted(keep)


def simplify(pts: list[TrackPoint], tolerance_m: float = 2.0, max_points: int = 500) -> list[TrackPoint]:
    """Ramer-Douglas-Peucker in metres; keeps both ends; doubles the tolerance until <= ``max_points``."""
    if len(pts) <= 2:
        return list(pts)
    xy, tol = _xy(pts), max(tolerance_m, 0.0)
    idx = _rdp(xy, tol)
    while len(idx) > max(max_points, 2):
        tol = tol * 2 if tol > 0 else 0.5
        idx = _rdp(xy, tol)
    return [pts[i] for i in idx]


def _ll(p: TrackPoint) -> list[float]:
    return [round(p.lon, 7), round(p.lat, 7)]


def summarise(
    points: Iterable[Any] | None, tolerance_m: float = 2.0, max_line_points: int = 500, max_speed_mps: float = 100.0
) -> TrackSummary:
    """Count, duration, bbox, ends, path length, highest relative altitude and a simplified map line."""
    pts, dropped, warnings = clean(points, max_speed_mps)
    if not pts:
        return TrackSummary(dropped_spikes=dropped, warnings=[*warnings, "no positioned points"])
    lats, lons = [p.lat for p in pts], [p.lon for p in pts]
    rel = [p.rel_alt_m for p in pts if p.rel_alt_m is not None]
    return TrackSummary(
        points=len(pts),
        duration_s=round(pts[-1].t_s - pts[0].t_s, 3),
        bbox=(min(lons), min(lats), max(lons), max(lats)),
        start={"lat": pts[0].lat, "lon": pts[0].lon, "t_s": pts[0].t_s},
        end={"lat": pts[-1].lat, "lon": pts[-1].lon, "t_s": pts[-1].t_s},
        distance_m=round(sum(haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in zip(pts, pts[1:], strict=False)), 2),
        max_rel_alt_m=max(rel) if rel else None,
        line=[_ll(p) for p in simplify(pts, tolerance_m, max_line_points)],
        dropped_spikes=dropped,
        warnings=warnings,
    )


def to_geojson(points: Iterable[Any] | None, tolerance_m: float | None = None, max_points: int | None = None) -> dict:
    """A GeoJSON Feature: ``LineString`` of ``[lon, lat(, alt)]`` (a ``Point`` for one point, null for none).

    The third coordinate is ``abs_alt_m`` when every point has it, else ``rel_alt_m`` when every point has that,
    else absent; ``properties.alt_ref`` names it. ``properties.t_s`` and ``properties.rel_alt_m`` have one entry
    per coordinate. Spikes are dropped; the line is simplified only when ``tolerance_m`` or ``max_points`` is given.
    """
    pts, _, warnings = clean(points)
    if tolerance_m is not None or max_points is not None:
        pts = simplify(pts, tolerance_m or 0.0, max_points or len(pts))
    ref = next((r for r in ALTS[::-1] if pts and all(getattr(p, r) is not None for p in pts)), None)
    coords = [_ll(p) + ([round(getattr(p, ref), 2)] if ref else []) for p in pts]
    kind = "Point" if len(coords) == 1 else "LineString"
    geometry = {"type": kind, "coordinates": coords[0] if kind == "Point" else coords} if coords else None
    props = {"t_s": [round(p.t_s, 3) for p in pts], "rel_alt_m": [p.rel_alt_m for p in pts], "alt_ref": ref}
    return {"type": "Feature", "geometry": geometry, "properties": props | ({"warnings": warnings} if warnings else {})}


def _deltas(values: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *values], values, strict=False)]


def encode_points(points: Iterable[Any] | None) -> dict[str, Any]:
    """Positioned points as JSON-able columns: t in 0.01 s, lat/lon in 1e-7 deg (delta-coded), alt in 0.1 m.

    Only points without a position are left out (spikes are kept); the first point's wall clock is ``time0``.
    """
    pts = positioned(points)
    rel, abs_ = ([None if a is None else round(a * 10) for a in (getattr(p, k) for p in pts)] for k in ALTS)
    return {
        "v": ENCODING_VERSION, "n": len(pts), "t_cs": _deltas([round(p.t_s * 100) for p in pts]),
        "lat_e7": _deltas([round(p.lat * 1e7) for p in pts]), "lon_e7": _deltas([round(p.lon * 1e7) for p in pts]),
        "rel_dm": rel if any(v is not None for v in rel) else None,
        "abs_dm": abs_ if any(v is not None for v in abs_) else None,
        "time0": pts[0].time.isoformat() if pts and pts[0].time else None,
    }  # fmt: skip


def decode_points(data: Mapping[str, Any]) -> list[TelemetryPoint]:
    """Inverse of `encode_points`. Raises ValueError on anything it did not write."""
    try:
        if data.get("v") != ENCODING_VERSION:
            raise ValueError(f"unknown track encoding version {data.get('v')!r}")
        n = int(data["n"])
        t, lat, lon = (list(accumulate(int(v) for v in data[k])) for k in ("t_cs", "lat_e7", "lon_e7"))
        rel, abs_ = (data.get(k) or [None] * n for k in ("rel_dm", "abs_dm"))
        time0 = datetime.fromisoformat(data["time0"]) if data.get("time0") else None
        if not all(len(c) == n for c in (t, lat, lon, rel, abs_)):
            raise ValueError("track encoding columns differ in length")
        return [
            TelemetryPoint(
                t_s=t[i] / 100, lat=lat[i] / 1e7, lon=lon[i] / 1e7,
                rel_alt_m=None if rel[i] is None else rel[i] / 10, abs_alt_m=None if abs_[i] is None else abs_[i] / 10,
                time=time0 + timedelta(seconds=(t[i] - t[0]) / 100) if time0 else None,
            )  # fmt: skip
            for i in range(n)
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not an encoded track: {type(exc).__name__}: {exc}") from exc


def _ranges(pts: list[TrackPoint], hit: list[bool], gap_s: float | None) -> Ranges:
    if gap_s is None:
        steps = [b.t_s - a.t_s for a, b in zip(pts, pts[1:], strict=False) if b.t_s > a.t_s]
        gap_s = max(2.0, 3 * median(steps)) if steps else 2.0
    out: list[list[float]] = []
    for p, h in zip(pts, hit, strict=True):
        if h and out and p.t_s - out[-1][1] <= gap_s:
            out[-1][1] = p.t_s
        elif h:
            out.append([p.t_s, p.t_s])
    return [(a, b) for a, b in out]


def time_ranges_in_bbox(points: Iterable[Any] | None, bbox: Sequence[float], gap_s: float | None = None) -> Ranges:
    """``[(start_s, end_s)]`` while the track is inside ``bbox`` = (west, south, east, north).

    Matching points less than ``gap_s`` apart are merged (default: 2 s or 3x the median sample step, whichever
    is larger). A bbox with west > east crosses the antimeridian.
    """
    w, s, e, n = (float(v) for v in bbox)
    pts = clean(points)[0]
    in_lon = (lambda x: w <= x <= e) if w <= e else (lambda x: x >= w or x <= e)
    return _ranges(pts, [s <= p.lat <= n and in_lon(p.lon) for p in pts], gap_s)


def time_ranges_near(
    points: Iterable[Any] | None, lat: float, lon: float, radius_m: float, gap_s: float | None = None
) -> Ranges:
    """``[(start_s, end_s)]`` while the track is within ``radius_m`` of (lat, lon); merged as for the bbox."""
    pts = clean(points)[0]
    return _ranges(pts, [haversine_m(lat, lon, p.lat, p.lon) <= radius_m for p in pts], gap_s)

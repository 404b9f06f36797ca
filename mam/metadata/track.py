"""Flight tracks: summary, map line, GeoJSON, compact storage, and "when was the drone here" search.

Input is any list of positioned points: `TelemetryPoint` (from `dji_srt` or `gpx`), a mapping with the same
keys, or a ``(t_s, lat, lon, rel_alt_m, abs_alt_m)`` tuple (altitudes optional). Points without a position
are ignored; points are put in time order. Obvious GPS spikes (a jump implying more than ``max_speed_mps``)
are dropped before anything is measured. Distances are great-circle (haversine, mean Earth radius).
Pure Python, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from statistics import median
from typing import Any, NamedTuple

from mam.metadata.dji_srt import TelemetryPoint

__all__ = [
    "TrackPoint", "TrackSummary", "clean", "decode_points", "drop_spikes", "encode_points", "haversine_m",
    "positioned", "simplify", "summarise", "time_ranges_in_bbox", "time_ranges_near", "to_geojson",
]

EARTH_RADIUS_M = 6_371_008.8
ENCODING_VERSION = 1


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


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _coerce(p: Any) -> TrackPoint | None:
    if isinstance(p, Mapping):
        vals = [p.get(k) for k in TrackPoint._fields]
    elif isinstance(p, Sequence) and not isinstance(p, str):
        vals = list(p[:6]) + [None] * (6 - len(p[:6]))
    else:
        vals = [getattr(p, k, None) for k in TrackPoint._fields]
    t, lat, lon, rel, abs_ = (_num(v) for v in vals[:5])
    if t is None or lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return TrackPoint(t, lat, lon, rel, abs_, vals[5] if isinstance(vals[5], datetime) else None)


def positioned(points: Iterable[Any]) -> list[TrackPoint]:
    """Points with a valid position, in time order (stable)."""
    pts = [tp for tp in map(_coerce, points or []) if tp is not None]
    return sorted(pts, key=lambda p: p.t_s)


def _jump_ok(a: TrackPoint, b: TrackPoint, max_speed: float, min_dt: float) -> bool:
    return haversine_m(a.lat, a.lon, b.lat, b.lon) <= max_speed * max(abs(b.t_s - a.t_s), min_dt)


def drop_spikes(
    pts: list[TrackPoint], max_speed_mps: float = 100.0, min_dt_s: float = 1.0
) -> tuple[list[TrackPoint], int]:
    """Drop runs of points that jump away and back (implied speed > ``max_speed_mps``).

    The track is cut into runs of plausible consecutive moves; the longest run is kept, and the others are
    kept only if they connect plausibly to it. ``min_dt_s`` floors the time step, so moves under
    ``max_speed_mps * min_dt_s`` metres never count as spikes (frame-rate cues repeat or jitter positions).
    """
    if len(pts) < 2:
        return list(pts), 0
    runs: list[list[TrackPoint]] = [[pts[0]]]
    for p in pts[1:]:
        if _jump_ok(runs[-1][-1], p, max_speed_mps, min_dt_s):
            runs[-1].append(p)
        else:
            runs.append([p])
    main = max(range(len(runs)), key=lambda i: len(runs[i]))
    keep = {main}
    last = runs[main][-1]
    for i in range(main + 1, len(runs)):
        if _jump_ok(last, runs[i][0], max_speed_mps, min_dt_s):
            keep.add(i)
            last = runs[i][-1]
    first = runs[main][0]
    for i in range(main - 1, -1, -1):
        if _jump_ok(runs[i][-1], first, max_speed_mps, min_dt_s):
            keep.add(i)
            first = runs[i][0]
    out = [p for i, run in enumerate(runs) if i in keep for p in run]
    return out, len(pts) - len(out)


def clean(points: Iterable[Any], max_speed_mps: float = 100.0) -> tuple[list[TrackPoint], int, list[str]]:
    """Positioned points in time order without spikes, the number dropped, and a warning if any were."""
    pts, dropped = drop_spikes(positioned(points), max_speed_mps)
    warnings = [f"dropped {dropped} GPS spike point(s) implying > {max_speed_mps:g} m/s"] if dropped else []
    return pts, dropped, warnings


def _xy(pts: list[TrackPoint]) -> list[tuple[float, float]]:
    """Local equirectangular projection in metres around the track's first point."""
    lat0, lon0 = pts[0].lat, pts[0].lon
    k = math.radians(1) * EARTH_RADIUS_M
    c = math.cos(math.radians(lat0))
    return [(((p.lon - lon0 + 180) % 360 - 180) * k * c, (p.lat - lat0) * k) for p in pts]


def _seg_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    d2 = dx * dx + dy * dy
    t = 0.0 if d2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / d2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _rdp(xy: list[tuple[float, float]], tol: float) -> list[int]:
    keep = {0, len(xy) - 1}
    stack = [(0, len(xy) - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _seg_dist(xy[k], xy[i], xy[j])
            if d > best:
                best, idx = d, k
        if idx > 0 and best > tol:
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
    points: Iterable[Any], tolerance_m: float = 2.0, max_line_points: int = 500, max_speed_mps: float = 100.0
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


def to_geojson(points: Iterable[Any], tolerance_m: float | None = None, max_points: int | None = None) -> dict:
    """A GeoJSON Feature: ``LineString`` of ``[lon, lat(, alt)]`` (``Point`` for one point, null for none).

    The third coordinate is ``abs_alt_m`` when every point has it, else ``rel_alt_m`` when every point has
    that, else absent; ``properties.alt_ref`` names it. ``properties.t_s`` and ``properties.rel_alt_m`` have
    one entry per coordinate. Simplified only when ``tolerance_m`` or ``max_points`` is given.
    """
    pts, _, warnings = clean(points)
    if tolerance_m is not None or max_points is not None:
        pts = simplify(pts, tolerance_m or 0.0, max_points or len(pts))
    ref = next((r for r in ("abs_alt_m", "rel_alt_m") if pts and all(getattr(p, r) is not None for p in pts)), None)
    coords = [_ll(p) + ([round(getattr(p, ref), 2)] if ref else []) for p in pts]
    geometry: dict[str, Any] | None = None
    if len(coords) == 1:
        geometry = {"type": "Point", "coordinates": coords[0]}
    elif coords:
        geometry = {"type": "LineString", "coordinates": coords}
    props = {"t_s": [round(p.t_s, 3) for p in pts], "rel_alt_m": [p.rel_alt_m for p in pts], "alt_ref": ref}
    if warnings:
        props["warnings"] = warnings
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _deltas(values: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *values], values, strict=False)]


def encode_points(points: Iterable[Any]) -> dict[str, Any]:
    """Positioned points as JSON-able columns: t in 0.01 s, lat/lon in 1e-7 deg (delta-coded), alt in 0.1 m.

    Nothing is filtered but missing positions; the wall clock of the first point is kept as ``time0``.
    """
    pts = positioned(points)
    col = [round(p.t_s * 100) for p in pts]
    rel = [None if p.rel_alt_m is None else round(p.rel_alt_m * 10) for p in pts]
    abs_ = [None if p.abs_alt_m is None else round(p.abs_alt_m * 10) for p in pts]
    t0 = pts[0].time if pts else None
    return {
        "v": ENCODING_VERSION, "n": len(pts), "t_cs": _deltas(col),
        "lat_e7": _deltas([round(p.lat * 1e7) for p in pts]), "lon_e7": _deltas([round(p.lon * 1e7) for p in pts]),
        "rel_dm": rel if any(v is not None for v in rel) else None,
        "abs_dm": abs_ if any(v is not None for v in abs_) else None,
        "time0": t0.isoformat() if t0 else None,
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


def _ranges(pts: list[TrackPoint], hit: list[bool], gap_s: float | None) -> list[tuple[float, float]]:
    if gap_s is None:
        steps = [b.t_s - a.t_s for a, b in zip(pts, pts[1:], strict=False) if b.t_s > a.t_s]
        gap_s = max(2.0, 3 * median(steps)) if steps else 2.0
    out: list[list[float]] = []
    for p, h in zip(pts, hit, strict=True):
        if not h:
            continue
        if out and p.t_s - out[-1][1] <= gap_s:
            out[-1][1] = p.t_s
        else:
            out.append([p.t_s, p.t_s])
    return [(a, b) for a, b in out]


def time_ranges_in_bbox(
    points: Iterable[Any], bbox: Sequence[float], gap_s: float | None = None
) -> list[tuple[float, float]]:
    """``[(start_s, end_s)]`` when the track is inside ``bbox`` = (west, south, east, north).

    Matching points closer than ``gap_s`` in time are merged (default: 2 s or 3x the median sample step).
    A bbox with west > east crosses the antimeridian.
    """
    w, s, e, n = (float(v) for v in bbox)
    pts, _, _ = clean(points)
    inside_lon = (lambda x: w <= x <= e) if w <= e else (lambda x: x >= w or x <= e)
    return _ranges(pts, [s <= p.lat <= n and inside_lon(p.lon) for p in pts], gap_s)


def time_ranges_near(
    points: Iterable[Any], lat: float, lon: float, radius_m: float, gap_s: float | None = None
) -> list[tuple[float, float]]:
    """``[(start_s, end_s)]`` when the track is within ``radius_m`` of (lat, lon); merged as in the bbox search."""
    pts, _, _ = clean(points)
    return _ranges(pts, [haversine_m(lat, lon, p.lat, p.lon) <= radius_m for p in pts], gap_s)

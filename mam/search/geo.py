"""Tracks as the index keeps them for the exact geo check: one point a second at most, float32 columns
(t, lat, lon) in one blob; "when was the flight inside this area" answered with numpy.

float32 holds a longitude near 116° to within ~1 m and a time to within a millisecond over an hour: ample for
finding the seconds a drone was over a bridge, and ~12 bytes a second of flight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
MIN_STEP_S = 1.0
MIN_GAP_S = 2.0


def track_blob(encoded: Mapping[str, Any] | None) -> bytes | None:
    """The blob for a track stored by ``mam.metadata.track.encode_points`` (None when there is no usable track)."""
    try:
        t = np.cumsum(np.asarray(encoded["t_cs"], dtype=np.int64)) / 100.0
        lat = np.cumsum(np.asarray(encoded["lat_e7"], dtype=np.int64)) / 1e7
        lon = np.cumsum(np.asarray(encoded["lon_e7"], dtype=np.int64)) / 1e7
    except (KeyError, TypeError, ValueError):
        return None
    if not (len(t) == len(lat) == len(lon)) or len(t) == 0:
        return None
    order = np.argsort(t, kind="stable")
    t, lat, lon = t[order], lat[order], lon[order]
    keep = [0]
    for i in range(1, len(t)):  # one point a second (Python loop over already-thinned DJI 1-30 Hz cues)
        if t[i] - t[keep[-1]] >= MIN_STEP_S:
            keep.append(i)
    idx = np.asarray(keep)
    return np.stack([t[idx], lat[idx], lon[idx]]).astype(np.float32).tobytes()


def _columns(blob: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arr = np.frombuffer(blob, dtype=np.float32).reshape(3, -1).astype(np.float64)
    return arr[0], arr[1], arr[2]


def _ranges(t: np.ndarray, inside: np.ndarray) -> list[tuple[float, float]]:
    """Runs of ``inside`` points as (start_s, end_s); points less than 2 s or 3 median steps apart merge."""
    if not inside.any():
        return []
    steps = np.diff(t)
    steps = steps[steps > 0]
    gap = max(MIN_GAP_S, 3 * float(np.median(steps))) if len(steps) else MIN_GAP_S
    ts = t[inside]
    breaks = np.flatnonzero(np.diff(ts) > gap)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(ts) - 1]])
    return [(round(float(ts[a]), 2), round(float(ts[b]), 2)) for a, b in zip(starts, ends, strict=True)]


def ranges_near(blob: bytes, lat: float, lon: float, radius_m: float) -> list[tuple[float, float]]:
    """Seconds during which the track is within ``radius_m`` of (lat, lon) (haversine)."""
    t, la, lo = _columns(blob)
    p1, p2 = math.radians(lat), np.radians(la)
    h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lo - lon) / 2) ** 2
    dist = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return _ranges(t, dist <= radius_m)


def ranges_in_bbox(blob: bytes, w: float, s: float, e: float, n: float) -> list[tuple[float, float]]:
    """Seconds during which the track is inside the box (west, south, east, north)."""
    t, la, lo = _columns(blob)
    return _ranges(t, (la >= s) & (la <= n) & (lo >= w) & (lo <= e))


def inside_area(la: np.ndarray, lo: np.ndarray, near: tuple[float, float, float] | None,
                bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Which points lie in the area: within ``near`` = (lat, lon, radius_m) when given, else in the bbox."""
    if near is not None:  # equirectangular distance: within 0.5 % of haversine below 50 km
        lat0, lon0, radius = near
        dy = np.radians(la - lat0)
        dx = np.radians(lo - lon0) * math.cos(math.radians(lat0))
        return (dx * dx + dy * dy) * EARTH_RADIUS_M**2 <= radius * radius
    w, s, e, n = bbox
    return (la >= s) & (la <= n) & (lo >= w) & (lo <= e)


def ranges_many(blobs: list[bytes], near: tuple[float, float, float] | None,
                bbox: tuple[float, float, float, float]) -> list[list[tuple[float, float]]]:
    """``ranges_near`` / ``ranges_in_bbox`` for many tracks in one vectorised pass (near: ``(lat, lon, radius_m)``;
    else the bbox)."""
    if not blobs:
        return []
    arrays = [np.frombuffer(b, dtype=np.float32).reshape(3, -1) for b in blobs]
    sizes = np.array([a.shape[1] for a in arrays])
    allpts = np.concatenate(arrays, axis=1).astype(np.float64)
    inside = inside_area(allpts[1], allpts[2], near, bbox)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    any_inside = np.logical_or.reduceat(inside, starts) if len(inside) else np.zeros(len(blobs), bool)
    out: list[list[tuple[float, float]]] = [[] for _ in blobs]
    for i in np.flatnonzero(any_inside):
        a, b = starts[i], starts[i] + sizes[i]
        out[i] = _ranges(allpts[0][a:b], inside[a:b])
    return out

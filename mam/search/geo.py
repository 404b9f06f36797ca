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

from mam.geodesy import EARTH_RADIUS_M

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


def ranges_near(blob: bytes, lat: float, lon: float, radius_m: float) -> list[tuple[float, float]]:
    """Seconds during which the track is within ``radius_m`` of (lat, lon)."""
    return ranges_many([blob], (lat, lon, radius_m), (0.0, 0.0, 0.0, 0.0))[0]


def ranges_in_bbox(blob: bytes, w: float, s: float, e: float, n: float) -> list[tuple[float, float]]:
    """Seconds during which the track is inside the box (west, south, east, north)."""
    return ranges_many([blob], None, (w, s, e, n))[0]


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
    else the bbox). Inside points closer in time than a track's merge gap (2 s, or 3 mean steps) join a range."""
    out: list[list[tuple[float, float]]] = [[] for _ in blobs]
    if not blobs:
        return out
    arrays = [np.frombuffer(b, dtype=np.float32).reshape(3, -1) for b in blobs]
    sizes = np.array([a.shape[1] for a in arrays])
    seg = np.repeat(np.arange(len(blobs)), sizes)
    pts = np.concatenate(arrays, axis=1).astype(np.float64)
    t = pts[0]
    inside = inside_area(pts[1], pts[2], near, bbox)
    if not inside.any():
        return out
    ends = np.cumsum(sizes) - 1
    starts = ends - sizes + 1
    mean_step = (t[ends] - t[starts]) / np.maximum(sizes - 1, 1)
    gap = np.maximum(MIN_GAP_S, 3 * mean_step)
    ti, si = t[inside], seg[inside]
    new_run = np.ones(len(ti), dtype=bool)
    new_run[1:] = (si[1:] != si[:-1]) | (np.diff(ti) > gap[si[1:]])
    run_start = np.flatnonzero(new_run)
    run_end = np.concatenate([run_start[1:], [len(ti)]]) - 1
    for a, b in zip(run_start.tolist(), run_end.tolist(), strict=True):
        out[si[a]].append((round(float(ti[a]), 2), round(float(ti[b]), 2)))
    return out

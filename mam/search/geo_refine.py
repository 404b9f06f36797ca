"""The exact geo step of a search: the area asked for, and which bounding-box candidates really are in it.

The engines find candidates whose box meets the area (``EngineSql.geo_candidates``); ``refine`` then checks
each candidate's capture point or track (``mam.search.geo``) in one vectorised pass, so a flight whose box
covers a spot but whose path never reaches it does not match, and the hit says when the path was inside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mam.geodesy import M_PER_DEG
from mam.search import geo
from mam.search.results import Hit
from mam.search.statement import ID, WINDOW_COLUMNS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mam.search.params import SearchParams
    from mam.search.statement import Sql

__all__ = ["Area", "area_of", "refine"]


@dataclass
class Area:
    """A search area: its bounding box and, for ``near``, the circle."""

    bbox: tuple[float, float, float, float]  # w, s, e, n
    near: tuple[float, float, float] | None = None  # lat, lon, radius_m


def area_of(p: SearchParams) -> Area | None:
    """The area asked for: ``bbox`` when given (it wins over ``near``), else the circle and its bounding box."""
    if p.bbox is not None:
        return Area(tuple(float(v) for v in p.bbox))  # type: ignore[arg-type]
    if p.near is None:
        return None
    lat, lon = p.near
    dlat = p.radius_m / M_PER_DEG
    dlon = min(180.0, p.radius_m / (M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6)))
    box = (max(-180.0, lon - dlon), max(-90.0, lat - dlat), min(180.0, lon + dlon), min(90.0, lat + dlat))
    return Area(box, (lat, lon, p.radius_m))


def refine(session: Session, sql: Sql, area: Area) -> tuple[list[tuple], dict[int, list[Hit]]]:
    """Candidates whose track (or capture point) really is in the area, as window rows, with the hits saying
    when. Every candidate's points are checked in one vectorised pass."""
    g = len(WINDOW_COLUMNS) + 1  # geo columns follow the window row
    rows = session.execute(sql.statement(
        f"SELECT {', '.join(WINDOW_COLUMNS)}, {sql.score} AS score, d.lat, d.lon, d.geo_w, d.geo_s, d.geo_e, "
        f"d.geo_n, d.track_t0, d.track_t1, d.track_pts {sql.from_where()}"), sql.binds).all()
    found: dict[int, list[Hit]] = {}
    points = [r for r in rows if r[g + 8] is None and r[g] is not None and r[g + 1] is not None]
    if points:
        la, lo = np.array([r[g] for r in points]), np.array([r[g + 1] for r in points])
        for r, ok in zip(points, geo.inside_area(la, lo, area.near, area.bbox), strict=True):
            if ok:
                found[r[ID]] = [Hit("location")]
    flights = [r for r in rows if r[g + 8] is not None]
    if flights:  # a track whose box lies inside the area is inside the whole time
        corners = [geo.inside_area(np.array([r[g + i] for r in flights]), np.array([r[g + j] for r in flights]),
                                   area.near, area.bbox) for i in (3, 5) for j in (2, 4)]
        covered = np.logical_and.reduce(corners)
        partial = []
        for r, whole in zip(flights, covered, strict=True):
            if whole:
                found[r[ID]] = [Hit("track", None, r[g + 6], r[g + 7])]
            else:
                partial.append(r)
        for r, ranges in zip(partial, geo.ranges_many([r[g + 8] for r in partial], area.near, area.bbox),
                             strict=True):
            if ranges:
                found[r[ID]] = [Hit("track", None, a, b) for a, b in ranges]
    return [r[:g] for r in rows if r[ID] in found], found

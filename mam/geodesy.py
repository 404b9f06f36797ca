"""Figures of the Earth shared by the track, place and search code."""

from __future__ import annotations

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG R1) in metres: haversine distances, equirectangular checks, chord lengths."""

EARTH_RADIUS_KM = EARTH_RADIUS_M / 1000

M_PER_DEG = 111_320.0
"""Metres per degree of latitude (rounded, at the equator) used to turn a search radius into a bounding box."""

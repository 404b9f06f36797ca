"""mam.geodesy: one Earth radius for tracks, places and the search's geo check."""

from __future__ import annotations

import math

from mam import geodesy
from mam.metadata import places, track
from mam.search import geo


def test_one_radius_everywhere():
    assert geodesy.EARTH_RADIUS_M == 6_371_008.8 and geodesy.EARTH_RADIUS_KM == 6371.0088
    assert track.EARTH_RADIUS_M is geo.EARTH_RADIUS_M is geodesy.EARTH_RADIUS_M
    assert places.EARTH_RADIUS_KM == geodesy.EARTH_RADIUS_KM


def test_degree_figure_is_close_to_the_sphere():
    assert math.isclose(geodesy.M_PER_DEG, geodesy.EARTH_RADIUS_M * math.pi / 180, rel_tol=0.002)

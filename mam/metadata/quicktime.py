"""Capture metadata from container tags in raw ffprobe JSON (``-show_format -show_streams``). Never raises.

* ``creation_time``: ``com.apple.quicktime.creationdate`` (local time with its offset, iPhones and recent
  Pixels), else the format's ``creation_time``, else a stream's. MP4/MOV store that one in UTC by the
  standard, but many cameras (DJI, GoPro, camcorders) write their local wall clock there: for those makes a
  warning says so. Zone-less values (AVI ``IDIT``) stay naive. 1904/1970 placeholders are ignored.
* make/model: ``com.apple.quicktime.make``/``model``, ``com.android.manufacturer``/``model``,
  ``make``/``model``; else a DJI ``encoder`` such as ``DJIMavic3``; else GoPro handler/encoder names.
* location: ISO 6709 in ``com.apple.quicktime.location.ISO6709``, ``location`` (``©xyz``) or
  ``location-eng``, e.g. ``+22.5384+113.9326+012.000/``; ``+00.0000+000.0000/`` means "no fix".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

__all__ = ["ContainerMetadata", "GeoPoint", "parse_iso6709", "read_container_metadata"]


class GeoPoint(NamedTuple):
    lat: float
    lon: float
    alt_m: float | None = None


@dataclass
class ContainerMetadata:
    creation_time: datetime | None = None  # aware unless the tag had no zone
    creation_time_tag: str | None = None
    make: str | None = None
    model: str | None = None
    software: str | None = None
    location: GeoPoint | None = None
    location_tag: str | None = None
    warnings: list[str] = field(default_factory=list)


_ISO6709 = re.compile(
    r"^\s*([+-])(\d+(?:\.\d*)?)([+-])(\d+(?:\.\d*)?)(?:([+-])(\d+(?:\.\d*)?))?\s*(?:CRS[^/]*)?/?\s*$"
)
_TIME_TAGS = ("com.apple.quicktime.creationdate", "creation_time")
_MAKE_TAGS = ("com.apple.quicktime.make", "com.android.manufacturer", "make", "manufacturer")
_MODEL_TAGS = ("com.apple.quicktime.model", "com.android.model", "model")
_SOFTWARE_TAGS = ("com.apple.quicktime.software", "software", "firmware", "encoder")
_LOCATION_TAGS = ("com.apple.quicktime.location.iso6709", "location", "location-eng", "©xyz", "xyz")
_LOCAL_CLOCK_MAKES = ("DJI", "GoPro")


def _angle(sign: str, text: str, deg_digits: int) -> float:
    """ISO 6709 angle: D(D)(D)[.d], DDMM[.m] or DDMMSS[.s] depending on the integer digits."""
    whole, _, frac = text.partition(".")
    frac_v = float("0." + frac) if frac else 0.0
    n = len(whole)
    if n <= deg_digits:
        value = int(whole) + frac_v
    elif n == deg_digits + 2:
        value = int(whole[:deg_digits]) + (int(whole[deg_digits:]) + frac_v) / 60
    elif n == deg_digits + 4:
        d, m, s = int(whole[:deg_digits]), int(whole[deg_digits : deg_digits + 2]), int(whole[deg_digits + 2 :])
        value = d + m / 60 + (s + frac_v) / 3600
    else:
        raise ValueError(f"{n} integer digits")
    return -value if sign == "-" else value


def parse_iso6709(text: str | None) -> GeoPoint | None:
    """``+51.4169-000.0806/`` -> GeoPoint(51.4169, -0.0806); None for garbage, out of range or 0,0."""
    m = _ISO6709.match(text or "")
    if not m:
        return None
    try:
        lat, lon = _angle(m[1], m[2], 2), _angle(m[3], m[4], 3)
        alt = float(m[6]) * (-1 if m[5] == "-" else 1) if m[6] else None
    except ValueError:
        return None
    if abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None
    return GeoPoint(lat, lon, alt)


def _tags(probe: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(where, lower-case key, value): format tags first, then video, other and audio streams."""
    out: list[tuple[str, str, str]] = []
    fmt = probe.get("format") if isinstance(probe.get("format"), dict) else {}
    streams = [s for s in probe.get("streams") or [] if isinstance(s, dict)]
    order = {"video": 0, "audio": 2}
    streams.sort(key=lambda s: order.get(s.get("codec_type"), 1))
    sources = [("format", fmt.get("tags")), *((f"stream {s.get('index', '?')}", s.get("tags")) for s in streams)]
    for where, tags in sources:
        if isinstance(tags, dict):
            out += [(where, str(k).lower(), str(v).strip()) for k, v in tags.items() if v is not None]
    return out


def _first(tags: list[tuple[str, str, str]], keys: tuple[str, ...], where: str | None = None) -> tuple[str, str] | None:
    for key in keys:
        for w, k, v in tags:
            if k == key and v and (where is None or w == where):
                return k, v
    return None


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return None


def _device(md: ContainerMetadata, tags: list[tuple[str, str, str]]) -> None:
    make, model = _first(tags, _MAKE_TAGS), _first(tags, _MODEL_TAGS)
    md.make, md.model = (make[1] if make else None), (model[1] if model else None)
    soft = _first(tags, _SOFTWARE_TAGS, "format")
    md.software = soft[1] if soft else None
    encoder = _first(tags, ("encoder",), "format")
    if not md.make and encoder and encoder[1].upper().startswith("DJI"):  # "DJIMavic3", "DJI Mini 3 Pro"
        md.make = "DJI"
        md.model = md.model or encoder[1][3:].strip(" ._-") or None
    gopro = any("gopro" in v.lower() for _, k, v in tags if k in ("handler_name", "encoder"))
    if not md.make and gopro:
        md.make = "GoPro"


def read_container_metadata(probe: dict[str, Any] | None) -> ContainerMetadata:
    """Creation time, device and position from the tags of a raw ffprobe JSON dict."""
    md = ContainerMetadata()
    try:
        tags = _tags(probe if isinstance(probe, dict) else {})
        _device(md, tags)
        for key in _TIME_TAGS:
            for _, k, v in tags:
                if k != key:
                    continue
                dt = _time(v)
                if dt is None:
                    md.warnings.append(f"unreadable {k} {v!r}")
                elif dt.year < 1971:
                    md.warnings.append(f"{k} {v!r} is a placeholder; ignored")
                else:
                    md.creation_time, md.creation_time_tag = dt, k
                    break
            if md.creation_time:
                break
        if md.creation_time and md.creation_time.tzinfo is None:
            md.warnings.append(f"{md.creation_time_tag} has no time zone; kept as naive local time")
        elif md.creation_time_tag == "creation_time" and md.make in _LOCAL_CLOCK_MAKES:
            md.warnings.append(f"{md.make} cameras often write local time in the UTC creation_time field")
        for key in _LOCATION_TAGS:
            hit = _first(tags, (key,))
            if not hit:
                continue
            point = parse_iso6709(hit[1])
            if point:
                md.location, md.location_tag = point, key
                break
            m = _ISO6709.match(hit[1])
            null = m is not None and float(m[2]) == 0 and float(m[4]) == 0
            md.warnings.append(f"{key} {hit[1]!r} " + ("is 0,0 (no GPS fix); ignored" if null else "is unreadable"))
    except Exception as exc:  # noqa: BLE001 -- bad input must never break ingest
        md.warnings.append(f"unreadable container tags ({type(exc).__name__}: {exc})")
    return md

"""DJI drone telemetry SRT sidecars -> a list of timed points. Pure Python; never raises on bad input.

Dialects (``TelemetryTrack.format``; ``"mixed"`` when a file switches, ``"none"`` when nothing is found):

* ``bracket`` -- ``[iso : 100] [shutter : 1/200.0] [fnum : 280] [ev : 0] [ct : 5500] [focal_len : 240]
  [latitude: 22.5] [longtitude: 113.9] [rel_alt: 1.2 abs_alt: 50.3]`` (Mavic 2/3, Air 2/2S/3S, Mini 5...),
  usually in ``<font>`` with a ``FrameCnt``/``SrtCnt`` line and a wall-clock line; some firmware writes
  ``[altitude: ..]`` (above sea level: ``abs_alt_m``) for ``rel_alt``/``abs_alt``. Older firmware writes
  the f-number in hundredths (280 = f/2.8) and the focal length in tenths of a millimetre (240 = 24 mm).
* ``legacy_home_gps`` -- ``HOME(lon,lat) 2017.08.05 14:11:51`` / ``GPS(lon,lat,sats) BAROMETER:1.9`` (or
  ``Hb:1.9 Hs:1.9``) / ``ISO:100 Shutter:60 EV: Fnum:2.2`` (Mavic Pro, Phantom). The third GPS value is
  the satellite count (it drops to 3-5 when the fix is lost), not an altitude.
* ``p4p_fss`` -- ``F/2.8, SS 200, ISO 100, EV 0, GPS (lon, lat, sats), D 2.8m, H 0.0m, H.S .., V.S ..``
  (Phantom 4 Pro / RTK, Mavic Mini).
* ``matrice_gps`` -- ``2022.06.21 16:06:17`` / ``GPS(lat,lon,0.0M) BAROMETER:0.3M`` (Matrice 300):
  latitude first, altitude carries an ``M`` unit.

``GPS(a,b,..)`` order is the dialect's default unless a value only fits as a longitude (|v| > 90).
``0,0`` and ``N/A`` (no GPS lock) give ``lat = lon = None``. Barometric/``H`` heights are ``rel_alt_m``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from mam.numbers import as_float, as_int

__all__ = ["TelemetryPoint", "TelemetryTrack", "parse_srt", "parse_srt_file"]


@dataclass(frozen=True, slots=True)
class TelemetryPoint:
    """One telemetry cue."""

    t_s: float  # offset in the clip (cue start), seconds
    lat: float | None
    lon: float | None
    rel_alt_m: float | None  # height above take-off
    abs_alt_m: float | None  # altitude above sea level / GPS alt
    iso: int | None = None
    shutter: str | None = None  # as written, "1/" added to bare denominators ("SS 160" -> "1/160")
    fnum: float | None = None
    ev: float | None = None
    ct_k: int | None = None
    focal_len_mm: float | None = None
    time: datetime | None = None  # wall-clock time written in the cue (naive)


@dataclass
class TelemetryTrack:
    """Parsed SRT: the points, the dialect and human-readable warnings."""

    points: list[TelemetryPoint] = field(default_factory=list)
    format: str = "none"
    warnings: list[str] = field(default_factory=list)

    @property
    def positioned(self) -> list[TelemetryPoint]:
        """Points that carry a GPS position."""
        return [p for p in self.points if p.lat is not None and p.lon is not None]


_TIMING = re.compile(r"\n[ \t]*(\d{1,3}):(\d{1,2}):(\d{1,2})[,.:](\d{1,3})[ \t]*-->[^\n]*")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BLANK = re.compile(r"\n[ \t]*\n")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
# "key: value", "key : value", "Fnum:F2.8", "ISO 100", "F/2.8"; the key is mapped through _KEYS.
_KV = re.compile(r"(?<![A-Za-z_])([A-Za-z_]+)[ \t]*[:/ ][ \t]*F?([-+]?\d[\d./]*)")
_KEYS = {  # lower-cased key as written -> field
    "iso": "iso", "shutter": "shutter", "ss": "shutter", "tv": "shutter", "fnum": "fnum", "ir": "fnum",
    "f": "fnum", "ev": "ev", "ct": "ct", "focal_len": "focal", "latitude": "lat", "longitude": "lon",
    "longtitude": "lon", "rel_alt": "rel", "abs_alt": "abs", "altitude": "alt", "barometer": "baro",
    "hb": "baro", "h": "height",
}  # fmt: skip
_GPS = re.compile(r"\bGPS\s*\(([^(),\n]*),([^(),\n]*)(?:,([^(),\n]*))?\)")
_COUNTER = re.compile(r"Cnt\s*:\s*\d+")  # FrameCnt/SrtCnt: per-frame counter, dropped from cache keys
_P4P = re.compile(r"\bF/\d|\bSS \d|\bH\.S\b")
_DATE = re.compile(
    r"\b(\d{4})[-./](\d{1,2})[-./](\d{1,2})[ T]+(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6})(?:,(\d{3}))?)?"
)


@lru_cache(maxsize=4096)
def _whole_seconds(y: str, mo: str, d: str, h: str, mi: str, s: str) -> datetime | None:
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
    except ValueError:
        return None


def _date(m: re.Match[str] | None) -> datetime | None:
    """``2021-06-12 10:11:12.123``, ``2022-08-07 13:40:40,774,808`` (ms,us) or ``2017.8.5 14:11:51``."""
    base = _whole_seconds(*m.group(1, 2, 3, 4, 5, 6)) if m else None
    if base is None or not m or not m[7]:
        return base
    frac, micro = m[7], m[8]
    us = int(frac.ljust(6, "0")[:6]) + (int(micro) if micro and len(frac) <= 3 else 0)
    return base.replace(microsecond=min(us, 999_999))


def _decode(data: bytes | bytearray | memoryview | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        raw = bytes(data)
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            text = raw.decode("utf-16", errors="replace")
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _drop_index(block: str) -> str:
    """Remove the next cue's number line from the end of a block."""
    rest, _, line = block.rpartition("\n")
    return rest if line.strip().isdigit() else block


def _split_cues(text: str) -> tuple[list[tuple[float | None, str]], bool]:
    """Return [(cue start or None, body)], and whether the file had SRT timing lines."""
    parts = _TIMING.split("\n" + text)  # [preamble, h, m, s, ms, body, h, m, s, ms, body, ...]
    if len(parts) == 1:
        blocks = (b.strip() for b in _BLANK.split(text))  # only numbered blocks count as cues
        return [(None, b.partition("\n")[2]) for b in blocks if b.partition("\n")[0].isdigit()], False
    cues: list[tuple[float | None, str]] = []
    for i in range(1, len(parts), 5):
        h, mi, s, ms, body = parts[i : i + 5]
        t_s = int(h) * 3600 + int(mi) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000
        cues.append((t_s, _drop_index(body.rstrip())))
    return cues, True


@dataclass(slots=True)
class _Info:
    """What a cue says, apart from its wall-clock time (cached: most cues repeat the previous one)."""

    vals: dict[str, str]
    gps: tuple[float | None, float | None] | None
    gps_alt: float | None
    dialect: str | None
    sig: frozenset[str]


def _info(text: str) -> _Info:
    vals: dict[str, str] = {}
    for key, value in _KV.findall(text):
        name = _KEYS.get(key.lower())
        if name and name not in vals:
            vals[name] = value
    g = _GPS.search(text) if "GPS" in text else None
    third = (g[3] or "").strip() if g else ""
    unit_m = third[-1:] in ("M", "m")  # Matrice: an altitude; elsewhere the 3rd value is a satellite count
    if not (g or "lat" in vals or "lon" in vals or len(vals) >= 2):
        dialect: str | None = None  # a lone number next to a key is not telemetry
    elif unit_m:
        dialect = "matrice_gps"
    elif ("F/" in text or "SS " in text or "H.S" in text) and _P4P.search(text):
        dialect = "p4p_fss"
    elif g or "HOME(" in text or "baro" in vals:
        dialect = "legacy_home_gps"
    else:
        dialect = "bracket" if "[" in text else "legacy_home_gps"
    gps = (as_float(g[1].strip(), finite=False), as_float(g[2].strip(), finite=False)) if g else None
    gps_alt = as_float(third[:-1], finite=False) if unit_m else None
    return _Info(vals, gps, gps_alt, dialect, frozenset(vals) | ({"gps"} if g else set()))


def _lon_first(pairs: list[tuple[float, float]], dialect: str) -> bool:
    if any(90 < abs(a) <= 180 for a, _ in pairs):
        return True
    if any(90 < abs(b) <= 180 for _, b in pairs):
        return False
    return dialect != "matrice_gps"


def _position(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if lat is None or lon is None or (lat == 0 and lon == 0) or abs(lat) > 90 or abs(lon) > 180:
        return None, None
    return lat, lon


def _fields(c: _Info, lon_first: dict[str, bool]) -> dict[str, Any]:
    """TelemetryPoint keyword arguments other than t_s and time."""
    v = c.vals
    lat, lon = as_float(v.get("lat"), finite=False), as_float(v.get("lon"), finite=False)
    if c.gps is not None and (lat is None or lon is None):
        a, b = c.gps
        lon, lat = (a, b) if lon_first.get(c.dialect or "", True) else (b, a)
    lat, lon = _position(lat, lon)
    fnum, focal, shutter, ev = v.get("fnum"), v.get("focal"), v.get("shutter"), v.get("ev")
    fnum_f, focal_f, ev_f = as_float(fnum, finite=False), as_float(focal, finite=False), None
    if fnum and fnum_f is not None and "." not in fnum and fnum_f >= 100:  # 280 -> f/2.8
        fnum_f /= 100
    if focal and focal_f is not None and "." not in focal and focal_f >= 100:  # 240 -> 24.0 mm
        focal_f /= 10
    if ev:
        num, _, den = (as_float(x, finite=False) for x in ev.partition("/"))
        ev_f = num / den if num is not None and den else num
    return {
        "lat": lat,
        "lon": lon,
        "rel_alt_m": as_float(v.get("rel") or v.get("baro") or v.get("height"), finite=False),
        "abs_alt_m": as_float(v.get("abs") or v.get("alt"), finite=False) if ("abs" in v or "alt" in v) else c.gps_alt,
        "iso": as_int(v.get("iso")),
        "shutter": (shutter if "/" in shutter else f"1/{shutter}") if shutter else None,
        "fnum": fnum_f,
        "ev": ev_f,
        "ct_k": as_int(v.get("ct")),
        "focal_len_mm": focal_f,
    }


def _parse(text: str) -> TelemetryTrack:
    if not text.strip():
        return TelemetryTrack([], "none", ["file is empty"])
    if len(_CONTROL.findall(text, 0, 4096)) * 50 > min(len(text), 4096):  # > 2 % control characters
        return TelemetryTrack([], "none", ["not a text file (binary data)"])
    raw_cues, timed = _split_cues(_TAG.sub("", text))
    infos: dict[str, _Info] = {}
    cues: list[tuple[float | None, datetime | None, str]] = []  # (start, wall clock, key into infos)
    for t_s, body in raw_cues:
        m = _DATE.search(body)
        key = _COUNTER.sub("", body[: m.start()] + body[m.end() :] if m else body)
        if key not in infos:
            infos[key] = _info(key)
        cues.append((t_s, _date(m), key))
    warnings: list[str] = []
    if len(cues) >= 2 and infos[cues[-2][2]].dialect:
        sig_prev, sig_last = (infos[c[2]].sig | ({"time"} if c[1] else set()) for c in cues[-2:])
        if sig_last < sig_prev:
            cues.pop()
            warnings.append("truncated last cue")
    found = [c for c in cues if infos[c[2]].dialect]
    if not found:
        return TelemetryTrack([], "none", [*warnings, "no DJI telemetry found"])
    if len(found) < len(cues):
        warnings.append(f"{len(cues) - len(found)} cue(s) without telemetry skipped")
    dialects = list(dict.fromkeys(infos[c[2]].dialect or "" for c in found))
    if len(dialects) > 1:
        switch = next(i for i, c in enumerate(found) if infos[c[2]].dialect != dialects[0])
        warnings.append(f"format changes at cue {switch + 1}: {' -> '.join(dialects)}")
    lon_first = {}
    for d in dialects:
        pairs = [i.gps for i in infos.values() if i.dialect == d and i.gps and None not in i.gps]
        lon_first[d] = _lon_first(pairs, d)  # type: ignore[arg-type]
        if lon_first[d] != (d != "matrice_gps"):
            warnings.append(f"{d}: GPS() coordinate order inferred from values")
    if not timed:
        t0 = next((c[1] for c in found if c[1]), None)
        warnings.append("no cue timings; t_s taken from the wall-clock time" if t0 else "no cue timings")
        found = [
            ((dt - t0).total_seconds() if t0 and dt else float(i), dt, k)
            for i, (_, dt, k) in enumerate(found)
        ]
    fields = {k: _fields(infos[k], lon_first) for k in dict.fromkeys(c[2] for c in found)}
    points = [TelemetryPoint(t_s=t_s or 0.0, time=dt, **fields[k]) for t_s, dt, k in found]
    _check(points, warnings)
    return TelemetryTrack(points, dialects[0] if len(dialects) == 1 else "mixed", warnings)


def _check(points: list[TelemetryPoint], warnings: list[str]) -> None:
    """Append data-quality warnings (GPS gaps, placeholder altitudes, time going backwards)."""
    missing = [p.lat is None for p in points]
    lead = next((i for i, m in enumerate(missing) if not m), len(missing))
    if lead == len(points):
        warnings.append("no GPS position in any cue")
    else:
        if lead:
            warnings.append(f"no GPS lock in first {lead} cue(s)")
        if later := sum(missing[lead:]):
            warnings.append(f"no GPS position in {later} later cue(s)")
    abs_alts = [p.abs_alt_m for p in points if p.abs_alt_m is not None]
    if len(abs_alts) > 1 and not any(abs_alts):
        points[:] = [replace(p, abs_alt_m=None) for p in points]
        warnings.append("GPS altitude is 0.0 in every cue; treated as missing")
    if back := sum(b.t_s < a.t_s for a, b in zip(points, points[1:], strict=False)):
        warnings.append(f"cue start time goes backwards {back} time(s)")


def parse_srt(data: bytes | str) -> TelemetryTrack:
    """Parse DJI SRT text or bytes (UTF-8 with or without BOM, else Latin-1; LF, CRLF or CR)."""
    try:
        return _parse(_decode(data))
    except Exception as exc:  # noqa: BLE001 -- bad input must never break ingest
        return TelemetryTrack([], "none", [f"unparseable SRT ({type(exc).__name__}: {exc})"])


def parse_srt_file(path: str | os.PathLike[str]) -> TelemetryTrack:
    """Read and parse an SRT file; an unreadable file gives an empty track with a warning."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return TelemetryTrack([], "none", [f"cannot read {os.fspath(path)!r}: {exc.strerror or exc}"])
    return parse_srt(data)

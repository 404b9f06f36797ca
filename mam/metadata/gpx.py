"""GPS tracks from GPX 1.0/1.1 files and drone flight-log CSV exports, as `TelemetryPoint`s. Never raises.

* GPX: every ``trkpt`` (lat/lon attributes, ``ele`` -> ``abs_alt_m``, ``time``). GPX times are UTC by the
  standard, so ``time`` is always aware. A document with a DOCTYPE or ENTITY declaration is refused
  (entity expansion is the classic XML bomb) before it reaches the parser.
* CSV: columns found by header name, case-insensitive, unit in ``(..)`` or ``[..]``: Airdata
  (``time(millisecond)``, ``datetime(utc)``, ``latitude``, ``longitude``, ``height_above_takeoff(feet)``,
  ``altitude_above_seaLevel(feet)``), DJI FlightRecord exports (``OSD.latitude``, ``OSD.longitude``,
  ``OSD.height [ft]``, ``OSD.altitude [ft]``, ``OSD.flyTime [s]``, ``CUSTOM.date``/``CUSTOM.updateTime``, local
  time -> naive), Litchi and plain ``Time(seconds),Latitude,Longitude`` files. Feet become metres.

``t_s`` is seconds after the earliest point; points are returned in time order. Rows without a position
(or at 0,0, the "no fix yet" value of DJI logs) are skipped with a warning.
"""

from __future__ import annotations

import csv
import io
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta

from mam.metadata.dji_srt import TelemetryPoint, TelemetryTrack
from mam.numbers import as_float
from mam.utc import aware_utc

__all__ = ["parse_flight_csv", "parse_gpx", "parse_track", "parse_track_file"]

FOOT_M = 0.3048
MAX_BYTES = 256 * 1024 * 1024
_HOSTILE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_HEADER = re.compile(r"^\s*(.*?)\s*(?:[(\[]\s*([^)\]]*?)\s*[)\]])?\s*$")
_NAME_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})_\[(\d{2})-(\d{2})-(\d{2})\]")  # DJIFlightRecord_2020-12-02_[07-50-31]
_FLYTIME = re.compile(r"^\s*(?:(\d+)\s*m)?\s*(?:([\d.]+)\s*s)?\s*$")
_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S.%f %p", "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S.%f", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %I:%M:%S.%f %p", "%Y-%m-%d %I:%M:%S %p",
)  # fmt: skip
# role -> header base names (lower-case), best first
_ROLES = {
    "lat": ("latitude", "osd.latitude", "lat", "gps.latitude"),
    "lon": ("longitude", "osd.longitude", "lon", "lng", "long", "gps.longitude"),
    "rel": ("height_above_takeoff", "osd.height", "height", "rel_alt", "relative_altitude", "altitude"),
    "abs": ("altitude_above_sealevel", "osd.altitude", "abs_alt", "elevation", "ele"),
    "offset": ("time", "osd.flytime", "flytime", "offsettime"),
    "when": ("datetime", "custom.updatetime", "gps.datetime", "timestamp"),
    "date": ("custom.date",),
}


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _position(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180 and (lat, lon) != (0, 0)


def _finish(raw: list[TelemetryPoint], fmt: str, warnings: list[str], skipped: int) -> TelemetryTrack:
    """Sort by time, make t_s relative to the earliest point, and report what was skipped."""
    if skipped:
        warnings.append(f"{skipped} point(s) without a usable position skipped")
    if any(b.t_s < a.t_s for a, b in zip(raw, raw[1:], strict=False)):
        warnings.append("points were not in time order; sorted")
        raw = sorted(raw, key=lambda p: p.t_s)
    if not raw:
        warnings.append("no track points found")
        return TelemetryTrack([], fmt, warnings)
    t0 = raw[0].t_s
    return TelemetryTrack([replace(p, t_s=round(p.t_s - t0, 6)) for p in raw], fmt, warnings)


def _iso(text: str | None) -> datetime | None:
    try:
        dt = datetime.fromisoformat((text or "").strip().replace(" ", "T"))
    except ValueError:
        return None
    return aware_utc(dt, keep_offset=True)


def parse_gpx(data: bytes | str) -> TelemetryTrack:
    """Track points of a GPX 1.0/1.1 document (all tracks and segments, in time order)."""
    try:
        if isinstance(data, bytes) and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            data = _decode(data)
        head = data if isinstance(data, str) else data.decode("latin-1")
        if _HOSTILE.search(head):
            return TelemetryTrack([], "gpx", ["refused: the document declares a DOCTYPE or ENTITY"])
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            return TelemetryTrack([], "gpx", [f"not valid XML: {exc}"])
        if root.tag.rpartition("}")[2] != "gpx":
            return TelemetryTrack([], "gpx", [f"not a GPX document (root element {root.tag!r})"])
        warnings: list[str] = []
        rows: list[tuple[float, float, float | None, datetime | None]] = []
        skipped = 0
        for el in root.iter():
            if el.tag.rpartition("}")[2] != "trkpt":
                continue
            lat, lon = as_float(el.get("lat"), strip=True), as_float(el.get("lon"), strip=True)
            if not _position(lat, lon):
                skipped += 1
                continue
            kids = {c.tag.rpartition("}")[2]: (c.text or "") for c in el}
            rows.append((lat, lon, as_float(kids.get("ele"), strip=True), _iso(kids.get("time"))))  # type: ignore[arg-type]
        timed = [r for r in rows if r[3] is not None]
        if timed and len(timed) < len(rows):
            warnings.append(f"{len(rows) - len(timed)} point(s) without a time skipped")
            rows = timed
        elif rows and not timed:
            warnings.append("no point has a time; t_s is the point index")
        t0 = min((r[3] for r in timed), default=None)
        raw = [
            TelemetryPoint((r[3] - t0).total_seconds() if t0 and r[3] else float(i), r[0], r[1], None, r[2], time=r[3])
            for i, r in enumerate(rows)
        ]
        return _finish(raw, "gpx", warnings, skipped)
    except Exception as exc:  # noqa: BLE001 -- bad input must never break ingest
        return TelemetryTrack([], "gpx", [f"unparseable GPX ({type(exc).__name__}: {exc})"])


def _columns(header: list[str]) -> dict[str, tuple[int, str]]:
    """role -> (column index, unit) for the best-named column of each role."""
    found: dict[str, tuple[int, str]] = {}
    parsed = [_HEADER.match(h.strip().strip('"').lower()) for h in header]
    for role, names in _ROLES.items():
        for name in names:
            hits = [(i, m[2] or "") for i, m in enumerate(parsed) if m and m[1] == name]
            numeric = [h for h in hits if h[1] not in ("text", "local text")]
            if numeric or hits:
                found[role] = (numeric or hits)[0]
                break
    return found


def _offset(value: str, unit: str) -> float | None:
    if unit in ("millisecond", "milliseconds", "ms"):
        f = as_float(value, strip=True)
        return f / 1000 if f is not None else None
    f = as_float(value, strip=True)
    if f is not None:
        return f
    m = _FLYTIME.match(value or "")  # "1m 3.2s"
    return int(m[1] or 0) * 60 + float(m[2] or 0) if m and (m[1] or m[2]) else None


def _when(value: str, date: str | None, unit: str) -> datetime | None:
    text = f"{date.strip()} {value.strip()}" if date and not re.search(r"\d[/-]\d", value) else value.strip()
    dt = None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                dt = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if dt is not None and unit == "utc":
        dt = aware_utc(dt, keep_offset=True)
    return dt


def parse_flight_csv(data: bytes | str, start: datetime | None = None) -> TelemetryTrack:
    """Positions of a flight-log CSV export; columns are found by header name (see the module docstring).

    ``start`` is the wall clock at offset 0, for files that only have an offset column (the DJI CSV that
    exiftool geotags from names it in the file name; `parse_track_file` reads it from there).
    """
    try:
        text = _decode(data)
        if not text.strip():
            return TelemetryTrack([], "csv", ["file is empty"])
        if "\x00" in text[:4096]:
            return TelemetryTrack([], "csv", ["not a text file (binary data)"])
        first = text.lstrip().partition("\n")[0]
        delim = max(",;\t", key=first.count)
        reader = csv.reader(io.StringIO(text.lstrip()), delimiter=delim)
        header = next(reader, [])
        cols = _columns(header)
        if "lat" not in cols or "lon" not in cols:
            return TelemetryTrack([], "csv", ["no latitude/longitude columns in the header"])
        names = " ".join(header).lower()
        fmt = "dji_flightrecord_csv" if "osd." in names else "airdata_csv" if "time(millisecond)" in names else "csv"
        warnings: list[str] = []
        raw: list[TelemetryPoint] = []
        skipped = 0
        t0_when: datetime | None = None
        for i, row in enumerate(reader):
            cell = {role: row[idx] if idx < len(row) else "" for role, (idx, _) in cols.items()}
            lat, lon = as_float(cell["lat"], strip=True), as_float(cell["lon"], strip=True)
            if not _position(lat, lon):
                skipped += 1 if any(c.strip() for c in row) else 0
                continue
            alt = {r: as_float(cell[r], strip=True) if r in cell else None for r in ("rel", "abs")}
            for r, v in alt.items():
                if v is not None and cols[r][1] in ("feet", "ft", "foot"):
                    alt[r] = round(v * FOOT_M, 4)
            when = _when(cell["when"], cell.get("date"), cols["when"][1]) if "when" in cols else None
            t = _offset(cell["offset"], cols["offset"][1]) if "offset" in cols else None
            if when is None and start is not None and t is not None:
                when = start + timedelta(seconds=t)
            if t is None and when is not None:
                t0_when = t0_when or when
                t = (when - t0_when).total_seconds()
            raw.append(TelemetryPoint(float(i) if t is None else t, lat, lon, alt["rel"], alt["abs"], time=when))  # type: ignore[arg-type]
        if raw and "offset" not in cols and "when" not in cols:
            warnings.append("no time column; t_s is the row index")
        return _finish(raw, fmt, warnings, skipped)
    except Exception as exc:  # noqa: BLE001 -- bad input must never break ingest
        return TelemetryTrack([], "csv", [f"unparseable CSV ({type(exc).__name__}: {exc})"])


def _is_xml(data: bytes | str) -> bool:
    if isinstance(data, bytes) and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = _decode(data)
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n") if isinstance(data, bytes) else data.lstrip("\ufeff \t\r\n")
    return text[:1] in (b"<", "<")


def parse_track(data: bytes | str) -> TelemetryTrack:
    """GPX or flight-log CSV, told apart by the first character (``<`` is XML)."""
    return parse_gpx(data) if _is_xml(data) else parse_flight_csv(data)


def parse_track_file(path: str | os.PathLike[str]) -> TelemetryTrack:
    """Read and parse a GPX or CSV file; an unreadable or oversized file gives an empty track with a warning."""
    try:
        if os.path.getsize(path) > MAX_BYTES:
            return TelemetryTrack([], "none", [f"file larger than {MAX_BYTES // 2**20} MiB; not read"])
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return TelemetryTrack([], "none", [f"cannot read {os.fspath(path)!r}: {exc.strerror or exc}"])
    m = _NAME_TIME.search(os.path.basename(os.fspath(path)))
    try:
        start = datetime(*(int(g) for g in m.groups())) if m else None  # type: ignore[misc]
    except ValueError:
        start = None
    return parse_flight_csv(data, start) if start and not _is_xml(data) else parse_track(data)

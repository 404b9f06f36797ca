"""Still-image metadata: EXIF via exifread (time-bounded) plus an XMP packet.

Supported containers, recognised from their bytes rather than their name:
JPEG, HEIF/HEIC/AVIF, TIFF/DNG, PNG/WebP (EXIF chunk) and Canon CR3
(``CMT1``/``CMT2`` boxes).  A GIF or unknown file still gets its XMP read.

`read_still_metadata` never raises: whatever could be read is returned and
every problem is described in ``StillMetadata.warnings``.

This module is the public entry point: `_read` opens and sniffs the file,
hands it to the reader of its format, then decides which source fills which
field (`_fill`, `_fill_gps`, `_fill_time`, `_drone`).  The mechanics live in
sibling modules: `mam.metadata.exif_readers` (the table of per-format readers:
where each container keeps its EXIF, XMP and pixel size),
`mam.metadata.image_containers` (format sniffing and the JPEG/HEIF/CR3
byte-level parsing), `mam.metadata.exif_runner` (the
time-bounded exifread runs) and `mam.metadata.exif_values` (tag, GPS and
date-time conversions).

Time bound
----------
exifread has had endless-loop bugs (3.5.1 still spins forever on an ISOBMFF
box whose 64-bit size is 0).  The parse therefore runs in a daemon thread
joined with ``timeout_s``.  A thread cannot be killed, so a worker that
misses its deadline is *abandoned*; to stop it from spinning on, exifread
reads through `exif_runner._GuardedReader`, which raises at the first
read/seek/tell after the deadline (all of exifread's loops do I/O), and the
file is closed on return.  A parse that hangs without any I/O would keep its
thread; after `MAX_STUCK_PARSES` of those, further exifread runs are skipped
with a warning.

Why not a ``multiprocessing`` "spawn" worker: a fresh interpreter that
imports exifread measured ~90 ms per image here, against ~1.3 ms for thread +
parse, which is too slow for bulk ingest of stills; the guarded reader covers
the loops seen in the wild, and a true kill would only matter for a CPU-only
hang.

JPEG EXIF is located by our own bounded segment walker and handed to exifread
as an in-memory TIFF blob, so exifread never walks JPEG segments (several of
its regressions were there, and it gives up on files with large APPn blocks
before APP1).  XMP is found in the raw bytes independently of exifread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mam.metadata.exif_readers import Source, read_container
from mam.metadata.exif_runner import _ExifRunner, _short
from mam.metadata.exif_runner import exifread as exifread  # re-export: tests patch exif.exifread.process_file
from mam.metadata.exif_values import (
    _EXIF_TIMES,
    _XMP_TIMES,
    _clean,
    _exif_coord,
    _exif_dims,
    _exif_time,
    _first_int,
    _format_offset,
    _gps_utc,
    _number_list,
    _offset_from_gps,
    _offset_from_xmp,
    _orientation,
    _parse_datetime,
    _position,
    _rational,
    _text,
    _tiff_dims,
    _values,
    _xmp_coord,
    _xmp_float,
)
from mam.metadata.image_containers import _EXT_FORMATS, _FORMAT_NAMES, _sniff
from mam.metadata.xmp import find_xmp_packet, parse_xmp

__all__ = ["MAX_STUCK_PARSES", "StillMetadata", "read_still_metadata"]

log = logging.getLogger(__name__)

HEAD_BYTES = 4 * 1024 * 1024  # XMP / EXIF byte scans look at the first 4 MiB ...
TAIL_BYTES = 1024 * 1024  # ... and the last 1 MiB (EXIF/XMP stored at EOF)
MAX_STUCK_PARSES = 4


@dataclass
class StillMetadata:
    """Normalised metadata of one still image.

    ``captured_at`` comes from the first of: EXIF DateTimeOriginal,
    DateTimeDigitized, XMP exif:DateTimeOriginal / photoshop:DateCreated /
    xmp:CreateDate, the GPS timestamp (UTC), IFD0 DateTime (the last two add a
    warning).  Its offset comes from the matching EXIF OffsetTime* tag, else
    from the GPS clock (local minus UTC, when within 5 min of a quarter hour),
    else from an XMP date showing the same wall-clock time with a zone.
    Lens falls back to XMP exifEX:LensModel / aux:Lens, make/model to
    tiff:Make/Model, the position to XMP (exif:GPS*, drone-dji, drone-skydio).
    """

    make: str | None = None
    model: str | None = None
    lens: str | None = None
    captured_at: datetime | None = None  # aware when an offset is known, else naive local time
    captured_at_offset: str | None = None  # e.g. "+08:00" when known
    lat: float | None = None  # references (S/W) applied
    lon: float | None = None
    alt_m: float | None = None  # GPSAltitudeRef (below sea level) applied
    orientation: int | None = None  # EXIF 1..8
    width: int | None = None  # stored pixel size, before `orientation` is applied
    height: int | None = None
    xmp: dict[str, str] = field(default_factory=dict)  # flattened "prefix:Name" -> value
    drone: dict[str, float] = field(default_factory=dict)  # gimbal_*/flight_* deg, rel_alt_m, abs_alt_m
    warnings: list[str] = field(default_factory=list)


def read_still_metadata(path: str | os.PathLike, timeout_s: float = 10.0) -> StillMetadata:
    """Read EXIF + XMP of the still at ``path``; never raises.

    The exifread part is bounded by ``timeout_s`` (see the module docstring:
    a parse that overruns is abandoned in its daemon thread and a warning is
    added).  Problems with the file are reported in ``warnings``.
    """
    md = StillMetadata()
    try:
        _read(md, Path(path), timeout_s)
    except Exception as exc:  # last-resort guard: callers rely on "never raises"
        log.debug("still metadata reader failed on %s", path, exc_info=True)
        md.warnings.append(f"metadata reader failed: {type(exc).__name__}: {_short(exc)}")
    return md


# ---------------------------------------------------------------------------
# File level


def _read(md: StillMetadata, path: Path, timeout_s: float) -> None:
    warnings = md.warnings
    try:
        timeout = max(0.0, float(timeout_s))
    except (TypeError, ValueError):
        timeout = 10.0
    deadline = time.monotonic() + timeout
    with contextlib.ExitStack() as stack:
        try:
            fh = stack.enter_context(open(path, "rb"))
        except OSError as exc:
            warnings.append(f"cannot open file: {exc.strerror or exc}")
            return
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            warnings.append("empty file (0 bytes)")
            return
        head = fh.read(HEAD_BYTES)
        tail = b""
        if size > len(head):
            fh.seek(max(len(head), size - TAIL_BYTES))
            tail = fh.read(TAIL_BYTES)

        fmt = _sniff(head)
        expected = _EXT_FORMATS.get(path.suffix.lower())
        if fmt is None:
            warnings.append(f"unrecognised file format (first bytes {head[:8].hex()})")
        elif expected is not None and expected != fmt:
            warnings.append(f"file extension {path.suffix!r} does not match its content ({_FORMAT_NAMES[fmt]})")

        runner = _ExifRunner(deadline, timeout, warnings, max_stuck=MAX_STUCK_PARSES)
        # exifread gets its own handle: an abandoned worker must never move the
        # position of the handle this thread keeps using.
        exif_fh = stack.enter_context(open(path, "rb"))
        found = read_container(Source(fmt, fh, exif_fh, head, tail, size, runner, warnings))
        tags, xmp_packet = found.tags, found.xmp

        if xmp_packet is None:
            xmp_packet = find_xmp_packet(head) or (find_xmp_packet(tail) if tail else None)
        if xmp_packet:
            md.xmp = parse_xmp(xmp_packet)
            if not md.xmp:
                warnings.append("XMP packet present but unreadable (malformed, empty, or declares a DTD)")

    if not tags:
        warnings.append("no EXIF metadata found")
    _fill(md, tags, found.dims, fmt)


# ---------------------------------------------------------------------------
# Tag -> field normalisation


def _fill(md: StillMetadata, tags: dict[str, Any], dims: tuple[int, int] | None, fmt: str | None) -> None:
    xmp = md.xmp
    warnings = md.warnings
    md.make = _text(tags, "Image Make", warnings) or _clean(xmp.get("tiff:Make"))
    md.model = _text(tags, "Image Model", warnings) or _clean(xmp.get("tiff:Model"))
    md.lens = (
        _text(tags, "EXIF LensModel", warnings) or _clean(xmp.get("exifEX:LensModel")) or _clean(xmp.get("aux:Lens"))
    )
    md.orientation = _orientation(tags, xmp, md.warnings)
    if dims is None:
        dims = _tiff_dims(tags) if fmt == "tiff" else None
    if dims is None:
        dims = _exif_dims(tags)
    if dims is not None:
        md.width, md.height = dims
    _fill_gps(md, tags, xmp)
    _fill_time(md, tags, xmp)
    md.drone = _drone(xmp, md.warnings)


# -- GPS ----------------------------------------------------------------------

_ALT_RANGE = (-2000.0, 100000.0)  # metres; outside this an altitude is a writer bug


def _fill_gps(md: StillMetadata, tags: dict[str, Any], xmp: dict[str, str]) -> None:
    warnings = md.warnings
    gps_keys = [k for k in tags if k.startswith("GPS ")]
    if "Image GPSInfo" in tags and not gps_keys:
        warnings.append("GPS IFD is present but holds no readable tags")
    lat_v, lon_v = _values(tags, "GPS GPSLatitude"), _values(tags, "GPS GPSLongitude")
    position: tuple[float, float] | None = None
    no_fix = False
    if lat_v is not None or lon_v is not None:
        lat = _exif_coord(lat_v, _text(tags, "GPS GPSLatitudeRef"), "GPSLatitude", "NS", 90.0, warnings)
        lon = _exif_coord(lon_v, _text(tags, "GPS GPSLongitudeRef"), "GPSLongitude", "EW", 180.0, warnings)
        position, no_fix = _position(lat, lon, "EXIF", warnings)
    if position is None:
        for lat_key, lon_key in _XMP_POSITION_KEYS:
            if lat_key in xmp and lon_key in xmp:
                lat = _xmp_coord(xmp[lat_key], 90.0)
                lon = _xmp_coord(xmp[lon_key], 180.0)
                if lat is None or lon is None:
                    warnings.append(f"unreadable XMP position {xmp[lat_key]!r}, {xmp[lon_key]!r}")
                    continue
                position, _ = _position(lat, lon, "XMP", warnings)
                if position is not None:
                    break
    if position is not None:
        md.lat, md.lon = position

    alt: float | None = None
    alt_v = _number_list(_values(tags, "GPS GPSAltitude"))
    if alt_v:
        alt = _rational(alt_v[0])
        if alt is None:
            warnings.append(f"GPSAltitude {alt_v[0]!s} has a zero denominator; ignored")
        elif _first_int(tags, "GPS GPSAltitudeRef") == 1:
            alt = -abs(alt)
    elif xmp.get("exif:GPSAltitude"):
        alt = _xmp_float(xmp["exif:GPSAltitude"])
        if alt is not None and (xmp.get("exif:GPSAltitudeRef") or "").strip() == "1":
            alt = -abs(alt)
    if alt is not None and not (_ALT_RANGE[0] <= alt <= _ALT_RANGE[1]):
        hint = " (a negative value written as unsigned?)" if alt >= 2**31 else ""
        warnings.append(f"implausible GPSAltitude {alt:g} m ignored{hint}")
        alt = None
    if alt is not None and not no_fix:
        md.alt_m = alt + 0.0  # normalise -0.0 (zero metres "below sea level")


_XMP_POSITION_KEYS = (
    ("exif:GPSLatitude", "exif:GPSLongitude"),
    ("drone-dji:GpsLatitude", "drone-dji:GpsLongitude"),
    ("drone-dji:GpsLatitude", "drone-dji:GpsLongtitude"),  # DJI firmware typo
    ("drone-dji:GPSLatitude", "drone-dji:GPSLongitude"),
    ("drone-dji:Latitude", "drone-dji:Longitude"),
    ("drone-skydio:Latitude", "drone-skydio:Longitude"),
)


# -- capture time ---------------------------------------------------------------


def _fill_time(md: StillMetadata, tags: dict[str, Any], xmp: dict[str, str]) -> None:
    warnings = md.warnings
    found: tuple[datetime, int | None] | None = None
    for keys in _EXIF_TIMES:
        found = _exif_time(tags, keys, warnings)
        if found:
            break
    if found is None:
        for key in _XMP_TIMES[:3]:
            found = _parse_datetime(xmp.get(key))
            if found:
                break
    gps_utc = _gps_utc(tags, xmp)
    if found is None and gps_utc is not None:
        found = (gps_utc, 0)
        warnings.append("capture time taken from the GPS timestamp (UTC)")
    if found is None:
        found = _exif_time(tags, ("Image DateTime", "EXIF SubSecTime", "EXIF OffsetTime"), warnings)
        if found:
            warnings.append("capture time taken from IFD0 DateTime (may be the modification time)")
    if found is None:
        return
    value, offset = found
    # the GPS clock is physical evidence; an XMP offset may be the editing computer's zone
    if offset is None:
        offset = _offset_from_gps(value, gps_utc)
    if offset is None:
        offset = _offset_from_xmp(value, xmp)
    if offset is None:
        md.captured_at = value
        return
    md.captured_at = value.replace(tzinfo=timezone(timedelta(minutes=offset)))
    md.captured_at_offset = _format_offset(offset)


# -- drone telemetry ---------------------------------------------------------------

_SKYDIO = "drone-skydio:"
_DRONE_KEYS = (
    ("drone-dji:GimbalYawDegree", "gimbal_yaw"),
    ("drone-dji:GimbalPitchDegree", "gimbal_pitch"),
    ("drone-dji:GimbalRollDegree", "gimbal_roll"),
    ("drone-dji:FlightYawDegree", "flight_yaw"),
    ("drone-dji:FlightPitchDegree", "flight_pitch"),
    ("drone-dji:FlightRollDegree", "flight_roll"),
    ("drone-dji:RelativeAltitude", "rel_alt_m"),
    ("drone-dji:AbsoluteAltitude", "abs_alt_m"),
    (f"{_SKYDIO}CameraOrientationNED/{_SKYDIO}Yaw", "gimbal_yaw"),
    (f"{_SKYDIO}CameraOrientationNED/{_SKYDIO}Pitch", "gimbal_pitch"),
    (f"{_SKYDIO}CameraOrientationNED/{_SKYDIO}Roll", "gimbal_roll"),
    (f"{_SKYDIO}VehicleOrientationNED/{_SKYDIO}Yaw", "flight_yaw"),
    (f"{_SKYDIO}VehicleOrientationNED/{_SKYDIO}Pitch", "flight_pitch"),
    (f"{_SKYDIO}VehicleOrientationNED/{_SKYDIO}Roll", "flight_roll"),
    (f"{_SKYDIO}RelativeAltitude", "rel_alt_m"),
    (f"{_SKYDIO}AbsoluteAltitude", "abs_alt_m"),
)


def _drone(xmp: dict[str, str], warnings: list[str]) -> dict[str, float]:
    """Normalise drone-dji / drone-skydio XMP; DJI wins if both are present."""
    out: dict[str, float] = {}
    for key, name in _DRONE_KEYS:
        raw = xmp.get(key)
        if raw is None or name in out:
            continue
        value = _xmp_float(raw)
        if value is None:
            if raw.strip():
                warnings.append(f"unreadable XMP {key} {raw!r}")
            continue
        out[name] = value
    return out

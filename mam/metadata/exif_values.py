"""Value conversions behind `mam.metadata.exif`: exifread tags and XMP strings to plain values.

Tag access (`_values`, `_text`, `_clean`, `_number_list`, `_first_int`),
rationals (`_rational`, `_xmp_float`), orientation and pixel size from tags
(`_orientation`, `_tiff_dims`, `_exif_dims`), GPS coordinates (`_exif_coord`,
`_xmp_coord`, `_position`) and date-times with their UTC offsets
(`_parse_datetime`, `_parse_offset`, `_format_offset`, `_exif_time`,
`_gps_utc`, `_offset_from_xmp`, `_offset_from_gps`).  The functions take the
exifread tag dict and/or the flattened XMP dict and, where they are given a
``warnings`` list, report problems by appending to it; which source wins for
which `StillMetadata` field is decided in `mam.metadata.exif`.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

# ---------------------------------------------------------------------------
# exifread tags


def _values(tags: dict[str, Any], key: str) -> Any:
    tag = tags.get(key)
    if tag is None:
        return None
    return getattr(tag, "values", tag)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, int) and 0 <= v < 256 for v in value):
            value = bytes(value).decode("utf-8", "replace")
        else:
            return None
    text = str(value).split("\x00", 1)[0].strip()
    return text or None


def _text(tags: dict[str, Any], key: str, warnings: list[str] | None = None) -> str | None:
    """ASCII (or BYTE/UNDEFINED text) tag as a stripped string; numbers are rejected."""
    value = _values(tags, key)
    if isinstance(value, (list, tuple)) and getattr(tags.get(key), "field_type", 7) not in (1, 7):
        if warnings is not None:
            warnings.append(f"EXIF {key.split(' ', 1)[-1]} has a numeric type, not text; ignored")
        return None
    return _clean(value)


def _rational(value: Any) -> float | None:
    """exifread Ratio / int / float -> float; None for x/0 and non-finite values."""
    num = getattr(value, "num", None)
    if num is not None:
        den = getattr(value, "den", 0)
        if not den:
            return None
        result = num / den
    elif isinstance(value, bool):
        return None
    elif isinstance(value, (int, float)):
        result = float(value)
    else:
        return None
    return result if math.isfinite(result) else None


def _number_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _first_int(tags: dict[str, Any], key: str) -> int | None:
    values = _number_list(_values(tags, key))
    if not values or isinstance(values[0], str):
        if values and isinstance(values[0], str) and values[0].strip().isdigit():
            return int(values[0].strip())
        return None
    number = _rational(values[0])
    return int(number) if number is not None and number == int(number) else None


def _orientation(tags: dict[str, Any], xmp: dict[str, str], warnings: list[str]) -> int | None:
    raw = _first_int(tags, "Image Orientation")
    source = "EXIF"
    if raw is None and "Image Orientation" not in tags:
        xmp_raw = (xmp.get("tiff:Orientation") or "").strip()
        raw = int(xmp_raw) if xmp_raw.isdigit() else None
        source = "XMP"
    if raw is None:
        if "Image Orientation" in tags:
            warnings.append(f"unreadable EXIF Orientation {_values(tags, 'Image Orientation')!r}")
        return None
    if 1 <= raw <= 8:
        return raw
    warnings.append(f"invalid {source} Orientation {raw} ignored (must be 1..8)")
    return None


def _tiff_dims(tags: dict[str, Any]) -> tuple[int, int] | None:
    """TIFF/DNG: the largest full-resolution IFD, cropped to DefaultCropSize."""
    ifds = ["Image"] + sorted({m.group(1) for k in tags if (m := _SUBIFD.match(k))})
    best: tuple[int, int] | None = None
    for ifd in ifds:
        width = _first_int(tags, f"{ifd} ImageWidth")
        height = _first_int(tags, f"{ifd} ImageLength")
        if not width or not height or _first_int(tags, f"{ifd} SubfileType") not in (None, 0):
            continue
        crop = [_rational(v) for v in _number_list(_values(tags, f"{ifd} Tag 0xC620")) or []]
        if len(crop) == 2 and all(c and c > 0 for c in crop):
            width, height = round(crop[0]), round(crop[1])
        if best is None or width * height > best[0] * best[1]:
            best = (width, height)
    return best


_SUBIFD = re.compile(r"^(EXIF SubIFD\d+) ")


def _exif_dims(tags: dict[str, Any]) -> tuple[int, int] | None:
    for wkey, hkey in (
        ("EXIF ExifImageWidth", "EXIF ExifImageLength"),
        ("Image ImageWidth", "Image ImageLength"),
    ):
        width, height = _first_int(tags, wkey), _first_int(tags, hkey)
        if width and height and width > 0 and height > 0:
            return width, height
    return None


# -- GPS ----------------------------------------------------------------------


def _exif_coord(values: Any, ref: str | None, label: str, refs: str, limit: float, warnings: list[str]) -> float | None:
    if values is None:
        warnings.append(f"{label} missing while the other coordinate is present")
        return None
    parts_raw = _number_list(values) or []
    if parts_raw and isinstance(parts_raw[0], str):
        value = _xmp_coord(parts_raw[0], limit)
        if value is None:
            warnings.append(f"unreadable {label} {parts_raw[0]!r}")
        return value
    parts = [_rational(v) for v in parts_raw[:3]]
    if not parts or any(p is None for p in parts):
        shown = ", ".join(str(v) for v in parts_raw[:3]) or "empty"
        warnings.append(f"{label} [{shown}] has a zero denominator or bad value; ignored")
        return None
    deg, minutes, seconds = (parts + [0.0, 0.0])[:3]
    if not (0 <= minutes < 60 and 0 <= seconds < 60):
        shown = ", ".join(str(v) for v in parts_raw[:3])
        warnings.append(f"{label} [{shown}] has minutes/seconds outside 0..60; ignored")
        return None
    value = abs(deg) + minutes / 60 + seconds / 3600
    if deg < 0:
        value = -value
    ref_letter = (ref or "").strip().upper()[:1]
    if ref_letter == refs[1]:
        value = -abs(value)
    elif ref_letter == refs[0]:
        value = abs(value)
    elif ref_letter:
        warnings.append(f"{label}Ref {ref!r} is not {refs[0]}/{refs[1]}; sign taken from the value")
    else:
        warnings.append(f"{label}Ref missing; assuming {refs[0]}")
    if abs(value) > limit:
        warnings.append(f"{label} {value:.6f} is out of range; ignored")
        return None
    return value


def _position(
    lat: float | None, lon: float | None, source: str, warnings: list[str]
) -> tuple[tuple[float, float] | None, bool]:
    """Return ((lat, lon) or None, is_null_island)."""
    if lat is None or lon is None:
        return None, False
    if abs(lat) < 1e-9 and abs(lon) < 1e-9:
        warnings.append(f"{source} GPS position 0,0 treated as no position")
        return None, True
    return (lat, lon), False


_XMP_COORD = re.compile(
    r"^\s*([+-]?\d+(?:\.\d+)?)(?:\s*,\s*(\d+(?:\.\d+)?))?(?:\s*,\s*(\d+(?:\.\d+)?))?\s*([NSEWnsew])?\s*$"
)


def _xmp_coord(text: str, limit: float) -> float | None:
    """XMP GPSCoordinate ("DDD,MM,SSk" / "DDD,MM.mmk") or a signed decimal."""
    match = _XMP_COORD.match(text or "")
    if not match:
        return None
    deg = float(match.group(1))
    minutes = float(match.group(2) or 0)
    seconds = float(match.group(3) or 0)
    if minutes >= 60 or seconds >= 60:
        return None
    value = abs(deg) + minutes / 60 + seconds / 3600
    if deg < 0 or (match.group(4) or "").upper() in ("S", "W"):
        value = -value
    return value if abs(value) <= limit else None


def _xmp_float(text: str | None) -> float | None:
    """Parse "+12.5" or "-86831/1600"; None for garbage, x/0, inf and nan."""
    if text is None:
        return None
    text = text.strip()
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            if float(den) == 0:
                return None
            value = float(num) / float(den)
        else:
            value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# -- capture time ---------------------------------------------------------------

_DATETIME = re.compile(
    r"^\s*(\d{4})[:\-/](\d{1,2})[:\-/](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_OFFSET = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")
_EXIF_TIMES = (
    ("EXIF DateTimeOriginal", "EXIF SubSecTimeOriginal", "EXIF OffsetTimeOriginal"),
    ("EXIF DateTimeDigitized", "EXIF SubSecTimeDigitized", "EXIF OffsetTimeDigitized"),
)
_XMP_TIMES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate", "exif:DateTimeDigitized")


def _parse_datetime(text: str | None) -> tuple[datetime, int | None] | None:
    """EXIF/XMP date-time -> (naive wall-clock datetime, UTC offset minutes or None).

    A time of day is required: date-only values return None.
    """
    match = _DATETIME.match(text or "")
    if not match or match.group(4) is None:
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    micro = int(((match.group(7) or "") + "000000")[:6])
    try:
        value = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    tz = match.group(8)
    if tz is None:
        return value, None
    if tz == "Z":
        return value, 0
    offset = _parse_offset(tz)
    return (value, offset) if offset is not None else None


def _parse_offset(text: str | None) -> int | None:
    match = _OFFSET.match(text or "")
    if not match:
        return None
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60:
        return None
    total = hours * 60 + minutes
    return -total if match.group(1) == "-" else total


def _format_offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _is_blank_date(text: str) -> bool:
    """EXIF writes unknown dates as blanks or zeros ("0000:00:00 00:00:00")."""
    return not re.search(r"[1-9]", text)


def _exif_time(
    tags: dict[str, Any], keys: tuple[str, str, str], warnings: list[str]
) -> tuple[datetime, int | None] | None:
    date_key, subsec_key, offset_key = keys
    raw = _text(tags, date_key, warnings)
    if raw is None or _is_blank_date(raw):
        return None
    parsed = _parse_datetime(raw)
    name = date_key.split(" ", 1)[1]
    if parsed is None:
        warnings.append(f"unparseable {name} {raw!r}")
        return None
    value, offset = parsed
    subsec = _text(tags, subsec_key)
    if subsec is not None and value.microsecond == 0:
        if subsec.isdigit():
            value = value.replace(microsecond=int((subsec + "000000")[:6]))
        else:
            warnings.append(f"invalid {subsec_key.split(' ', 1)[1]} {subsec!r} ignored")
    if offset is None:
        raw_offset = _text(tags, offset_key)
        if raw_offset is not None and re.search(r"\d", raw_offset):
            offset = _parse_offset(raw_offset)
            if offset is None:
                warnings.append(f"invalid {offset_key.split(' ', 1)[1]} {raw_offset!r} ignored")
    return value, offset


def _gps_utc(tags: dict[str, Any], xmp: dict[str, str]) -> datetime | None:
    """GPS fix time as a naive UTC datetime (EXIF GPSDate+GPSTimeStamp, else XMP)."""
    date_raw = _text(tags, "GPS GPSDate")
    time_v = _number_list(_values(tags, "GPS GPSTimeStamp"))
    if date_raw and time_v and len(time_v) == 3:
        parts = [_rational(v) for v in time_v]
        date = _DATETIME.match(date_raw.strip() + " 00:00:00")
        if date and all(p is not None and 0 <= p < 61 for p in parts) and parts[0] < 24:
            try:
                base = datetime(int(date.group(1)), int(date.group(2)), int(date.group(3)))
                return base + timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])
            except (ValueError, OverflowError):
                pass
    for key in ("exif:GPSTimeStamp", "exif:GPSDateTime"):
        parsed = _parse_datetime(xmp.get(key))
        if parsed is not None:
            value, offset = parsed
            return value - timedelta(minutes=offset or 0)
    return None


def _offset_from_xmp(value: datetime, xmp: dict[str, str]) -> int | None:
    """Offset of an XMP date that shows the same wall-clock time as ``value``."""
    for key in _XMP_TIMES:
        parsed = _parse_datetime(xmp.get(key))
        if parsed and parsed[1] is not None and parsed[0].replace(microsecond=0) == value.replace(microsecond=0):
            return parsed[1]
    return None


def _offset_from_gps(value: datetime, gps_utc: datetime | None) -> int | None:
    """Local-minus-UTC from the GPS clock, when it is a whole quarter hour (+-5 min)."""
    if gps_utc is None:
        return None
    diff = (value - gps_utc).total_seconds()
    quarter = round(diff / 900) * 900
    if abs(quarter) <= 14 * 3600 and abs(diff - quarter) <= 300:
        return int(quarter // 60)
    return None

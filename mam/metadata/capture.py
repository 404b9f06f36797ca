"""When, with what and where an asset was shot: the best of the metadata it has, saying which source won.

Time, in order: the clip's own telemetry sidecar (wall clock of the first SRT cue, moved back by its offset),
EXIF (aware when an offset is known), the container's creation time, then the file name. DJI SRT and file-name
times are the device's local wall clock with no zone: they stay naive, and a note says so. Times before 1990 or
more than a day in the future are unset clocks and are skipped. Position: telemetry, EXIF GPS, then the
container's ISO 6709 tag. Device: EXIF make/model, container make/model, then a ``DJI_`` file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from mam.metadata.dji_srt import TelemetryTrack
from mam.metadata.quicktime import ContainerMetadata, GeoPoint

if TYPE_CHECKING:
    from mam.metadata.exif import StillMetadata

__all__ = ["Capture", "best_capture", "time_from_filename"]

# IMG_20210101_123456.jpg, VID_20210101_123456.mp4, 20210101_123456.mp4, DJI_20230612101112_0001_D.MP4,
# Screenshot_2021-01-01-12-34-56.png, PXL_20210101_123456789.mp4 (milliseconds; Pixel names are in UTC)
_NAME_TIME = re.compile(
    r"(?<!\d)((?:19|20)\d\d)([-_.]?)(\d\d)\2(\d\d)[-_ T.]?(\d\d)([-_.:]?)(\d\d)\6(\d\d)(\d{0,3})(?!\d)"
)
_NAME_EPOCH_MS = re.compile(r"(?:mmexport|wx_camera_)(1\d{12})(?!\d)", re.IGNORECASE)  # WeChat exports, UTC ms
_MIN_YEAR = 1990
LOCAL_NOTE = "{} time is the device's local wall clock with no time zone; kept naive"


@dataclass
class Capture:
    time: datetime | None = None
    time_source: str | None = None  # "telemetry" | "exif" | "quicktime" | "filename"
    device: str | None = None
    device_source: str | None = None  # "exif" | "quicktime" | "filename"
    location: GeoPoint | None = None
    location_source: str | None = None  # "telemetry" | "exif" | "quicktime"
    notes: list[str] = field(default_factory=list)


def time_from_filename(name: str | None) -> datetime | None:
    """Capture time written in a file name: naive local time, or aware UTC (Pixel ``PXL_``, WeChat epoch ms)."""
    stem = PurePath(name or "").name
    if m := _NAME_EPOCH_MS.search(stem):
        return datetime.fromtimestamp(int(m[1]) / 1000, UTC)
    for m in _NAME_TIME.finditer(stem):
        try:
            frac = int(m[9].ljust(6, "0")) if m[9] else 0
            dt = datetime(int(m[1]), int(m[3]), int(m[4]), int(m[5]), int(m[7]), int(m[8]), frac)
        except ValueError:
            continue
        return dt.replace(tzinfo=UTC) if stem.upper().startswith("PXL_") else dt
    return None


def _plausible(dt: datetime | None, now: datetime) -> bool:
    if dt is None:
        return False
    naive = dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt
    return naive.year >= _MIN_YEAR and naive <= now + timedelta(days=1)


def _device(make: str | None, model: str | None) -> str | None:
    make, model = (make or "").strip(), (model or "").strip()
    if model and make and model.lower().startswith(make.lower()):
        return model
    return " ".join(x for x in (make, model) if x) or None


def _telemetry_start(track: TelemetryTrack | None) -> datetime | None:
    p = next((p for p in (track.points if track else []) if p.time is not None), None)
    return p.time - timedelta(seconds=p.t_s) if p and p.time else None


def _telemetry_position(track: TelemetryTrack | None) -> GeoPoint | None:
    p = next((p for p in (track.points if track else []) if p.lat is not None and p.lon is not None), None)
    return GeoPoint(p.lat, p.lon, p.abs_alt_m) if p and p.lat is not None and p.lon is not None else None


def _still_position(still: StillMetadata | None) -> GeoPoint | None:
    if still is None or still.lat is None or still.lon is None:
        return None
    return GeoPoint(still.lat, still.lon, still.alt_m)


def best_capture(
    *,
    telemetry: TelemetryTrack | None = None,
    still: StillMetadata | None = None,
    container: ContainerMetadata | None = None,
    filename: str | None = None,
    now: datetime | None = None,
) -> Capture:
    """Pick time, device and position from the sources given (any may be None).

    ``telemetry`` must be the clip's own sidecar (its first cue is the first frame), not a flight log.
    ``now`` (default: the current time) bounds plausible times.
    """
    cap = Capture()
    now = now or datetime.now(UTC)
    now = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
    candidates = (
        ("telemetry", _telemetry_start(telemetry)),
        ("exif", still.captured_at if still else None),
        ("quicktime", container.creation_time if container else None),
        ("filename", time_from_filename(filename)),
    )
    for source, dt in candidates:
        if dt is None:
            continue
        if not _plausible(dt, now):
            cap.notes.append(f"{source} time {dt.isoformat()} is implausible (unset clock?); skipped")
            continue
        cap.time, cap.time_source = dt, source
        break
    if cap.time is not None and cap.time.tzinfo is None:
        label = {"telemetry": "DJI SRT", "exif": "EXIF (no offset tag)", "quicktime": "container"}
        cap.notes.append(LOCAL_NOTE.format(label.get(cap.time_source or "", "file name")))
    elif cap.time_source == "quicktime" and container and container.make in ("DJI", "GoPro"):
        cap.notes.append(f"{container.make} writes local time in the UTC creation_time field: the zone may be wrong")

    name_make = "DJI" if PurePath(filename or "").name.upper().startswith("DJI_") else None
    for source, make, model in (
        ("exif", still.make if still else None, still.model if still else None),
        ("quicktime", container.make if container else None, container.model if container else None),
        ("filename", name_make, None),
    ):
        if device := _device(make, model):
            cap.device, cap.device_source = device, source
            break

    for source, loc in (
        ("telemetry", _telemetry_position(telemetry)),
        ("exif", _still_position(still)),
        ("quicktime", container.location if container else None),
    ):
        if loc is not None:
            cap.location, cap.location_source = loc, source
            break
    return cap

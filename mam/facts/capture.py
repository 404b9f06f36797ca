"""``Asset.capture``: when, with what and where the asset was shot, and which metadata source said so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mam.facts.base import Fact, nested


@dataclass(frozen=True)
class Location(Fact):
    """A position: latitude and longitude in degrees, altitude in metres when known."""

    lat: float | None = None
    lon: float | None = None
    alt_m: float | None = None

    WRITES: ClassVar[tuple[str, ...]] = ("lat", "lon", "alt_m")


@dataclass(frozen=True)
class Capture(Fact):
    """The metadata step's pick of capture time, device and position, each with its source.

    ``time`` is ISO 8601 text (naive: the device's local wall clock). Stills add ``lens``, ``orientation``,
    ``drone`` and ``xmp_keys``; a container that names its software adds ``software``. ``Capture.empty()``
    (stored ``{}``): not read yet, or the metadata could not be read.
    """

    time: str | None = None
    time_source: str | None = None  # telemetry, exif, quicktime, filename
    device: str | None = None
    device_source: str | None = None  # exif, quicktime, filename
    notes: list[str] | None = None
    location: Location | None = nested(Location)
    location_source: str | None = None  # telemetry, exif, quicktime
    lens: str | None = None
    orientation: int | None = None  # EXIF orientation (1–8)
    drone: dict[str, Any] | None = None  # DJI XMP flight facts of a still
    xmp_keys: list[str] | None = None
    software: str | None = None

    WRITES: ClassVar[tuple[str, ...]] = (
        "time", "time_source", "device", "device_source", "notes", "location", "location_source",
    )  # fmt: skip

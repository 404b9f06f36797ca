"""Typed asset facts: each a frozen value object with exactly one JSON mapping (``from_json`` / ``to_json``)
to the JSON column of ``mam.models.Asset`` that stores it (see ``mam.facts.base``)."""

from mam.facts.audio import Loudness
from mam.facts.base import Fact
from mam.facts.capture import Capture, Location
from mam.facts.qc import Interval, Qc
from mam.facts.shots import Shot, shots_from_json, shots_to_json
from mam.facts.technical import Technical
from mam.facts.telemetry import Telemetry, TrackEnd

__all__ = [
    "Capture", "Fact", "Interval", "Location", "Loudness", "Qc", "Shot", "Technical", "Telemetry", "TrackEnd",
    "shots_from_json", "shots_to_json",
]  # fmt: skip

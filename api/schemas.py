"""Request and response shapes (the OpenAPI description is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ComponentHealth(BaseModel):
    ok: bool
    detail: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    catalog: ComponentHealth
    storage: ComponentHealth
    broker: ComponentHealth


class AssetCreated(BaseModel):
    id: str
    status: str
    duplicate_of: str | None = Field(None, description="set when this file was already stored: the existing asset")


class SidecarPublic(BaseModel):
    kind: str = Field(description="srt (DJI telemetry or subtitles), lrf, thm, xmp, subtitle, gpx, flight_log, kml")
    filename: str
    size_bytes: int
    url: str


class RenditionPublic(BaseModel):
    kind: Literal["proxy", "poster", "sprite", "thumbnails_vtt", "waveform"] | str
    name: str = Field(description="file name; sprite sheets are sprite_001.jpg, sprite_002.jpg, … as in the VTT")
    url: str = Field(description="Download URL: needs the same bearer token (local store) or is presigned (S3)")
    content_type: str
    width: int | None = None
    height: int | None = None
    size_bytes: int


class TagPublic(BaseModel):
    name: str
    source: Literal["user", "metadata", "analysis"]


class ShotPublic(BaseModel):
    index: int
    start_s: float
    end_s: float
    thumbnail_url: str | None = None
    motion: str | None = Field(None, description="static, pan, tilt or zoom")
    day_night: str | None = None
    colours: list[dict[str, Any]] | None = None
    faces: int | None = None
    phash: str | None = Field(None, description="64-bit perceptual hash (hex) of the shot's keyframe")


class AssetPublic(BaseModel):
    id: str
    status: Literal["pending", "processing", "ready", "failed"]
    error: str | None = Field(None, description="Why the asset failed, in words a person can act on")
    title: str | None = None
    project: str | None = None
    tags: list[TagPublic] = Field([], description="each with its source: user, metadata or analysis")
    kind: Literal["video", "audio", "image"] | None = None
    original_filename: str
    content_type: str | None = None
    sha256: str | None = None
    size_bytes: int
    progress: float = Field(0.0, description="0..1 while processing")
    technical: dict[str, Any] = Field(
        default_factory=dict,
        description="Normalised ffprobe facts: duration_s, width, height, fps, video_codec, audio_codec, "
        "bitrate, rotation, interlaced, dynamic_range, …",
    )
    capture: dict[str, Any] = Field(
        default_factory=dict,
        description="`time` (ISO 8601; naive = local wall clock), `time_source` (telemetry / exif / quicktime / "
        "filename), `device`, `location` {lat, lon, alt}, `location_source`; stills add `lens`, `orientation`, `drone`",
    )
    telemetry: dict[str, Any] | None = Field(
        None, description="Track summary from a DJI .SRT / GPX / flight-log sidecar: `points`, `duration_s`, "
        "`bbox` (w, s, e, n), `start`, `end`, `distance_m`, `max_rel_alt_m`, `line` (simplified [lon, lat]), `camera`",
    )
    places: list[dict[str, Any]] = Field(default_factory=list, description="Offline reverse-geocoded places")
    shots: list[ShotPublic] = []
    loudness: dict[str, Any] = Field(default_factory=dict,
                                     description="EBU R128: `integrated_lufs`, `lra_lu`, `true_peak_dbtp`")
    qc: dict[str, Any] = Field(default_factory=dict,
                               description="`black`, `freeze`, `silence`: lists of {start_s, end_s}")
    ocr: list[dict[str, Any]] = Field(default_factory=list, description="on-screen text: {start_s, end_s, text}")
    analysis: dict[str, Any] = Field(default_factory=dict, description="`status` of the keyframe analysis: "
                                     "pending, done or failed (with `error`); it runs after the asset is ready")
    warnings: list[str] = Field(default_factory=list, description="What could not be read, and why")
    renditions: list[RenditionPublic] = []
    sidecars: list[SidecarPublic] = []
    original_url: str
    created_at: datetime
    updated_at: datetime


class AssetPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[AssetPublic]

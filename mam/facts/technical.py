"""``Asset.technical``: the normalised ffprobe facts (``mam.media.probe.normalise`` writes them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mam.facts.base import Fact


@dataclass(frozen=True)
class Technical(Fact):
    """Container, duration, first video and audio stream, in plain names and SI units.

    Every file has the container keys (``container`` … ``rotation``, ``kind``); the video keys
    (``video_profile`` … ``display_aspect_ratio``) come with a video stream, the ``audio_*`` details with an
    audio stream; the metadata step adds a still's EXIF ``orientation``. A key the file did not have is not
    written back.
    """

    container: str | None = None
    container_long: str | None = None
    duration_s: float | None = None
    bitrate: int | None = None
    streams: int | None = None
    video_streams: int | None = None
    audio_streams: int | None = None
    timecode: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    rotation: int | None = None  # clockwise display rotation: 0, 90, 180, 270
    video_profile: str | None = None
    video_level: int | None = None
    sample_aspect_ratio: float | None = None
    display_width: int | None = None  # as shown: after rotation and sample aspect ratio
    display_height: int | None = None
    vfr: bool | None = None
    field_order: str | None = None
    interlaced: bool | None = None
    pix_fmt: str | None = None
    bit_depth: int | None = None
    color_primaries: str | None = None
    color_transfer: str | None = None
    color_space: str | None = None
    dynamic_range: str | None = None  # SDR, HLG, PQ, Dolby Vision
    hdr: dict[str, Any] | None = None  # mastering_display, content_light_level, dolby_vision
    frames: int | None = None
    display_aspect_ratio: str | None = None  # "16:9", as shown
    audio_channels: int | None = None
    audio_layout: str | None = None
    audio_sample_rate: int | None = None
    kind: str | None = None  # video, audio, image; None before the probe
    orientation: int | None = None  # EXIF orientation of a still (1–8)

    @property
    def shown_height(self) -> int | float | None:
        """The picture height as shown (after rotation), else the stored height."""
        return self.display_height or self.height

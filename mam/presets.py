"""Export presets as data: ``config/presets/*.yaml``, one preset a file, validated into frozen pydantic models.

A preset says what a delivery target wants (container, codecs with profile and level, picture size rule, frame
rate and scan, bitrate mode and GOP, audio, loudness, limits) and where each number comes from (``source:``,
``confidence:``). Limits the platforms have not confirmed are listed in ``limits.unconfirmed``; they are
defaults a deployment can replace with :func:`with_limits` (from settings), never facts.

:func:`load_presets` reads a directory and refuses the first bad file with a :class:`PresetError` whose text
names the file, the field path and the reason. No FastAPI, no catalog: the exports planner, the API and the CLI
all read these models.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import config

PRESETS_DIR: Path = Path(config.__file__).parent / "presets"

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

#: container -> the MIME type of the preset's main output file
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "mxf": "application/mxf",
    "hls": "application/vnd.apple.mpegurl",
    "wav": "audio/wav",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
_KIND_CONTAINERS = {
    "video": {"mp4", "mov", "mxf"},
    "hls": {"hls"},
    "audio": {"wav"},
    "still": {"png", "jpeg"},
}
#: codec -> containers it may go in
_VIDEO_CODECS = {"h264": {"mp4", "mov", "hls"}, "mpeg2video": {"mxf", "mov"}, "prores": {"mov"},
                 "dnxhd": {"mov", "mxf"}}
_AUDIO_CODECS = {"aac": {"mp4", "mov", "hls"}, "pcm_s24le": {"mxf", "mov", "wav"}, "pcm_s16le": {"mxf", "mov", "wav"}}


class PresetError(Exception):
    """A preset file that cannot be used: ``str()`` names the file, the field path and the reason."""

    def __init__(self, file: Path | str, field: str, reason: str) -> None:
        self.file, self.field, self.reason = str(file), field, reason
        super().__init__(f"{file}: {field}: {reason}")


class _Bad(ValueError):
    """A model-level check that knows which field it is about (joined to the model's path in the message)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(reason)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SizeSpec(_Model):
    """The picture size rule.

    ``width`` x ``height`` is a box (landscape as written). ``aspect``:

    * ``fit``: the picture keeps its aspect and is scaled down to fit in the box (never up); the output size
      follows the source. No box (``width``/``height`` null) means the source size.
    * ``pad``: the output is exactly the box; the picture is fitted inside and centred on black.
    * ``crop``: the output is exactly the box; the picture fills it and the overflow is cut from the centre.

    ``orientation``: ``fixed`` keeps the box as written; ``source`` turns it for portrait sources (a 1920x1080
    box becomes 1080x1920 for a vertical phone clip).
    """

    width: int | None = Field(None, ge=16, le=8192)
    height: int | None = Field(None, ge=16, le=8192)
    aspect: Literal["fit", "pad", "crop"] = "fit"
    orientation: Literal["fixed", "source"] = "fixed"

    @model_validator(mode="after")
    def _box(self) -> SizeSpec:
        if (self.width is None) != (self.height is None):
            raise _Bad("width", "width and height go together (both null means the source size)")
        if self.width is None and self.aspect != "fit":
            raise _Bad("aspect", f"aspect {self.aspect!r} needs a width and height to {self.aspect} to")
        if self.width is not None and (self.width % 2 or self.height % 2):  # type: ignore[operator]
            raise _Bad("width", "width and height must be even (4:2:0 and 4:2:2 chroma)")
        return self


class BitrateSpec(_Model):
    """Rate control. ``crf``: constant quality (``crf``), optionally capped by ``maxrate_kbps``; ``vbr``: an
    average ``kbps`` held under ``maxrate_kbps`` over ``bufsize_kbps``; ``cbr``: a constant ``kbps``."""

    mode: Literal["crf", "vbr", "cbr"]
    crf: int | None = Field(None, ge=0, le=51)
    kbps: int | None = Field(None, ge=16)
    maxrate_kbps: int | None = Field(None, ge=16)
    bufsize_kbps: int | None = Field(None, ge=16)
    tolerance: float = Field(0.10, gt=0, le=1)  # QC: how far the measured rate may be from kbps (cbr) / above

    @model_validator(mode="after")
    def _mode(self) -> BitrateSpec:
        if self.mode == "crf" and self.crf is None:
            raise _Bad("crf", "mode crf needs crf")
        if self.mode in ("vbr", "cbr") and self.kbps is None:
            raise _Bad("kbps", f"mode {self.mode} needs kbps")
        if self.mode == "vbr" and self.maxrate_kbps is not None and self.maxrate_kbps < (self.kbps or 0):
            raise _Bad("maxrate_kbps", "maxrate_kbps is below kbps")
        return self


class VideoSpec(_Model):
    codec: Literal["h264", "mpeg2video", "prores", "dnxhd"]
    profile: str | None = None  # h264: baseline|main|high; mpeg2video: 422|main; prores: hq|...; dnxhd: dnxhr_hq
    level: str | None = None  # h264: "4.2"; mpeg2video: high|main
    pix_fmt: str = "yuv420p"
    size: SizeSpec = SizeSpec()
    fps: Literal["source"] | float = "source"  # "source": the source's motion rate (50i -> 50p)
    max_fps: float | None = Field(None, gt=0, le=240)
    scan: Literal["progressive", "interlaced_tff"] = "progressive"
    bitrate: BitrateSpec | None = None  # None: the codec's profile sets it (ProRes, DNxHR)
    gop_s: float | None = Field(2.0, gt=0, le=60)  # keyframe every gop_s seconds; None: intra-only codec
    closed_gop: bool = True
    b_frames: int | None = Field(None, ge=0, le=16)
    speed: str = "veryfast"  # x264 preset

    @field_validator("fps")
    @classmethod
    def _fps(cls, v: Any) -> Any:
        if v != "source" and not 1 <= float(v) <= 240:
            raise ValueError("fps is 'source' or a number from 1 to 240")
        return v

    @model_validator(mode="after")
    def _codec(self) -> VideoSpec:
        if self.scan == "interlaced_tff":
            if self.fps == "source":
                raise _Bad("fps", "an interlaced output needs a fixed frame rate (fps: 25 for 50 fields)")
            if self.codec not in ("mpeg2video", "h264"):
                raise _Bad("codec", f"interlaced output is made with mpeg2video or h264, not {self.codec}")
        if self.codec == "h264" and self.profile not in (None, "baseline", "main", "high", "high422"):
            raise _Bad("profile", f"h264 profile {self.profile!r} is not one of baseline, main, high, high422")
        if self.codec == "h264" and self.level is not None and not re.fullmatch(r"[1-6](\.[0-2])?", self.level):
            raise _Bad("level", f"h264 level {self.level!r} is not like 4.1")
        if self.codec == "mpeg2video" and self.profile not in (None, "422", "main"):
            raise _Bad("profile", f"mpeg2video profile {self.profile!r} is not 422 or main")
        if self.codec == "prores" and self.profile not in ("proxy", "lt", "standard", "hq", "4444"):
            raise _Bad("profile", "prores needs profile proxy, lt, standard, hq or 4444")
        if self.codec == "dnxhd" and self.profile not in ("dnxhr_lb", "dnxhr_sq", "dnxhr_hq", "dnxhr_hqx"):
            raise _Bad("profile", "dnxhd needs a DNxHR profile: dnxhr_lb, dnxhr_sq, dnxhr_hq or dnxhr_hqx")
        if self.codec in ("h264", "mpeg2video") and self.gop_s is None:
            raise _Bad("gop_s", f"{self.codec} needs gop_s")
        return self


class AudioSpec(_Model):
    codec: Literal["aac", "pcm_s24le", "pcm_s16le"]
    sample_rate: Literal[44100, 48000] = 48000
    bit_depth: Literal[16, 24] | None = None  # PCM only
    channels: Literal[1, 2] = 2
    kbps: int | None = Field(None, ge=16, le=512)  # AAC only

    @model_validator(mode="after")
    def _codec(self) -> AudioSpec:
        if self.codec.startswith("pcm_"):
            depth = int(self.codec[5:7])
            if self.bit_depth not in (None, depth):
                raise _Bad("bit_depth", f"bit_depth {self.bit_depth} does not match {self.codec}")
            if self.kbps is not None:
                raise _Bad("kbps", "PCM has no bitrate setting (kbps is for AAC)")
        elif self.kbps is None:
            raise _Bad("kbps", "aac needs kbps")
        return self

    @property
    def depth(self) -> int | None:
        return int(self.codec[5:7]) if self.codec.startswith("pcm_") else None


class Rung(_Model):
    """One rung of an HLS ladder (landscape as written; turned for portrait sources)."""

    width: int = Field(ge=16, le=8192)
    height: int = Field(ge=16, le=8192)
    video_kbps: int = Field(ge=16)
    maxrate_kbps: int = Field(ge=16)
    audio_kbps: int = Field(ge=16, le=512)

    @model_validator(mode="after")
    def _rates(self) -> Rung:
        if self.maxrate_kbps < self.video_kbps:
            raise _Bad("maxrate_kbps", "maxrate_kbps is below video_kbps")
        if self.width % 2 or self.height % 2:
            raise _Bad("width", "width and height must be even")
        return self

    @property
    def name(self) -> str:
        return f"{min(self.width, self.height)}p"


class HlsSpec(_Model):
    segment_s: float = Field(6.0, gt=0, le=30)
    segment_type: Literal["fmp4", "mpegts"] = "fmp4"
    playlist_type: Literal["vod"] = "vod"
    orientation: Literal["fixed", "source"] = "source"  # vertical sources get a vertical ladder
    rungs: list[Rung] = Field(min_length=1)

    @field_validator("rungs")
    @classmethod
    def _distinct(cls, v: list[Rung]) -> list[Rung]:
        names = [r.name for r in v]
        if len(set(names)) != len(names):
            raise ValueError("two rungs share a short side (rung names are <short side>p)")
        return v


class StillSpec(_Model):
    format: Literal["png", "jpeg"]
    jpeg_qscale: int = Field(2, ge=1, le=31)  # ffmpeg -q:v (2 = best practical)
    deinterlace: bool = True
    metadata_fields: list[Literal["caption", "credit", "date", "place"]] = ["caption", "credit", "date", "place"]


class LoudnessSpec(_Model):
    target_lufs: float = Field(ge=-40, le=-5)
    tolerance_lu: float = Field(1.0, gt=0, le=5)
    true_peak_dbtp: float = Field(-1.0, ge=-9, le=0)
    standard: str | None = None


class Limits(_Model):
    max_size_bytes: int | None = Field(None, ge=1)
    max_duration_s: float | None = Field(None, gt=0)
    max_video_kbps: int | None = Field(None, ge=16)  # peak, over one second
    min_short_side: int | None = Field(None, ge=16)
    #: limit names above that no platform document confirms: defaults, replaceable by settings
    unconfirmed: list[Literal["max_size_bytes", "max_duration_s", "max_video_kbps", "min_short_side"]] = []


class TextStyle(_Model):
    """How text is drawn on an output: sizes are fractions of the picture's height, so one style fits every
    raster."""

    size: float = Field(0.055, ge=0.01, le=0.2)  # font size / picture height
    outline: float = Field(0.08, ge=0, le=0.5)  # outline width / font size
    safe_area: float = Field(0.06, ge=0, le=0.25)  # margin from the edges / picture height (title safe)
    colour: Literal["white", "yellow"] = "white"


class FinishingSpec(_Model):
    """What an export request's finishing options use on this preset unless the request says otherwise."""

    logo: str | None = None  # the default watermark: a brand asset (name or id) or a logo in config/logos
    subtitles: TextStyle = TextStyle()
    caption: TextStyle = TextStyle(size=0.045)
    reframe: Literal["center", "blur-pad"] | None = None  # how a source of another shape fills this raster


class Preset(_Model):
    name: str
    title: str
    kind: Literal["video", "hls", "audio", "still"]
    container: Literal["mp4", "mov", "mxf", "hls", "wav", "png", "jpeg"]
    video: VideoSpec | None = None
    audio: AudioSpec | None = None
    hls: HlsSpec | None = None
    still: StillSpec | None = None
    loudness: LoudnessSpec | None = None
    limits: Limits = Limits()
    faststart: bool = False  # mp4/mov: index before the media
    finishing: FinishingSpec = FinishingSpec()
    source: str = Field(min_length=3)
    confidence: Literal["confirmed", "convention", "unconfirmed"]
    notes: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("a preset name is lower-case letters, digits and '-' (e.g. web-mp4)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Preset:
        if self.container not in _KIND_CONTAINERS[self.kind]:
            raise _Bad("container",
                       f"kind {self.kind} goes in {sorted(_KIND_CONTAINERS[self.kind])}, not {self.container}")
        need = {"video": ("video",), "hls": ("video", "audio", "hls"), "audio": ("audio",), "still": ("still",)}
        for part in need[self.kind]:
            if getattr(self, part) is None:
                raise _Bad(part, f"a {self.kind} preset needs a {part} section")
        extra = {"video": ("hls", "still"), "hls": ("still",), "audio": ("video", "hls", "still"),
                 "still": ("video", "audio", "hls", "loudness")}
        for part in extra[self.kind]:
            if getattr(self, part) is not None:
                raise _Bad(part, f"a {self.kind} preset has no {part} section")
        if self.video is not None and self.container not in _VIDEO_CODECS[self.video.codec]:
            raise _Bad("video.codec", f"video codec {self.video.codec} does not go in {self.container}")
        if self.audio is not None and self.container not in _AUDIO_CODECS[self.audio.codec]:
            raise _Bad("audio.codec", f"audio codec {self.audio.codec} does not go in {self.container}")
        if self.hls is not None and self.video is not None:
            if self.video.size.width is not None or self.video.bitrate is not None:
                raise _Bad("video", "an HLS preset's sizes and bitrates are its rungs (video.size and video.bitrate "
                                 "stay empty)")
            if self.video.scan != "progressive" or self.video.codec != "h264":
                raise _Bad("video", "HLS rungs are progressive H.264")
        if self.kind == "video" and self.video is not None and self.video.codec in ("h264", "mpeg2video") \
                and self.video.bitrate is None:
            raise _Bad("video.bitrate", f"{self.video.codec} needs a bitrate section")
        if self.still is not None and self.still.format != self.container:
            raise _Bad("still.format", f"still format {self.still.format} differs from container {self.container}")
        if self.loudness is not None and (self.audio is None or self.audio.channels != 2):
            raise _Bad("loudness", "a loudness target needs a stereo audio section (loudness is measured in stereo)")
        if self.kind == "video" and self.video is not None and self.video.scan == "interlaced_tff" \
                and self.video.size.aspect == "fit":
            raise _Bad("video.size.aspect",
                       "an interlaced output has a fixed raster: use aspect pad or crop with a size")
        return self

    def content_type(self) -> str:
        """The MIME type of the main output file (the master playlist for HLS)."""
        return CONTENT_TYPES[self.container]

    @property
    def extension(self) -> str:
        return {"hls": "m3u8", "jpeg": "jpg"}.get(self.container, self.container)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif not parts:
            parts.append(str(p))
        elif str(p).startswith(("function-", "literal[", "float", "int")):
            continue  # union member names pydantic adds to the location
        else:
            parts.append(f".{p}")
    return "".join(parts) or "(preset)"


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """(field path, reason) of a validation error's first problem."""
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    cause = (err.get("ctx") or {}).get("error")
    reason = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if isinstance(cause, _Bad):
        loc = (*loc, *cause.field.split("."))
        reason = cause.reason
    return _field_path(loc), reason


def load_preset(path: Path) -> Preset:
    """One preset file, validated; its ``name`` must be the file's stem.

    Raises:
        PresetError: unreadable YAML, a field missing, unknown or out of range.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(path, "(file)", f"cannot be read ({exc})") from exc
    except yaml.YAMLError as exc:
        raise PresetError(path, "(yaml)", f"not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise PresetError(path, "(preset)", "the file must hold one mapping of preset fields")
    try:
        preset = Preset.model_validate(data)
    except ValidationError as exc:
        field, reason = _first_error(exc)
        raise PresetError(path, field, reason) from exc
    if preset.name != path.stem:
        raise PresetError(path, "name", f"{preset.name!r} must match the file name {path.stem!r}")
    return preset


def load_presets(directory: Path | None = None) -> dict[str, Preset]:
    """Every ``*.yaml`` preset in ``directory`` (default :data:`PRESETS_DIR`), by name, validated.

    Raises:
        PresetError: the first bad file (file, field, reason); also a missing directory or no presets at all.
    """
    directory = PRESETS_DIR if directory is None else directory
    if not directory.is_dir():
        raise PresetError(directory, "(directory)", "no such preset directory")
    presets: dict[str, Preset] = {}
    for path in sorted(directory.glob("*.yaml")):
        preset = load_preset(path)
        presets[preset.name] = preset
    if not presets:
        raise PresetError(directory, "(directory)", "holds no *.yaml presets")
    return presets


def with_limits(preset: Preset, **limits: int | float | None) -> Preset:
    """``preset`` with some limits replaced (e.g. an unconfirmed platform limit from settings), validated.

    Raises:
        PresetError: an unknown limit name or a bad value.
    """
    known = set(Limits.model_fields) - {"unconfirmed"}
    unknown = sorted(set(limits) - known)
    if unknown:
        raise PresetError(f"preset {preset.name}", f"limits.{unknown[0]}", "no such limit")
    try:
        new_limits = Limits.model_validate({**preset.limits.model_dump(), **limits})
    except ValidationError as exc:
        field, reason = _first_error(exc)
        raise PresetError(f"preset {preset.name}", f"limits.{field}", reason) from exc
    return preset.model_copy(update={"limits": new_limits})


def with_loudness_target(preset: Preset, target_lufs: float | None) -> Preset:
    """``preset`` with its loudness target replaced (a request's ``loudness_target``); unchanged for None.

    A preset without a loudness section gets one with the target, ±1 LU and a -1 dBTP ceiling.
    """
    if target_lufs is None:
        return preset
    if preset.audio is None:
        raise ValueError(f"preset {preset.name} has no audio to bring to a loudness target")
    base = preset.loudness or LoudnessSpec(target_lufs=target_lufs, tolerance_lu=1.0, true_peak_dbtp=-1.0)
    return preset.model_copy(update={"loudness": LoudnessSpec.model_validate(
        {**base.model_dump(), "target_lufs": target_lufs})})

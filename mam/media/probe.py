"""ffprobe, normalised into the ``technical`` record every later step reads, and the probe gate."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from mam.errors import InvalidMedia, MediaProcessingError, MediaTimeout
from mam.media.formats import ALLOWED_FORMATS, IMAGE_FORMATS
from mam.media.runner import run_media_command, stderr_tail
from mam.numbers import as_float as _num  # a finite float or None

IMAGE_CODECS = frozenset({"mjpeg", "png", "tiff", "webp", "bmp", "hevc", "av1", "gif"})
HDR_TRANSFERS = {"arib-std-b67": "HLG", "smpte2084": "PQ"}


def ffprobe_command(path: Path) -> list[str]:
    """The ffprobe argument list for ``path`` (a local file in a private work directory).

    Arguments only: the runner adds the whitelists (protocols, and the demuxers of :data:`ALLOWED_FORMATS`).
    """
    return ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-i", f"file:{path}"]


def run_ffprobe(path: Path, timeout_s: float) -> dict[str, Any]:
    """Raw ffprobe JSON for ``path``.

    Raises:
        InvalidMedia: empty file, or ffprobe cannot read it.
    """
    size = os.path.getsize(path)
    if size == 0:
        raise InvalidMedia("not a media file: the file is empty (0 bytes)")
    try:
        out = run_media_command(ffprobe_command(path), timeout_s=timeout_s)
    except MediaTimeout as exc:
        raise InvalidMedia(f"not a media file: ffprobe gave up after {timeout_s:.0f} s") from exc
    except MediaProcessingError as exc:
        reason = str(exc).replace(f"file:{path}: ", "").replace(str(path), "<file>")
        raise InvalidMedia(f"not a media file: ffprobe could not read it ({reason})") from exc
    try:
        return json.loads(out or "{}")
    except json.JSONDecodeError as exc:
        raise InvalidMedia(f"not a media file: unreadable ffprobe output ({stderr_tail(out, 2)})") from exc


def _rate(value: str | None) -> float | None:
    value = (value or "").replace(":", "/")
    if not value or value.startswith("0/"):
        return None
    try:
        return float(Fraction(value))
    except (ValueError, ZeroDivisionError):
        return None


def _rotation(stream: dict[str, Any]) -> int:
    """Clockwise display rotation in degrees (0, 90, 180, 270) from the display matrix or rotate tag."""
    raw = None
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            raw = _num(side["rotation"])
    if raw is None:
        raw = _num((stream.get("tags") or {}).get("rotate"))
        if raw is not None:
            raw = -raw  # the legacy tag is clockwise; the display matrix is counter-clockwise
    if raw is None:
        return 0
    return int(round(-raw / 90.0)) * 90 % 360


def _bit_depth(stream: dict[str, Any]) -> int | None:
    raw = stream.get("bits_per_raw_sample")
    if raw and str(raw).isdigit():
        return int(raw)
    pix = stream.get("pix_fmt") or ""
    for depth in (16, 14, 12, 10):
        if f"p{depth}" in pix:
            return depth
    return 8 if pix else None


def _fraction_value(text: Any) -> float | None:
    try:
        return float(Fraction(str(text)))
    except (ValueError, ZeroDivisionError):
        return None


def _hdr_side_data(stream: dict[str, Any]) -> dict[str, Any]:
    """Mastering display (cd/m²), content light level and Dolby Vision presence from stream side data."""
    out: dict[str, Any] = {}
    for side in stream.get("side_data_list", []) or []:
        kind = side.get("side_data_type", "")
        if kind == "Mastering display metadata":
            out["mastering_display"] = {
                "max_luminance": _fraction_value(side.get("max_luminance")),
                "min_luminance": _fraction_value(side.get("min_luminance")),
            }
        elif kind == "Content light level metadata":
            out["content_light_level"] = {"max_cll": side.get("max_content"), "max_fall": side.get("max_average")}
        elif kind.startswith("DOVI"):
            out["dolby_vision"] = {"profile": side.get("dv_profile"), "level": side.get("dv_level")}
    return out


def _dar(stream: dict[str, Any], w: int | None, h: int | None) -> str | None:
    dar = stream.get("display_aspect_ratio")
    if dar and dar not in ("N/A", "0:1") and ":" in dar:
        return dar
    if not w or not h:
        return None
    f = Fraction(w, h).limit_denominator(100)
    return f"{f.numerator}:{f.denominator}"


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """The ``technical`` record: container, duration, video, audio, in plain names and SI units."""
    fmt = raw.get("format") or {}
    streams = raw.get("streams") or []
    video = [s for s in streams if s.get("codec_type") == "video"
             and not (s.get("disposition") or {}).get("attached_pic")]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    format_names = (fmt.get("format_name") or "").split(",")
    tech: dict[str, Any] = {
        "container": fmt.get("format_name"),
        "container_long": fmt.get("format_long_name"),
        "duration_s": _num(fmt.get("duration")),
        "bitrate": int(_num(fmt.get("bit_rate")) or 0) or None,
        "streams": len(streams),
        "video_streams": len(video),
        "audio_streams": len(audio),
        "timecode": (fmt.get("tags") or {}).get("timecode")
        or next((t["timecode"] for t in ((st.get("tags") or {}) for st in streams) if t.get("timecode")), None),
        "video_codec": None, "audio_codec": None, "width": None, "height": None, "fps": None,
        "rotation": 0,
    }
    if video:
        v = video[0]
        w, h = v.get("width"), v.get("height")
        rotation = _rotation(v)
        sar = _rate(v.get("sample_aspect_ratio")) or 1.0
        avg, real = _rate(v.get("avg_frame_rate")), _rate(v.get("r_frame_rate"))
        field_order = v.get("field_order") or "unknown"
        transfer = v.get("color_transfer")
        tech.update(
            video_codec=v.get("codec_name"),
            video_profile=v.get("profile"),
            video_level=v.get("level"),
            width=w,
            height=h,
            sample_aspect_ratio=round(sar, 6),
            rotation=rotation,
            display_width=(h if rotation in (90, 270) else round((w or 0) * sar)) if w else None,
            display_height=(round((w or 0) * sar) if rotation in (90, 270) else h) if w else None,
            fps=round(avg or real or 0, 3) or None,
            vfr=bool(avg and real and abs(avg - real) / real > 0.01),
            field_order=field_order,
            interlaced=field_order in ("tt", "bb", "tb", "bt"),
            pix_fmt=v.get("pix_fmt"),
            bit_depth=_bit_depth(v),
            color_primaries=v.get("color_primaries"),
            color_transfer=transfer,
            color_space=v.get("color_space"),
            dynamic_range=HDR_TRANSFERS.get(transfer or "", "SDR"),
            hdr=_hdr_side_data(v) or None,
            frames=int(v["nb_frames"]) if str(v.get("nb_frames", "")).isdigit() else None,
        )
        # as shown: after rotation (the stream's own DAR describes the stored, unrotated picture)
        shown = {} if rotation in (90, 270) else v
        tech["display_aspect_ratio"] = _dar(shown, tech["display_width"], tech["display_height"])
        if (tech.get("hdr") or {}).get("dolby_vision"):
            tech["dynamic_range"] = "Dolby Vision"
        if tech["duration_s"] is None:
            tech["duration_s"] = _num(v.get("duration"))
    if audio:
        a = audio[0]
        tech.update(
            audio_codec=a.get("codec_name"),
            audio_channels=a.get("channels"),
            audio_layout=a.get("channel_layout"),
            audio_sample_rate=int(_num(a.get("sample_rate")) or 0) or None,
        )
    tech["kind"] = _kind(format_names, video, audio, tech)
    return tech


def _kind(format_names: list[str], video: list[dict], audio: list[dict], tech: dict[str, Any]) -> str | None:
    if video:
        v = video[0]
        single = tech.get("frames") in (None, 1) and not audio and (tech["duration_s"] or 0) < 0.1
        if set(format_names) & IMAGE_FORMATS or (v.get("codec_name") in IMAGE_CODECS and single):
            return "image"
        return "video"
    if audio:
        return "audio"
    return None


def gate(tech: dict[str, Any], *, max_pixels: int, max_streams: int, max_duration_s: float) -> None:
    """Refuse, before any decode, what the product does not accept.

    Raises:
        InvalidMedia: with a reason a person can act on.
    """
    names = set((tech.get("container") or "").split(","))
    if not names & ALLOWED_FORMATS:
        raise InvalidMedia(f"not a media file: container {tech.get('container')!r} is not accepted")
    if tech.get("kind") is None:
        raise InvalidMedia("not a media file: no audio or video stream found")
    if tech["streams"] > max_streams:
        raise InvalidMedia(f"refused: {tech['streams']} streams (limit {max_streams})")
    w, h = tech.get("width") or 0, tech.get("height") or 0
    if tech["kind"] in ("video", "image") and (w <= 0 or h <= 0):
        raise InvalidMedia("not a media file: the video stream has no picture size")
    if w * h > max_pixels:
        raise InvalidMedia(f"refused: picture {w}x{h} is larger than the {max_pixels} pixel limit")
    if (tech.get("duration_s") or 0) > max_duration_s:
        raise InvalidMedia(f"refused: duration {tech['duration_s']:.0f} s is over the {max_duration_s:.0f} s limit")
    if tech["kind"] in ("video", "audio") and not tech.get("duration_s"):
        raise InvalidMedia("not a media file: no duration could be read (truncated or damaged file?)")

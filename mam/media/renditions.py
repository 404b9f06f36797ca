"""Sizes and orientation shared by the rendition builders; stills' proxy + poster; the poster fallback.

Video and audio renditions come from the media pass (``mam.media.media_pass``).

Pure functions: they return argument lists (arguments only: :func:`mam.media.runner.run_media_command` adds the
safety flags) and never run anything, so they are unit-testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

PROXY_MAX = 720
POSTER_MAX = 720
IMAGE_PROXY_MAX = 1280
POSTER_SAMPLES = 12
#: Frames whose mean luma is below this (8-bit, limited range) are "black" and never posters.
POSTER_MIN_LUMA = 28


def even(n: float) -> int:
    """Round to the nearest even integer, at least 2 (H.264 4:2:0 needs even sizes)."""
    return max(2, int(round(n / 2.0)) * 2)


def fit_within(width: int, height: int, limit: int) -> tuple[int, int]:
    """Scale (width, height) so the shorter side is at most ``limit``, keeping the aspect, even sizes."""
    short = min(width, height)
    scale = min(1.0, limit / short) if short else 1.0
    return even(width * scale), even(height * scale)


#: EXIF orientation -> ffmpeg filters that show the picture upright (ffmpeg 5 ignores EXIF orientation).
EXIF_ORIENTATION = {
    2: [("hflip", {})], 3: [("hflip", {}), ("vflip", {})], 4: [("vflip", {})],
    5: [("transpose", {"dir": "cclock_flip"})], 6: [("transpose", {"dir": "clock"})],
    7: [("transpose", {"dir": "clock_flip"})], 8: [("transpose", {"dir": "cclock"})],
}


def display_size(tech: dict[str, Any]) -> tuple[int, int]:
    """Square-pixel size as shown to a viewer: sample aspect applied, then rotation / EXIF orientation."""
    w, h = int(tech["width"]), int(tech["height"])
    w = max(2, round(w * float(tech.get("sample_aspect_ratio") or 1.0)))
    if int(tech.get("rotation") or 0) in (90, 270) or int(tech.get("orientation") or 1) in (5, 6, 7, 8):
        w, h = h, w
    return w, h


@dataclass(frozen=True)
class RenditionPlan:
    """What one ffmpeg run will write."""

    cmd: list[str]
    proxy: Path
    poster: Path | None
    proxy_size: tuple[int, int] | None
    poster_size: tuple[int, int] | None


def plan_poster_fallback(src: Path, workdir: Path, tech: dict[str, Any]) -> list[str]:
    """A poster from the brightest of a few frames, for clips where every sample was black."""
    poster = workdir / "poster.jpg"
    dw, dh = display_size(tech)
    tw, th = fit_within(dw, dh, POSTER_MAX)
    duration = float(tech.get("duration_s") or 1.0)
    v = (
        ffmpeg.input(f"file:{src}", ss=f"{duration * 0.5:.3f}")
        .video.filter("scale", tw, th).filter("setsar", 1)
    )
    return ffmpeg.output(v, f"file:{poster}", vframes=1, update=1, **{"q:v": 3}, f="image2") \
        .global_args("-loglevel", "error").overwrite_output().compile()


def plan_image(src: Path, workdir: Path, tech: dict[str, Any]) -> RenditionPlan:
    """A JPEG proxy (shorter side <= 1280) and a poster (<= 720) for a still, in one run."""
    proxy, poster = workdir / "proxy.jpg", workdir / "poster.jpg"
    dw, dh = display_size(tech)
    pw, ph = fit_within(dw, dh, IMAGE_PROXY_MAX)
    tw, th = fit_within(dw, dh, POSTER_MAX)
    v = ffmpeg.input(f"file:{src}").video
    for name, kwargs in EXIF_ORIENTATION.get(int(tech.get("orientation") or 1), []):
        v = v.filter(name, **kwargs)
    branches = v.filter_multi_output("split", 2)
    a = ffmpeg.output(branches[0].filter("scale", pw, ph).filter("setsar", 1), f"file:{proxy}",
                      vframes=1, update=1, **{"q:v": 2}, f="image2")
    b = ffmpeg.output(branches[1].filter("scale", tw, th).filter("setsar", 1), f"file:{poster}",
                      vframes=1, update=1, **{"q:v": 3}, f="image2")
    cmd = ffmpeg.merge_outputs(a, b).global_args("-loglevel", "error").overwrite_output().compile()
    return RenditionPlan(cmd, proxy, poster, (pw, ph), (tw, th))

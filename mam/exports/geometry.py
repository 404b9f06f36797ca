"""Sizes, frame rates and ladders for exports (pure arithmetic on the stored technical record)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from mam.media.renditions import display_size, even
from mam.presets import HlsSpec, Rung, SizeSpec, VideoSpec

#: frame rates outputs are snapped to (a 29.97 source stays 30000/1001, never 29.97 rounded)
STANDARD_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
                  Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60), Fraction(100),
                  Fraction(120000, 1001), Fraction(120))


def snap_rate(fps: float) -> Fraction:
    """The standard rate nearest ``fps`` if within 0.5 %, else ``fps`` itself (to 1/1000)."""
    best = min(STANDARD_RATES, key=lambda r: abs(float(r) - fps))
    if abs(float(best) - fps) / float(best) < 0.005:
        return best
    return Fraction(fps).limit_denominator(1000)


def rate_text(rate: Fraction) -> str:
    """``25`` or ``30000/1001`` (what ffmpeg's fps filter and -r take)."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def source_display(tech: dict[str, Any]) -> tuple[int, int]:
    """The source picture as shown: square pixels, rotation applied."""
    return display_size(tech)


def motion_rate(tech: dict[str, Any]) -> Fraction:
    """Pictures a second of the source's motion: its frame rate, or its field rate when interlaced (50i -> 50);
    a variable-rate source is made constant at a standard rate (never below its average)."""
    fps = float(tech.get("fps") or 25.0) * (2 if tech.get("interlaced") else 1)
    frames = int(tech.get("frames") or 0)
    if tech.get("vfr") and frames > 1 and not tech.get("interlaced"):
        # the average counts every frame over the span to the last one's start (or to an edit list that ends
        # there): n frames over n - 1 intervals. A short constant-rate clip reads fast (64 frames at 30 fps whose
        # edit ends at the last frame's start: 30.472) and was taken for variable and made 48
        steady = snap_rate(fps * (frames - 1) / frames)
        if steady in STANDARD_RATES:
            return steady
    rate = snap_rate(fps)
    if tech.get("vfr") and rate not in STANDARD_RATES:  # variable rate: the standard rate at or above its average
        rate = next((r for r in STANDARD_RATES if float(r) >= fps), STANDARD_RATES[-1])
    return rate


def output_rate(video: VideoSpec, motion: Fraction) -> Fraction:
    """The output frame rate: the preset's number, or the motion rate divided down to ``max_fps``."""
    if video.fps != "source":
        return snap_rate(float(video.fps))
    rate = motion
    if video.max_fps:
        divisor = 1
        while rate / divisor > Fraction(video.max_fps).limit_denominator(1000) * Fraction(1001, 1000):
            divisor += 1
        rate = rate / divisor
    return rate


@dataclass(frozen=True)
class Frame:
    """An output raster: ``width`` x ``height``, with the picture scaled to ``content`` and padded or cropped."""

    width: int
    height: int
    content: tuple[int, int]
    aspect: str  # fit | pad | crop

    def filters(self) -> list[str]:
        cw, ch = self.content
        # video range out, whatever the source's range (a full-range source is converted, not just retagged)
        chain = [f"scale={cw}:{ch}:out_range=tv"]
        if self.aspect == "pad" and (cw, ch) != (self.width, self.height):
            chain.append(f"pad={self.width}:{self.height}:-1:-1:color=black")
        elif self.aspect == "crop" and (cw, ch) != (self.width, self.height):
            chain.append(f"crop={self.width}:{self.height}")
        chain.append("setsar=1")
        return chain


def _box(spec_w: int, spec_h: int, orientation: str, dw: int, dh: int) -> tuple[int, int]:
    if orientation == "source" and dh > dw and spec_w > spec_h:
        return spec_h, spec_w
    return spec_w, spec_h


def plan_frame(size: SizeSpec, dw: int, dh: int) -> Frame:
    """The raster of one output for a ``dw`` x ``dh`` source (see :class:`mam.presets.SizeSpec`)."""
    if size.width is None or size.height is None:
        w, h = even(dw), even(dh)
        return Frame(w, h, (w, h), "fit")
    bw, bh = _box(size.width, size.height, size.orientation, dw, dh)
    if size.aspect == "fit":
        scale = min(1.0, bw / dw, bh / dh)
        w, h = min(bw, even(dw * scale)), min(bh, even(dh * scale))
        return Frame(w, h, (w, h), "fit")
    if size.aspect == "pad":
        scale = min(bw / dw, bh / dh)
        return Frame(bw, bh, (min(bw, even(dw * scale)), min(bh, even(dh * scale))), "pad")
    scale = max(bw / dw, bh / dh)
    return Frame(bw, bh, (max(bw, 2 * math.ceil(dw * scale / 2)), max(bh, 2 * math.ceil(dh * scale / 2))), "crop")


@dataclass(frozen=True)
class PlannedRung:
    """A ladder rung as made for one source: its name, size and rates."""

    name: str
    width: int
    height: int
    rung: Rung


def plan_ladder(hls: HlsSpec, dw: int, dh: int) -> list[PlannedRung]:
    """The rungs for a ``dw`` x ``dh`` source: turned for a portrait source (``orientation: source``), the
    picture fitted in each rung's box with its aspect kept, rungs that would upscale dropped. A source smaller
    than every rung gets one rung at its own size."""
    out: list[PlannedRung] = []
    seen: set[tuple[int, int]] = set()
    for rung in sorted(hls.rungs, key=lambda r: r.width * r.height):
        bw, bh = _box(rung.width, rung.height, hls.orientation, dw, dh)
        scale = min(bw / dw, bh / dh)
        if scale > 1.0 + 1e-6:
            continue
        w, h = min(bw, even(dw * scale)), min(bh, even(dh * scale))
        if (w, h) in seen:
            continue
        seen.add((w, h))
        name = f"{min(w, h)}p"
        if any(r.name == name for r in out):
            name = f"{name}-{max(w, h)}"
        out.append(PlannedRung(name, w, h, rung))
    if not out:
        smallest = min(hls.rungs, key=lambda r: r.width * r.height)
        w, h = even(dw), even(dh)
        out.append(PlannedRung(f"{min(w, h)}p", w, h, smallest))
    return out


def keyframe_expr(gop_s: float) -> str:
    """``-force_key_frames`` expression: a keyframe at the first frame at or after every ``gop_s`` seconds of
    output time (the same frames on every rung, since they share timestamps)."""
    return f"expr:gte(t,n_forced*{gop_s:g})"

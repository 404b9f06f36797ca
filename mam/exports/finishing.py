"""Finishing inside the one export graph: logo, caption, burned or soft subtitles, reframing, fades and speed.

What a producer asks of an export beyond its preset is a :class:`Finishing` (one per batch: every preset of the
request gets the same logo, caption, subtitles and range). The planner (:mod:`mam.exports.plan`) calls the
builders here on each output's branch, after the branch has been trimmed and scaled to its preset's raster, so
every size (logo, text, subtitles, margins) is relative to the picture the output carries, and the styles come
from the preset's ``finishing`` section (:class:`mam.presets.FinishingSpec`).

Text is never filter-graph syntax: a caption goes to ``drawtext`` through a UTF-8 file (``textfile=`` with
``expansion=none``: ``%{pts}`` stays those seven characters), subtitles go to libass as an ASS file the planner
writes (override braces and backslashes neutralised), paths are escaped with :func:`escape_value`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mam.exports.geometry import Frame
from mam.exports.graph import Graph, escape_value
from mam.metadata.subtitles import Cue
from mam.presets import TextStyle

#: the CJK font the system ships (fonts-noto-cjk, installed by ``make``): Chinese, Latin and punctuation
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_NAME = "Noto Sans CJK SC"
EDGE_FADE_S = 0.010  # audio fades at a cut: no click, nothing audible lost
POSITIONS = ("top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom", "bottom-right")
Position = Literal["top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom", "bottom-right"]
MAX_SPEED = 16.0


@dataclass(frozen=True)
class Watermark:
    """A logo over the picture. ``scale``: the logo's width as a fraction of the picture's width; None: its own
    pixels as drawn for 1080 lines, scaled with the picture's height. ``margin``: from the edges, a fraction of
    the picture's height. ``size``: the PNG's pixel size (read when the request was checked)."""

    logo: Path
    size: tuple[int, int]
    position: Position = "top-right"
    margin: float = 0.04
    opacity: float = 1.0
    scale: float | None = None

    def placed_size(self, frame_w: int, frame_h: int) -> tuple[int, int]:
        """The logo's size on a ``frame_w`` x ``frame_h`` picture (even numbers, at least 2)."""
        lw, lh = self.size
        width = frame_w * self.scale if self.scale is not None else lw * frame_h / 1080
        height = width * lh / lw
        return max(2, 2 * round(width / 2)), max(2, 2 * round(height / 2))


@dataclass(frozen=True)
class Caption:
    """Text over the picture from ``start_s`` to ``end_s`` (output seconds; None: from the start / to the end)."""

    text: str
    position: Position = "bottom"
    start_s: float | None = None
    end_s: float | None = None
    style: Literal["lower-third", "title", "plain"] = "lower-third"


@dataclass(frozen=True)
class Subtitles:
    """Cues on the source's timeline, burned into the picture or carried as a text track."""

    cues: tuple[Cue, ...]
    mode: Literal["burn", "soft"] = "burn"
    language: str = "chi"


@dataclass(frozen=True)
class Piece:
    """One piece of a sequence: an original and its range (seconds on its timeline)."""

    src: Path
    tech: dict[str, Any]
    start_s: float
    end_s: float
    name: str = ""  # what an error message calls it (the asset id)


@dataclass(frozen=True)
class Finishing:
    watermark: Watermark | None = None  # on every picture output
    preset_logos: dict[str, Watermark] = field(default_factory=dict)  # preset name -> its logo (replaces the above)
    caption: Caption | None = None
    subtitles: Subtitles | None = None
    reframe: Literal["center", "blur-pad", "follow"] | None = None
    crop_path: Any = None  # mam.exports.reframe.CropPath for ``follow`` (made once per asset and aspect, cached)
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0
    speed: float = 1.0
    speed_audio: Literal["drop", "pitch"] = "drop"
    sequence: tuple[Piece, ...] = field(default_factory=tuple)
    transition: Literal["cut", "dissolve"] = "cut"
    dissolve_s: float = 0.5

    def logo_for(self, preset: str) -> Watermark | None:
        return self.preset_logos.get(preset) or self.watermark

    def out_length(self, length: float) -> float:
        """Seconds of output for ``length`` seconds of source range."""
        return length / self.speed


NONE = Finishing()


# --- picture: geometry ------------------------------------------------------------------------------------

def reframes(frame: Frame, mode: str | None) -> bool:
    """Whether ``mode`` changes this output: only outputs with a fixed box of another shape (9:16, 1:1 from a
    landscape source) are reframed; a ``fit`` output follows the source's shape."""
    return mode is not None and frame.aspect != "fit" and frame.content != (frame.width, frame.height)


#: a branch being built: its label and the filters still to chain after it (so simple branches stay one chain)
Pending = tuple[str, list[str]]


def flush(g: Graph, pending: Pending) -> str:
    label, filters = pending
    return g.chain(label, filters) if filters else label


def geometry(g: Graph, pending: Pending, frame: Frame, finishing: Finishing, *, src_size: tuple[int, int],
             workdir: Path, start_s: float) -> Pending:
    """The branch scaled to ``frame`` (``setsar=1`` included), reframed as asked."""
    head, pre = pending
    mode = finishing.reframe if reframes(frame, finishing.reframe) else None
    w, h = frame.width, frame.height
    if mode is None:
        return head, pre + frame.filters()
    if mode == "center":
        sw, sh = src_size
        scale = max(w / sw, h / sh)
        cw, ch = max(w, 2 * math.ceil(sw * scale / 2)), max(h, 2 * math.ceil(sh * scale / 2))
        return head, pre + [f"scale={cw}:{ch}:out_range=tv", f"crop={w}:{h}", "setsar=1"]
    if mode == "follow":
        path = finishing.crop_path
        if path is None:
            raise ValueError("reframe follow needs the asset's crop path")
        # the path's positions as expressions of the output's time: every frame its own window, no side file
        return head, pre + [path.crop_filter(start_s=start_s, speed=finishing.speed),
                            f"scale={w}:{h}:out_range=tv", "setsar=1"]
    # blur-pad: the whole picture over a blurred, enlarged copy of itself (blurred small, then enlarged)
    cw, ch = frame.content
    fg, bg = g.split(flush(g, pending), 2)
    small_w, small_h = max(16, 2 * (w // 16)), max(16, 2 * (h // 16))
    back = g.chain(bg, [f"scale={small_w}:{small_h}:force_original_aspect_ratio=increase:out_range=tv",
                        f"crop={small_w}:{small_h}", "boxblur=4:2", f"scale={w}:{h}", "setsar=1"])
    front = g.chain(fg, [f"scale={cw}:{ch}:out_range=tv", "setsar=1"])
    out = g.label("bp")
    g.raw(f"[{back}][{front}]overlay=x=(W-w)/2:y=(H-h)/2:format=auto[{out}]")
    return out, []


# --- picture: overlays ------------------------------------------------------------------------------------

def _xy(position: str, margin: int, w: str, h: str) -> tuple[str, str]:
    """Overlay / drawtext coordinates for ``position`` with ``margin`` pixels; ``w``/``h`` name the object's size
    in the filter's expression language (``w``/``h`` for overlay, ``text_w``/``text_h`` for drawtext)."""
    big_w, big_h = ("W", "H") if w == "w" else ("w", "h")
    x = {"left": f"{margin}", "right": f"{big_w}-{w}-{margin}", "": f"({big_w}-{w})/2"}
    y = {"top": f"{margin}", "bottom": f"{big_h}-{h}-{margin}", "": f"({big_h}-{h})/2"}
    vert = "top" if position.startswith("top") else "bottom" if position.startswith("bottom") else ""
    horiz = "left" if position.endswith("left") else "right" if position.endswith("right") else ""
    return x[horiz], y[vert]


def logo_input(g: Graph, index: int, watermark: Watermark, frames: list[tuple[int, int]]) -> list[str]:
    """The logo input (``index``) sized once per distinct output raster; returns one label per entry of
    ``frames``."""
    sizes = list(dict.fromkeys(watermark.placed_size(w, h) for w, h in frames))
    heads = g.split(f"{index}:v:0", len(sizes))
    by_size = {}
    for size, head in zip(sizes, heads, strict=True):
        chain = ["format=rgba", f"scale={size[0]}:{size[1]}"]
        if watermark.opacity < 1.0:
            chain.append(f"colorchannelmixer=aa={watermark.opacity:.3f}")
        by_size[size] = g.split(g.chain(head, chain), sum(1 for f in frames if watermark.placed_size(*f) == size))
    return [by_size[watermark.placed_size(w, h)].pop(0) for w, h in frames]


def overlays(g: Graph, pending: Pending, frame: Frame, finishing: Finishing, style_caption: TextStyle,
             *, logo: tuple[str, Watermark] | None, caption_file: Path | None, subtitle_file: Path | None,
             out_length_s: float) -> Pending:
    """Logo (its input label and placement), caption, burned subtitles and fades on one output's branch (at its
    raster)."""
    w, h = frame.width, frame.height
    label, chain = pending
    if logo is not None:
        logo_label, wm = logo
        x, y = _xy(wm.position, round(h * wm.margin), "w", "h")
        out = g.label("wm")
        g.raw(f"[{flush(g, pending)}][{logo_label}]overlay=x={x}:y={y}:eof_action=repeat:format=auto[{out}]")
        label, chain = out, []
    chain = list(chain)
    if finishing.caption is not None and caption_file is not None:
        chain.append(drawtext(finishing.caption, caption_file, style_caption, w, h))
    if subtitle_file is not None:
        chain.append(f"ass=filename={escape_value(str(subtitle_file))}:"
                     f"fontsdir={escape_value(str(CJK_FONT.parent))}")
    chain += video_fades(finishing, out_length_s)
    return label, chain


_CAPTION_LOOK = {  # style -> (size factor on the preset's caption size, box)
    "lower-third": (1.0, True),
    "title": (1.6, False),
    "plain": (1.0, False),
}


def drawtext(caption: Caption, text_file: Path, style: TextStyle, w: int, h: int) -> str:
    """``drawtext`` reading ``text_file`` literally (no expansion), in the CJK font, sized from the picture."""
    factor, box = _CAPTION_LOOK[caption.style]
    size = max(8, round(h * style.size * factor))
    margin = round(min(w, h) * style.safe_area)
    x, y = _xy(caption.position, margin, "text_w", "text_h")
    opts = [f"fontfile={escape_value(str(CJK_FONT))}", f"textfile={escape_value(str(text_file))}",
            "expansion=none", f"fontsize={size}", f"fontcolor={style.colour}", f"line_spacing={round(size * 0.25)}",
            f"borderw={max(1, round(size * style.outline))}", "bordercolor=black@0.8", f"x={x}", f"y={y}"]
    if box:
        opts += ["box=1", "boxcolor=black@0.45", f"boxborderw={round(size * 0.3)}"]
    if caption.start_s is not None or caption.end_s is not None:
        a, b = caption.start_s or 0.0, caption.end_s if caption.end_s is not None else 1e9
        opts.append(f"enable={escape_value(f'between(t,{a:.3f},{b:.3f})')}")
    return "drawtext=" + ":".join(opts)


def video_fades(finishing: Finishing, length_s: float) -> list[str]:
    out = []
    if finishing.fade_in_s > 0:
        out.append(f"fade=t=in:st=0:d={finishing.fade_in_s:.3f}")
    if finishing.fade_out_s > 0:
        out.append(f"fade=t=out:st={max(0.0, length_s - finishing.fade_out_s):.3f}:d={finishing.fade_out_s:.3f}")
    return out


# --- sound ------------------------------------------------------------------------------------------------

def audio_finish(finishing: Finishing, *, length_s: float, cut_in: bool, cut_out: bool) -> list[str]:
    """After the range's trim: short fades at cuts (no clicks), the speed change (pitch kept), the fades asked for.
    ``length_s`` is the range's length on the source (before the speed change)."""
    chain = []
    if cut_in:
        chain.append(f"afade=t=in:st=0:d={EDGE_FADE_S}")
    if cut_out:
        chain.append(f"afade=t=out:st={max(0.0, length_s - EDGE_FADE_S):.6f}:d={EDGE_FADE_S}")
    if finishing.speed != 1.0:
        chain += atempo_chain(finishing.speed)
    out_len = finishing.out_length(length_s)
    if finishing.fade_in_s > 0:
        chain.append(f"afade=t=in:st=0:d={finishing.fade_in_s:.3f}")
    if finishing.fade_out_s > 0:
        chain.append(f"afade=t=out:st={max(0.0, out_len - finishing.fade_out_s):.3f}:d={finishing.fade_out_s:.3f}")
    return chain


def atempo_chain(speed: float) -> list[str]:
    """``atempo`` steps of at most x2 each (ffmpeg 5.1's limit) whose product is ``speed``: pitch kept."""
    steps = []
    left = speed
    while left > 2.0 + 1e-9:
        steps.append("atempo=2")
        left /= 2.0
    if abs(left - 1.0) > 1e-9:
        steps.append(f"atempo={left:.6f}")
    return steps


# --- text files -------------------------------------------------------------------------------------------

def shift_cues(cues: tuple[Cue, ...] | list[Cue], start_s: float, end_s: float, speed: float = 1.0,
               offset_s: float = 0.0) -> list[Cue]:
    """The cues inside ``start_s``..``end_s`` on the output's timeline (cut at the range's edges, sped up, then
    moved by ``offset_s``: a sequence piece's place in the whole)."""
    out = []
    for c in cues:
        a, b = max(c.start_s, start_s), min(c.end_s, end_s)
        if b - a < 0.02:
            continue
        out.append(Cue(round((a - start_s) / speed + offset_s, 3), round((b - start_s) / speed + offset_s, 3),
                       c.text))
    return out


def _ts(seconds: float, sep: str, *, ass: bool = False) -> str:
    cs = round(seconds * (100 if ass else 1000))
    frac = cs % (100 if ass else 1000)
    whole = cs // (100 if ass else 1000)
    hh, mm, ss = whole // 3600, whole // 60 % 60, whole % 60
    if ass:
        return f"{hh}:{mm:02d}:{ss:02d}.{frac:02d}"
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{frac:03d}"


def srt_text(cues: list[Cue]) -> str:
    """SubRip text of ``cues`` (numbered from 1)."""
    blocks = [f"{i}\n{_ts(c.start_s, ',')} --> {_ts(c.end_s, ',')}\n{_plain(c.text, markup=False)}\n"
              for i, c in enumerate(cues, 1)]
    return "\n".join(blocks)


def vtt_text(cues: list[Cue]) -> str:
    """WebVTT text of ``cues``."""
    body = "\n".join(f"{_ts(c.start_s, '.')} --> {_ts(c.end_s, '.')}\n{_plain(c.text)}\n" for c in cues)
    return "WEBVTT\n\n" + body


def _plain(text: str, *, markup: bool = True) -> str:
    """Cue text that cannot end its block early (no blank lines, no ``-->``) or be read as markup (WebVTT's
    entities; SubRip has none, so only its tags' ``<`` is replaced by a look-alike)."""
    lines = [ln.strip().replace("-->", "->") for ln in text.replace("\r", "").split("\n") if ln.strip()] or [" "]
    if markup:
        return "\n".join(ln.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for ln in lines)
    return "\n".join(ln.replace("<", "\u2039") for ln in lines)


def _ass_escape(text: str) -> str:
    """Literal text for libass: backslashes and braces cannot start tags; newlines become ``\\N``."""
    text = text.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")
    return "\\N".join(ln for ln in text.replace("\r", "").split("\n"))


def ass_text(cues: list[Cue], style: TextStyle, w: int, h: int) -> str:
    """An ASS script burning ``cues`` on a ``w`` x ``h`` picture in the CJK font: size, outline and the safe area
    from ``style`` (fractions of the picture's height / size)."""
    size = max(8, round(h * style.size))
    outline = max(1.0, size * style.outline)
    margin_v, margin_lr = round(h * style.safe_area), round(w * style.safe_area)
    colour = {"white": "&H00FFFFFF", "yellow": "&H0000FFFF"}.get(style.colour, "&H00FFFFFF")
    head = ["[Script Info]", "ScriptType: v4.00+", f"PlayResX: {w}", f"PlayResY: {h}", "WrapStyle: 0",
            "ScaledBorderAndShadow: yes", "", "[V4+ Styles]",
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
            "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
            "MarginL, MarginR, MarginV, Encoding",
            f"Style: Default,{CJK_FONT_NAME},{size},{colour},&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,"
            f"{outline:.1f},0,2,{margin_lr},{margin_lr},{margin_v},1",
            "", "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"]
    events = [f"Dialogue: 0,{_ts(c.start_s, '.', ass=True)},{_ts(c.end_s, '.', ass=True)},Default,,0,0,0,,"
              f"{_ass_escape(c.text)}" for c in cues]
    return "\n".join(head + events) + "\n"

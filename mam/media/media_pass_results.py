"""Readers for what the media pass's filters print, and writers for the small products made from them.

ffmpeg's ``metadata=print:file=…`` / ``ametadata=print:file=…`` write one block per frame::

    frame:75   pts:38400   pts_time:3
    lavfi.scene_score=0.832705

Every function here is pure (text in, values out) except the two ``write_*`` helpers, which only
write what their pure twin returns.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from mam.numbers import as_float as _float  # a finite float or None


class Shot(NamedTuple):
    start_s: float
    end_s: float


class Interval(NamedTuple):
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class Loudness(NamedTuple):
    integrated_lufs: float
    lra_lu: float
    true_peak_dbtp: float | None  # None: digital silence


def parse_metadata(text: str) -> list[tuple[float, dict[str, str]]]:
    """``(pts_time, {key: value})`` per printed frame, in file order (frames without a time are skipped)."""
    frames: list[tuple[float, dict[str, str]]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("frame:"):
            fields = dict(tok.split(":", 1) for tok in line.split() if ":" in tok)
            t = _float(fields.get("pts_time", ""))
            current = None
            if t is not None:
                current = {}
                frames.append((t, current))
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current[key] = value
    return frames


def parse_frame_times(text: str) -> list[float]:
    """The time of every printed frame (e.g. the sprite tiles)."""
    return [t for t, _ in parse_metadata(text)]


def parse_scene_scores(text: str, key: str = "lavfi.scene_score") -> list[tuple[float, float]]:
    """``(t, score)`` for each frame carrying a scene score (``select`` writes 0…1)."""
    out = []
    for t, meta in parse_metadata(text):
        score = _float(meta.get(key, ""))
        if score is not None:
            out.append((t, score))
    return out


def shots_from_scores(scores: Iterable[tuple[float, float]], duration: float, threshold: float = 0.3,
                      min_len: float = 0.5) -> list[Shot]:
    """Cut the clip where the scene score reaches ``threshold``; no shot is shorter than ``min_len``.

    A cut closer than ``min_len`` to the previous cut (flash frames, fast pans) or to the end is ignored.
    """
    cuts: list[float] = []
    last = 0.0
    for t, score in sorted(scores):
        if score >= threshold and t - last >= min_len and duration - t >= min_len:
            cuts.append(t)
            last = t
    bounds = [0.0, *cuts, max(duration, last)]
    return [Shot(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def parse_intervals(text: str, start_key: str, end_key: str, *, duration: float | None = None,
                    min_duration: float = 0.0) -> list[Interval]:
    """Intervals from start/end frame metadata (``lavfi.black_start``/``lavfi.black_end``,
    ``lavfi.silence_start``/``lavfi.silence_end``, ``lavfi.freezedetect.freeze_start``/``…freeze_end``).

    An interval still open at the end of the file ends at ``duration`` (dropped when it is None).
    ``min_duration`` drops short ones: ``blackdetect`` tags every black run, not only those >= ``d``.
    """
    out: list[Interval] = []
    start: float | None = None
    for _, meta in parse_metadata(text):
        for key, value in meta.items():  # in the order the filter set them
            v = _float(value)
            if v is None:
                continue
            if key == start_key and start is None:
                start = v
            elif key == end_key and start is not None:
                out.append(Interval(start, v))
                start = None
    if start is not None and duration is not None and duration > start:
        out.append(Interval(start, duration))
    return [iv for iv in out if iv.duration_s >= min_duration]


def parse_loudness(text: str) -> Loudness | None:
    """EBU R128 summary from ``ebur128=metadata=1`` frames: the last frame's I and LRA (they are running
    values over the whole programme) and the highest true peak (printed linear, returned in dBTP)."""
    last: dict[str, str] | None = None
    peak = 0.0
    for _, meta in parse_metadata(text):
        if "lavfi.r128.I" in meta:
            last = meta
        peak = max(peak, _float(meta.get("lavfi.r128.true_peak", "")) or 0.0)
    if last is None:
        return None
    integrated = _float(last["lavfi.r128.I"])
    lra = _float(last.get("lavfi.r128.LRA", "")) or 0.0
    if integrated is None:
        return None
    return Loudness(integrated, lra, round(20 * math.log10(peak), 2) if peak > 0 else None)


def waveform_peaks(text: str) -> list[tuple[float, float]]:
    """``(min, max)`` sample level (-1…1) per bucket from ``astats=metadata=1:reset=1`` frames."""
    out = []
    for _, meta in parse_metadata(text):
        lo = _float(meta.get("lavfi.astats.Overall.Min_level", ""))
        hi = _float(meta.get("lavfi.astats.Overall.Max_level", ""))
        if lo is not None and hi is not None:
            out.append((round(max(-1.0, min(1.0, lo)), 4), round(max(-1.0, min(1.0, hi)), 4)))
    return out


def waveform_json(peaks: Sequence[tuple[float, float]], bucket_s: float) -> str:
    """The ``waveform.json`` document: bucket length and ``[min, max]`` pairs."""
    return json.dumps({"version": 1, "bucket_s": round(bucket_s, 6), "buckets": len(peaks),
                       "peaks": [list(p) for p in peaks]}, separators=(",", ":"))


def _vtt_time(t: float) -> str:
    ms = max(0, round(t * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def thumbnails_vtt(times: Sequence[float], duration: float, *, tile: tuple[int, int], cols: int, rows: int,
                   sheet_name: str = "sprite_{:03d}.jpg") -> str:
    """A WebVTT thumbnails track: one cue per tile, ``sheet#xywh=x,y,w,h``, covering 0…duration.

    ``times`` are the tiles' frame times in order (tile i sits at row-major position i on sheet i // (cols*rows)).
    """
    w, h = tile
    per_sheet = cols * rows
    lines = ["WEBVTT", ""]
    for i, t in enumerate(times):
        start = 0.0 if i == 0 else t
        end = times[i + 1] if i + 1 < len(times) else max(duration, t + 0.001)
        if end <= start:
            continue
        pos = i % per_sheet
        x, y = (pos % cols) * w, (pos // cols) * h
        lines += [f"{_vtt_time(start)} --> {_vtt_time(end)}",
                  f"{sheet_name.format(i // per_sheet + 1)}#xywh={x},{y},{w},{h}", ""]
    return "\n".join(lines)


def write_thumbnails_vtt(path: Path, times: Sequence[float], duration: float, **layout) -> Path:
    """Write :func:`thumbnails_vtt` to ``path``."""
    path.write_text(thumbnails_vtt(times, duration, **layout), encoding="utf-8")
    return path


def write_waveform_json(path: Path, peaks: Sequence[tuple[float, float]], bucket_s: float) -> Path:
    """Write :func:`waveform_json` to ``path``."""
    path.write_text(waveform_json(peaks, bucket_s), encoding="utf-8")
    return path

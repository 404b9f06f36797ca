"""An asset's subtitles as cues, for exports (burned or carried) and for download as .srt / .vtt.

:func:`cues_for` is the one place exports and the API get an asset's timed text. Today it reads what the
metadata step stored from the asset's subtitle and transcript sidecars (``asset.transcript``: cues with their
``source``); a speech-recognition transcript written to the same record later is found the same way.
"""

from __future__ import annotations

from typing import Any, Literal

from mam.errors import InvalidInput
from mam.exports.finishing import shift_cues, srt_text, vtt_text
from mam.metadata.subtitles import Cue

Source = Literal["subtitle", "transcript"]


def cues_for(asset: Any, source: Source | None = None) -> list[Cue]:
    """The asset's timed cues in time order: its subtitles, else (or when ``source`` says so) its transcript.
    A transcript paragraph without times (spanning the whole clip) is not a subtitle and is left out."""
    rows = [r for r in (asset.transcript or []) if isinstance(r, dict) and r.get("text")]
    duration = float((asset.technical or {}).get("duration_s") or 0.0)

    def of(kind: str) -> list[Cue]:
        out = [Cue(float(r["start_s"]), float(r["end_s"]), str(r["text"])) for r in rows
               if (r.get("source") or "subtitle") == kind and float(r.get("end_s") or 0) > float(r.get("start_s") or 0)]
        if kind == "transcript" and duration:  # an untimed paragraph spans the whole clip
            out = [c for c in out if not (c.start_s <= 0.01 and c.end_s >= duration - 0.05)]
        return sorted(out, key=lambda c: (c.start_s, c.end_s))

    if source is not None:
        return of(source)
    return of("subtitle") or of("transcript")


def require_cues(asset: Any, source: Source | None = None, field: str = "subtitles") -> list[Cue]:
    """:func:`cues_for`, or ``InvalidInput`` naming the asset when it has none."""
    cues = cues_for(asset, source)
    if not cues:
        what = f"{source} cues" if source else "subtitles (no .srt/.vtt/.ass sidecar or timed transcript)"
        raise InvalidInput(f"{field}: asset {asset.id} has no {what}")
    return cues


def subtitle_file(asset: Any, fmt: Literal["srt", "vtt"], *, start_s: float | None = None,
                  end_s: float | None = None) -> str:
    """The asset's subtitles as SubRip or WebVTT text; with a range, only its cues, timed from its start."""
    cues = require_cues(asset)
    start = float(start_s or 0.0)
    end = float(end_s) if end_s is not None else max(c.end_s for c in cues)
    if start < 0 or end <= start:
        raise InvalidInput(f"end_s: must be after start_s ({start:g} s)")
    cues = shift_cues(cues, start, end)
    return srt_text(cues) if fmt == "srt" else vtt_text(cues)

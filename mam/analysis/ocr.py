"""On-screen text (Chinese and English) with RapidOCR's packaged PP-OCR models; nothing is downloaded.

One engine per process, made on first use (a forked child makes its own). Measured on 1280x720 frames scaled
down to JPEG keyframes: a 320-px-wide keyframe reads Chinese only when its glyphs are at least ~6 % of the frame
height (44 px on 720p, 65 px on 1080p: title bars, not subtitles); 640 px wide read everything tested, down to
2.2 % (16 px on 720p). Read text from a 640-px (or proxy-size) frame; 320 px is for the looks.
"""

from __future__ import annotations

import difflib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# mam.analysis.cv sets OPENCV_IO_MAX_IMAGE_PIXELS before cv2 loads (visual imports it before rapidocr's cv2);
# images reach the engine only through load_image.
from mam.analysis.visual import load_image

__all__ = ["TextLine", "merge_ocr_over_shots", "read_text"]

SAME_TEXT_RATIO = 0.8  # difflib ratio at or above which two readings are the same text (OCR jitters)
MAX_GAP_S = 1.0  # shots further apart than this are never joined

_engine: tuple[int, Any] | None = None  # (pid, RapidOCR)
_lock = threading.Lock()


@dataclass(frozen=True)
class TextLine:
    """One line of text: what it says, the recogniser's confidence, its corners (x, y) in the image's pixels."""

    text: str
    score: float
    box: tuple[tuple[int, int], ...]

    def as_dict(self) -> dict:
        return {"text": self.text, "score": round(self.score, 3), "box": [list(p) for p in self.box]}


def _get_engine() -> Any:
    global _engine
    if _engine is None or _engine[0] != os.getpid():
        from rapidocr_onnxruntime import RapidOCR  # heavy (onnxruntime): only when text is first read

        _engine = (os.getpid(), RapidOCR())
    return _engine[1]


def read_text(image: Path | np.ndarray, min_score: float = 0.5) -> list[TextLine]:
    """The text lines found in an image (BGR array or path), in reading order, with a score of at least
    ``min_score``. Raises ValueError for an image that cannot be loaded."""
    img = load_image(image)
    with _lock:  # the engine keeps per-call thresholds on itself
        result, _ = _get_engine()(img, text_score=min_score, box_thresh=0.5, unclip_ratio=1.6)
    lines = []
    for box, text, score in result or []:
        text = str(text).strip()
        if text and float(score) >= min_score:
            corners = tuple((round(float(x)), round(float(y))) for x, y in box)
            lines.append(TextLine(text, float(score), corners))
    return lines


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def merge_ocr_over_shots(per_shot: list[tuple[float, float, list[TextLine]]]) -> list[dict]:
    """Time spans of on-screen text: each line is followed across consecutive shots (no more than
    :data:`MAX_GAP_S` apart) while a shot shows it again (difflib ratio >= 0.8 after dropping spaces and case),
    giving one ``{"start_s", "end_s", "text"}`` per run, in order of first appearance. A run keeps the
    wording of its best-scored reading; a caption on two lines gives two runs."""
    runs: list[dict] = []
    open_runs: list[dict] = []
    for start_s, end_s, lines in sorted(per_shot, key=lambda shot: (shot[0], shot[1])):
        still_open: dict[int, dict] = {}  # id(run) -> run, for the runs this shot continues
        for line in lines:
            key = _key(line.text)
            if not key:
                continue
            match = next((run for run in open_runs if id(run) not in still_open and start_s - run["end_s"] <= MAX_GAP_S
                          and difflib.SequenceMatcher(None, run["key"], key).ratio() >= SAME_TEXT_RATIO), None)
            match = match or next((run for run in still_open.values() if run["key"] == key), None)
            if match is None:
                match = {"start_s": start_s, "end_s": end_s, "text": line.text, "key": key, "score": line.score}
                runs.append(match)
            elif line.score > match["score"]:
                match.update(text=line.text, key=key, score=line.score)
            match["end_s"] = max(match["end_s"], end_s)
            still_open[id(match)] = match
        open_runs = list(still_open.values())
    return [{"start_s": run["start_s"], "end_s": run["end_s"], "text": run["text"]} for run in runs]

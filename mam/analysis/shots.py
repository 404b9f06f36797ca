"""Everything the analysis knows about one shot, from its keyframe and the proxy; never raises."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mam.analysis import motion, ocr, visual

__all__ = ["analyse_shot"]

log = logging.getLogger(__name__)


def analyse_shot(image_path: Path, proxy: Path | None, start_s: float, end_s: float, *,
                 ocr_image: Path | None = None, motion_timeout_s: float = 60.0) -> dict:
    """``{"ocr", "day_night", "colours", "faces", "aerial_score", "phash", "motion", "warnings"}`` for one shot.

    ``ocr_image`` is a larger frame of the same shot to read text from (small captions need more than the
    320-px keyframe); without it the keyframe is read. With no ``proxy`` (a still) motion is None. A part that
    fails is None (``ocr``: an empty list) and adds a line to ``warnings``; nothing raises.
    """
    result: dict[str, Any] = {"ocr": [], "day_night": None, "colours": None, "faces": None, "aerial_score": None,
                              "phash": None, "motion": None, "warnings": []}

    def attempt(key: str, fn: Callable[[], Any]) -> None:
        try:
            result[key] = fn()
        except Exception as exc:  # each part on its own: one bad step must not lose the others
            log.debug("shot analysis %s failed", key, exc_info=True)
            result["warnings"].append(f"{key}: {type(exc).__name__}: {exc}")

    img = None
    try:
        img = visual.load_image(image_path)
    except Exception as exc:
        result["warnings"].append(f"keyframe: {type(exc).__name__}: {exc}")
    if img is not None:
        attempt("day_night", lambda: visual.day_or_night(img))
        attempt("colours", lambda: visual.dominant_colours(img))
        attempt("faces", lambda: visual.faces_present(img))
        attempt("aerial_score", lambda: visual.looks_aerial(img, faces=result["faces"]))
        attempt("phash", lambda: visual.phash(img))
    ocr_source = ocr_image if ocr_image is not None else img
    if ocr_source is not None:
        attempt("ocr", lambda: [line.as_dict() for line in ocr.read_text(ocr_source)])
    if proxy is not None:
        attempt("motion", lambda: motion.camera_motion(proxy, start_s, end_s, motion_timeout_s))
    return result

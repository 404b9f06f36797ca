"""The one place OpenCV is imported, with the environment it must see first; ``from mam.analysis.cv import cv2``.

OpenCV takes two safety settings from environment variables, so they are set here, before ``import cv2``, and
every other module gets ``cv2`` from this one (importing ``cv2`` directly elsewhere could load it before they
are set):

* ``OPENCV_IO_MAX_IMAGE_PIXELS`` — the image-bomb limit. ``cv2.imread``/``imdecode`` refuse a picture that
  declares more pixels than this (a tiny PNG can declare 65535x65535). OpenCV reads it ONCE, when the library
  loads, so it must be set before the first import. 64 M pixels (an 8192x8192 still; keyframes are far smaller),
  whatever the environment said (config/settings.py is the only reader of the environment; this module writes).
* ``OPENCV_FFMPEG_CAPTURE_OPTIONS`` — the options ``cv2.VideoCapture``'s FFmpeg backend opens every input with
  (read at each open): local files only (``protocol_whitelist file``) and the MP4 family only
  (``format_whitelist``), since the only video OpenCV opens here is our own proxy (``motion.py``). This is the
  same rule the ffmpeg runner applies (``mam.media.runner``), narrowed to what the proxy is.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from mam.errors import InvalidMedia  # imports no OpenCV

log = logging.getLogger(__name__)

MAX_IMAGE_PIXELS = 64 * 1024 * 1024
CAPTURE_OPTIONS = "protocol_whitelist;file|format_whitelist;mov,mp4,m4a,3gp,3g2,mj2"

if "cv2" in sys.modules:  # pragma: no cover - someone imported cv2 first: the pixel limit cannot apply any more
    log.warning("cv2 was imported before mam.analysis.cv; OPENCV_IO_MAX_IMAGE_PIXELS may not be in force")
os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"] = str(MAX_IMAGE_PIXELS)
os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = CAPTURE_OPTIONS

import cv2  # noqa: E402  (after the environment above, on purpose)

__all__ = ["CAPTURE_OPTIONS", "MAX_IMAGE_PIXELS", "cv2", "open_video"]


def open_video(path: Path, timeout_s: float) -> tuple[cv2.VideoCapture, float]:
    """An opened ``cv2.VideoCapture`` on a local proxy (open and read time limits of ``timeout_s``) and its frame
    rate (25 when it states none that is plausible); the caller releases it.

    Raises InvalidMedia when OpenCV cannot open it.
    """
    limit_ms = max(1000, int(timeout_s * 1000))
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG,
                           [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, limit_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, limit_ms])
    if not cap.isOpened():
        cap.release()
        raise InvalidMedia(f"{path.name}: OpenCV could not open the proxy")
    fps = cap.get(cv2.CAP_PROP_FPS)
    return cap, fps if 1.0 <= fps <= 240.0 else 25.0

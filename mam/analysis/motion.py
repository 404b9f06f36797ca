"""Camera motion of one shot (static, pan, tilt, zoom) from dense optical flow on a few frame pairs of the proxy.

Up to :data:`PAIRS` pairs, evenly spread over the middle 80 % of the shot, each two frames :data:`GAP_S` apart
(fewer frames for a very short shot), are read by seeking ``cv2.VideoCapture``, turned grey and downscaled to
:data:`WIDTH` px wide. Farneback flow is sampled every 4 px where the first frame has texture (gradient > 12),
since flat areas (sky, walls) carry no motion signal, and a similarity transform (shift, scale, rotation about
the frame centre) is fitted to it with RANSAC, so local movers (people, cars, a clock) are outliers. Per pair,
in units of the frame per second:

* pan = horizontal shift / frame width, tilt = vertical shift / frame height;
* zoom = (scale - 1) / 2: how far a point at the frame's edge moves, so that it compares with pan and tilt
  (zoom in > 0).

The medians over the pairs are compared: the largest of |pan|, |tilt| and |zoom| names the motion when it is at
least :data:`STATIC_BELOW` (2 % of the frame per second: a pan that slow takes 50 s to cross the frame);
otherwise the shot is static. A drone flying forward reads as a zoom; a roll reads as static.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from mam.analysis.cv import cv2, open_video  # VideoCapture opens local MP4-family files only
from mam.errors import InvalidMedia, MediaTimeout

__all__ = ["camera_motion", "flow_rates"]

PAIRS = 4
GAP_S = 0.2
WIDTH = 320
STATIC_BELOW = 0.02
MIN_TEXTURE_SHARE = 0.01  # under 1 % of the samples textured, a pair says nothing and is skipped


def _grey(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if w > WIDTH:
        gray = cv2.resize(gray, (WIDTH, max(2, round(h * WIDTH / w))), interpolation=cv2.INTER_AREA)
    return gray


def flow_rates(a: np.ndarray, b: np.ndarray, dt: float) -> tuple[float, float, float] | None:
    """(pan, tilt, zoom) rates, in frame sizes per second, between two grey frames ``dt`` seconds apart, or None when
    the first frame has too little texture, or the flow fits no camera motion."""
    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    grad = cv2.magnitude(cv2.Sobel(a, cv2.CV_32F, 1, 0), cv2.Sobel(a, cv2.CV_32F, 0, 1))
    grid = np.zeros(a.shape, dtype=bool)
    grid[::4, ::4] = True  # one sample every 4 px each way is plenty
    mask = (grad > 12) & grid
    if mask.sum() < MIN_TEXTURE_SHARE * a.size / 16:
        return None
    h, w = a.shape
    ys, xs = np.nonzero(mask)
    src = np.column_stack([xs - (w - 1) / 2.0, ys - (h - 1) / 2.0]).astype(np.float32)
    dst = src + flow[ys, xs]
    model, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if model is None or inliers is None or inliers.mean() < 0.2:
        return None
    scale = float(np.hypot(model[0, 0], model[1, 0]))
    return float(model[0, 2]) / w / dt, float(model[1, 2]) / h / dt, (scale - 1.0) / 2.0 / dt


def _read_pair(cap: cv2.VideoCapture, at_s: float, frames: int) -> tuple[np.ndarray, np.ndarray, float] | None:
    cap.set(cv2.CAP_PROP_POS_MSEC, at_s * 1000.0)
    ok, first = cap.read()
    if not ok:
        return None
    t0 = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
    for _ in range(frames - 1):
        if not cap.grab():
            return None
    ok, second = cap.read()
    if not ok:
        return None
    dt = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0 - t0
    return _grey(first), _grey(second), dt


def camera_motion(proxy: Path, start_s: float, end_s: float, timeout_s: float = 60.0) -> str:
    """``"static"``, ``"pan"``, ``"tilt"`` or ``"zoom"`` for the shot ``[start_s, end_s)`` of ``proxy``.

    Raises:
        InvalidMedia: the proxy cannot be opened or no frame pair could be read in the shot.
        MediaTimeout: ``timeout_s`` passed before any pair was measured (pairs measured by then are used).
    """
    path = Path(proxy).resolve()  # absolute: nothing in the name can be taken for a protocol
    if not path.is_file():
        raise InvalidMedia(f"no proxy at {path}")
    deadline = time.monotonic() + timeout_s
    cap, fps = open_video(path, timeout_s)
    try:
        length = max(0.0, end_s - start_s)
        frames = max(1, min(round(GAP_S * fps), int(length * 0.8 * fps) - 1))
        span = max(0.0, length * 0.8 - frames / fps)
        times = [start_s + length * 0.1 + span * (i + 0.5) / PAIRS for i in range(PAIRS)]
        rates, read_any = [], False
        for at in times:
            if time.monotonic() > deadline:
                if rates:
                    break
                raise MediaTimeout(f"{path.name}: camera motion ran past its {timeout_s:.0f} s limit")
            pair = _read_pair(cap, at, frames)
            if pair is None or pair[2] <= 0:
                continue
            read_any = True
            if (r := flow_rates(*pair)) is not None:
                rates.append(r)
    finally:
        cap.release()
    if not read_any:
        raise InvalidMedia(f"{path.name}: no frames could be read between {start_s:.2f} and {end_s:.2f} s")
    if not rates:
        return "static"  # nothing textured to follow
    pan, tilt, zoom = (abs(float(np.median(col))) for col in zip(*rates, strict=True))
    best, name = max((pan, "pan"), (tilt, "tilt"), (zoom, "zoom"))
    return name if best >= STATIC_BELOW else "static"

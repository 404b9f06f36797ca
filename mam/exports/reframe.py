"""Follow reframing: a smooth crop path that keeps the subject in a 9:16 (or 1:1, or any) window, from the proxy.

**Analysis** (:func:`follow_crop`). The proxy (display-oriented, ~640 px) is read with ``cv2.VideoCapture``; every
frame is decoded (``grab``) but only :data:`ANALYSIS_FPS` a second are looked at, grey and
:data:`ANALYSIS_WIDTH` px wide. Per sample, the subject is, in this order of trust:

1. **faces** — OpenCV's frontal-face Haar cascade (the one :mod:`mam.analysis.visual` loads): the centre of the
   largest face and of those at least half its size;
2. **motion** — the difference from the previous sample after removing the camera's own shift (phase
   correlation): the diff-weighted centre of the largest moving blob, dated half-way between the two samples
   (the difference covers where the subject was and where it is). A change over most of the picture (a cut, a
   flash) says nothing;
3. **saliency** — the spectral-residual map (Hou & Zhang 2007) of a 64-px copy, when it has a clear peak.

A sample with none of these says nothing (the path is free there); a clip where nothing is ever found is cut in
the centre. Isolated wrong answers are removed with a running median.

**Smoothing** is an L1-optimal camera path (Grundmann et al., "Auto-directed video stabilization with robust L1
optimal camera paths", 2011, applied to the crop window), solved as one linear program (scipy's HiGHS):
the window centre ``c(t)`` minimises ``w1·Σ|c'| + w2·Σ|c''| + w3·Σ|c'''|`` plus a heavy price for every bit the
subject strays outside a **dead zone** of ``±DEAD_ZONE`` window widths around the centre (and a faint pull to
the subject, so a subject that settles is centred after a few seconds), under hard bounds
``|c'| <= max_speed`` and ``|c''| <= max_accel`` (fractions of the source width per second, and per second²) and
the window inside the picture. L1 costs give paths made of still stretches and constant-speed pans joined by
short, bounded accelerations: a still subject (whatever its jitter inside the dead zone) gives a still window, and
since the whole clip is known the window starts moving before the subject would leave the zone. The centre is
also held between the subject's extremes over ``±ENVELOPE_S``: a pan never backs off to take a run-up nor goes
past where the subject stops (without it the free dead zone invites both). The solution is kept as keyframes at
the corners of the piecewise-linear path (collinear samples merged within half a pixel).

Coordinates are **source pixels of the display-oriented picture** (``src_w`` x ``src_h``: what ffmpeg's
autorotation hands the filter graph, i.e. :func:`mam.exports.geometry.source_display` for a square-pixel source).
If ``src_w``/``src_h`` are given in coded orientation for a rotated source (landscape numbers, portrait proxy),
they are swapped. For an anamorphic source pass the coded width (what ``crop`` sees before any ``scale``) and
``sar``: the window keeps the target aspect as displayed, its numbers in coded pixels.

**Applying it, frame-accurately.** Checked with this machine's ffmpeg 5.1: ``crop``'s ``x``/``y`` are expressions
evaluated on every frame with ``t`` (the frame's time), and they also accept runtime commands (``sendcmd``). The
chosen way is :meth:`CropPath.crop_filter`: ``crop@reframe=w=W:h=H:x=EXPR:y=EXPR`` where ``EXPR`` is the
piecewise-linear path as a sum ``x0 + Σ slope_i·clip(t - t_i, 0, d_i)`` (one term per moving segment, none for
still stretches; past 40 terms grouped in parentheses, since ffmpeg refuses an expression nested about 100 deep,
which a flat sum of ~100 terms is; a path longer than ``MAX_EXPR_CHARS`` is simplified with a coarser tolerance,
up to 64 px), so every frame gets its exact interpolated position, with no side file (the media runner
refuses filter-script files, and ``sendcmd=f=`` would read a file that is not an input). :meth:`CropPath.sendcmd`
gives the equivalent command text (one command per segment, each sending that segment's linear expression of
``t``, so it is frame-accurate too) for ``sendcmd=c=...`` ahead of a ``crop@reframe``; pass it through
:func:`mam.exports.graph.escape_value` when putting it in a graph. Both take ``start_s`` (the subclip's start in
source time) and ``speed`` (a speed change) so that times are those of the **output**: put the crop after the
``trim``/``setpts=(PTS-STARTPTS)/speed`` of the chain, before any ``scale``; with neither (crop right after the
decoder) use the defaults. Example for a 1920x1080 source to 1080x1920::

    [0:v]trim=start=12.5:end=22.5,setpts=PTS-STARTPTS,<path.crop_filter(12.5)>,scale=1080:1920,setsar=1[v]

**Caching.** The path depends on the proxy and the target aspect only (and on this module's algorithm,
:data:`VERSION`); :func:`cache_key` names it (``reframe/<asset>/<hash>.json``, usable as an object-store key or
a field name in the asset record); :meth:`CropPath.to_json` / :meth:`CropPath.from_json` store and restore it
(``from_json`` returns None for a path written by another algorithm version, to be recomputed).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from mam.analysis.cv import cv2, open_video  # VideoCapture opens local MP4-family files only
from mam.analysis.visual import _cascade_lock, _face_cascade
from mam.errors import InvalidMedia, MediaTimeout
from mam.exports.graph import escape_value

__all__ = ["ANALYSIS_FPS", "MAX_ACCEL", "MAX_SPEED", "VERSION", "CropPath", "cache_key", "follow_crop",
           "choose_cues", "smooth_path"]

VERSION = 1
ANALYSIS_FPS = 8.0  # samples a second looked at (every frame is decoded, most only grabbed)
ANALYSIS_WIDTH = 320  # px, grey copy for faces and motion
SALIENCY_WIDTH = 64  # px, copy for the spectral residual
MAX_SPEED = 0.35  # fraction of the source width (or height, for a vertical path) per second
MAX_ACCEL = 0.6  # the same, per second squared
DEAD_ZONE = 0.10  # half-width of the dead zone, in window widths (the middle third is ±1/6)
FACE_EVERY = 2  # face detection on every 2nd sample (the cascade is the dearest step)
FACE_CONFIRM_S = 0.6  # a face counts when another detection within this many seconds agrees
ENVELOPE_S = 1.5  # the window stays between the subject's extremes over this many seconds either side
MEDIAN_S = 0.6  # span of the running median over the observations
MAX_SAMPLES = 6000  # samples the optimiser takes (longer clips are decimated: ~12 min at 8 a second)
MAX_EXPR_CHARS = 36_000  # per expression: ~1200 moving segments, in a -filter_complex argument (128 KiB at most)
_FLAT_TERMS = 40  # ffmpeg 5.1 parses a flat sum of up to ~97 terms, and two levels of up to ~45 groups of ~45
_W1, _W2, _W3 = 10.0, 1.0, 1.0  # L1 weights on velocity, acceleration, jerk (per-sample differences; a heavier
# jerk weight stretches every ramp and, at the end of a clip, lets a pan run on past its stop)
_STRAY = 1000.0  # price of the subject outside the dead zone, per sample and unit of the source width
_CENTRE = 0.5  # a faint pull towards the subject: over a few seconds of a still subject the window centres it
# (a median, so jitter inside the dead zone never pays for a move)

Progress = Callable[[float], None]


@dataclass
class CropPath:
    """A crop window of ``width`` x ``height`` source pixels moving along ``keyframes`` ``[(t_s, x, y)]`` (top-left
    corner, source time; linear in between, held before the first and after the last)."""

    width: int
    height: int
    keyframes: list[tuple[float, float, float]]
    max_speed: float = MAX_SPEED  # fraction of the source's moving dimension per second
    max_accel: float = MAX_ACCEL
    src_w: int = 0
    src_h: int = 0
    source: str = "center"  # what was followed: faces, motion, saliency, mixed, center
    version: int = VERSION
    extra: dict = field(default_factory=dict)

    # -- positions --------------------------------------------------------------------------------------------
    def _at(self, t_s: float, k: int) -> float:
        kf = self.keyframes
        if t_s <= kf[0][0]:
            return kf[0][k]
        for (t0, *a), (t1, *b) in zip(kf, kf[1:], strict=False):
            if t_s <= t1:
                f = 0.0 if t1 <= t0 else (t_s - t0) / (t1 - t0)
                return a[k - 1] + (b[k - 1] - a[k - 1]) * f
        return kf[-1][k]

    def x_at(self, t_s: float) -> float:
        """The window's left edge at source time ``t_s`` (source pixels)."""
        return self._at(t_s, 1)

    def y_at(self, t_s: float) -> float:
        """The window's top edge at source time ``t_s``."""
        return self._at(t_s, 2)

    def _output_keys(self, start_s: float, speed: float) -> list[tuple[float, float, float]]:
        """Keyframes in output time ``(t - start_s) / speed``, starting with the position at output time 0."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        out = [(0.0, self.x_at(start_s), self.y_at(start_s))]
        out += [((t - start_s) / speed, x, y) for t, x, y in self.keyframes if t > start_s]
        return out

    @staticmethod
    def _expr(keys: list[tuple[float, float]], digits: int = 3) -> str:
        """``v0 + Σ slope·clip(t - t_i, 0, d_i)`` for a piecewise-linear ``[(t, v)]``."""
        terms = []
        for (t0, v0), (t1, v1) in zip(keys, keys[1:], strict=False):
            if abs(v1 - v0) < 0.005 or t1 <= t0:
                continue
            slope = (v1 - v0) / (t1 - t0)
            terms.append(f"{slope:+.{digits}f}*clip(t-{t0:.4f},0,{t1 - t0:.4f})")
        if len(terms) > _FLAT_TERMS:  # ffmpeg refuses a sum nested ~100 deep: groups of sqrt(n) in parentheses
            size = math.ceil(math.sqrt(len(terms)))
            terms = ["+(" + "".join(terms[i:i + size]) + ")" for i in range(0, len(terms), size)]
        return f"{keys[0][1]:.2f}" + "".join(terms)

    def expressions(self, start_s: float = 0.0, speed: float = 1.0) -> tuple[str, str]:
        """The raw (unescaped) ``x`` and ``y`` expressions of ``t`` (output time)."""
        keys = self._output_keys(start_s, speed)
        return (self._expr([(t, x) for t, x, _ in keys]), self._expr([(t, y) for t, _, y in keys]))

    def crop_filter(self, start_s: float = 0.0, speed: float = 1.0) -> str:
        """``crop@reframe=w=..:h=..:x=..:y=..``, escaped for ``-filter_complex``; times are output times."""
        x, y = self.expressions(start_s, speed)
        return (f"crop@reframe=w={self.width}:h={self.height}:x={escape_value(x)}:y={escape_value(y)}"
                ":exact=0")

    def sendcmd(self, start_s: float = 0.0, speed: float = 1.0) -> str:
        """Command text for ffmpeg's ``sendcmd`` driving ``crop@reframe``: at each keyframe, ``x`` and ``y`` become
        that segment's linear expression of ``t`` (so frames between keyframes are interpolated too)."""
        keys = self._output_keys(start_s, speed)
        lines = []
        for i, (t0, x0, y0) in enumerate(keys):
            t1, x1, y1 = keys[i + 1] if i + 1 < len(keys) else (t0 + 1.0, x0, y0)
            cmds = []
            for name, a, b in (("x", x0, x1), ("y", y0, y1)):
                slope = (b - a) / (t1 - t0) if t1 > t0 else 0.0
                cmds.append(f"crop@reframe {name} {a:.2f}{slope:+.3f}*(t-{t0:.4f})" if abs(slope) >= 0.0005
                            else f"crop@reframe {name} {a:.2f}")
            lines.append(f"{t0:.4f} " + ", ".join(cmds) + ";")
        return "\n".join(lines) + "\n"

    # -- caching ----------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({"version": self.version, "width": self.width, "height": self.height,
                           "src_w": self.src_w, "src_h": self.src_h, "max_speed": self.max_speed,
                           "max_accel": self.max_accel, "source": self.source,
                           "keyframes": [[round(t, 4), round(x, 2), round(y, 2)] for t, x, y in self.keyframes],
                           "extra": self.extra}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> CropPath | None:
        """The stored path, or None when it was made by another version of the algorithm (recompute it)."""
        d = json.loads(text)
        if d.get("version") != VERSION:
            return None
        keys = [(float(t), float(x), float(y)) for t, x, y in d["keyframes"]]
        if not keys:
            raise ValueError("a crop path needs at least one keyframe")
        return cls(int(d["width"]), int(d["height"]), keys, float(d["max_speed"]), float(d["max_accel"]),
                   int(d.get("src_w", 0)), int(d.get("src_h", 0)), str(d.get("source", "")), VERSION,
                   dict(d.get("extra") or {}))


def cache_key(asset_id: str, proxy_key: str, target_aspect: float) -> str:
    """Where a crop path is kept: ``reframe/<asset_id>/<16 hex>.json``; the hash covers the proxy's key (a new
    proxy, a new path), the aspect (to 4 decimals) and :data:`VERSION`."""
    digest = hashlib.sha256(f"{proxy_key}|{target_aspect:.4f}|v{VERSION}".encode()).hexdigest()[:16]
    return f"reframe/{asset_id}/{digest}.json"


# -- the window's size ---------------------------------------------------------------------------------------
def window_size(src_w: int, src_h: int, target_aspect: float, sar: float = 1.0) -> tuple[int, int]:
    """The largest even ``w x h`` (source pixels) with display aspect ``target_aspect`` inside the source."""
    if target_aspect <= 0 or src_w < 2 or src_h < 2:
        raise ValueError("a positive aspect and a source of at least 2x2 are needed")
    disp_w = src_w * sar
    if disp_w / src_h > target_aspect:  # source wider: full height
        h = src_h - src_h % 2
        w = min(src_w, round(h * target_aspect / sar))
    else:
        w = src_w - src_w % 2
        h = min(src_h, round(w * sar / target_aspect))
    return max(2, w - w % 2), max(2, h - h % 2)


# -- finding the subject -------------------------------------------------------------------------------------
def _faces(gray: np.ndarray, axis: int) -> float | None:
    """Centre (0..1 along ``axis``: 1 = x, 0 = y) of the largest frontal face and of those at least half its
    size."""
    with _cascade_lock:  # no histogram equalisation: it makes noisy dark frames ten times dearer to scan
        found = _face_cascade().detectMultiScale(gray, scaleFactor=1.2, minNeighbors=5, minSize=(24, 24))
    if len(found) == 0:
        return None
    areas = [w * h for _, _, w, h in found]
    big = max(areas)
    keep = [((x + w / 2) if axis == 1 else (y + h / 2), a)
            for (x, y, w, h), a in zip(found, areas, strict=True) if a >= big / 2]
    return sum(c * a for c, a in keep) / sum(a for _, a in keep) / gray.shape[axis]


def _motion(prev: np.ndarray, cur: np.ndarray, axis: int) -> float | None:
    """Centre (0..1 along ``axis``: 1 = x, 0 = y) of the largest blob that moved between two blurred greys, the
    camera's own shift removed; None when nothing or nearly everything moved."""
    a, b = prev.astype(np.float32), cur.astype(np.float32)
    (dx, dy), response = cv2.phaseCorrelate(a, b)
    if response > 0.1 and (abs(dx) >= 0.5 or abs(dy) >= 0.5):
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        a = cv2.warpAffine(a, m, (a.shape[1], a.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    diff = cv2.absdiff(a, b)
    thr = max(20.0, 3.0 * float(np.median(diff)) + 10.0)
    mask = (diff > thr).astype(np.uint8)
    share = float(mask.mean())
    if share < 0.0008 or share > 0.4:
        return None
    mask = cv2.dilate(mask, np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    weights = np.where(labels == best, diff, 0.0)
    total = float(weights.sum())
    if total <= 0:
        return None
    coords = np.arange(diff.shape[axis], dtype=np.float64) + 0.5
    profile = weights.sum(axis=1 - axis)
    return float((profile * coords).sum() / total / diff.shape[axis])


def _saliency(gray: np.ndarray, axis: int) -> float | None:
    """Centre along ``axis`` of the spectral-residual saliency peak region, when the map has a clear peak."""
    h, w = gray.shape
    small = cv2.resize(gray, (SALIENCY_WIDTH, max(8, round(h * SALIENCY_WIDTH / w))),
                       interpolation=cv2.INTER_AREA).astype(np.float32)
    spec = np.fft.fft2(small)
    log_amp = np.log(np.abs(spec) + 1e-6).astype(np.float32)
    residual = log_amp - cv2.blur(log_amp, (3, 3))
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spec)))) ** 2
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), 2.5)
    mean, peak = float(sal.mean()), float(sal.max())
    if mean <= 1e-9 or peak / mean < 4.0:
        return None
    region = np.where(sal >= 0.5 * peak, sal, 0.0)
    coords = np.arange(sal.shape[axis], dtype=np.float64) + 0.5
    profile = region.sum(axis=1 - axis)
    return float((profile * coords).sum() / profile.sum() / sal.shape[axis])


@dataclass
class Sample:
    """What one analysed frame says: its time and the subject's centre (0..1) by each cue that found one."""

    t: float
    face: float | None = None
    motion: tuple[float, float] | None = None  # (time half-way to the previous sample, centre)
    saliency: float | None = None


def _observe(proxy: Path, axis: int, on_progress: Progress | None, timeout_s: float) -> list[Sample]:
    """The analysed samples of the proxy (an absolute path), in time order."""
    path = proxy
    deadline = time.monotonic() + timeout_s
    cap, fps = open_video(path, timeout_s)
    samples: list[Sample] = []
    try:
        step = max(1, round(fps / ANALYSIS_FPS))
        prev: tuple[float, np.ndarray] | None = None
        index, last_report = 0, 0.0
        while cap.grab():
            index += 1
            if (index - 1) % step:
                continue
            ok, frame = cap.retrieve()
            if not ok:
                break
            if time.monotonic() > deadline:
                raise MediaTimeout(f"{path.name}: reframe analysis ran past its {timeout_s:.0f} s limit")
            sample = Sample(max(0.0, cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0))
            h, w = frame.shape[:2]
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            if w > ANALYSIS_WIDTH:
                gray = cv2.resize(gray, (ANALYSIS_WIDTH, max(2, round(h * ANALYSIS_WIDTH / w))),
                                  interpolation=cv2.INTER_AREA)
            if len(samples) % FACE_EVERY == 0:
                sample.face = _faces(gray, axis)
            blurred = cv2.GaussianBlur(gray, (5, 5), 0)
            if prev is not None and (moved := _motion(prev[1], blurred, axis)) is not None:
                sample.motion = ((prev[0] + sample.t) / 2, moved)
            sample.saliency = _saliency(gray, axis)
            samples.append(sample)
            prev = (sample.t, blurred)
            if on_progress is not None and sample.t - last_report >= 1.0:
                on_progress(sample.t)
                last_report = sample.t
    finally:
        cap.release()
    if not samples:
        raise InvalidMedia(f"{path.name}: no frames could be read from the proxy")
    if on_progress is not None:
        on_progress(samples[-1].t + step / fps)
    return samples


def choose_cues(samples: list[Sample]) -> list[tuple[float, float, str]]:
    """Observations ``(t, centre, cue)``: per sample, a face when one was confirmed nearby (seen in two
    detections in a row: a single hit is taken for a false one), else the motion, else the saliency peak."""
    detections = [s for s in samples if s.face is not None]
    confirmed = [s for i, s in enumerate(detections)
                 if any(abs(o.t - s.t) <= FACE_CONFIRM_S for o in detections[max(0, i - 1):i + 2] if o is not s)]
    face_times = np.array([s.t for s in confirmed])
    obs: list[tuple[float, float, str]] = []
    for s in samples:
        if len(face_times) and float(np.min(np.abs(face_times - s.t))) <= FACE_CONFIRM_S:
            if s in confirmed:
                obs.append((s.t, float(s.face), "faces"))  # between detections: nothing (faces rule here)
        elif s.motion is not None:
            obs.append((s.motion[0], s.motion[1], "motion"))
        elif s.saliency is not None:
            obs.append((s.t, s.saliency, "saliency"))
    return obs


def _median_filter(obs: list[tuple[float, float, str]], span_s: float) -> list[tuple[float, float]]:
    """Each observation replaced by the median of those within ``span_s / 2`` of it."""
    ts = np.array([o[0] for o in obs])
    vs = np.array([o[1] for o in obs])
    out = []
    for t in ts:
        sel = np.abs(ts - t) <= span_s / 2
        out.append((float(t), float(np.median(vs[sel]))))
    return out


# -- smoothing -----------------------------------------------------------------------------------------------
def _diff_matrix(n: int, order: int) -> sparse.csr_matrix:
    d = sparse.identity(n, format="csr")
    for _ in range(order):
        d = d[1:] - d[:-1]
    return d.tocsr()


def smooth_path(times: list[float], targets: list[float | None], *, lo: float, hi: float, dead_zone: float,
                max_speed: float, max_accel: float) -> list[float]:
    """The L1-optimal window centre at each of the equally spaced ``times`` (units of the source dimension).

    ``targets[i]`` is the subject's centre at ``times[i]`` or None; the centre stays in ``[lo, hi]``, moves at most
    ``max_speed`` per second and changes speed by at most ``max_accel`` per second², and pays heavily for
    each sample whose target is more than ``dead_zone`` away.
    """
    n = len(times)
    known = [i for i, v in enumerate(targets) if v is not None]
    if not known:
        return [(lo + hi) / 2] * n
    if hi - lo < 1e-9:
        return [lo] * n
    if n < 4:
        v = float(np.clip(np.median([targets[i] for i in known]), lo, hi))
        return [v] * n
    dt = (times[-1] - times[0]) / (n - 1) if n > 1 else 1.0
    dt = dt if dt > 0 else 1.0 / ANALYSIS_FPS
    d1, d2, d3 = _diff_matrix(n, 1), _diff_matrix(n, 2), _diff_matrix(n, 3)
    k = len(known)
    # variables: c (n) | e (k: stray beyond the dead zone) | r (k: distance to the target) | s1 | s2 | s3
    n1, n2, n3 = n - 1, n - 2, n - 3
    total = n + 2 * k + n1 + n2 + n3
    o_e, o_r, o_1 = n, n + k, n + 2 * k
    o_2, o_3 = o_1 + n1, o_1 + n1 + n2
    cost = np.zeros(total)
    cost[o_e:o_r] = _STRAY
    cost[o_r:o_1] = _CENTRE
    cost[o_1:o_2] = _W1
    cost[o_2:o_3] = _W2
    cost[o_3:] = _W3
    rows, rhs = [], []

    def block(mat: sparse.spmatrix, offset: int, width: int) -> sparse.csr_matrix:
        """``mat`` (m x n, acting on c) beside -identity on the slack block at ``offset``."""
        m = mat.shape[0]
        left = sparse.hstack([mat, sparse.csr_matrix((m, offset - n))]) if offset > n else mat
        right = sparse.csr_matrix((m, total - offset - width))
        return sparse.hstack([left, -sparse.identity(m), right]).tocsr()

    for mat, off, width in ((d1, o_1, n1), (d2, o_2, n2), (d3, o_3, n3)):  # |D c| <= s
        rows += [block(mat, off, width), block(-mat, off, width)]
        rhs += [np.zeros(width), np.zeros(width)]
    pick = sparse.csr_matrix((np.ones(k), (np.arange(k), known)), shape=(k, n))
    tgt = np.array([targets[i] for i in known], dtype=np.float64)
    rows += [block(pick, o_e, k), block(-pick, o_e, k)]  # |c_i - t_i| <= dz + e_i
    rhs += [tgt + dead_zone, -tgt + dead_zone]
    rows += [block(pick, o_r, k), block(-pick, o_r, k)]  # |c_i - t_i| <= r_i
    rhs += [tgt, -tgt]
    pad = sparse.csr_matrix((n1, total - n))  # hard speed bound
    rows += [sparse.hstack([d1, pad]), sparse.hstack([-d1, pad])]
    rhs += [np.full(n1, max_speed * dt), np.full(n1, max_speed * dt)]
    pad = sparse.csr_matrix((n2, total - n))  # hard acceleration bound
    rows += [sparse.hstack([d2, pad]), sparse.hstack([-d2, pad])]
    rhs += [np.full(n2, max_accel * dt * dt), np.full(n2, max_accel * dt * dt)]
    a_ub, b_ub = sparse.vstack(rows).tocsc(), np.concatenate(rhs)
    # no wind-up, no overshoot: the window stays within what the subject spans over +-ENVELOPE_S (a pan never
    # backs off to take a run, nor goes past where the subject stops); feasible at the default bounds for any
    # jump, and dropped if it is not
    t_known = np.array([times[i] for i in known])
    envelope = []
    for t in times:
        near = tgt[np.abs(t_known - t) <= ENVELOPE_S]
        envelope.append((float(np.clip(near.min(), lo, hi)), float(np.clip(near.max(), lo, hi))) if len(near)
                        else (lo, hi))
    for c_bounds in (envelope, [(lo, hi)] * n):
        res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=c_bounds + [(0, None)] * (total - n), method="highs")
        if res.status == 0 and res.x is not None:
            return [float(v) for v in np.clip(res.x[:n], lo, hi)]
    v = float(np.clip(np.median(tgt), lo, hi))  # cannot happen without the envelope; hold rather than fail
    return [v] * n


def _simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Drop points lying within ``tol`` of the straight line between their kept neighbours (greedy)."""
    if len(points) <= 2:
        return list(points)
    kept = [points[0]]
    anchor = 0
    for j in range(2, len(points)):
        t0, v0 = points[anchor]
        t1, v1 = points[j]
        ok = all(abs(v0 + (v1 - v0) * (points[m][0] - t0) / (t1 - t0) - points[m][1]) <= tol
                 for m in range(anchor + 1, j)) if t1 > t0 else False
        if not ok:
            kept.append(points[j - 1])
            anchor = j - 1
    kept.append(points[-1])
    return kept


def follow_crop(proxy_path: Path, src_w: int, src_h: int, target_aspect: float, *,
                on_progress: Progress | None = None, sar: float = 1.0, max_speed: float = MAX_SPEED,
                max_accel: float = MAX_ACCEL, timeout_s: float = 1800.0) -> CropPath:
    """The follow crop path of ``target_aspect`` (width / height, e.g. ``9 / 16``) for a source of
    ``src_w`` x ``src_h`` (display-oriented), from its proxy. ``on_progress(seconds)`` gets the proxy time analysed.

    Raises:
        InvalidMedia: the proxy cannot be opened or has no frames.
        MediaTimeout: the analysis ran past ``timeout_s``.
        ValueError: a non-positive aspect or a degenerate size.
    """
    proxy = Path(proxy_path).resolve()  # absolute: nothing in the name can be taken for a protocol
    if not proxy.is_file():
        raise InvalidMedia(f"no proxy at {proxy}")
    cap, _ = open_video(proxy, timeout_s)
    pw, ph = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    if pw and ph and pw != ph and src_w != src_h and (pw > ph) != (src_w > src_h):
        src_w, src_h = src_h, src_w  # coded orientation given for a rotated source
    win_w, win_h = window_size(src_w, src_h, target_aspect, sar)
    axis = 1 if win_w < src_w else 0  # the dimension the window moves along (1: x)
    span, win = (src_w, win_w) if axis == 1 else (src_h, win_h)
    fixed_x, fixed_y = (src_w - win_w) // 2, (src_h - win_h) // 2
    if win >= span:  # nothing to follow: the window is the picture along both dimensions
        return CropPath(win_w, win_h, [(0.0, float(fixed_x), float(fixed_y))], max_speed, max_accel, src_w, src_h,
                        "center")
    samples = _observe(proxy, axis, on_progress, timeout_s)
    times = [s.t for s in samples]
    obs = choose_cues(samples)
    stride = max(1, math.ceil(len(times) / MAX_SAMPLES))
    grid = times[::stride]
    targets: list[float | None] = [None] * len(grid)
    if obs:
        cleaned = _median_filter(obs, MEDIAN_S)
        slots: dict[int, list[float]] = {}
        g = np.array(grid)
        for t, v in cleaned:
            slots.setdefault(int(np.argmin(np.abs(g - t))), []).append(v)
        for i, vs in slots.items():
            targets[i] = float(np.mean(vs))
    frac = win / span
    centres = smooth_path(grid, targets, lo=frac / 2, hi=1 - frac / 2, dead_zone=DEAD_ZONE * frac,
                          max_speed=max_speed, max_accel=max_accel)
    edges = [min(max(0.0, c * span - win / 2), float(span - win)) for c in centres]
    points = _simplify(list(zip(grid, edges, strict=True)), 0.5)
    tol = 0.5
    while True:
        if axis == 1:
            keys = [(t, v, float(fixed_y)) for t, v in points]
        else:
            keys = [(t, float(fixed_x), v) for t, v in points]
        path = CropPath(win_w, win_h, keys, max_speed, max_accel, src_w, src_h)
        if max(map(len, path.expressions())) <= MAX_EXPR_CHARS or tol > 64:
            break
        tol *= 2
        points = _simplify(list(zip(grid, edges, strict=True)), tol)
    cues = {c for _, _, c in obs}
    path.source = "center" if not cues else cues.pop() if len(cues) == 1 else "mixed"
    path.extra = {"samples": len(times), "observed": len(obs),
                  "cues": {c: sum(1 for o in obs if o[2] == c) for c in ("faces", "motion", "saliency")}}
    return path

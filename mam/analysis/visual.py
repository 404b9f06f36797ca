"""Cheap looks of one keyframe: day or night, dominant colours, faces, an aerial-look score, a perceptual hash.

Every function takes a BGR ``uint8`` array (or a path, through :func:`load_image`) and works on a small
downscaled copy, so a 320-px keyframe costs milliseconds.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from mam.analysis.cv import cv2  # sets OpenCV's image-bomb pixel limit before cv2 loads

__all__ = [
    "COLOUR_NAMES", "day_or_night", "dominant_colours", "faces_present", "hamming", "load_image", "looks_aerial",
    "phash",
]

MAX_IMAGE_BYTES = 32 * 1024 * 1024
MAX_ARRAY_PIXELS = 64 * 1024 * 1024

# day_or_night thresholds (8-bit luma, BT.601 as cv2 computes it; HSV value 0..255)
NIGHT_MEDIAN_LUMA = 50  # the median pixel is this dark: night (or a dark interior)
DUSK_MEDIAN_LUMA = 90  # a darkish frame ...
NIGHT_SKY_VALUE = 60  # ... whose top third (the sky, if any) has a median HSV value below this: night

#: English basic colour name → Chinese name.
COLOUR_NAMES = {
    "black": "黑色", "white": "白色", "grey": "灰色", "red": "红色", "orange": "橙色", "yellow": "黄色",
    "green": "绿色", "blue": "蓝色", "purple": "紫色", "pink": "粉色", "brown": "棕色",
}

_cascade: cv2.CascadeClassifier | None = None
_cascade_lock = threading.Lock()


def load_image(image: Path | str | np.ndarray) -> np.ndarray:
    """A BGR uint8 array from a path (decoded by OpenCV, EXIF orientation applied) or an array.

    Raises ValueError for a missing, oversized or undecodable file and for arrays of the wrong shape or type.
    """
    if isinstance(image, np.ndarray):
        img = image
    else:
        path = Path(image)
        if not path.is_file():
            raise ValueError(f"no image file at {path}")
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise ValueError(f"{path.name} is over {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
        try:
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        except cv2.error as exc:  # over OPENCV_IO_MAX_IMAGE_PIXELS
            raise ValueError(f"{path.name} refused by the decoder: {str(exc).strip().splitlines()[-1]}") from exc
        if img is None:
            raise ValueError(f"{path.name} is not an image OpenCV can decode")
    if img.dtype != np.uint8 or img.ndim not in (2, 3) or img.size == 0:
        raise ValueError(f"expected a uint8 image array, got {img.dtype} with shape {img.shape}")
    if img.shape[0] * img.shape[1] > MAX_ARRAY_PIXELS:
        raise ValueError(f"image of {img.shape[1]}x{img.shape[0]} pixels is too large")
    if img.ndim == 2 or img.shape[2] == 1:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if img.shape[2] != 3:
        raise ValueError(f"image with {img.shape[2]} channels")
    return img


def _fit(img: np.ndarray, width: int) -> np.ndarray:
    """Downscale to at most ``width`` pixels wide, keeping the aspect ratio (never upscales)."""
    h, w = img.shape[:2]
    if w <= width:
        return img
    return cv2.resize(img, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def day_or_night(img: np.ndarray) -> str:
    """``"night"`` when the median luma is under 50, or under 90 with a top third whose median HSV value is
    under 60 (a dark sky over lit streets); otherwise ``"day"``. Dark interiors also read as night."""
    small = _fit(load_image(img), 160)
    luma = float(np.median(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)))
    if luma < NIGHT_MEDIAN_LUMA:
        return "night"
    top = small[: max(1, small.shape[0] // 3)]
    sky_value = float(np.median(cv2.cvtColor(top, cv2.COLOR_BGR2HSV)[..., 2]))
    return "night" if luma < DUSK_MEDIAN_LUMA and sky_value < NIGHT_SKY_VALUE else "day"


def colour_name(bgr: tuple[float, float, float] | np.ndarray) -> str:
    """One of the 11 basic colour names for a BGR colour, from its HSV hue, saturation and value."""
    pixel = np.clip(np.asarray(bgr, dtype=np.float32).reshape(1, 1, 3), 0, 255).astype(np.uint8)
    h, s, v = (float(x) for x in cv2.cvtColor(pixel, cv2.COLOR_BGR2HSV)[0, 0])
    hue, sat, val = h * 2.0, s / 255.0, v / 255.0  # degrees, 0..1, 0..1
    if val < 0.2:
        return "black"
    if sat < 0.15 or (sat < 0.25 and val < 0.4):
        return "white" if val > 0.8 else "grey" if val > 0.25 else "black"
    if 15 <= hue < 50 and val < 0.6:
        return "brown"
    if hue < 15 or hue >= 345:
        return "pink" if sat < 0.5 and val > 0.7 else "red"
    for limit, name in ((40, "orange"), (70, "yellow"), (170, "green"), (260, "blue"), (320, "purple")):
        if hue < limit:
            return name
    return "pink"


def dominant_colours(img: np.ndarray, k: int = 3) -> list[dict]:
    """The ``k`` main colours (k-means in Lab on a 64-px-wide copy), named, with their share of the pixels.

    Clusters that get the same name are merged, so fewer than ``k`` entries can come back; largest share first.
    """
    small = _fit(load_image(img), 64)
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2Lab).reshape(-1, 3).astype(np.float32)
    if len(lab) < 16:  # a thumbnail of a few pixels: one colour, their mean
        k, labels, centres = 1, np.zeros(len(lab), np.int32), lab.mean(axis=0, keepdims=True)
    else:
        k = max(1, min(k, 16))  # more than 16 clusters of ~2,300 pixels would be noise
        cv2.setRNGSeed(12345)  # k-means++ seeding: the same frame always gives the same answer
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
        _, labels, centres = cv2.kmeans(lab, k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    centres_bgr = cv2.cvtColor(np.clip(centres, 0, 255).astype(np.uint8).reshape(-1, 1, 3), cv2.COLOR_Lab2BGR)
    shares: dict[str, float] = {}
    for centre, count in zip(centres_bgr.reshape(-1, 3), counts, strict=True):
        if count:
            name = colour_name(centre)
            shares[name] = shares.get(name, 0.0) + float(count) / len(lab)
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    return [{"name": name, "zh": COLOUR_NAMES[name], "share": round(share, 3)} for name, share in ranked]


def _face_cascade() -> cv2.CascadeClassifier:
    """The process's cascade, loaded on first use; call with ``_cascade_lock`` held."""
    global _cascade
    if _cascade is None:
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        if cascade.empty():
            raise RuntimeError("OpenCV's frontal-face Haar cascade could not be loaded")
        _cascade = cascade
    return _cascade


def faces_present(img: np.ndarray) -> int:
    """How many frontal faces OpenCV's Haar cascade finds (faces under ~20 px, or in profile, are missed)."""
    gray = cv2.equalizeHist(cv2.cvtColor(_fit(load_image(img), 640), cv2.COLOR_BGR2GRAY))
    side = max(20, round(min(gray.shape) * 0.06))
    with _cascade_lock:  # one shared classifier: detect under the lock too
        found = _face_cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(side, side))
    return len(found)


def looks_aerial(img: np.ndarray, faces: int | None = None) -> float:
    """A 0..1 guess that a frame was shot from the air; a fallback for when telemetry, XMP and the device say
    nothing, never evidence on its own (close-ups of even textures score high too).

    On a 160-px grey copy (gradient magnitude after a 3x3 blur): texture coverage, the share of a 4x4 grid's
    cells with a mean gradient over 10 (aerial views are detailed all over; flat frames score 0), times
    0.6 x brightness balance (1 when the top third is no brighter than the bottom third, 0 when it is 60+
    levels brighter: a sky over the ground) + 0.4 x (1 - the share of the top third that is bright and smooth,
    i.e. sky). Any frontal face multiplies the score by 0.3.
    """
    bgr = load_image(img)
    gray = cv2.GaussianBlur(cv2.cvtColor(_fit(bgr, 160), cv2.COLOR_BGR2GRAY), (3, 3), 0)
    grad = cv2.magnitude(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    h, w = grad.shape
    cells = [grad[i * h // 4:(i + 1) * h // 4, j * w // 4:(j + 1) * w // 4] for i in range(4) for j in range(4)]
    coverage = float(np.mean([c.size > 0 and c.mean() > 10 for c in cells]))
    third = max(1, h // 3)
    lift = float(gray[:third].mean()) - float(gray[-third:].mean())
    balance = 1.0 - min(1.0, max(0.0, lift / 60.0))
    sky = float(np.mean((grad[:third] < 8) & (gray[:third] > 140)))
    score = coverage * (0.6 * balance + 0.4 * (1.0 - sky))
    if (faces_present(bgr) if faces is None else faces) > 0:
        score *= 0.3
    return round(min(1.0, max(0.0, score)), 3)


def phash(img: np.ndarray) -> str:
    """64-bit DCT perceptual hash as 16 hex digits: the 8x8 lowest frequencies of a 32x32 grey copy, each bit
    set when its coefficient is above their median."""
    gray = cv2.cvtColor(load_image(img), cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].ravel()
    bits = low > np.median(low)
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hashes from :func:`phash`."""
    if len(a) != 16 or len(b) != 16:
        raise ValueError("perceptual hashes are 16 hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()

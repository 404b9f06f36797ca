"""Keyframe looks on synthetic images: day/night, dominant colours, faces, aerial score, perceptual hash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mam.analysis import visual
from mam.analysis.visual import (
    colour_name,
    day_or_night,
    dominant_colours,
    faces_present,
    hamming,
    load_image,
    looks_aerial,
    phash,
)

cv2 = visual.cv2
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PORTRAIT = CORPUS / "immich-app__test-assets" / "metadata" / "faces" / "portrait-orientation-6.jpg"
AERIAL = CORPUS / "jekhor__aerial-cars-dataset" / "DJI_0019.JPG"


def scene(seed: int, size: tuple[int, int] = (180, 320)) -> np.ndarray:
    """A smooth random 'photo': blurred noise in three channels plus a few shapes."""
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.integers(0, 256, (*size, 3), dtype=np.uint8), (0, 0), 6)
    img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX)
    for _ in range(6):
        centre = (int(rng.integers(0, size[1])), int(rng.integers(0, size[0])))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.circle(img, centre, int(rng.integers(10, 50)), colour, -1)
    return img


def fit(img: np.ndarray, width: int) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)


def test_dark_is_night_and_bright_is_day():
    rng = np.random.default_rng(1)
    dark = rng.integers(0, 40, (180, 320, 3), dtype=np.uint8)
    bright = rng.integers(150, 256, (180, 320, 3), dtype=np.uint8)
    assert day_or_night(dark) == "night"
    assert day_or_night(bright) == "day"
    lit_street = np.full((180, 320, 3), 20, np.uint8)  # dark sky over a lit lower half
    lit_street[90:] = 140
    assert day_or_night(lit_street) == "night"
    overcast = np.full((180, 320, 3), 80, np.uint8)  # dull but with a grey sky: day
    overcast[:60] = 170
    assert day_or_night(overcast) == "day"


def test_red_and_blue_dominate_in_their_shares():
    img = np.zeros((180, 320, 3), np.uint8)
    img[:, :224] = (0, 0, 255)  # BGR red, 70 %
    img[:, 224:] = (255, 0, 0)  # blue, 30 %
    colours = dominant_colours(img, k=3)
    shares = {c["name"]: c["share"] for c in colours}
    assert [c["name"] for c in colours[:2]] == ["red", "blue"]
    assert shares["red"] == pytest.approx(0.7, abs=0.03) and shares["blue"] == pytest.approx(0.3, abs=0.03)
    assert colours[0]["zh"] == "红色" and colours[1]["zh"] == "蓝色"
    assert sum(shares.values()) == pytest.approx(1.0, abs=0.01)
    assert dominant_colours(img, k=3) == colours  # seeded: the same frame gives the same answer


@pytest.mark.parametrize(
    ("bgr", "name"),
    [((0, 0, 0), "black"), ((255, 255, 255), "white"), ((128, 128, 128), "grey"), ((0, 0, 220), "red"),
     ((0, 128, 255), "orange"), ((0, 230, 230), "yellow"), ((0, 180, 0), "green"), ((200, 60, 0), "blue"),
     ((128, 0, 128), "purple"), ((180, 105, 255), "pink"), ((19, 69, 139), "brown"), ((235, 206, 135), "blue")],
)
def test_colour_names(bgr, name):
    assert colour_name(bgr) == name
    assert name in visual.COLOUR_NAMES


def test_phash_same_near_and_far():
    a = scene(7)
    h = phash(a)
    assert len(h) == 16 and int(h, 16) >= 0
    assert phash(a.copy()) == h and hamming(h, h) == 0
    brighter = cv2.convertScaleAbs(a, alpha=1.0, beta=25)
    assert hamming(h, phash(brighter)) <= 6
    assert hamming(h, phash(fit(a, 200))) <= 6
    assert hamming(h, phash(fit(a, 640))) <= 6
    jpeg = cv2.imdecode(cv2.imencode(".jpg", a, [cv2.IMWRITE_JPEG_QUALITY, 40])[1], cv2.IMREAD_COLOR)
    assert hamming(h, phash(jpeg)) <= 6
    assert hamming(h, phash(scene(8))) >= 16
    with pytest.raises(ValueError):
        hamming(h, "abc")


def test_no_faces_in_a_scene_or_a_flat_frame():
    assert faces_present(scene(3)) == 0
    assert faces_present(np.full((180, 320, 3), 128, np.uint8)) == 0


def test_a_face_in_a_corpus_photo():
    if not PORTRAIT.is_file():
        pytest.skip(f"corpus portrait not available at {PORTRAIT}")
    keyframe = fit(load_image(PORTRAIT), 320)  # the size of a shot keyframe
    assert faces_present(keyframe) >= 1
    assert looks_aerial(keyframe) < 0.5  # a face weighs the aerial look down


def test_aerial_score_range_and_sky():
    for img in (scene(1), np.zeros((180, 320, 3), np.uint8), np.full((180, 320, 3), 255, np.uint8)):
        assert 0.0 <= looks_aerial(img) <= 1.0
    assert looks_aerial(np.full((180, 320, 3), 90, np.uint8)) == 0.0  # nothing to see: not aerial
    ground = scene(2)
    ground[:60] = (235, 206, 135)  # a smooth bright sky over the top third
    assert looks_aerial(ground) < looks_aerial(scene(2))
    if AERIAL.is_file():
        assert looks_aerial(fit(load_image(AERIAL), 320)) > 0.7


def test_load_image_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError):
        load_image(tmp_path / "missing.jpg")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a jpeg at all" * 10)
    with pytest.raises(ValueError):
        load_image(junk)
    with pytest.raises(ValueError):
        load_image(np.zeros((10, 10, 3), np.float32))
    gray = load_image(np.zeros((10, 12), np.uint8))
    assert gray.shape == (10, 12, 3)
    assert load_image(np.zeros((10, 12, 4), np.uint8)).shape == (10, 12, 3)


def test_decoder_pixel_limit_is_set_before_cv2_loads(tmp_path):
    """A small file that decodes to 67 M pixels is refused (run fresh: the limit is read when cv2 loads)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mam.analysis.visual import cv2, load_image, np\n"
        "p = Path(sys.argv[1])\n"
        "ok, buf = cv2.imencode('.png', np.zeros((8200, 8200), np.uint8))\n"
        "p.write_bytes(buf.tobytes())\n"
        "try:\n"
        "    load_image(p)\n"
        "except ValueError as exc:\n"
        "    print('refused', p.stat().st_size, exc)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_IO_MAX_IMAGE_PIXELS"}  # the module must set it
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "bomb.png")], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2], timeout=120, env=env).stdout
    assert out.startswith("refused"), out


def test_opencv_environment_is_set_in_one_place_before_cv2_loads():
    """mam.analysis.cv sets both variables (over whatever the environment said) before cv2 loads; every other
    analysis module takes cv2 from it."""
    code = (
        "import os, sys\n"
        "import mam.analysis.cv as cv\n"
        "print(os.environ['OPENCV_IO_MAX_IMAGE_PIXELS'], os.environ['OPENCV_FFMPEG_CAPTURE_OPTIONS'],\n"
        "      cv.cv2 is sys.modules['cv2'])\n"
    )
    env = {**os.environ, "OPENCV_IO_MAX_IMAGE_PIXELS": str(1 << 40), "OPENCV_FFMPEG_CAPTURE_OPTIONS": "x;y"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2], env=env).stdout.split()
    assert out == [str(64 * 1024 * 1024), "protocol_whitelist;file|format_whitelist;mov,mp4,m4a,3gp,3g2,mj2", "True"]
    analysis = Path(__file__).resolve().parents[2] / "mam" / "analysis"
    for source in analysis.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        if source.name != "cv.py":
            assert "import cv2" not in text.replace("from mam.analysis.cv import cv2", ""), source.name
            assert "os.environ" not in text, source.name
    assert visual.cv2 is cv2 and "mam.analysis.cv" in sys.modules

"""Camera motion on generated clips with known motion, OCR of burned-in Chinese and English, whole-shot analysis."""

from __future__ import annotations

import glob
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mam.analysis import ocr
from mam.analysis.motion import camera_motion
from mam.analysis.ocr import TextLine, merge_ocr_over_shots, read_text
from mam.analysis.shots import analyse_shot
from mam.analysis.visual import cv2
from mam.errors import InvalidMedia, MediaTimeout
from tests.support.media import ffmpeg

X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
ZH, EN = "京雄城际铁路 航拍", "Xiongan 2024"


@pytest.fixture(scope="module", autouse=True)
def _need_ffmpeg():
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg)")


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _read(lines: list[TextLine]) -> str:
    return _key("".join(line.text for line in lines))


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("analysis")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1280x720:r=1:d=1", "-frames:v", "1", str(d / "still.png"))
    src, still = "testsrc2=s=1280x720:r=25:d=4", str(d / "still.png")
    jobs = {
        "pan": ["-f", "lavfi", "-i", src, "-vf", "scroll=horizontal=0.002"],  # 5 % of the width a second
        "tilt": ["-f", "lavfi", "-i", src, "-vf", "scroll=vertical=0.003,scale=640:360"],
        "drift": ["-f", "lavfi", "-i", src, "-vf", "scroll=horizontal=0.0004,scale=640:360"],  # 1 %/s: static
        "static": ["-loop", "1", "-i", still, "-t", "4", "-r", "25", "-vf", "scale=640:360"],
        "busy": ["-f", "lavfi", "-i", src, "-vf", "scale=640:360"],  # testsrc2's own moving parts; camera still
        "zoom": ["-loop", "1", "-i", still, "-t", "4", "-vf",
                 "scale=2560:1440,zoompan=z='1+0.004*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                 ":d=1:s=640x360:fps=25"],
        "zoom_out": ["-loop", "1", "-i", still, "-t", "4", "-vf",
                     "scale=2560:1440,zoompan=z='1.5-0.004*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                     ":d=1:s=640x360:fps=25"],
    }
    for name, args in jobs.items():
        ffmpeg(*args, *X264, str(d / f"{name}.mp4"))
    # two shots in one proxy: 3 s still, then 3 s panning
    ffmpeg("-loop", "1", "-t", "3", "-r", "25", "-i", still, "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25:d=3",
           "-filter_complex", "[0:v]format=yuv420p,setsar=1[a];[1:v]scroll=horizontal=0.003,format=yuv420p,"
           "setsar=1[b];[a][b]concat=n=2:v=1:a=0,scale=640:360[v]", "-map", "[v]", *X264, str(d / "two.mp4"))
    return d


@pytest.mark.parametrize(
    ("clip", "expected"),
    [("pan", "pan"), ("tilt", "tilt"), ("zoom", "zoom"), ("zoom_out", "zoom"), ("static", "static"),
     ("busy", "static"), ("drift", "static")],
)
def test_camera_motion_classes(media, clip, expected):
    assert camera_motion(media / f"{clip}.mp4", 0.0, 4.0, timeout_s=60) == expected


def test_camera_motion_of_shots_inside_one_proxy(media):
    assert camera_motion(media / "two.mp4", 0.0, 3.0, timeout_s=60) == "static"
    assert camera_motion(media / "two.mp4", 3.0, 6.0, timeout_s=60) == "pan"
    assert camera_motion(media / "two.mp4", 3.0, 3.3, timeout_s=60) == "pan"  # a short shot: closer frames


def test_camera_motion_refusals(media, tmp_path):
    with pytest.raises(InvalidMedia):
        camera_motion(tmp_path / "missing.mp4", 0, 4, timeout_s=10)
    mkv = tmp_path / "pan.mkv"
    ffmpeg("-i", str(media / "pan.mp4"), "-c", "copy", str(mkv))
    with pytest.raises(InvalidMedia):  # OpenCV's demuxers are limited to the MP4 family
        camera_motion(mkv, 0, 4, timeout_s=10)
    with pytest.raises(InvalidMedia):
        camera_motion(media / "pan.mp4", 100, 104, timeout_s=10)  # past the end
    with pytest.raises(MediaTimeout):
        camera_motion(media / "pan.mp4", 0, 4, timeout_s=0)


@pytest.fixture(scope="module")
def cjk_font() -> str:
    found = ""
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True,
                               text=True).stdout.strip()
    if "CJK" not in found:  # fc-match falls back to any font when Noto CJK is absent
        found = next(iter(sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK*.tt[cf]", recursive=True))), "")
    if not found:
        pytest.skip("no CJK font to burn Chinese text (apt-get install fonts-noto-cjk)")
    return found


def _caption_frame(d: Path, font: str, zh_px: int, en_px: int, name: str) -> Path:
    """A 1280x720 testsrc2 frame with the Chinese line and the English line burned in, white with a black edge."""
    out = d / f"{name}.png"
    draw = f"drawtext=fontfile='{font}':fontcolor=white:borderw=2:bordercolor=black:x=100"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1280x720:r=1:d=1", "-vf",
           f"{draw}:text='{ZH}':fontsize={zh_px}:y=480,{draw}:text='{EN}':fontsize={en_px}:y=600",
           "-frames:v", "1", str(out))
    return out


def _keyframe(frame: Path, width: int) -> Path:
    """Downscaled the way the shot keyframes are made (scale, JPEG at -q:v 4)."""
    out = frame.with_name(f"{frame.stem}_{width}.jpg")
    ffmpeg("-i", str(frame), "-vf", f"scale={width}:-2", "-q:v", "4", str(out))
    return out


@pytest.fixture(scope="module")
def title(media, cjk_font) -> Path:
    return _caption_frame(media, cjk_font, 56, 48, "title")  # a title bar: 7.8 % of the frame height


def test_ocr_reads_a_title_on_the_full_frame_and_the_320_px_keyframe(title):
    full = read_text(cv2.imread(str(title)))
    assert _key(ZH) in _read(full) and _key(EN) in _read(full), full
    small = read_text(_keyframe(title, 320))
    assert _key(ZH) in _read(small) and _key(EN) in _read(small), small
    for line in full:
        assert 0.5 <= line.score <= 1.0 and len(line.box) == 4
        assert all(0 <= x <= 1280 and 0 <= y <= 720 for x, y in line.box)
    assert ocr._get_engine() is ocr._get_engine()  # one engine per process


def test_ocr_of_subtitle_sized_text_needs_640_px(media, cjk_font):
    """24 px on 720p (3.3 % of the height, a usual subtitle) is read at 640 px wide; at 320 px it is not
    reliably (Chinese needs ~6 % there), so the pipeline extracts a 640-px frame for OCR."""
    caption = _caption_frame(media, cjk_font, 24, 24, "subtitle")
    lines = read_text(_keyframe(caption, 640))
    assert _key(ZH) in _read(lines) and _key(EN) in _read(lines), lines


def test_ocr_of_a_frame_without_text_and_min_score(media, title):
    assert read_text(np.full((360, 640, 3), 90, np.uint8)) == []
    assert all(line.score >= 0.99 for line in read_text(title, min_score=0.99))
    with pytest.raises(ValueError):
        read_text(media / "missing.jpg")


def _lines(*texts: str, score: float = 0.9) -> list[TextLine]:
    return [TextLine(t, score, ((0, 0), (1, 0), (1, 1), (0, 1))) for t in texts]


def test_merge_joins_consecutive_shots_with_the_same_text():
    shots = [
        (0.0, 2.0, _lines("京雄城际铁路 航拍", "CCTV-13")),
        (2.0, 5.0, _lines("京雄城际铁路航拍", "CCTV-13", score=0.99)),  # OCR jitter in the spacing
        (5.0, 6.0, _lines("京雄城限铁路航拍", "CCTV-13", score=0.7)),  # one wrong character
        (6.0, 8.0, _lines("CCTV-13")),
        (8.0, 9.0, []),
        (9.0, 10.0, _lines("CCTV-13", "Xiongan 2024")),
    ]
    assert merge_ocr_over_shots(shots) == [
        {"start_s": 0.0, "end_s": 6.0, "text": "京雄城际铁路航拍"},  # the best-scored wording
        {"start_s": 0.0, "end_s": 8.0, "text": "CCTV-13"},
        {"start_s": 9.0, "end_s": 10.0, "text": "CCTV-13"},  # a shot without it in between
        {"start_s": 9.0, "end_s": 10.0, "text": "Xiongan 2024"},
    ]


def test_merge_edge_cases():
    assert merge_ocr_over_shots([]) == []
    # out of order input is sorted; a gap longer than MAX_GAP_S splits; a repeated line in one shot counts once
    shots = [(10.0, 12.0, _lines("雄安")), (0.0, 2.0, _lines("雄安", "雄安")), (2.5, 4.0, _lines("雄安", "  "))]
    assert merge_ocr_over_shots(shots) == [
        {"start_s": 0.0, "end_s": 4.0, "text": "雄安"},
        {"start_s": 10.0, "end_s": 12.0, "text": "雄安"},
    ]
    # different short texts are not joined
    assert len(merge_ocr_over_shots([(0, 1, _lines("2024")), (1, 2, _lines("2025"))])) == 2


def test_analyse_shot_combines_everything(media, title):
    keyframe = _keyframe(title, 320)
    result = analyse_shot(keyframe, media / "pan.mp4", 0.0, 4.0, ocr_image=_keyframe(title, 640))
    assert result["warnings"] == []
    assert set(result) == {"ocr", "day_night", "colours", "faces", "aerial_score", "phash", "motion", "warnings"}
    assert _key(ZH) in _key("".join(line["text"] for line in result["ocr"]))
    assert result["day_night"] == "day" and result["faces"] == 0 and result["motion"] == "pan"
    assert result["colours"] and 0 <= result["aerial_score"] <= 1 and len(result["phash"]) == 16


def test_analyse_shot_never_raises(media, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    result = analyse_shot(broken, tmp_path / "missing.mp4", 0.0, 4.0)
    assert result["ocr"] == [] and result["phash"] is None and result["motion"] is None
    assert any(w.startswith("keyframe:") for w in result["warnings"])
    assert any(w.startswith("motion:") for w in result["warnings"])
    still = analyse_shot(_keyframe(media / "still.png", 320), None, 0.0, 0.0)  # a still: no proxy, no motion
    assert still["motion"] is None and still["phash"] and still["warnings"] == []

"""Follow reframing on generated clips, end to end: the path from a 640-px proxy, the crop applied by ffmpeg to the
1080p source (the product's filter text, through the media runner), the output frames read back with OpenCV.

The clips: a white 120-px square over a dark, grainy background, moving left to right (still 1 s, 6 s across the
middle 60 % of the picture, still 1 s); the same square standing still off centre; grain alone (no subject).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mam.analysis.cv import cv2
from mam.exports.graph import escape_value
from mam.exports.reframe import CropPath, follow_crop
from mam.media.runner import run_media_command
from tests.conftest import need_ffmpeg
from tests.support.media import ffmpeg

RATE = 25
SQUARE = 120


def square_clip(path: Path, *, seconds: float, x_expr: str, size: tuple[int, int] = (1920, 1080),
                y_expr: str | None = None, square: bool = True, preset: str = "ultrafast") -> Path:
    """A white square whose top-left corner follows ``x_expr``/``y_expr`` (ffmpeg expressions of ``t``) over dark
    grain; ``square=False``: the grain alone."""
    w, h = size
    bg = f"color=c=0x202020:s={w}x{h}:r={RATE}:d={seconds},noise=alls=20:allf=t+u"
    if square:
        graph = (f"{bg}[bg];color=c=white:s={SQUARE}x{SQUARE}:r={RATE}:d={seconds}[sq];"
                 f"[bg][sq]overlay=x='{x_expr}':y='{y_expr or (h - SQUARE) // 2}':shortest=1")
    else:
        graph = bg
    ffmpeg("-f", "lavfi", "-i", graph, "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", str(path))
    return path


def proxy_of(src: Path, width: int = 640) -> Path:
    """A proxy as the media pass makes it: ``width`` px wide (height even), H.264, a keyframe a second."""
    out = src.with_name(src.stem + "_proxy.mp4")
    ffmpeg("-i", str(src), "-vf", f"scale={width}:-2", "-c:v", "libx264", "-preset", "veryfast", "-g", str(RATE),
           str(out))
    return out


def moving_x(t: float) -> float:
    """The moving square's centre (source px) at time ``t``, as the clip's expression draws it."""
    return 1920 * (0.2 + 0.6 * min(max((t - 1) / 6, 0.0), 1.0))


MOVING_X = f"1920*(0.2+0.6*clip((t-1)/6,0,1))-{SQUARE // 2}"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    need_ffmpeg()
    base = tmp_path_factory.mktemp("reframe")
    moving = square_clip(base / "moving.mp4", seconds=8, x_expr=MOVING_X)
    still = square_clip(base / "still.mp4", seconds=4, x_expr="1400")
    empty = square_clip(base / "empty.mp4", seconds=3, x_expr="0", square=False, size=(640, 360))
    return {"moving": moving, "moving_proxy": proxy_of(moving), "still_proxy": proxy_of(still),
            "empty_proxy": empty}


@pytest.fixture(scope="module")
def moving_path(clips) -> CropPath:
    return follow_crop(clips["moving_proxy"], 1920, 1080, 9 / 16)


def apply(src: Path, out: Path, chain: str) -> Path:
    """``src`` through ``[0:v]<chain>`` to a lossless-enough H.264 file, by the product's media runner."""
    run_media_command(["ffmpeg", "-y", "-loglevel", "error", "-i", f"file:{src}", "-filter_complex",
                       f"[0:v]{chain}[v]", "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "10",
                       f"file:{out}"], timeout_s=300)
    return out


def square_centres(video: Path) -> list[tuple[int, float | None, int]]:
    """Per output frame: (index, x centre of the bright pixels or None, frame width)."""
    cap = cv2.VideoCapture(str(video))
    out = []
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            bright = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) > 160
            cols = np.nonzero(bright.sum(axis=0) > 10)[0]  # columns crossed by the square (not a grain speck)
            out.append((len(out), float(cols.mean()) if len(cols) else None, frame.shape[1]))
    finally:
        cap.release()
    return out


def share_in_middle_third(centres: list[tuple[int, float | None, int]]) -> float:
    inside = [c is not None and w / 3 <= c <= 2 * w / 3 for _, c, w in centres]
    return sum(inside) / len(inside)


def test_the_follow_crop_keeps_the_moving_square_in_the_middle_third(clips, moving_path, tmp_path) -> None:
    path = moving_path
    assert (path.width, path.height) == (608, 1080)
    out = apply(clips["moving"], tmp_path / "out.mp4", path.crop_filter())
    centres = square_centres(out)
    assert len(centres) == 8 * RATE
    assert share_in_middle_third(centres) >= 0.95
    # the window itself, against the drawn truth, on every frame
    errs = [abs(moving_x(i / RATE) - (path.x_at(i / RATE) + path.width / 2)) for i in range(8 * RATE)]
    assert sum(e <= path.width / 6 for e in errs) / len(errs) >= 0.95


def test_speed_and_acceleration_stay_under_the_bounds(moving_path) -> None:
    kf = moving_path.keyframes
    assert len(kf) >= 3
    assert kf[-1][1] > kf[0][1] + 600  # it did follow
    segs = [((b[1] - a[1]) / (b[0] - a[0]), b[0] - a[0]) for a, b in zip(kf, kf[1:], strict=False)]
    width = moving_path.src_w
    assert max(abs(v) for v, _ in segs) / width <= moving_path.max_speed * 1.01
    assert all(v >= -0.5 for v, _ in segs)  # left to right only: no run-up back, no overshoot and return
    dt = 1 / 8 * 0.99  # the analysis interval (25 fps proxy, every 3rd frame: 0.12 s)
    for (v0, d0), (v1, d1) in zip(segs, segs[1:], strict=False):
        assert abs(v1 - v0) / max(dt * 0.96, (d0 + d1) / 2) / width <= moving_path.max_accel * 1.01


def test_the_path_applies_to_a_subclip_at_double_speed_and_by_sendcmd(clips, moving_path, tmp_path) -> None:
    path = moving_path
    sub = apply(clips["moving"], tmp_path / "sub.mp4",
                f"trim=start=2:end=6,setpts=(PTS-STARTPTS)/2,{path.crop_filter(2.0, 2.0)}")
    centres = square_centres(sub)
    assert 48 <= len(centres) <= 52  # 4 s of source at double speed, 25 fps timestamps kept
    assert share_in_middle_third(centres) >= 0.95
    x0 = round(path.x_at(0.0))
    by_cmd = apply(clips["moving"], tmp_path / "cmd.mp4",
                   f"sendcmd=c={escape_value(path.sendcmd())},crop@reframe=w={path.width}:h={path.height}"
                   f":x={x0}:y=0")
    cmd_centres = square_centres(by_cmd)
    assert share_in_middle_third(cmd_centres) >= 0.95
    full = square_centres(apply(clips["moving"], tmp_path / "full.mp4", path.crop_filter()))
    diffs = [abs(a[1] - b[1]) for a, b in zip(full, cmd_centres, strict=True) if a[1] is not None and b[1] is not None]
    assert max(diffs) <= 2.5  # the same crop, frame for frame (x rounded to even by crop)


def test_a_still_subject_gives_a_still_window_on_it(clips) -> None:
    path = follow_crop(clips["still_proxy"], 1920, 1080, 9 / 16)
    xs = [x for _, x, _ in path.keyframes]
    assert max(xs) - min(xs) < 1.0
    centre = xs[0] + path.width / 2
    assert abs(centre - (1400 + SQUARE / 2)) <= path.width / 6


def test_no_subject_gives_the_centre(clips) -> None:
    path = follow_crop(clips["empty_proxy"], 1920, 1080, 9 / 16)
    assert path.source == "center"
    assert [x for _, x, _ in path.keyframes] == [float((1920 - 608) // 2)] * len(path.keyframes)


def test_a_square_crop_of_a_portrait_source_follows_vertically(tmp_path) -> None:
    need_ffmpeg()
    proxy = square_clip(tmp_path / "portrait.mp4", seconds=5, size=(360, 640), x_expr="120",
                        y_expr=f"640*(0.25+0.5*clip((t-1)/3,0,1))-{SQUARE // 2}", preset="veryfast")
    progress: list[float] = []
    path = follow_crop(proxy, 1920, 1080, 1.0, on_progress=progress.append)  # coded numbers of a rotated source
    assert (path.src_w, path.src_h, path.width, path.height) == (1080, 1920, 1080, 1080)
    assert {x for _, x, _ in path.keyframes} == {0.0}
    assert path.y_at(4.5) - path.y_at(0.0) > 600
    assert progress and progress[-1] >= 4.5
    again = CropPath.from_json(path.to_json())
    assert again is not None and again.y_at(2.0) == pytest.approx(path.y_at(2.0), abs=0.01)


def test_ffmpeg_takes_the_expression_of_a_long_path(clips, tmp_path) -> None:
    keys = [(i * 0.04, 100.0 + (i % 7) * 40.0, 0.0) for i in range(1200)]  # a move on every frame for 48 s
    long = CropPath(608, 1080, keys, src_w=1920, src_h=1080)
    assert len(long.crop_filter()) > 30_000
    centres = square_centres(apply(clips["moving"], tmp_path / "long.mp4", f"trim=end=1,{long.crop_filter()}"))
    assert len(centres) == RATE

"""The follow crop path without media: the smoothing, the cue choice, the window size, the filter texts, caching."""

from __future__ import annotations

import random

import pytest

from mam.exports import reframe
from mam.exports.reframe import CropPath, Sample, cache_key, choose_cues, smooth_path, window_size

DT = 0.12


def _times(n: int) -> list[float]:
    return [i * DT for i in range(n)]


def _bounds_ok(centres: list[float], max_speed: float, max_accel: float) -> None:
    v = [(b - a) / DT for a, b in zip(centres, centres[1:], strict=False)]
    assert max(abs(x) for x in v) <= max_speed * 1.001
    acc = [(b - a) / DT for a, b in zip(v, v[1:], strict=False)]
    assert max(abs(x) for x in acc) <= max_accel * 1.001


def test_a_still_subject_with_jitter_gives_a_still_window() -> None:
    rng = random.Random(7)
    targets = [0.62 + rng.uniform(-0.02, 0.02) for _ in range(80)]
    c = smooth_path(_times(80), targets, lo=0.16, hi=0.84, dead_zone=0.03, max_speed=0.35, max_accel=0.6)
    assert max(c) - min(c) < 1e-6
    assert abs(c[0] - 0.62) < 0.03


def test_a_step_is_followed_without_overshoot_within_the_bounds() -> None:
    targets = [0.3] * 40 + [0.7] * 60
    c = smooth_path(_times(100), targets, lo=0.16, hi=0.84, dead_zone=0.03, max_speed=0.35, max_accel=0.6)
    assert all(b >= a - 1e-9 for a, b in zip(c, c[1:], strict=False))  # monotone: never past the stop and back
    assert max(c) <= 0.7 + 1e-6
    assert abs(c[-1] - 0.7) <= 0.03 + 1e-6
    _bounds_ok(c, 0.35, 0.6)
    assert c[0] == c[20]  # still before the move (which starts ahead of the jump: the clip is known)
    assert c[39] > c[0]


def test_a_steady_mover_is_tracked_inside_the_dead_zone() -> None:
    targets = [min(0.8, 0.2 + 0.1 * max(0.0, t - 1.0)) for t in _times(100)]
    c = smooth_path(_times(100), targets, lo=0.16, hi=0.84, dead_zone=0.03, max_speed=0.35, max_accel=0.6)
    assert max(abs(a - b) for a, b in zip(c, targets, strict=True)) <= 0.03 + 1e-6
    _bounds_ok(c, 0.35, 0.6)


def test_gaps_and_no_subject() -> None:
    n = 30
    assert smooth_path(_times(n), [None] * n, lo=0.2, hi=0.8, dead_zone=0.03, max_speed=0.3,
                       max_accel=0.5) == [0.5] * n
    targets: list[float | None] = [0.7] * 10 + [None] * 10 + [0.7] * 10
    c = smooth_path(_times(n), targets, lo=0.2, hi=0.8, dead_zone=0.03, max_speed=0.3, max_accel=0.5)
    assert max(c) - min(c) < 1e-6


def test_the_window_stays_inside_the_picture() -> None:
    c = smooth_path(_times(40), [0.02] * 40, lo=0.16, hi=0.84, dead_zone=0.03, max_speed=0.3, max_accel=0.5)
    assert min(c) >= 0.16 - 1e-9


def test_cues_a_confirmed_face_wins_a_lone_face_is_ignored() -> None:
    samples = [Sample(0.0, face=0.8, saliency=0.3), Sample(0.12, motion=(0.06, 0.4), saliency=0.3),
               Sample(0.24, saliency=0.3), Sample(3.0, motion=(2.94, 0.5)), Sample(3.12, saliency=0.2),
               Sample(6.0, face=0.25), Sample(6.12, motion=(6.06, 0.9)), Sample(6.24, face=0.27)]
    obs = choose_cues(samples)
    assert (0.0, 0.3, "saliency") in obs  # the lone face at 0.0 is not believed
    assert (0.06, 0.4, "motion") in obs  # motion before saliency
    assert (2.94, 0.5, "motion") in obs and (3.12, 0.2, "saliency") in obs
    assert (6.0, 0.25, "faces") in obs and (6.24, 0.27, "faces") in obs
    assert not any(t == 6.06 for t, _, _ in obs)  # faces rule between their detections


@pytest.mark.parametrize(("src", "aspect", "size"), [
    ((1920, 1080), 9 / 16, (608, 1080)), ((1920, 1080), 1.0, (1080, 1080)), ((1080, 1920), 1.0, (1080, 1080)),
    ((1080, 1920), 9 / 16, (1080, 1920)), ((3840, 2160), 9 / 16, (1214, 2160)), ((1281, 721), 9 / 16, (404, 720)),
])
def test_window_size(src: tuple[int, int], aspect: float, size: tuple[int, int]) -> None:
    assert window_size(*src, aspect) == size


def test_window_size_of_an_anamorphic_source() -> None:
    w, h = window_size(1440, 1080, 9 / 16, sar=4 / 3)  # shown as 1920x1080
    assert (w * 4 / 3) / h == pytest.approx(9 / 16, abs=0.01)


PATH = CropPath(608, 1080, [(0.0, 100.0, 0.0), (1.0, 100.0, 0.0), (3.0, 500.0, 0.0), (4.0, 560.0, 0.0)],
                src_w=1920, src_h=1080)


def _evaluate(expr: str, t: float) -> float:
    return eval(expr, {"__builtins__": {}}, {"clip": lambda v, a, b: min(max(v, a), b), "t": t})  # noqa: S307


def test_positions_and_the_expression_agree() -> None:
    assert PATH.x_at(-1) == 100 and PATH.x_at(2.0) == 300 and PATH.x_at(3.5) == 530 and PATH.x_at(9) == 560
    x, y = PATH.expressions()
    assert y == "0.00"
    for t in [0, 0.5, 1.0, 1.7, 3.0, 3.2, 4.0, 7.0]:
        assert _evaluate(x, t) == pytest.approx(PATH.x_at(t), abs=0.02)
    x, _ = PATH.expressions(start_s=2.0, speed=2.0)  # output time: (t - 2) / 2
    for t_out in [0, 0.25, 0.5, 0.8, 1.0, 3.0]:
        assert _evaluate(x, t_out) == pytest.approx(PATH.x_at(2.0 + 2.0 * t_out), abs=0.02)


def test_crop_filter_is_escaped_for_a_graph() -> None:
    text = PATH.crop_filter()
    assert text.startswith("crop@reframe=w=608:h=1080:x=100.00+")
    assert "\\," in text and ",0," not in text


def test_sendcmd_text() -> None:
    lines = PATH.sendcmd(start_s=1.0).splitlines()
    assert lines[0] == "0.0000 crop@reframe x 100.00+200.000*(t-0.0000), crop@reframe y 0.00;"
    assert lines[1] == "2.0000 crop@reframe x 500.00+60.000*(t-2.0000), crop@reframe y 0.00;"
    assert PATH.sendcmd(speed=2.0).splitlines()[1].startswith("0.5000 crop@reframe x 100.00+400.000*(t-0.5000)")
    with pytest.raises(ValueError):
        PATH.sendcmd(speed=0)


def test_json_round_trip_and_versions() -> None:
    again = CropPath.from_json(PATH.to_json())
    assert again is not None and again.keyframes == PATH.keyframes and again.width == 608
    old = PATH.to_json().replace(f'"version":{reframe.VERSION}', '"version":0')
    assert CropPath.from_json(old) is None


def test_cache_key() -> None:
    k = cache_key("a1", "proxies/a1/proxy.mp4", 9 / 16)
    assert k.startswith("reframe/a1/") and k.endswith(".json")
    assert k == cache_key("a1", "proxies/a1/proxy.mp4", 0.5625)
    assert k != cache_key("a1", "proxies/a1/proxy.mp4", 1.0) != cache_key("a1", "proxies/a1/proxy2.mp4", 9 / 16)


def test_a_long_path_is_grouped_and_still_exact() -> None:
    keys = [(i * 0.12, 100.0 + (i % 7) * 40.0, 0.0) for i in range(1200)]  # a zigzag: every segment moves
    long = CropPath(608, 1080, keys, src_w=1920, src_h=1080)
    x, _ = long.expressions()
    assert x.count("+(") == 35  # 1199 terms in groups of 35
    for t in [0.0, 5.05, 70.3, 143.0, 200.0]:
        assert _evaluate(x, t) == pytest.approx(long.x_at(t), abs=0.05)

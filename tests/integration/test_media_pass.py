"""The media pass on generated clips with known cuts, black, silence and loudness, measured independently."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mam.media.media_pass import collect, plan_media_pass, plan_shot_keyframes
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import run_media_command
from tests.support.media import faststart, ffmpeg, keyframe_times, mean_luma, probe, video_stream

S = "s=640x360:r=25"
CUTS = [3.0, 6.0, 8.0, 11.0]  # testsrc2 | smptebars | black | mandelbrot | red
BLACK = (6.0, 8.0)
SILENCE = (4.0, 6.0)  # 1 kHz tone | silence | 440 Hz tone (sine's default amplitude 1/8, about -18 dBFS)
DURATION = 14.0
TOL = 0.2


@pytest.fixture(scope="module", autouse=True)
def _need_ffmpeg():
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.skip("ffmpeg/ffprobe not installed (apt-get install ffmpeg)")


def _run(src: Path, work: Path, **kw):
    work.mkdir(exist_ok=True)
    tech = normalise(run_ffprobe(src, 30))
    plan = plan_media_pass(src, work, tech, **kw)
    progress: list[str] = []
    run_media_command(plan.cmd, timeout_s=300, on_progress_line=progress.append)
    assert "progress=end" in progress
    return tech, plan, collect(plan)


@pytest.fixture(scope="module")
def cuts(tmp_path_factory):
    d = tmp_path_factory.mktemp("media_pass")
    src = d / "cuts.mp4"
    v = (f"testsrc2={S}:d=3,format=yuv420p,setsar=1[v0];smptebars={S}:d=3,format=yuv420p,setsar=1[v1];"
         f"color=c=black:{S}:d=2,format=yuv420p,setsar=1[v2];"
         f"mandelbrot={S}:maxiter=50,trim=duration=3,format=yuv420p,setsar=1[v3];"
         f"color=c=red:{S}:d=3,format=yuv420p,setsar=1[v4];[v0][v1][v2][v3][v4]concat=n=5:v=1:a=0[v];"
         "sine=f=1000:r=48000:d=4[a0];anullsrc=r=48000:cl=mono,atrim=duration=2[a1];sine=f=440:r=48000:d=8[a2];"
         "[a0][a1][a2]concat=n=3:v=0:a=1[a]")
    ffmpeg("-filter_complex", v, "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(src))
    tech, plan, result = _run(src, d / "out")
    return src, tech, plan, result


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= TOL


def test_shots_black_freeze_silence(cuts):
    _, _, _, res = cuts
    bounds = [s.start_s for s in res.shots[1:]]
    assert len(bounds) == len(CUTS) and all(_near(a, b) for a, b in zip(bounds, CUTS, strict=True)), res.shots
    assert res.shots[0].start_s == 0 and _near(res.shots[-1].end_s, DURATION)
    assert len(res.black) == 1 and _near(res.black[0].start_s, BLACK[0]) and _near(res.black[0].end_s, BLACK[1])
    assert len(res.silences) == 1, res.silences
    assert _near(res.silences[0].start_s, SILENCE[0]) and _near(res.silences[0].end_s, SILENCE[1])
    assert any(_near(f.start_s, 11.0) and _near(f.end_s, DURATION) for f in res.freezes), res.freezes  # red


def _ebur128_stderr(src: Path) -> dict[str, float]:
    err = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(src), "-map", "0:a", "-af",
                          "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    grab = {k: float(re.search(rf"{k}:\s+(-?[\d.]+)", summary).group(1)) for k in ("I", "LRA", "Peak")}
    return grab


def test_loudness_matches_an_independent_ebur128_run(cuts):
    src, _, _, res = cuts
    ref = _ebur128_stderr(src)
    assert abs(res.loudness.integrated_lufs - ref["I"]) <= 0.5, (res.loudness, ref)
    assert abs(res.loudness.lra_lu - ref["LRA"]) <= 1.0
    assert abs(res.loudness.true_peak_dbtp - ref["Peak"]) <= 0.5


def test_proxy_is_h264_720_with_keyframes_every_second(cuts):
    _, tech, plan, _ = cuts
    info = probe(plan.proxy)
    v = video_stream(info)
    assert v["codec_name"] == "h264" and min(v["width"], v["height"]) <= 720 and v["pix_fmt"] == "yuv420p"
    assert (v["width"], v["height"]) == plan.proxy_size == (640, 360)
    assert any(s["codec_type"] == "audio" and s["codec_name"] == "aac" for s in info["streams"])
    assert abs(float(info["format"]["duration"]) - tech["duration_s"]) <= 0.1
    keys = keyframe_times(plan.proxy)
    gaps = [b - a for a, b in zip(keys, keys[1:], strict=False)]
    assert keys[0] == 0 and max(gaps) <= 1.05 and keys[-1] >= DURATION - 1.05
    assert faststart(plan.proxy)


def test_poster_sprites_vtt_waveform(cuts):
    _, _, plan, res = cuts
    assert res.poster and mean_luma(res.poster) > 28
    assert res.sprite_sheets == [plan.proxy.parent / "sprite_001.jpg"]
    sheet = video_stream(probe(res.sprite_sheets[0]))
    assert (sheet["width"], sheet["height"]) == (1600, 900)
    cues = _vtt_cues(res.thumbnails_vtt)
    assert len(cues) == 14 and cues[0][0] == 0 and abs(cues[-1][1] - DURATION) <= 0.1
    assert all(a[1] == b[0] for a, b in zip(cues, cues[1:], strict=False))
    wave = json.loads(res.waveform_json.read_text())
    assert 990 <= wave["buckets"] == len(wave["peaks"]) <= 1010
    tone, silent = (wave["peaks"][int(t / wave["bucket_s"])] for t in (1.0, 5.0))
    assert all(abs(abs(x) - 0.125) < 0.01 for x in tone) and max(map(abs, silent)) < 0.001


def test_shot_keyframes_come_from_the_proxy_one_per_shot(cuts, tmp_path):
    _, _, plan, res = cuts
    kp = plan_shot_keyframes(plan.proxy, tmp_path, res.shots)
    run_media_command(kp.cmd, timeout_s=60)
    assert all(p is not None and p.exists() for p in kp.images)
    assert sorted(tmp_path.glob("shot_*.jpg")) == kp.images
    assert mean_luma(kp.images[2]) < 20  # the black shot
    r, g, b = _mean_rgb(kp.images[4])  # the red shot
    assert r > 200 and g < 40 and b < 40


def _mean_rgb(image: Path) -> tuple[int, int, int]:
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(image), "-vf", "scale=1:1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return raw[0], raw[1], raw[2]


def _vtt_cues(path: Path) -> list[tuple[float, float, str]]:
    def secs(ts: str) -> float:
        h, m, s = ts.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    blocks = [b.splitlines() for b in path.read_text().strip().split("\n\n")[1:]]
    return [(secs(b[0].split(" --> ")[0]), secs(b[0].split(" --> ")[1]), b[1]) for b in blocks]


def test_long_clip_fills_two_sprite_sheets(tmp_path):
    src = tmp_path / "long.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=5:d=125", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", str(src))
    _, plan, res = _run(src, tmp_path / "out")
    assert [p.name for p in res.sprite_sheets] == ["sprite_001.jpg", "sprite_002.jpg"]
    cues = _vtt_cues(res.thumbnails_vtt)
    assert len(cues) == 125 and cues[-1][2] == "sprite_002.jpg#xywh=640,180,160,90"
    assert cues[0][0] == 0 and abs(cues[-1][1] - 125) <= 0.1
    assert res.loudness is None and res.waveform_json is None and res.shots == [(0.0, 125.0)]


def test_hdr_hlg_is_tone_mapped_to_8_bit_bt709(tmp_path):
    src = tmp_path / "hlg.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25:d=2", "-vf", "format=yuv420p10le",
           "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
           "-color_trc", "arib-std-b67", "-color_primaries", "bt2020", "-colorspace", "bt2020nc",
           "-pix_fmt", "yuv420p10le", str(src))
    tech, plan, res = _run(src, tmp_path / "out")
    assert tech["dynamic_range"] == "HLG" and tech["bit_depth"] == 10
    v = video_stream(probe(plan.proxy))
    assert v["pix_fmt"] == "yuv420p" and (v["width"], v["height"]) == (1280, 720)
    assert (v["color_space"], v["color_transfer"], v["color_primaries"]) == ("bt709", "bt709", "bt709")
    assert res.poster and mean_luma(res.poster) > 28


def test_interlaced_source_is_deinterlaced(tmp_path):
    src = tmp_path / "pal.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=720x576:r=25:d=2", "-vf", "setsar=64/45,setfield=tff",
           "-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ildct+ilme", "-x264opts", "tff=1",
           "-pix_fmt", "yuv420p", str(src))
    tech, plan, _ = _run(src, tmp_path / "out")
    assert tech["interlaced"] and any("yadif" in a for a in plan.cmd)
    v = video_stream(probe(plan.proxy))
    assert v.get("field_order") == "progressive" and (v["width"], v["height"]) == (1024, 576)


def test_audio_only_gets_loudness_silence_waveform(tmp_path):
    src = tmp_path / "talk.wav"
    ffmpeg("-filter_complex", "sine=f=300:d=3[a];anullsrc=r=44100:cl=mono,atrim=duration=2[b];sine=f=500:d=3[c];"
           "[a][b][c]concat=n=3:v=0:a=1", "-ar", "44100", str(src))
    _, plan, res = _run(src, tmp_path / "out")
    assert plan.proxy.name == "proxy.m4a" and plan.proxy.exists() and plan.poster is None
    assert len(res.silences) == 1 and _near(res.silences[0].start_s, 3) and _near(res.silences[0].end_s, 5)
    assert abs(res.loudness.integrated_lufs - _ebur128_stderr(src)["I"]) <= 0.5
    assert 990 <= json.loads(res.waveform_json.read_text())["buckets"] <= 1010
    assert res.shots == [] and res.sprite_sheets == [] and not list(plan.proxy.parent.glob("*.jpg"))

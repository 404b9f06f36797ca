"""The media pass's parsers (on strings shaped like ffmpeg 5.1's metadata print files) and its pure planners."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mam.media import media_pass as mp
from mam.media import media_pass_results as r
from mam.media.media_pass_results import Interval, Shot
from mam.media.runner import safe_media_command

SCENES = """frame:75   pts:38400   pts_time:3
lavfi.scene_score=0.832705
frame:90   pts:46080   pts_time:3.6
lavfi.scene_score=0.120000
frame:150  pts:76800   pts_time:6
lavfi.scene_score=0.927539
frame:155  pts:79360   pts_time:6.2
lavfi.scene_score=0.950000
frame:200  pts:102400  pts_time:8
lavfi.scene_score=1.000000
frame:345  pts:176640  pts_time:13.8
lavfi.scene_score=0.700000
"""

EVENTS = """frame:25   pts:12800   pts_time:1
lavfi.black_start=1
frame:30   pts:15360   pts_time:1.2
lavfi.black_end=1.2
frame:125  pts:64000   pts_time:5
lavfi.freezedetect.freeze_start=3
frame:150  pts:76800   pts_time:6
lavfi.black_start=6
lavfi.freezedetect.freeze_duration=3
lavfi.freezedetect.freeze_end=6
frame:200  pts:102400  pts_time:8
lavfi.black_end=8
lavfi.freezedetect.freeze_start=6
lavfi.freezedetect.freeze_duration=2
lavfi.freezedetect.freeze_end=8
frame:325  pts:166400  pts_time:13
lavfi.freezedetect.freeze_start=11
"""

SILENCE = """frame:234  pts:239616  pts_time:4.992
lavfi.silence_start=3.99996
frame:281  pts:287744  pts_time:5.99467
lavfi.silence_end=6.00015
lavfi.silence_duration=2.00019
frame:600  pts:614400  pts_time:12.8
lavfi.silence_start=11.5
"""

LOUDNESS = """frame:0    pts:0       pts_time:0
lavfi.r128.M=-120.7
lavfi.r128.I=-70.000
lavfi.r128.LRA=0.000
lavfi.r128.true_peaks_ch0=0.500
lavfi.r128.true_peak=0.500
frame:10   pts:48000   pts_time:1
lavfi.r128.M=-23.100
lavfi.r128.I=-23.050
lavfi.r128.LRA=2.000
lavfi.r128.true_peak=0.891
frame:11   pts:52800   pts_time:1.1
lavfi.r128.M=-23.200
lavfi.r128.I=-23.012
lavfi.r128.LRA=2.250
lavfi.r128.true_peak=0.700
"""

WAVE = """frame:0    pts:0       pts_time:0
lavfi.astats.Overall.Min_level=-0.125043
lavfi.astats.Overall.Max_level=0.124961
frame:1    pts:672     pts_time:0.014
lavfi.astats.Overall.Min_level=0.000000
lavfi.astats.Overall.Max_level=0.000000
frame:2    pts:1344    pts_time:0.028
lavfi.astats.Overall.Min_level=-1.300000
lavfi.astats.Overall.Max_level=nan
"""


def test_parse_metadata_keeps_frames_and_their_keys_in_order():
    frames = r.parse_metadata("garbage\n" + SILENCE + "frame:9 pts:N/A pts_time:N/A\nlavfi.x=1\n")
    assert [t for t, _ in frames] == [4.992, 5.99467, 12.8]
    assert list(frames[1][1]) == ["lavfi.silence_end", "lavfi.silence_duration"]


def test_scene_scores_and_shots():
    scores = r.parse_scene_scores(SCENES)
    assert scores[0] == (3.0, 0.832705) and len(scores) == 6
    shots = r.shots_from_scores(scores, 14.0, threshold=0.3, min_len=0.5)
    # 3.6 is below the threshold, 6.2 is too close to 6, 13.8 too close to the end
    assert shots == [Shot(0, 3), Shot(3, 6), Shot(6, 8), Shot(8, 14)]
    assert r.shots_from_scores([], 5.0) == [Shot(0, 5)]
    assert r.shots_from_scores(scores, 14.0, threshold=0.9) == [Shot(0, 6), Shot(6, 8), Shot(8, 14)]


def test_intervals_black_freeze_silence():
    black = r.parse_intervals(EVENTS, "lavfi.black_start", "lavfi.black_end", duration=14, min_duration=0.5)
    assert black == [Interval(6, 8)]  # 1.0-1.2 is tagged by blackdetect but shorter than d
    freeze = r.parse_intervals(EVENTS, "lavfi.freezedetect.freeze_start", "lavfi.freezedetect.freeze_end",
                               duration=14)
    assert freeze == [Interval(3, 6), Interval(6, 8), Interval(11, 14)]  # the last one is open at EOF
    silence = r.parse_intervals(SILENCE, "lavfi.silence_start", "lavfi.silence_end", duration=14)
    assert silence == [Interval(3.99996, 6.00015), Interval(11.5, 14)]
    assert r.parse_intervals(SILENCE, "lavfi.silence_start", "lavfi.silence_end") == [Interval(3.99996, 6.00015)]
    assert silence[0].duration_s == pytest.approx(2.00019)


def test_loudness_is_last_integrated_and_max_true_peak():
    loud = r.parse_loudness(LOUDNESS)
    assert loud.integrated_lufs == -23.012 and loud.lra_lu == 2.25
    assert loud.true_peak_dbtp == pytest.approx(-1.0, abs=0.01)  # 20*log10(0.891)
    assert r.parse_loudness("") is None
    silent = r.parse_loudness("frame:0 pts:0 pts_time:0\nlavfi.r128.I=-70.0\nlavfi.r128.true_peak=0.000\n")
    assert silent == r.Loudness(-70.0, 0.0, None)


def test_waveform_peaks_clamped_and_json():
    peaks = r.waveform_peaks(WAVE)
    assert peaks == [(-0.125, 0.125), (0.0, 0.0)]  # nan bucket skipped
    doc = json.loads(r.waveform_json(peaks, 0.014))
    assert doc["buckets"] == 2 and doc["peaks"][0] == [-0.125, 0.125] and doc["bucket_s"] == 0.014


def _cues(vtt: str) -> list[tuple[str, str]]:
    blocks = [b.splitlines() for b in vtt.strip().split("\n\n")[1:]]
    return [(b[0], b[1]) for b in blocks]


def _secs(ts: str) -> float:
    h, m, s = ts.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_thumbnails_vtt_cover_the_duration_and_roll_over_sheets():
    times = [float(t) for t in range(0, 250, 2)]  # 125 tiles, 2 s apart
    vtt = r.thumbnails_vtt(times, 249.5, tile=(160, 90), cols=10, rows=10)
    assert vtt.startswith("WEBVTT\n\n")
    cues = _cues(vtt)
    assert len(cues) == 125
    spans = [tuple(_secs(x) for x in c[0].split(" --> ")) for c in cues]
    assert spans[0][0] == 0 and spans[-1][1] == 249.5
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert cues[0][1] == "sprite_001.jpg#xywh=0,0,160,90"
    assert cues[11][1] == "sprite_001.jpg#xywh=160,90,160,90"
    assert cues[99][1] == "sprite_001.jpg#xywh=1440,810,160,90"
    assert cues[100][1] == "sprite_002.jpg#xywh=0,0,160,90"
    assert r.thumbnails_vtt([0.04, 1.0], 1.5, tile=(160, 90), cols=10, rows=10).count("-->") == 2
    assert "01:01:01.500" in r._vtt_time(3661.5)


@pytest.mark.parametrize("duration,step", [(5, 1), (119, 1), (400, 1), (401, 2), (2000, 5), (4000, 10),
                                           (7200, 10)])
def test_sprite_interval(duration, step):
    assert mp.sprite_interval(duration) == step


@pytest.mark.parametrize("shot,target", [
    (Shot(0, 3), 2), (Shot(3, 6), 4), (Shot(6, 8), 7), (Shot(2.5, 3.4), 3), (Shot(3.1, 3.9), None),
    (Shot(0, 0.5), 0), (Shot(10.0, 11.0), 10),
])
def test_shot_target_is_a_whole_second_inside_the_shot(shot, target):
    assert mp.shot_target(shot) == target


def test_shot_keyframes_plan_maps_images_to_shots(tmp_path):
    plan = mp.plan_shot_keyframes(Path("/p/proxy.mp4"), tmp_path, [Shot(0, 3), Shot(3.1, 3.9), Shot(3.9, 8)])
    assert plan.images == [tmp_path / "shot_0001.jpg", None, tmp_path / "shot_0002.jpg"]
    cmd = " ".join(plan.cmd)
    assert "-skip_frame nokey -i file:/p/proxy.mp4" in cmd and "gte(t\\,2)" in cmd and "gte(t\\,6)" in cmd
    assert mp.plan_shot_keyframes(Path("/p.mp4"), tmp_path, [Shot(0.2, 0.8)]) is None


def _tech(**kw):
    base = {"width": 1920, "height": 1080, "duration_s": 30.0, "fps": 25.0, "audio_codec": "aac", "kind": "video",
            "dynamic_range": "SDR", "audio_sample_rate": 48000}
    return {**base, **kw}


def test_video_plan_is_one_safe_process_writing_every_product(tmp_path):
    plan = mp.plan_media_pass(Path("/in put.mov"), tmp_path, _tech())
    cmd = safe_media_command(plan.cmd)  # what the runner runs
    joined = " ".join(cmd)
    assert cmd[0] == "ffmpeg" and cmd.count("-i") == 1 and cmd.count("-filter_complex") == 1
    assert cmd.index("-nostdin") < cmd.index("-i") and cmd[cmd.index("-protocol_whitelist") + 1] == "file,pipe"
    assert cmd[cmd.index("-i") + 1] == "file:/in put.mov"
    for out in ("proxy.mp4", "poster.jpg", "sprite_%03d.jpg"):
        assert f"file:{tmp_path / out}" in cmd
    for f in ("split=4", "asplit=4", "thumbnail", "blurdetect", "tile=layout=10x10", "fps=fps=1/1",
              "gt(scene\\,0.1)", "blackdetect=d=0.5:pix_th=0.1", "freezedetect=d=2:n=-60dB",
              "ebur128=metadata=1:peak=true", "silencedetect=d=1:n=-50dB", "astats", "asetnsamples=n=1440"):
        assert f in joined, f
    assert "expr:gte(t,n_forced*1)" in cmd and "+faststart" in cmd and "pipe:1" in cmd
    assert "yadif" not in joined and "zscale" not in joined
    assert plan.proxy_size == (1280, 720) and plan.sprite_tile == (160, 90) and plan.sprite_interval_s == 1
    assert set(plan.reports) == {"scenes", "video_events", "sprite_times", "loudness", "silence", "waveform"}
    assert all(str(p.absolute()) in joined for p in plan.reports.values())
    assert plan.waveform_bucket_s == pytest.approx(0.03)


def test_hdr_interlaced_silent_portrait(tmp_path):
    plan = mp.plan_media_pass(Path("/x.mxf"), tmp_path, _tech(
        width=1080, height=1920, interlaced=True, audio_codec=None, dynamic_range="HLG"))
    joined = " ".join(plan.cmd)
    assert joined.index("yadif") < joined.index("zscale") < joined.index("tonemap=desat=0:tonemap=hable")
    assert "tin=arib-std-b67" in joined and "-color_trc bt709" in joined and "-an" in plan.cmd
    assert "ebur128" not in joined and "0:a" not in joined and plan.waveform_json is None
    assert "loudness" not in plan.reports
    assert plan.proxy_size == (720, 1280) and plan.sprite_tile == (160, 284)
    pq = " ".join(mp.plan_media_pass(Path("/x.mov"), tmp_path, _tech(dynamic_range="PQ")).cmd)
    assert "tin=smpte2084" in pq
    no_z = " ".join(mp.plan_media_pass(Path("/x.mov"), tmp_path, _tech(dynamic_range="PQ"), zscale=False).cmd)
    assert "zscale" not in no_z and "colorspace=all=bt709:format=yuv420p:iall=bt2020" in no_z


def test_audio_only_plan_and_refusals(tmp_path):
    plan = mp.plan_media_pass(Path("/a.wav"), tmp_path, {"kind": "audio", "duration_s": 60.0,
                                                         "audio_codec": "pcm_s16le", "audio_sample_rate": 44100})
    joined = " ".join(plan.cmd)
    assert plan.proxy == tmp_path / "proxy.m4a" and plan.poster is None and plan.sprites is None
    assert set(plan.reports) == {"loudness", "silence", "waveform"}
    assert "asplit=4" in joined and "0:v" not in joined and "asetnsamples=n=2646" in joined
    with pytest.raises(ValueError):
        mp.plan_media_pass(Path("/a.jpg"), tmp_path, {"kind": "image", "width": 10, "height": 10})

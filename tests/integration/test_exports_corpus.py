"""Exports of real clips nobody here made (``../shared/corpus``): the sources whose streams disagree with their
container, whose audio is quiet, peaky, mono or short, and whose pictures are short or noisy. Each output
passes the product's QC and is verified independently: stream durations by plain ffprobe against the source's
own streams, loudness and true peak by a plain ffmpeg ``ebur128`` run, the video rate against the VBV bound.

Skipped (with the reason) when the corpus is not there. Small subsets and ranges keep it near a minute.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mam.exports import ExportRequest, check_output, measure_loudness, plan_export
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.presets import load_presets

P = load_presets()
SAMPLE = "sbraz__pymediainfo/tests/data/sample.mp4"  # container 0.980 s; video 0.083-1.043, audio 0-0.981
GPS = "drewnoakes__metadata-extractor-images/mp4/with-gps.mp4"  # 0.171 s; video 0.100, audio 0.171
AVI = "drewnoakes__metadata-extractor-images/avi/100_0306.AVI"  # 2.733 s video, 2.438 s quiet clipped mono 22 kHz
SMPTE = "Zulko__moviepy/media/smpte-2997.mp4"  # a test signal whose peaks stand 23 dB above its loudness
FLIR = "drewnoakes__metadata-extractor-images/mp4/FLIR Thermal.mp4"  # 11 s of thermal noise, variable rate
JAVA = "drewnoakes__metadata-extractor-images/mp4/Issue 515 (java).mp4"  # timestamps 29.97, average 29.986
XMAS = "photoprism__photoprism/assets/examples/christmas.mp4"  # 9 frames at 11.111 fps
TINY = "Zulko__moviepy/media/test_video.mp4"  # 1x1 pixel, 1 fps, 5 s: segments of a few hundred bytes
PHONE = "drewnoakes__metadata-extractor-images/3gp/sample.3gp"  # MPEG-4 part 2 yuv420p tagged full range, AMR-NB
AX = "androidx__media/libraries/test_data/src/test/assets/media/mp4/"
SEF = AX + "sample_sef_slow_motion.mp4"  # 64 frames at 30 fps, an edit list ending at the last one; -53 LUFS
HLG = AX + "hlg10-color-test.mp4"  # 0.300 s of HLG video, 0.289 s of audio
PORTRAIT = AX + "portrait_4k60.mp4"  # 0.30 s of 2160x3840 60 fps; 0.31 s of audio with a loud onset
H265 = AX + "h265_with_metadata_track.mp4"  # 3 frames of HEVC, 0.08 s of audio, a data track first


@pytest.fixture(scope="module", autouse=True)
def _need_ffmpeg():
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.skip("ffmpeg/ffprobe not installed (apt-get install ffmpeg)")


def ebur128(path: Path) -> dict[str, float]:
    # 0.4 s of silence closes the gating blocks ffmpeg's ebur128 would leave open at the end
    err = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(path), "-map", "0:a:0",
                          "-af", "apad=pad_dur=0.4,ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    return {"I": float(re.search(r"I:\s+(-?[\d.]+|-inf)", summary).group(1)),
            "TP": float(re.search(r"Peak:\s+(-?[\d.]+|-inf)", summary).group(1))}


def span(path: Path, stream: str) -> tuple[float, float, int]:
    """(first pts, last pts + its duration, bytes) of one stream, by plain ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
                          "packet=pts_time,duration_time,size", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    pk = [p for p in json.loads(out)["packets"] if p.get("pts_time") not in (None, "N/A")]
    return (min(float(p["pts_time"]) for p in pk),
            max(float(p["pts_time"]) + float(p.get("duration_time") or 0) for p in pk),
            sum(int(p["size"]) for p in pk))


def export(src: Path, names: list[str], work: Path, start_s: float | None = None, end_s: float | None = None):
    tech = normalise(run_ffprobe(src, 30))
    requests = [ExportRequest(P[n], start_s, end_s) for n in names]
    measured = measure_loudness(src, start_s=start_s, end_s=end_s, timeout_s=120, tech=tech)
    plan = plan_export(src, tech, requests, work, measured=measured, timeout_s=120)
    run_media_command(plan.cmd, timeout_s=600, progress_file=plan.progress_file)
    want = (end_s if end_s is not None else float(tech["duration_s"])) - (start_s or 0.0)
    reports = {n: check_output(P[n], plan.outputs[n], want_duration_s=want, timeout_s=120) for n in names}
    return tech, plan, reports


def passed(reports) -> None:
    bad = {n: [(c.name, c.want, c.got) for c in r.failed()] for n, r in reports.items() if not r.passed}
    assert not bad, bad


def test_streams_longer_or_shorter_than_the_container_are_carried_as_the_source_plays_them(corpus, tmp_path):
    src = corpus / SAMPLE
    _, plan, reports = export(src, ["web-mp4", "app-hls"], tmp_path)
    passed(reports)
    v0, v1, _ = span(src, "v:0")
    a0, a1, _ = span(src, "a:0")
    out = plan.outputs["web-mp4"].main
    ov0, ov1, _ = span(out, "v:0")
    oa0, oa1, _ = span(out, "a:0")
    frame = 1001 / 24000
    assert abs((ov1 - ov0) - v1) <= frame + 1e-3  # to the source video's last frame (1.043 s), past the container
    assert abs((oa1 - oa0) - (a1 - a0)) <= frame + 1024 / 48000 + 1e-3
    checks = {c.name: c for c in reports["web-mp4"].checks}
    assert "source's streams" in checks["duration"].want


def test_a_clip_shorter_than_a_gop_passes_without_rate_verdicts(corpus, tmp_path):
    src = corpus / GPS
    _, plan, reports = export(src, ["web-mp4", "app-hls", "broadcast-hd"], tmp_path)
    passed(reports)
    web = {c.name: c for c in reports["web-mp4"].checks}
    assert "not rated" in web["video_bitrate"].got
    hls = {c.name: c for c in reports["app-hls"].checks}
    assert "not rated" in hls["bandwidth"].got and "not rated" in hls["average_bandwidth"].got
    mxf = {c.name: c for c in reports["broadcast-hd"].checks}
    assert "not rated" in mxf["loudness"].got  # under one 400-ms gating block
    _, v1, _ = span(src, "v:0")
    o0, o1, _ = span(plan.outputs["web-mp4"].main, "v:0")
    assert abs((o1 - o0) - v1) <= 1 / 30 + 1e-3


def test_quiet_clipped_mono_audio_reaches_its_targets_under_the_ceiling(corpus, tmp_path):
    src = corpus / AVI
    _, plan, reports = export(src, ["radio-wav", "web-mp4", "broadcast-hd"], tmp_path)
    passed(reports)
    for name in ("radio-wav", "web-mp4", "broadcast-hd"):
        loud = P[name].loudness
        m = ebur128(plan.outputs[name].main)
        assert abs(m["I"] - loud.target_lufs) <= loud.tolerance_lu, (name, m)
        assert m["TP"] <= loud.true_peak_dbtp + 0.1, (name, m)
    _, a1, _ = span(src, "a:0")
    w0, w1, _ = span(plan.outputs["radio-wav"].main, "a:0")
    assert abs((w1 - w0) - a1) <= 0.041  # the audio as long as the source's (2.438 s), not the container's
    m0, m1, _ = span(plan.outputs["broadcast-hd"].main, "v:0")
    assert abs((m1 - m0) - 2.733) <= 0.041  # MXF keeps the whole picture; the audio runs on in silence


def test_a_peaky_signal_is_limited_up_to_the_target_over_an_exact_range(corpus, tmp_path):
    src = corpus / SMPTE
    _, plan, reports = export(src, ["web-mp4"], tmp_path, start_s=2.0, end_s=6.0)
    passed(reports)
    out = plan.outputs["web-mp4"].main
    m = ebur128(out)
    assert abs(m["I"] + 15) <= 2 and m["TP"] <= -1.0 + 0.1, m
    v0, v1, _ = span(out, "v:0")
    assert abs((v1 - v0) - 4.0) <= 0.04 + 1e-3  # a requested range is exact to a frame


def test_the_encoder_holds_its_cap_on_noisy_pictures(corpus, tmp_path):
    src = corpus / FLIR
    _, plan, reports = export(src, ["douyin-9x16", "app-hls"], tmp_path)
    passed(reports)
    br = P["douyin-9x16"].video.bitrate
    v0, v1, size = span(plan.outputs["douyin-9x16"].main, "v:0")
    kbps = size * 8 / (v1 - v0) / 1000
    assert kbps <= br.maxrate_kbps + br.bufsize_kbps / (v1 - v0), kbps


def ymin(path: Path) -> int:
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-frames:v", "1",
                          "-vf", "signalstats,metadata=print:key=lavfi.signalstats.YMIN:file=-", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stdout
    return int(re.search(r"YMIN=(\d+)", out).group(1))


def test_a_full_range_source_is_converted_to_video_range(corpus, tmp_path):
    src = corpus / PHONE
    _, plan, reports = export(src, ["web-mp4", "app-hls"], tmp_path)
    passed(reports)
    out = plan.outputs["web-mp4"].main
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=pix_fmt,color_range", "-of", "json", str(out)],
                           capture_output=True, text=True, check=True).stdout
    assert json.loads(probe)["streams"][0] == {"pix_fmt": "yuv420p", "color_range": "tv"}
    # the levels are converted: the source's near-white floor (226 of 0-255) lands at 16 + 226 * 219 / 255
    assert abs(ymin(out) - (16 + ymin(src) * 219 / 255)) <= 3


def test_audio_with_gaps_in_its_timestamps_lasts_as_the_source_plays_it(corpus, tmp_path):
    src = corpus / PHONE  # AMR-NB whose 100-ms packets decode to 20 ms each: 80-ms gaps, the last one too
    _, plan, reports = export(src, ["radio-wav"], tmp_path)
    passed(reports)
    _, a1, _ = span(src, "a:0")
    w0, w1, _ = span(plan.outputs["radio-wav"].main, "a:0")
    assert abs((w1 - w0) - a1) <= 0.021  # 4.92 s of 4.933 (the last packet's declared end), not 4.84


@pytest.mark.parametrize("clip, rate", [(JAVA, 30.0), (XMAS, 11.111)])
def test_the_master_playlist_declares_the_rate_the_streams_carry(corpus, tmp_path, clip, rate):
    _, plan, reports = export(corpus / clip, ["app-hls"], tmp_path, end_s=2.0 if clip == JAVA else None)
    passed(reports)
    master = plan.outputs["app-hls"].main.read_text()
    assert all(abs(float(x) - rate) < 0.002 for x in re.findall(r"FRAME-RATE=([\d.]+)", master)), master


def test_average_bandwidth_is_what_the_media_segments_hold(corpus, tmp_path):
    _, plan, reports = export(corpus / TINY, ["app-hls"], tmp_path)
    passed(reports)  # the init segment (as large as the media on this clip) is not counted


def test_a_frame_outside_the_edit_list_is_not_wanted_and_a_short_constant_clip_keeps_its_rate(corpus, tmp_path):
    src = corpus / SEF  # 64 packets, the last flagged discard: ffprobe's average reads 30.472, taken for VFR
    _, plan, reports = export(src, ["web-mp4", "app-hls", "broadcast-hd"], tmp_path)
    passed({n: r for n, r in reports.items() if n == "broadcast-hd"})
    for name in ("web-mp4", "app-hls"):
        bad = {c.name: c for c in reports[name].failed()}
        assert set(bad) == {"loudness"}, bad  # the duration is the 2.100 s the edit list plays
        # a source 38 dB under -15 LUFS: the reason names the source's level and a target within reach
        assert "the source's audio is -53" in bad["loudness"].got and "loudness_target of -18" in bad["loudness"].got
    v0, v1, _ = span(plan.outputs["web-mp4"].main, "v:0")
    assert abs((v1 - v0) - 2.1) <= 1 / 30 + 1e-3
    master = plan.outputs["app-hls"].main.read_text()
    assert all(x == "30.000" for x in re.findall(r"FRAME-RATE=([\d.]+)", master)), master  # not 48


@pytest.mark.parametrize("clip", [HLG, H265])
def test_hls_audio_under_one_gating_block_is_not_rated(corpus, tmp_path, clip):
    _, _, reports = export(corpus / clip, ["app-hls"], tmp_path)
    passed(reports)
    checks = {c.name: c for c in reports["app-hls"].checks}
    assert "not rated" in checks["loudness"].got, checks["loudness"]


def test_a_third_of_a_second_of_aac_may_spend_its_bit_reservoir(corpus, tmp_path):
    src = corpus / PORTRAIT  # the encoder borrows on the loud onset and has no frames left to pay it back
    _, plan, reports = export(src, ["douyin-9x16", "app-hls"], tmp_path)
    passed(reports)
    a0, a1, size = span(plan.outputs["douyin-9x16"].main, "a:0")
    kbps = size * 8 / (a1 - a0) / 1000
    assert 128 * 1.15 < kbps <= 128 * 1.15 + 2 * 6144 / 1000 / (a1 - a0), kbps  # over the nominal, within the buffer

"""Exports on generated clips with real ffmpeg, each output checked by the product's QC AND independently
(plain ffprobe, plain ffmpeg ebur128, plain ffmpeg reading the HLS master playlist end to end).

Clips are short and small where a preset allows it (the broadcast and Douyin rasters are fixed), so the module
stays well under a minute on two cores: ten presets from ONE ffmpeg run of a 640x360 30p clip, an SD 50i clip
without audio, a vertical clip, and stills.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from mam.exports import (
    ExportRequest,
    PlannedOutput,
    check_output,
    measure_loudness,
    plan_export,
    plan_still,
    write_still_metadata,
)
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.presets import load_presets
from tests.support.media import faststart, ffmpeg, keyframe_times, probe, video_stream

P = load_presets()
LAND = ["app-hls", "web-mp4", "douyin-9x16", "wechat-channels", "bilibili", "weibo", "xuexi", "broadcast-hd",
        "mezzanine", "radio-wav"]
START, END = 1.0, 9.0
META = {"caption": "京雄城际铁路通车 航拍", "credit": "融媒体中心 张三", "date": "2020-12-27",
        "place": "河北省 雄安新区"}


@pytest.fixture(scope="module", autouse=True)
def _need_ffmpeg():
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.skip("ffmpeg/ffprobe not installed (apt-get install ffmpeg)")


def ebur128(path: Path) -> dict[str, float]:
    """Integrated loudness and true peak of ``path``'s audio by a plain ffmpeg ebur128 run (its summary)."""
    hls = ["-allowed_extensions", "ALL"] if path.suffix == ".m3u8" else []
    err = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", *hls, "-i", str(path),
                          "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    return {"I": float(re.search(r"I:\s+(-?[\d.]+|-inf)", summary).group(1)),
            "TP": float(re.search(r"Peak:\s+(-?[\d.]+|-inf)", summary).group(1))}


def packets(path: Path, stream: str) -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
                          "packet=pts_time,duration_time,flags", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["packets"]


def stream_duration(path: Path, stream: str = "v:0") -> float:
    pk = [p for p in packets(path, stream) if p.get("pts_time") not in (None, "N/A")]
    return max(float(p["pts_time"]) + float(p.get("duration_time") or 0) for p in pk) - \
        min(float(p["pts_time"]) for p in pk)


def run_plan(src: Path, names: list[str], work: Path, **kw):
    tech = normalise(run_ffprobe(src, 30))
    start, end = kw.get("start_s"), kw.get("end_s")
    requests = [ExportRequest(P[n], start, end) for n in names]
    measured = measure_loudness(src, start_s=start, end_s=end, timeout_s=60)
    plan = plan_export(src, tech, requests, work, measured=measured)
    ticks: list[float] = []
    run_media_command(plan.cmd, timeout_s=600, on_progress=ticks.append, progress_file=plan.progress_file)
    return tech, plan, measured, ticks


@pytest.fixture(scope="module")
def land(tmp_path_factory):
    """640x360 at 30p, 10 s, stereo tone with a louder passage; exported to ten presets over 1..9 s at once."""
    d = tmp_path_factory.mktemp("exports_land")
    src = d / "land.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=10", "-f", "lavfi",
           "-i", "sine=f=440:r=48000:d=10,volume=enable='between(t,3,5)':volume=3", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest", str(src))
    tech, plan, measured, ticks = run_plan(src, LAND, d / "out", start_s=START, end_s=END)
    return src, tech, plan, measured, ticks


@pytest.fixture(scope="module")
def sd50i(tmp_path_factory):
    """720x576 50i bottom field first, 16:15 pixels (PAL DV-like), no audio, 6 s."""
    d = tmp_path_factory.mktemp("exports_sd")
    src = d / "sd.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=50:duration=6", "-vf", "interlace=scan=bff,setsar=16/15",
           "-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ilme+ildct", "-x264-params", "bff=1",
           "-pix_fmt", "yuv420p", str(src))
    tech, plan, measured, _ = run_plan(src, ["app-hls", "broadcast-hd"], d / "out")
    return src, tech, plan, measured


@pytest.fixture(scope="module")
def vertical(tmp_path_factory):
    """A 360x640 phone clip at 25p with mono 44.1 kHz audio, 6 s."""
    d = tmp_path_factory.mktemp("exports_vertical")
    src = d / "vertical.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=360x640:rate=25:duration=6", "-f", "lavfi",
           "-i", "sine=f=440:r=44100:d=6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-ac", "1", "-shortest", str(src))
    tech, plan, _, _ = run_plan(src, ["app-hls"], d / "out")
    return src, tech, plan


@pytest.mark.parametrize("name", LAND)
def test_every_preset_passes_qc_from_one_run(land, name):
    _, _, plan, _, _ = land
    report = check_output(P[name], plan.outputs[name], want_duration_s=END - START, timeout_s=60)
    assert report.passed, [c for c in report.checks if not c.passed]
    names = {c.name for c in report.checks}
    assert "duration" in names and ("loudness" in names or P[name].loudness is None)


def test_one_input_made_every_output_and_progress_ticked(land):
    _, _, plan, _, ticks = land
    assert plan.cmd.count("-i") == 1
    assert ticks and 6.0 <= max(ticks) <= END - START + 0.5
    for out in plan.outputs.values():
        assert out.main.exists() and out.main.stat().st_size > 0


@pytest.mark.parametrize("name", [n for n in LAND if n != "app-hls"])
def test_files_measured_independently(land, name):
    _, _, plan, _, _ = land
    path, preset = plan.outputs[name].main, P[name]
    info = probe(path)
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert int(audio["sample_rate"]) == 48000 and audio["channels"] == 2
    if preset.video is not None:
        v = video_stream(info)
        assert abs(stream_duration(path) - (END - START)) <= 1 / 25 + 1e-3
        assert v["sample_aspect_ratio"] in ("1:1", "N/A") or "sample_aspect_ratio" not in v
        if preset.video.codec == "h264":
            assert v["profile"] == "High" and v["pix_fmt"] == "yuv420p" and v["field_order"] == "progressive"
            keys = keyframe_times(path)
            gaps = [b - a for a, b in zip(keys, keys[1:], strict=False)]
            assert keys[0] == pytest.approx(0, abs=0.02) and max(gaps) <= 2.0 + 0.02
        if preset.video.size.aspect == "fit":
            assert (v["width"], v["height"]) == (640, 360)  # never upscaled
        if preset.faststart:
            assert faststart(path)
    if preset.loudness is not None:
        loud = ebur128(path)
        assert abs(loud["I"] - preset.loudness.target_lufs) <= preset.loudness.tolerance_lu, loud
        assert loud["TP"] <= preset.loudness.true_peak_dbtp, loud


def test_broadcast_file_is_1080i25_tff_mpeg2_422_with_24_bit_pcm(land):
    path = land[2].outputs["broadcast-hd"].main
    info = probe(path)
    v = video_stream(info)
    a = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert info["format"]["format_name"] == "mxf"
    assert info["format"]["tags"]["operational_pattern_ul"].startswith("060e2b34.04010101.0d010201.0101")  # OP1a
    assert (v["codec_name"], v["profile"], v["pix_fmt"]) == ("mpeg2video", "4:2:2", "yuv422p")
    assert (v["width"], v["height"], v["r_frame_rate"], v["field_order"]) == (1920, 1080, "25/1", "tt")
    assert (a["codec_name"], a["bits_per_raw_sample"], a["sample_rate"]) == ("pcm_s24le", "24", "48000")
    size = path.stat().st_size * 8 / (END - START)
    assert 50e6 <= size <= 55e6  # 50 Mb/s video + 2.3 Mb/s PCM
    loud = ebur128(path)
    assert abs(loud["I"] + 24) <= 1 and loud["TP"] <= -2


def test_radio_wav_is_broadcast_wave(land):
    path = land[2].outputs["radio-wav"].main
    data = path.read_bytes()[:4096]
    assert data[:4] in (b"RIFF", b"RF64") and b"bext" in data
    a = probe(path)["streams"][0]
    assert (a["codec_name"], a["bits_per_sample"], a["sample_rate"]) == ("pcm_s24le", 24, "48000")


def _master(path: Path) -> list[tuple[dict[str, str], str]]:
    """(attributes, uri) per variant, parsed here independently of the product's reader."""
    lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]
    assert lines[0] == "#EXTM3U"
    out = []
    for i, ln in enumerate(lines):
        if ln.startswith("#EXT-X-STREAM-INF:"):
            attrs = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', ln.split(":", 1)[1]))
            out.append(({k: v.strip('"') for k, v in attrs.items()}, lines[i + 1]))
    return out


def test_hls_master_parses_and_decodes_end_to_end(land):
    out = land[2].outputs["app-hls"]
    variants = _master(out.main)
    assert [a["RESOLUTION"] for a, _ in variants] == ["416x234", "640x360"]  # 960x540 and up would upscale
    for attrs, uri in variants:
        assert attrs["CODECS"] == "avc1.64002a,mp4a.40.2" and attrs["FRAME-RATE"] == "30.000"
        assert int(attrs["BANDWIDTH"]) >= int(attrs["AVERAGE-BANDWIDTH"]) > 0
        media = (out.main.parent / uri).read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in media and "#EXT-X-ENDLIST" in media
        extinf = [float(x) for x in re.findall(r"#EXTINF:([\d.]+)", media)]
        assert extinf[:-1] == [6.0] * (len(extinf) - 1) and sum(extinf) == pytest.approx(END - START, abs=0.04)
    assert all(p.exists() for p in out.files) and len(out.files) == 1 + 2 * (1 + 1 + 2)  # after QC
    # the master, through ffmpeg's own HLS demuxer, every variant decoded
    res = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-allowed_extensions", "ALL", "-i", str(out.main),
                          "-map", "0:v", "-map", "0:a", "-f", "null", "-"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    frames = [int(x) for x in re.findall(r"frame=\s*(\d+)", res.stderr)]
    assert frames and frames[-1] >= 239  # 8 s x 30 fps of the first variant (ffmpeg counts one stream)
    loud = ebur128(out.main)
    assert abs(loud["I"] - P["app-hls"].loudness.target_lufs) <= P["app-hls"].loudness.tolerance_lu
    # keyframes on the same frames on every rung
    inits = sorted(out.main.parent.glob("*/init_*.mp4"))
    times = []
    for init in inits:
        joined = init.parent / "joined.mp4"
        joined.write_bytes(init.read_bytes() + b"".join(p.read_bytes() for p in sorted(init.parent.glob("seg_*"))))
        keys = keyframe_times(joined)
        times.append([round(t - keys[0], 3) for t in keys])
        joined.unlink()
    assert len(times) == 2 and times[0] == times[1] and times[0][:4] == [0.0, 2.0, 4.0, 6.0]


def test_a_50i_source_gives_a_50p_ladder_and_a_silent_broadcast_file(sd50i):
    src, tech, plan, measured = sd50i
    assert measured is None and tech["interlaced"]
    for name in ("app-hls", "broadcast-hd"):
        report = check_output(P[name], plan.outputs[name], want_duration_s=6.0, timeout_s=60)
        assert report.passed, [c for c in report.checks if not c.passed]
    variants = _master(plan.outputs["app-hls"].main)
    assert {a["FRAME-RATE"] for a, _ in variants} == {"50.000"}
    # 768x576 in square pixels (4:3): each rung's box keeps the aspect; 720p and up would upscale
    assert [a["RESOLUTION"] for a, _ in variants] == ["312x234", "480x360", "720x540"]
    bc = probe(plan.outputs["broadcast-hd"].main)
    v = video_stream(bc)
    assert (v["field_order"], v["r_frame_rate"]) == ("tt", "25/1")
    assert any(s["codec_type"] == "audio" and s["codec_name"] == "pcm_s24le" for s in bc["streams"])


def test_a_vertical_source_gets_a_vertical_ladder_in_stereo(vertical):
    _, _, plan = vertical
    report = check_output(P["app-hls"], plan.outputs["app-hls"], want_duration_s=6.0, timeout_s=60)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert [a["RESOLUTION"] for a, _ in _master(plan.outputs["app-hls"].main)] == ["234x416", "360x640"]
    media = sorted(plan.outputs["app-hls"].main.parent.glob("*/init_*.mp4"))[0]
    a = next(s for s in probe(media)["streams"] if s["codec_type"] == "audio")
    assert a["channels"] == 2 and a["sample_rate"] == "48000"


def _with_video(name: str, **changes):
    p = P[name]
    return p.model_copy(update={"video": p.video.model_copy(update=changes)})


@pytest.mark.parametrize("preset, check", [
    (lambda: _with_video("web-mp4", fps=25.0), "fps"),
    (lambda: _with_video("broadcast-hd", scan="progressive"), "scan"),
    (lambda: _with_video("web-mp4", profile="main"), "video_codec"),
    (lambda: _with_video("douyin-9x16", size=P["douyin-9x16"].video.size.model_copy(update={"width": 720,
                                                                                             "height": 1280})),
     "size"),
    (lambda: _with_video("web-mp4", gop_s=1.0), "keyframes"),
    (lambda: P["radio-wav"].model_copy(update={"loudness": P["radio-wav"].loudness.model_copy(
        update={"target_lufs": -16.0})}), "loudness"),
    (lambda: P["bilibili"].model_copy(update={"limits": P["bilibili"].limits.model_copy(
        update={"max_size_bytes": 1000})}), "size_limit"),
])
def test_a_wrong_preset_value_fails_qc_naming_the_check(land, preset, check):
    p = preset()
    out = land[2].outputs[p.name]
    report = check_output(p, out, want_duration_s=END - START, timeout_s=60)
    failed = [c.name for c in report.checks if not c.passed]
    assert not report.passed and failed == [check], report.checks
    bad = next(c for c in report.checks if c.name == check)
    assert bad.want and bad.got and bad.want != bad.got


def test_a_wrong_duration_fails_qc_and_a_wrong_hls_segment_length_too(land):
    out = land[2].outputs["web-mp4"]
    report = check_output(P["web-mp4"], out, want_duration_s=8.2, timeout_s=60)
    assert [c.name for c in report.checks if not c.passed] == ["duration"]
    p = P["app-hls"]
    wrong = p.model_copy(update={"hls": p.hls.model_copy(update={"segment_s": 4.0})})
    report = check_output(wrong, land[2].outputs["app-hls"], want_duration_s=END - START, timeout_s=60)
    assert [c.name for c in report.checks if not c.passed] == ["segments"]


def test_a_missing_output_fails_qc(tmp_path):
    out = PlannedOutput("web-mp4", tmp_path / "nothing.mp4", [tmp_path / "nothing.mp4"], "video/mp4")
    report = check_output(P["web-mp4"], out, want_duration_s=1, timeout_s=10)
    assert not report.passed and report.checks[0].name == "readable"


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_print_still_is_full_resolution_with_its_caption(land, sd50i, tmp_path, fmt):
    p = P["print-still"]
    if fmt == "png":
        p = p.model_copy(update={"container": "png", "still": p.still.model_copy(update={"format": "png"})})
    for src, tech, size in ((land[0], land[1], (640, 360)), (sd50i[0], sd50i[1], (768, 576))):
        cmd, path = plan_still(src, tech, p, 2.0, tmp_path / src.stem, META)
        run_media_command(cmd, timeout_s=60)
        write_still_metadata(path, META)
        report = check_output(p, PlannedOutput(p.name, path, [path], p.content_type()), want_duration_s=0,
                              timeout_s=30)
        assert report.passed, report.checks
        with Image.open(path) as im:  # read by Pillow, independently
            im.load()
            assert im.size == size and im.format == ("PNG" if fmt == "png" else "JPEG")
            xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
            xmp = xmp.decode("utf-8") if isinstance(xmp, bytes) else xmp
            assert all(v in xmp for v in META.values())
            if fmt == "png":
                assert im.info["Description"] == META["caption"]


def test_a_still_without_its_metadata_fails_qc(land, tmp_path):
    cmd, path = plan_still(land[0], land[1], P["print-still"], 1.0, tmp_path, META)
    run_media_command(cmd, timeout_s=60)
    report = check_output(P["print-still"], PlannedOutput("print-still", path, [path], "image/jpeg"),
                          want_duration_s=0, timeout_s=30)
    assert [c.name for c in report.checks if not c.passed] == ["metadata"]


def test_loudness_measuring_reads_the_range_only(land):
    src = land[0]
    whole = measure_loudness(src, start_s=None, end_s=None, timeout_s=60)
    loud_part = measure_loudness(src, start_s=3.0, end_s=5.0, timeout_s=60)
    assert loud_part.input_i > whole.input_i + 3  # the louder passage alone
    assert loud_part.input_tp == pytest.approx(whole.input_tp, abs=0.2)

"""The exports planner's command shape (pure: nothing is run): one input, every output, the right branches."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from mam.exports import ExportRequest, LoudnessMeasure, content_type_for, plan_export, plan_still
from mam.exports.geometry import motion_rate, output_rate, plan_frame, plan_ladder, snap_rate
from mam.exports.hls import avc1_codec, parse_master, parse_media
from mam.exports.loudness import correction_filter, parse_ebur128
from mam.exports.still import read_still_metadata, write_still_metadata
from mam.media.runner import filter_names, safe_media_command
from mam.presets import SizeSpec, load_presets

P = load_presets()
MEASURED = LoudnessMeasure(input_i=-20.0, input_tp=-9.0, input_lra=6.0, input_thresh=-30.0, target_offset=0.0)


def tech(w=1920, h=1080, fps=25.0, duration=30.0, *, audio=True, interlaced=False, field_order="progressive",
         **extra) -> dict:
    t = {"kind": "video", "width": w, "height": h, "fps": fps, "duration_s": duration, "interlaced": interlaced,
         "field_order": field_order, "sample_aspect_ratio": 1.0, "rotation": 0, "dynamic_range": "SDR",
         "audio_codec": "aac" if audio else None, "audio_channels": 2 if audio else None,
         "audio_streams": 1 if audio else 0, "vfr": False}
    t.update(extra)
    return t


def graph(cmd: list[str]) -> str:
    return cmd[cmd.index("-filter_complex") + 1]


def req(name: str, **kw) -> ExportRequest:
    return ExportRequest(P[name], **kw)


def test_four_presets_are_one_command_with_one_input_and_every_output(tmp_path):
    names = ["app-hls", "web-mp4", "douyin-9x16", "broadcast-hd", "radio-wav"]
    plan = plan_export(Path("/src/clip.mp4"), tech(), [req(n) for n in names], tmp_path, measured=MEASURED)
    cmd = plan.cmd
    assert cmd[0] == "ffmpeg" and cmd.count("-i") == 1 and cmd[cmd.index("-i") + 1] == "file:/src/clip.mp4"
    assert set(plan.outputs) == set(names)
    for name in names:
        out = plan.outputs[name]
        assert out.main.parent == tmp_path / name
        assert out.content_type == P[name].content_type()
    for name in ("web-mp4", "douyin-9x16", "broadcast-hd", "radio-wav"):
        assert f"file:{plan.outputs[name].main}" in cmd
    assert f"file:{tmp_path}/app-hls/%v/index.m3u8" in cmd
    assert cmd.count("-f") == 6  # null (tick) + hls + mp4 x2 + mxf + wav
    g = graph(cmd)
    assert g.count("[0:v:0]") == 1 and g.count("[0:a:0]") == 1  # one decode of each
    assert "split=5" in g or "split=6" in g  # ladder rungs (+ others) from one split
    assert plan.progress_file == tmp_path / "progress.txt" and "direct=1" in g
    safe = safe_media_command(cmd)  # the runner accepts it: hls/mxf/wav outputs, %v names, file: outputs
    assert safe.count("-format_whitelist") == 1


def test_every_h264_output_has_keyframes_on_the_same_two_second_grid(tmp_path):
    plan = plan_export(Path("/s.mp4"), tech(), [req("app-hls"), req("web-mp4")], tmp_path, measured=MEASURED)
    cmd = plan.cmd
    fkf = [cmd[i + 1] for i, a in enumerate(cmd) if a.startswith("-force_key_frames")]
    assert len(fkf) == 6 and set(fkf) == {"expr:gte(t,n_forced*2)"}
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a.startswith("-sc_threshold")] == ["0"] * 6
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a.startswith("-g:")] == ["50"] * 6
    assert "-var_stream_map" in cmd
    vsm = cmd[cmd.index("-var_stream_map") + 1]
    assert vsm == " ".join(f"v:{i},a:{i},name:{n}" for i, n in enumerate(["234p", "360p", "540p", "720p", "1080p"]))
    assert cmd[cmd.index("-hls_time") + 1] == "6" and cmd[cmd.index("-hls_segment_type") + 1] == "fmp4"


def test_the_master_playlist_is_written_with_every_tag(tmp_path):
    plan = plan_export(Path("/s.mp4"), tech(fps=29.97), [req("app-hls")], tmp_path, measured=MEASURED)
    master = plan.outputs["app-hls"].main
    variants = parse_master(master.read_text())
    assert [v.uri for v in variants] == [f"{n}/index.m3u8" for n in ("234p", "360p", "540p", "720p", "1080p")]
    for v in variants:
        assert {"BANDWIDTH", "AVERAGE-BANDWIDTH", "RESOLUTION", "CODECS", "FRAME-RATE"} <= set(v.attrs)
        assert v.attrs["CODECS"] == "avc1.64002a,mp4a.40.2" and v.attrs["FRAME-RATE"] == "29.970"
        assert int(v.attrs["BANDWIDTH"]) > int(v.attrs["AVERAGE-BANDWIDTH"])
    assert variants[-1].attrs["RESOLUTION"] == "1920x1080"
    files = plan.outputs["app-hls"].files
    assert files[0] == master and tmp_path / "app-hls/1080p/init_4.mp4" in files
    assert tmp_path / "app-hls/1080p/seg_00004.m4s" in files  # 30 s / 6 s = 5 segments


def test_rungs_above_the_source_are_dropped_and_vertical_sources_get_a_vertical_ladder():
    hls = P["app-hls"].hls
    assert [(r.width, r.height) for r in plan_ladder(hls, 1280, 720)] == [(416, 234), (640, 360), (960, 540),
                                                                          (1280, 720)]
    assert [(r.width, r.height) for r in plan_ladder(hls, 1080, 1920)] == [(234, 416), (360, 640), (540, 960),
                                                                           (720, 1280), (1080, 1920)]
    assert [(r.width, r.height) for r in plan_ladder(hls, 1440, 1080)][-1] == (1440, 1080)  # 4:3 kept
    assert [(r.width, r.height, r.name) for r in plan_ladder(hls, 320, 180)] == [(320, 180, "180p")]  # tiny
    for r in plan_ladder(hls, 1000, 700):
        assert r.width <= 1000 and r.height <= 700  # never upscaled


def test_size_rules():
    small = plan_frame(SizeSpec(width=1920, height=1080, aspect="fit"), 1280, 720)
    assert (small.width, small.height) == (1280, 720)  # never upscaled
    fit = plan_frame(SizeSpec(width=1920, height=1080, aspect="fit", orientation="source"), 2160, 3840)
    assert (fit.width, fit.height) == (1080, 1920)
    pad = plan_frame(SizeSpec(width=1080, height=1920, aspect="pad"), 1920, 1080)
    assert (pad.width, pad.height, pad.content) == (1080, 1920, (1080, 608))
    assert pad.filters() == ["scale=1080:608:out_range=tv", "pad=1080:1920:-1:-1:color=black", "setsar=1"]
    crop = plan_frame(SizeSpec(width=1080, height=1920, aspect="crop"), 1920, 1080)
    assert (crop.width, crop.height) == (1080, 1920) and crop.content[1] == 1920 and crop.content[0] >= 1080
    assert "crop=1080:1920" in crop.filters()
    src = plan_frame(SizeSpec(), 1918, 1080)
    assert (src.width, src.height) == (1918, 1080)


def test_every_picture_is_made_video_range_and_tagged_so(tmp_path):
    """A full-range source (MPEG-4 part 2 from a phone: yuv420p tagged pc) is converted, not just retagged."""
    names = ["app-hls", "web-mp4", "broadcast-hd"]
    plan = plan_export(Path("/src/clip.3gp"), tech(176, 144, 15.0), [req(n) for n in names], tmp_path,
                       measured=MEASURED)
    scales = re.findall(r"scale=[^,\[;]*", graph(plan.cmd))
    assert scales and all("out_range=tv" in s for s in scales), scales
    codecs = [i for i, a in enumerate(plan.cmd) if a.startswith("-c:v")]
    ranges = [i for i, a in enumerate(plan.cmd) if a.startswith("-color_range:v")]
    assert len(codecs) == len(ranges) and all(plan.cmd[i + 1] == "tv" for i in ranges)


def test_frame_rates():
    assert snap_rate(29.97) == Fraction(30000, 1001) and snap_rate(30.0) == Fraction(30)
    assert motion_rate(tech(fps=25, interlaced=True)) == 50  # 50i -> 50p
    assert motion_rate(tech(fps=29.95, vfr=True)) == Fraction(30000, 1001)
    assert motion_rate(tech(fps=20.09, vfr=True)) == Fraction(24000, 1001)  # never below the average
    assert output_rate(P["app-hls"].video, Fraction(120)) == 60  # max_fps 60
    assert output_rate(P["broadcast-hd"].video, Fraction(30)) == 25


def test_a_30p_source_is_made_interlaced_tff_for_broadcast(tmp_path):
    g = graph(plan_export(Path("/s.mp4"), tech(1280, 720, fps=30), [req("broadcast-hd")], tmp_path,
                          measured=MEASURED).cmd)
    assert re.search(r"fps=50,scale=1920:1080:out_range=tv,setsar=1,format=yuv422p,interlace=scan=tff", g), g
    assert "bwdif" not in g


def test_a_1080i25_tff_source_keeps_its_fields_for_broadcast_and_is_50p_for_hls(tmp_path):
    t = tech(interlaced=True, field_order="tt")
    cmd = plan_export(Path("/s.mp4"), t, [req("broadcast-hd"), req("app-hls")], tmp_path, measured=MEASURED).cmd
    g = graph(cmd)
    assert "scale=1920:1080:interl=1:out_range=tv,format=yuv422p,setsar=1,setfield=tff" in g
    assert "bwdif=mode=send_field" in g  # for the ladder only
    assert "interlace=scan=tff" not in g
    assert "-top:v:0" in cmd and "+cgop+ilme+ildct" in cmd
    master = parse_master((tmp_path / "app-hls/master.m3u8").read_text())
    assert {v.attrs["FRAME-RATE"] for v in master} == {"50.000"}
    bff = graph(plan_export(Path("/s.mp4"), tech(interlaced=True, field_order="bb"), [req("broadcast-hd")],
                            tmp_path, measured=MEASURED).cmd)
    assert "fieldorder=tff" in bff


def test_loudness_pass_two_is_linear_when_the_peaks_allow():
    assert correction_filter(MEASURED, -24, -2, lossy=False) == "volume=-4.00dB:precision=double"
    hot = LoudnessMeasure(input_i=-20.0, input_tp=-0.5, input_lra=12.0, input_thresh=-30.0, target_offset=0.0)
    f = correction_filter(hot, -15, -1, lossy=True)
    # peaks over the ceiling: the gain, then a 4x-oversampled limiter under -1 dBTP less the AAC headroom
    assert f.startswith("volume=5.00dB:precision=double,aresample=192000,alimiter=limit=0.72444:")
    assert "latency=1" in f and "level=0" in f and f.endswith("aresample=48000")
    assert correction_filter(hot, -15, -1, lossy=True, gain_db=9.5).startswith("volume=9.50dB")
    short = LoudnessMeasure(input_i=-70.0, input_tp=0.5, input_lra=0.0, input_thresh=-80.0, target_offset=0.0,
                            rated=False)
    assert correction_filter(short, -24, -2, lossy=False) == "volume=-2.80dB:precision=double"
    silent = LoudnessMeasure(input_i=-70.0, input_tp=-99.0, input_lra=0.0, input_thresh=-80.0, target_offset=0.0)
    assert correction_filter(silent, -24, -2, lossy=False) is None


def test_each_loudness_target_gets_its_own_branch_and_the_request_can_replace_it(tmp_path):
    plan = plan_export(Path("/s.mp4"), tech(), [req("web-mp4", loudness_target=-20.0), req("broadcast-hd"),
                                                req("mezzanine")], tmp_path, measured=MEASURED)
    g = graph(plan.cmd)
    assert "volume=0.00dB" in g and "volume=-4.00dB" in g
    assert g.count("volume=") == 2  # the mezzanine keeps the recorded level


def test_a_silent_source_gets_silent_tracks_and_no_loudness_is_needed(tmp_path):
    g = graph(plan_export(Path("/s.mp4"), tech(audio=False), [req("broadcast-hd")], tmp_path).cmd)
    assert "anullsrc=r=48000:cl=stereo,atrim=duration=30.000000" in g and "[0:a" not in g


def test_two_mono_tracks_make_the_stereo_pair(tmp_path):
    t = tech(audio_channels=1, audio_streams=2)
    g = graph(plan_export(Path("/s.mp4"), t, [req("radio-wav")], tmp_path, measured=MEASURED).cmd)
    assert g.startswith("[0:a:0][0:a:1]amerge=inputs=2,")


def test_ranges_seek_once_and_trim_branches_that_differ(tmp_path):
    """The input is sought two frames before the union of the ranges (an indexed container), each branch trimmed
    to its own range by the frame nearest each edge (half a frame, 20 ms at 25 fps), with short audio fades."""
    plan = plan_export(Path("/s.mp4"), tech(container="mov,mp4,m4a,3gp,3g2,mj2"),
                       [req("web-mp4", start_s=2.0, end_s=10.0), req("radio-wav", start_s=4.0, end_s=12.0)],
                       tmp_path, measured=MEASURED)
    cmd = plan.cmd
    assert cmd[cmd.index("-ss") + 1] == "1.920000" and cmd[cmd.index("-t") + 1] == "10.080000"
    assert cmd.index("-ss") < cmd.index("-i")
    g = graph(cmd)
    assert "trim=start=0.060000:end=8.060000,setpts=PTS-STARTPTS+max(0\\,STARTPTS-0.100000/TB)" in g
    assert "atrim=start=2.080000:end=10.080000,asetpts=PTS-2.080000/TB,aresample=async=1:first_pts=0" in g
    assert "afade=t=in:st=0:d=0.01,afade=t=out:st=7.990000:d=0.01" in g
    assert plan.duration_s == 10.0


def test_an_unindexed_stream_is_sought_well_before_the_range(tmp_path):
    """MPEG-TS may land on the keyframe after a seek target: the graph's trim, not the demuxer, picks the frame."""
    plan = plan_export(Path("/s.ts"), tech(container="mpegts"), [req("web-mp4", start_s=20.0, end_s=25.0)],
                       tmp_path, measured=MEASURED)
    assert plan.cmd[plan.cmd.index("-ss") + 1] == "14.000000"
    assert "trim=start=5.980000:end=10.980000,setpts=PTS-STARTPTS+max(0\\,STARTPTS-6.020000/TB)" in graph(plan.cmd)


@pytest.mark.parametrize("requests, t, message", [
    ([], tech(), "no presets"),
    (["print-still"], tech(), "plan_still"),
    (["web-mp4", "web-mp4"], tech(), "twice"),
    (["web-mp4"], {**tech(), "kind": "audio", "width": None}, "needs a video source"),
    (["radio-wav"], tech(audio=False), "has none"),
])
def test_bad_requests_are_refused(tmp_path, requests, t, message):
    with pytest.raises(ValueError, match=message):
        plan_export(Path("/s.mp4"), t, [req(n) for n in requests], tmp_path, measured=MEASURED)


@pytest.mark.parametrize("kw, message", [
    ({"start_s": 5.0, "end_s": 5.0}, "not after"),
    ({"start_s": -1.0}, "before the start"),
    ({"end_s": 31.0}, "past the end"),
])
def test_bad_ranges_are_refused(tmp_path, kw, message):
    with pytest.raises(ValueError, match=message):
        plan_export(Path("/s.mp4"), tech(), [req("web-mp4", **kw)], tmp_path, measured=MEASURED)


def test_a_loudness_target_needs_a_measurement(tmp_path):
    with pytest.raises(ValueError, match="measure"):
        plan_export(Path("/s.mp4"), tech(), [req("web-mp4")], tmp_path)
    plan_export(Path("/s.mp4"), tech(), [req("mezzanine")], tmp_path)  # no target: no measurement needed


def test_hls_in_transport_stream_segments(tmp_path):
    p = P["app-hls"]
    ts = p.model_copy(update={"hls": p.hls.model_copy(update={"segment_type": "mpegts"})})
    plan = plan_export(Path("/s.mp4"), tech(1280, 720), [ExportRequest(ts)], tmp_path, measured=MEASURED)
    assert "-hls_fmp4_init_filename" not in plan.cmd and plan.cmd[plan.cmd.index("-hls_segment_type") + 1] == "mpegts"
    assert all(f.suffix in (".m3u8", ".ts") for f in plan.outputs["app-hls"].files)
    assert "#EXT-X-VERSION:3" in (tmp_path / "app-hls/master.m3u8").read_text()


def test_playlist_readers():
    pl = parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init_0.mp4\"\n"
                     "#EXTINF:6.000,\nseg_00000.m4s\n#EXTINF:2.5,\nseg_00001.m4s\n#EXT-X-ENDLIST\n")
    assert pl.segments == [("seg_00000.m4s", 6.0), ("seg_00001.m4s", 2.5)] and pl.init == "init_0.mp4" and pl.endlist
    with pytest.raises(ValueError):
        parse_master("not a playlist")
    assert avc1_codec("high", "4.2") == "avc1.64002a" and avc1_codec("main", "3.1") == "avc1.4d401f"


def test_ebur128_print_parsing():
    text = ("frame:0    pts:0       pts_time:0\nlavfi.r128.I=-70.0\nlavfi.r128.true_peaks_ch0=0.1\n"
            "frame:1    pts:4800    pts_time:0.1\nlavfi.r128.I=-23.456\nlavfi.r128.LRA=5.5\n"
            "lavfi.r128.true_peaks_ch0=0.5\nlavfi.r128.true_peaks_ch1=0.25\n")
    m = parse_ebur128(text)
    assert m.integrated_lufs == -23.46 and m.lra_lu == 5.5 and m.true_peak_dbtp == -6.02
    assert parse_ebur128("") is None


def test_still_command_and_metadata_round_trip(tmp_path):
    t = tech(720, 576, interlaced=True, field_order="bb", sample_aspect_ratio=16 / 15)
    meta = {"caption": "京雄城际铁路 <航拍> & 通车", "credit": "记者 张三", "date": "2020-12-27", "place": "河北 雄安"}
    cmd, path = plan_still(Path("/s.mp4"), t, P["print-still"], 3.5, tmp_path, meta)
    assert path == tmp_path / "print-still" / "print-still.jpg" and cmd[-1] == f"file:{path}"
    vf = cmd[cmd.index("-vf") + 1]
    assert vf.startswith("bwdif=mode=send_frame") and "scale=768:576" in vf and cmd[cmd.index("-q:v") + 1] == "2"
    assert cmd[cmd.index("-ss") + 1] == "3.500000" and cmd.index("-ss") < cmd.index("-i")
    safe_media_command(cmd)
    with pytest.raises(ValueError, match="audio"):
        plan_still(Path("/s.m4a"), {"kind": "audio", "duration_s": 3}, P["print-still"], 1.0, tmp_path, {})
    with pytest.raises(ValueError, match="outside"):
        plan_still(Path("/s.mp4"), t, P["print-still"], 31.0, tmp_path, {})
    with pytest.raises(ValueError, match="unknown still metadata"):
        plan_still(Path("/s.mp4"), t, P["print-still"], 1.0, tmp_path, {"byline": "x"})
    # metadata goes into a JPEG without touching the coded picture
    jpeg = tmp_path / "x.jpg"
    body = b"\xff\xdb\x00\x04\x00\x00\xff\xda\x00\x02picture-data\xff\xd9"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00" + body)
    write_still_metadata(jpeg, meta)
    data = jpeg.read_bytes()
    assert data.endswith(body) and data.index(b"JFIF") < data.index(b"http://ns.adobe.com/xap/1.0/")
    assert read_still_metadata(jpeg) == meta


def test_content_types_of_stored_files():
    assert content_type_for(Path("a/master.m3u8")) == "application/vnd.apple.mpegurl"
    assert content_type_for(Path("seg_00001.m4s")) == "video/iso.segment"
    assert content_type_for(Path("seg_00001.ts")) == "video/mp2t"
    assert content_type_for(Path("init_0.mp4")) == "video/mp4"
    assert content_type_for(Path("x.mxf")) == "application/mxf"


def test_no_filter_the_runner_refuses(tmp_path):
    plan = plan_export(Path("/s.mp4"), tech(), [req(n) for n in ("app-hls", "web-mp4", "broadcast-hd")], tmp_path,
                       measured=MEASURED)
    assert not {"movie", "amovie", "zmq", "azmq"} & set(filter_names(graph(plan.cmd)))

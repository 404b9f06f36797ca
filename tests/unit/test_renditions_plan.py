from pathlib import Path

import pytest

from mam.media import renditions as r
from mam.media.media_pass import plan_media_pass
from mam.media.runner import safe_media_command


@pytest.mark.parametrize("w,h,limit,out", [
    (1920, 1080, 720, (1280, 720)), (3840, 2160, 720, (1280, 720)), (1080, 1920, 720, (720, 1280)),
    (640, 360, 720, (640, 360)), (1376, 1840, 720, (720, 962)), (1, 1, 720, (2, 2)),
])
def test_fit_within_keeps_aspect_and_even_sizes(w, h, limit, out):
    assert r.fit_within(w, h, limit) == out


def test_display_size_applies_sample_aspect_then_rotation():
    assert r.display_size({"width": 720, "height": 576, "sample_aspect_ratio": 64 / 45}) == (1024, 576)
    assert r.display_size({"width": 1280, "height": 720, "rotation": 90}) == (720, 1280)
    assert r.display_size({"width": 1280, "height": 720, "rotation": 180}) == (1280, 720)


def _tech(**kw):
    base = {"width": 1920, "height": 1080, "duration_s": 10.0, "fps": 25.0, "audio_codec": "aac",
            "kind": "video"}
    return {**base, **kw}


def test_media_pass_is_one_safe_ffmpeg_process(tmp_path):
    plan = plan_media_pass(Path("/work/in put.mp4"), tmp_path, _tech())
    cmd = safe_media_command(plan.cmd)  # what the runner runs
    assert cmd[0] == "ffmpeg" and cmd.count("-i") == 1
    assert cmd.index("-nostdin") < cmd.index("-i")
    assert cmd[cmd.index("-protocol_whitelist") + 1] == "file,pipe"
    assert cmd.index("-protocol_whitelist") < cmd.index("-i")
    assert cmd[cmd.index("-i") + 1] == "file:/work/in put.mp4"
    assert f"file:{tmp_path / 'proxy.mp4'}" in cmd and f"file:{tmp_path / 'poster.jpg'}" in cmd
    assert "+faststart" in cmd and "libx264" in cmd and "split" in " ".join(cmd)
    assert plan.proxy_size == (1280, 720)


def test_interlaced_sources_are_deinterlaced_and_silent_ones_get_no_audio(tmp_path):
    cmd = " ".join(plan_media_pass(Path("/x.mxf"), tmp_path, _tech(interlaced=True, audio_codec=None)).cmd)
    assert "yadif" in cmd and "-an" in cmd and "0:a" not in cmd
    assert "yadif" not in " ".join(plan_media_pass(Path("/x.mp4"), tmp_path, _tech()).cmd)


def test_stills_are_turned_upright_by_exif_orientation(tmp_path):
    plan = r.plan_image(Path("/p.jpg"), tmp_path, {"width": 4000, "height": 3000, "orientation": 6})
    assert "transpose=dir=clock" in " ".join(plan.cmd) and plan.proxy_size == (1280, 1706)


def test_progress_lines():
    from mam.media.runner import progress_seconds

    assert progress_seconds("out_time_us=2500000") == 2.5
    assert progress_seconds("out_time_us=N/A") is None
    assert progress_seconds("progress=continue") is None
    assert progress_seconds("frame:12   pts:12      pts_time:12") == 12.0
    assert progress_seconds("lavfi.mam.tick=1") is None


@pytest.mark.parametrize("device,aerial", [
    ("DJI FC7303", True), ("DJI Mavic3", True), ("DJI ZH20T", True), ("Hasselblad L1D-20c", True),
    ("Skydio 2", True), ("DJI OSMO Pocket", False), ("DJI Osmo Action 4", False), ("Apple iPhone 13", False),
    (None, False),
])
def test_drone_devices(device, aerial):
    from pipelines.metadata import is_drone

    assert is_drone(device) is aerial

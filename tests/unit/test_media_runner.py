"""The runner adds the safety flags and refuses what builders must never do (pure: nothing is run)."""

from pathlib import Path

import ffmpeg
import pytest

from mam.media import renditions as r
from mam.media.formats import ALLOWED_FORMATS, FORMAT_WHITELIST
from mam.media.media_pass import plan_media_pass, plan_shot_keyframes
from mam.media.media_pass_results import Shot
from mam.media.probe import ffprobe_command
from mam.media.runner import filter_names, media_tool_version, run_media_command, safe_media_command

SAFETY = ("-nostdin", "-hide_banner", "-protocol_whitelist", "-format_whitelist", "-pattern_type")


def _input_options(cmd: list[str], i: int) -> list[str]:
    """The four arguments right before the i-th ``-i``."""
    at = [k for k, a in enumerate(cmd) if a == "-i"][i]
    return cmd[at - 4:at]


def test_ffmpeg_gets_global_flags_and_whitelists_before_its_input():
    cmd = safe_media_command(["ffmpeg", "-i", "file:/w/in.mp4", "-c", "copy", "file:/w/out.mp4"])
    assert cmd[:3] == ["ffmpeg", "-nostdin", "-hide_banner"]
    assert _input_options(cmd, 0) == ["-protocol_whitelist", "file,pipe", "-format_whitelist", FORMAT_WHITELIST]
    assert cmd[-5:] == ["-i", "file:/w/in.mp4", "-c", "copy", "file:/w/out.mp4"]


def test_ffprobe_gets_no_nostdin():
    cmd = safe_media_command(ffprobe_command(Path("/w/x.mp4")))
    assert cmd[:2] == ["ffprobe", "-hide_banner"] and "-nostdin" not in cmd
    assert _input_options(cmd, 0)[1] == "file,pipe" and cmd[-2:] == ["-i", "file:/w/x.mp4"]


def test_every_input_gets_its_own_whitelists():
    cmd = safe_media_command(["ffmpeg", "-ss", "3", "-i", "file:/a.mov", "-i", "pipe:0", "-map", "0:v", "-map",
                              "1:a", "file:/o.mp4"])
    assert cmd.count("-protocol_whitelist") == 2 and cmd.count("-format_whitelist") == 2
    assert _input_options(cmd, 0)[0] == "-protocol_whitelist" and _input_options(cmd, 1)[0] == "-protocol_whitelist"
    assert cmd[cmd.index("-ss"):cmd.index("-ss") + 2] == ["-ss", "3"]  # the builder's input options stay in place


def test_the_format_whitelist_is_the_probe_gate_allowlist_and_leaves_out_playlists():
    names = set(FORMAT_WHITELIST.split(","))
    assert names == ALLOWED_FORMATS
    assert not names & {"hls", "concat", "tty", "lavfi", "dash", "image2pipe", "ffmetadata", "srt", "webvtt"}


def test_ffmpeg_python_compile_output_works():
    out = ffmpeg.input("file:/w/in.mkv", skip_frame="nokey").output("file:/w/o_%03d.jpg", vframes=3)
    cmd = safe_media_command(out.overwrite_output().compile())
    k = cmd.index("-i")
    assert cmd[k - 6:k] == ["-skip_frame", "nokey", "-protocol_whitelist", "file,pipe", "-format_whitelist",
                            FORMAT_WHITELIST]
    assert cmd[k + 1] == "file:/w/in.mkv" and "file:/w/o_%03d.jpg" in cmd  # outputs may be image2 patterns


def test_builders_return_arguments_only_and_the_runner_makes_them_safe(tmp_path):
    tech = {"width": 1920, "height": 1080, "duration_s": 10.0, "fps": 25.0, "audio_codec": "aac", "kind": "video"}
    plans = [
        plan_media_pass(Path("/w/in put.mov"), tmp_path, tech).cmd,
        plan_shot_keyframes(Path("/w/proxy.mp4"), tmp_path, [Shot(0, 3)]).cmd,
        r.plan_image(Path("/w/p.jpg"), tmp_path, {"width": 40, "height": 30}).cmd,
        r.plan_poster_fallback(Path("/w/c.mp4"), tmp_path, tech),
        ffprobe_command(Path("/w/c.mp4")),
    ]
    for plan in plans:
        assert not set(plan) & set(SAFETY), plan
        cmd = safe_media_command(plan)
        assert cmd.count("-protocol_whitelist") == cmd.count("-i") == 1
        assert cmd.index("-protocol_whitelist") < cmd.index("-format_whitelist") < cmd.index("-i")
    progress = safe_media_command(plans[0])
    assert progress[progress.index("-progress") + 1] == "pipe:1"


def test_builder_copies_of_nostdin_and_hide_banner_are_dropped():
    cmd = safe_media_command(["ffmpeg", "-hide_banner", "-nostdin", "-filters"])
    assert cmd == ["ffmpeg", "-nostdin", "-hide_banner", "-filters"]


def test_forced_image2_inputs_get_no_pattern_expansion():
    cmd = safe_media_command(["ffmpeg", "-f", "image2", "-i", "file:/w/still.jpg", "file:/w/o.png"])
    k = cmd.index("-i")
    assert cmd[k - 2:k] == ["-pattern_type", "none"] and cmd[:5] == ["ffmpeg", "-nostdin", "-hide_banner", "-f",
                                                                    "image2"]
    assert "-pattern_type" not in safe_media_command(["ffmpeg", "-i", "file:/w/still.jpg", "file:/w/o.png"])


@pytest.mark.parametrize("cmd", [
    "ffmpeg -i file:x.mp4 out.mp4",
    b"ffmpeg",
    [],
    ["ffmpeg", "-i", Path("/x.mp4"), "o.mp4"],
])
def test_strings_and_non_lists_are_type_errors(cmd):
    with pytest.raises(TypeError):
        safe_media_command(cmd)
    with pytest.raises(TypeError):
        run_media_command(cmd, timeout_s=1)


@pytest.mark.parametrize("cmd,match", [
    (["sh", "-c", "ffmpeg"], "ffmpeg and ffprobe only"),
    (["ffmpeg", "-i", "/w/in.mp4", "o.mp4"], "file: paths"),
    (["ffmpeg", "-i", "http://169.254.169.254/", "o.mp4"], "file: paths"),
    (["ffmpeg", "-i", "concat:file:/a.ts|file:/etc/passwd", "o.mp4"], "file: paths"),
    (["ffmpeg", "-f", "lavfi", "-i", "testsrc2", "o.mp4"], "file: paths"),
    (["ffmpeg", "-i", "file:", "o.mp4"], "file: paths"),
    (["ffmpeg", "-i", "file:/w/img%03d.jpg", "o.mp4"], "pattern"),
    (["ffmpeg", "-i", "file:/w/*.jpg", "o.mp4"], "pattern"),
    (["ffmpeg", "-i", "file:/w/a\nb.mp4", "o.mp4"], "pattern or control"),
    (["ffmpeg", "-i"], "without an input"),
    (["ffmpeg", "-f", "hls", "-i", "file:/w/x.mp4", "o.mp4"], "not accepted"),
    (["ffmpeg", "-f", "concat", "-i", "file:/w/x.txt", "o.mp4"], "not accepted"),
    (["ffmpeg", "-protocol_whitelist", "file,http", "-i", "file:/w/x.mp4", "o.mp4"], "set by the media runner"),
    (["ffmpeg", "-format_whitelist", "hls", "-i", "file:/w/x.mp4", "o.mp4"], "set by the media runner"),
    (["ffmpeg", "-enable_drefs", "1", "-i", "file:/w/x.mov", "o.mp4"], "set by the media runner"),
    (["ffmpeg", "-pattern_type", "glob", "-i", "file:/w/x.jpg", "o.mp4"], "set by the media runner"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-attach", "/etc/passwd", "o.mkv"], "outside"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-filter_complex_script", "/w/g.txt", "o.mp4"], "outside"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-filter_script:v", "/w/g.txt", "o.mp4"], "outside"),
    (["ffmpeg", "-dump_attachment:t", "", "-i", "file:/w/x.mkv"], "outside"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-/filter_complex", "/w/g.txt", "o.mp4"], "outside"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-filter_complex", "movie=/etc/passwd[m];[0:v][m]overlay", "o.mp4"],
     "movie"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-vf", "scale=2:2,zmq", "o.mp4"], "zmq"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-lavfi", "[0:a]anull[a];amovie=file:/x.wav[b]", "o.mp4"], "amovie"),
    (["ffmpeg", "-i", "file:/w/x.mp4", "-progress", "http://example.com/", "o.mp4"], "-progress"),
    (["ffprobe", "-show_format", "file:/w/x.mp4"], "exactly one input"),
    (["ffprobe", "-i", "file:/w/x.mp4", "-i", "file:/w/y.mp4"], "exactly one input"),
])
def test_refused_commands(cmd, match):
    with pytest.raises(ValueError, match=match):
        safe_media_command(cmd)
    with pytest.raises(ValueError, match=match):  # refused before anything runs
        run_media_command(cmd, timeout_s=1)


def test_pipes_and_progress_files_are_accepted():
    cmd = safe_media_command(["ffmpeg", "-i", "pipe:", "-i", "-", "-progress", "file:/w/p.txt", "file:/w/o.mp4"])
    assert cmd.count("-format_whitelist") == 2


def test_filter_names_reads_ffmpeg_python_graphs():
    graph = "[0:v]scale=1280:720[s0];[s0]split=2[s1][s2];[s1]select=gte(t\\,2)[s3];[s2]metadata=file=/w/movie"
    assert filter_names(graph) == ["scale", "split", "select", "metadata"]
    assert filter_names("movie@m=/x , scale=2:2") == ["movie", "scale"]


def test_version_queries_are_for_ffmpeg_and_ffprobe_only():
    with pytest.raises(ValueError):
        media_tool_version("sh")


def test_a_cancelled_command_is_killed_at_once(tmp_path):
    import shutil
    import time

    from mam.errors import Cancelled
    from mam.media.runner import run_media_command

    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    clip = tmp_path / "c.mp4"
    import subprocess

    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:d=2",
                    str(clip)], check=True)
    start = time.monotonic()
    with pytest.raises(Cancelled):
        run_media_command(["ffmpeg", "-re", "-stream_loop", "-1", "-i", f"file:{clip}", "-f", "null", "-"],
                          timeout_s=60, should_stop=lambda: time.monotonic() - start > 1)
    assert time.monotonic() - start < 5

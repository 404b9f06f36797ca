"""Real ffmpeg/ffprobe through the runner: playlists and concat lists are refused by ffmpeg itself (the demuxer
allowlist), even behind an ID3 tag and under a media file name; stills and ID3-tagged audio still work."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from mam.errors import InvalidMedia, MediaProcessingError, MediaTimeout
from mam.media.probe import ffprobe_command, normalise, run_ffprobe
from mam.media.runner import media_tool_version, run_media_command
from mam.sniff import sniff

pytestmark = pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("ffprobe")),
                                reason="ffmpeg/ffprobe not installed (apt-get install ffmpeg)")


def id3(body: bytes = bytes(64)) -> bytes:
    n = len(body)
    return b"ID3\x04\x00\x00" + bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F]) + body


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2", "-c:v", "mpeg2video", "-f", "mpegts",
            str(d / "seg.ts"))
    hls = (b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
           b"#EXTINF:2.0,\nseg.ts\n#EXT-X-ENDLIST\n")
    concat = b"ffconcat version 1.0\nfile seg.ts\n"
    for name in ("hls.mp3", "hls.mp4"):
        (d / name).write_bytes(id3() + hls)
    for name in ("concat.mp3", "concat.mp4"):
        (d / name).write_bytes(id3() + concat)
    (d / "bare_hls.avi").write_bytes(hls)
    (d / "bare_concat.mov").write_bytes(concat)
    return d


HOSTILE = ["hls.mp3", "hls.mp4", "concat.mp3", "concat.mp4", "bare_hls.avi", "bare_concat.mov"]


@pytest.mark.parametrize("name", HOSTILE)
def test_without_the_allowlist_ffprobe_would_follow_the_list(work, name):
    """The fixtures are really hostile: plain ffprobe (local files only) opens them as hls / concat and reads the
    segment they point at."""
    out = subprocess.run(["ffprobe", "-v", "error", "-protocol_whitelist", "file,pipe", "-show_entries",
                          "format=format_name:stream=codec_name", "-of", "compact", "-i", f"file:{work / name}"],
                         capture_output=True, text=True, timeout=60).stdout
    assert "mpeg2video" in out


@pytest.mark.parametrize("name", HOSTILE)
def test_ffprobe_through_the_runner_refuses_them(work, name):
    with pytest.raises(MediaProcessingError, match="not on whitelist"):
        run_media_command(ffprobe_command(work / name), timeout_s=30)
    with pytest.raises(InvalidMedia, match="not a media file.*whitelist"):
        run_ffprobe(work / name, timeout_s=30)


@pytest.mark.parametrize("name", HOSTILE)
def test_ffmpeg_through_the_runner_refuses_them(work, tmp_path, name):
    out = tmp_path / "out.mp4"
    with pytest.raises(MediaProcessingError, match="not on whitelist"):
        run_media_command(["ffmpeg", "-i", f"file:{work / name}", "-c", "copy", "-f", "mp4", f"file:{out}"],
                          timeout_s=30)
    assert not out.exists() or out.stat().st_size == 0


@pytest.mark.parametrize("name", HOSTILE)
def test_the_upload_check_refuses_them_too(work, name):
    assert sniff((work / name).read_bytes()[:4096]) == "playlist"


def test_id3_tagged_mp3_and_stills_named_jpg_still_work(work, tmp_path):
    mp3, jpg = tmp_path / "tone.mp3", tmp_path / "still.jpg"
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-metadata", "title=tone", str(mp3))
    assert mp3.read_bytes().startswith(b"ID3") and sniff(mp3.read_bytes()[:4096]) == "audio"
    tech = normalise(run_ffprobe(mp3, 30))
    assert tech["container"] == "mp3" and tech["kind"] == "audio"
    # big enough that ffmpeg picks image2 (by the extension) over jpeg_pipe: image2 must stay usable
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080", "-frames:v", "1", "-q:v", "1", str(jpg))
    tech = normalise(run_ffprobe(jpg, 30))
    assert tech["container"] == "image2" and tech["kind"] == "image"
    out = tmp_path / "small.png"
    run_media_command(["ffmpeg", "-i", f"file:{jpg}", "-vf", "scale=64:-2", "-frames:v", "1", f"file:{out}"],
                      timeout_s=60)
    assert out.stat().st_size > 0


def test_a_still_path_cannot_become_a_sequence(tmp_path):
    with pytest.raises(ValueError, match="pattern"):  # image2 would read x001.jpg, x002.jpg, …
        run_media_command(ffprobe_command(tmp_path / "x%03d.jpg"), timeout_s=10)


def test_runner_kills_at_the_time_limit(work):
    start = time.monotonic()
    with pytest.raises(MediaTimeout, match="limit"):
        run_media_command(["ffmpeg", "-re", "-stream_loop", "-1", "-i", f"file:{work / 'seg.ts'}", "-f", "null",
                           "-"], timeout_s=1.5)
    assert time.monotonic() - start < 10


def test_version_queries_go_through_the_runner():
    assert media_tool_version("ffmpeg").startswith("ffmpeg version")
    assert media_tool_version("ffprobe").startswith("ffprobe version")

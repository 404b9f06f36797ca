"""Pipeline steps run directly (no broker): real ffmpeg on generated and real files."""

from __future__ import annotations

import time

import pytest

from app.bootstrap import Root
from mam import catalog
from mam.errors import MediaTimeout
from mam.media.runner import run_media_command
from mam.storage import original_key
from pipelines.run_step import Outcome, run_step
from tests.conftest import need_ffmpeg
from tests.support.media import ffmpeg, mean_luma, probe, video_stream


def ingest_file(root: Root, path, name=None) -> str:
    """Store an original and run the asset's steps as workers would (no broker); returns the asset id."""
    with root.uow() as s:
        asset = catalog.new_asset(s, original_filename=name or path.name,
                                  original_key_for=lambda a: original_key(a, name or path.name))
        aid, key = asset.id, asset.original_key
    root.storage.put_file(key, path)
    for name_ in ("metadata", "renditions"):
        decision = run_step(root, name_, aid)
        if decision.outcome != Outcome.DONE:
            break
    assert not list((root.settings.data_dir / "work").glob(f"{aid}-*")), "work directories are removed"
    return aid


def record(root: Root, aid):
    with root.uow() as s:
        a = catalog.get_asset(s, aid)
        return a.status, dict(a.technical), {r.kind: r for r in a.renditions}


def path_of(root: Root, rendition):
    return root.settings.data_dir / "objects" / rendition.key


def test_interlaced_pal_with_anamorphic_pixels(root, tmp_path):
    src = tmp_path / "pal.mxf"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=50:duration=3", "-f", "lavfi", "-i",
           "sine=duration=3", "-vf", "setsar=64/45,tinterlace=interleave_top,setfield=tff", "-c:v", "mpeg2video",
           "-flags", "+ilme+ildct", "-top", "1", "-b:v", "8M", "-c:a", "pcm_s16le", "-ar", "48000", str(src))
    aid = ingest_file(root, src)
    status, tech, rends = record(root, aid)
    assert status == "ready" and tech["interlaced"] and tech["field_order"] in ("tt", "tb")
    v = video_stream(probe(path_of(root, rends["proxy"])))
    assert (v["width"], v["height"]) == (1024, 576)  # square pixels, 16:9 shown as 16:9
    assert v.get("field_order", "progressive") == "progressive"


def test_video_without_audio(root, tmp_path):
    src = tmp_path / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=2", "-c:v", "libx264", str(src))
    aid = ingest_file(root, src)
    status, tech, rends = record(root, aid)
    assert status == "ready" and tech["audio_codec"] is None
    info = probe(path_of(root, rends["proxy"]))
    assert [s["codec_type"] for s in info["streams"]] == ["video"]


def test_poster_skips_black_frames(root, tmp_path):
    src = tmp_path / "fade.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=black:size=640x360:rate=25:duration=6", "-f", "lavfi", "-i",
           "testsrc2=size=640x360:rate=25:duration=2", "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]",
           "-map", "[v]", "-c:v", "libx264", str(src))
    aid = ingest_file(root, src)
    _, _, rends = record(root, aid)
    assert mean_luma(path_of(root, rends["poster"])) > 40


def test_audio_only_gets_an_aac_proxy(root, tmp_path):
    src = tmp_path / "interview.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=3", str(src))
    aid = ingest_file(root, src)
    status, tech, rends = record(root, aid)
    assert status == "ready" and tech["kind"] == "audio" and set(rends) == {"proxy", "waveform"}
    info = probe(path_of(root, rends["proxy"]))
    assert info["streams"][0]["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.1)


def test_still_image_gets_jpeg_proxy_and_poster(root, tmp_path):
    src = tmp_path / "still.png"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=4000x3000:duration=1", "-frames:v", "1", str(src))
    aid = ingest_file(root, src)
    status, tech, rends = record(root, aid)
    assert status == "ready" and tech["kind"] == "image"
    assert (rends["proxy"].width, rends["proxy"].height) == (1706, 1280)
    assert path_of(root, rends["poster"]).read_bytes()[:2] == b"\xff\xd8"


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n", "not a media file"),
    (b'{"json": "pretending to be a video"}', "not a media file"),
    (b"ffconcat version 1.0\nfile /etc/passwd\n", "not a media file"),
])
def test_refused_inputs(root, tmp_path, content, reason):
    src = tmp_path / "bad.mp4"
    src.write_bytes(content)
    aid = ingest_file(root, src)
    with root.uow() as s:
        asset = catalog.get_asset(s, aid)
        assert asset.status == "failed" and reason in asset.error
        assert asset.renditions == []


def test_runner_kills_at_the_time_limit(clip_1080):
    need_ffmpeg()
    start = time.monotonic()
    with pytest.raises(MediaTimeout, match="limit"):
        run_media_command(["ffmpeg", "-re", "-stream_loop", "-1", "-i", f"file:{clip_1080}", "-f", "null", "-"],
                          timeout_s=1.5)
    assert time.monotonic() - start < 10


def test_runner_refuses_shell_strings():
    with pytest.raises(TypeError):
        run_media_command("ffmpeg -i x", timeout_s=1)  # type: ignore[arg-type]


def test_progress_and_eta_move_during_a_long_media_pass(root, tmp_path):
    """ffmpeg's -progress is silent until the poster and sprite outputs start (at the end); the pass's own
    per-second ticks keep ``progress`` moving, with an ETA."""
    import threading

    from tests.support.media import make_clip

    src = make_clip(tmp_path / "long.mp4", seconds=40, size="1280x720")
    with root.uow() as s:
        asset = catalog.new_asset(s, original_filename="long.mp4", original_key_for=lambda a: original_key(a, "x.mp4"))
        aid, key = asset.id, asset.original_key
    root.storage.put_file(key, src)
    assert run_step(root, "metadata", aid).outcome == Outcome.DONE
    seen: list[tuple[float, float, float | None]] = []
    worker = threading.Thread(target=run_step, args=(root, "renditions", aid))
    start = time.monotonic()
    worker.start()
    while worker.is_alive():
        with root.uow() as s:
            a = catalog.get_asset(s, aid)
            if a.status == "processing" and (not seen or seen[-1][1] != a.progress):
                seen.append((time.monotonic() - start, a.progress, a.eta_s))
        time.sleep(0.1)
    worker.join()
    moving = [(t, p, eta) for t, p, eta in seen if 0 < p < 1]
    assert len(moving) >= 3, seen
    assert [p for _, p, _ in moving] == sorted(p for _, p, _ in moving)
    gaps = [b[0] - a[0] for a, b in zip(moving, moving[1:], strict=False)]
    assert max(gaps) <= 2.5, gaps
    assert all(eta is not None and eta >= 0 for *_, eta in moving[1:])
    assert record(root, aid)[0] == "ready"

"""Real phone and camera clips through the media pass: each proxy plays upright with the right duration,
and the poster is not black."""

from __future__ import annotations

import pytest

from tests.integration.test_ingest_steps import ingest_file, path_of, record
from tests.support.media import mean_luma, probe, video_stream

A = "androidx__media/libraries/test_data/src/test/assets/media/mp4/"
CLIPS = {  # path: (upright width > height?, has audio, brightest source frame's mean luma)
    "drewnoakes__metadata-extractor-images/mp4/ftyp3gp5.mp4": (False, True, None),  # rotation 90
    A + "pixel7_videoOnly_cleaned.mp4": (True, False, 4.4),  # rotation 180, no audio, dark from start to end
    A + "internal_emulator_transformer_output_270_rotated.mp4": (False, True, None),  # rotation 270
    A + "hlg10-color-test.mp4": (True, True, None),  # HLG 10-bit HEVC
    "drewnoakes__metadata-extractor-images/mp4/FLIR Thermal.mp4": (False, True, None),  # VFR portrait
    "Zulko__moviepy/media/chaplin.mp4": (True, True, None),
    "mapillary__mapillary_tools/tests/data/videos/sample-5s_h265.mp4": (False, True, None),  # HEVC portrait
}


@pytest.mark.parametrize("path", sorted(CLIPS))
def test_real_clip_proxy_and_poster(root, corpus, path):
    landscape, audio, darkest_possible = CLIPS[path]
    src = corpus / path
    aid = ingest_file(root, src)
    status, tech, rends = record(root, aid)
    assert status == "ready"
    info = probe(path_of(root, rends["proxy"]))
    v = video_stream(info)
    assert v["codec_name"] == "h264" and v["pix_fmt"] == "yuv420p" and min(v["width"], v["height"]) <= 720
    assert (v["width"] > v["height"]) == landscape, (v["width"], v["height"])
    assert not any("rotation" in sd for sd in v.get("side_data_list", []))
    # a VFR clip's last frame lasts longer than its header says; plain ffmpeg gives the same length
    assert float(info["format"]["duration"]) == pytest.approx(tech["duration_s"], abs=0.3 if tech["vfr"] else 0.15)
    assert any(s["codec_type"] == "audio" for s in info["streams"]) == audio
    luma = mean_luma(path_of(root, rends["poster"]))
    if darkest_possible is None:
        assert luma > 20
    else:  # nothing brighter exists in the clip: the poster is its brightest moment
        assert luma == pytest.approx(darkest_possible, abs=2)


def test_multichannel_audio_gets_a_stereo_proxy_and_loudness(root, corpus):
    aid = ingest_file(root, corpus / "JuniorIsAJitterbug__tbc-video-export/tests/files/audio_48_16.wav")
    status, tech, rends = record(root, aid)
    assert status == "ready" and tech["audio_channels"] == 6
    a = probe(path_of(root, rends["proxy"]))["streams"][0]
    assert a["codec_name"] == "aac" and a["channels"] == 2

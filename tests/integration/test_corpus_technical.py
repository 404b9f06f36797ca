"""Technical metadata of real files: rotation, VFR, interlacing, HDR, no audio, multichannel audio."""

from __future__ import annotations

import pytest

from mam.media.probe import normalise, run_ffprobe
from tests.conftest import need_ffmpeg

A = "androidx__media/libraries/test_data/src/test/assets/media/mp4/"
CASES = {
    "drewnoakes__metadata-extractor-images/mp4/ftyp3gp5.mp4": {
        "rotation": 90, "width": 1280, "height": 720, "display_width": 720, "display_height": 1280,
        "display_aspect_ratio": "9:16", "audio_codec": "aac", "video_codec": "h264"},
    A + "pixel7_videoOnly_cleaned.mp4": {"rotation": 180, "audio_codec": None, "audio_streams": 0,
                                         "display_aspect_ratio": "16:9"},
    A + "internal_emulator_transformer_output_270_rotated.mp4": {"rotation": 270, "display_width": 720,
                                                                 "display_height": 1280},
    A + "portrait_4k60.mp4": {"rotation": 90, "width": 3840, "height": 2160, "display_height": 3840},
    "drewnoakes__metadata-extractor-images/mp4/FLIR Thermal.mp4": {"vfr": True, "fps": pytest.approx(7.399, abs=0.01)},
    "Zulko__moviepy/media/chaplin.mp4": {"vfr": False, "fps": 25.0, "interlaced": False, "audio_codec": "mp3",
                                         "duration_s": pytest.approx(9.64, abs=0.01)},
    "vstinner__hachoir/tests/files/sample.ts": {"interlaced": True, "field_order": "tt", "container": "mpegts",
                                                "video_codec": "mpeg2video", "width": 720, "height": 576},
    A + "hlg10-color-test.mp4": {"dynamic_range": "HLG", "bit_depth": 10, "video_codec": "hevc",
                                 "pix_fmt": "yuv420p10le"},
    A + "sample_with_colr_mdcv_and_clli.mp4": {"dynamic_range": "PQ", "bit_depth": 10, "video_codec": "av1"},
    "JuniorIsAJitterbug__tbc-video-export/tests/files/audio_48_16.wav": {
        "kind": "audio", "audio_channels": 6, "audio_sample_rate": 48000, "video_codec": None},
    "Zulko__moviepy/media/big_buck_bunny_432_433.webm": {"container": "matroska,webm", "video_codec": "vp8",
                                                         "audio_codec": "vorbis"},
}


@pytest.mark.parametrize("path", sorted(CASES))
def test_technical_fields(corpus, path):
    need_ffmpeg()
    tech = normalise(run_ffprobe(corpus / path, 30))
    for key, want in CASES[path].items():
        assert tech.get(key) == want, f"{path}: {key} = {tech.get(key)!r}, expected {want!r}"


def test_hdr10_side_data(corpus):
    need_ffmpeg()
    tech = normalise(run_ffprobe(corpus / (A + "sample_with_colr_mdcv_and_clli.mp4"), 30))
    assert tech["hdr"]["mastering_display"]["max_luminance"] == pytest.approx(1000.0)
    assert tech["hdr"]["content_light_level"] == {"max_cll": 1100, "max_fall": 180}
    assert tech["color_primaries"] == "bt2020"

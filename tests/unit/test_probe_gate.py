import pytest

from mam.errors import InvalidMedia
from mam.media.probe import gate, normalise


def _raw(**stream):
    v = {"codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
         "avg_frame_rate": "25/1", "r_frame_rate": "25/1", "pix_fmt": "yuv420p", **stream}
    return {"format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "10.0", "bit_rate": "1000"},
            "streams": [v, {"codec_type": "audio", "codec_name": "aac", "channels": 2, "sample_rate": "48000"}]}


def test_rotation_from_display_matrix_and_legacy_tag():
    assert normalise(_raw(side_data_list=[{"rotation": -90}]))["rotation"] == 90
    assert normalise(_raw(side_data_list=[{"rotation": 90}]))["rotation"] == 270
    assert normalise(_raw(tags={"rotate": "90"}))["rotation"] == 90
    assert normalise(_raw(side_data_list=[{"rotation": 180}]))["rotation"] == 180


def test_interlace_hdr_vfr_and_bit_depth():
    t = normalise(_raw(field_order="tt", color_transfer="arib-std-b67", pix_fmt="yuv420p10le",
                       r_frame_rate="90000/1", avg_frame_rate="30/1"))
    assert t["interlaced"] and t["dynamic_range"] == "HLG" and t["bit_depth"] == 10 and t["vfr"]
    assert normalise(_raw(color_transfer="smpte2084"))["dynamic_range"] == "PQ"
    assert normalise(_raw())["dynamic_range"] == "SDR" and not normalise(_raw())["interlaced"]


def _gate(tech):
    gate(tech, max_pixels=8192 * 8192, max_streams=32, max_duration_s=6 * 3600)


def test_gate_accepts_ordinary_video():
    _gate(normalise(_raw()))


@pytest.mark.parametrize("mutate,message", [
    (lambda r: r["format"].update(format_name="hls"), "not accepted"),
    (lambda r: r["format"].update(format_name="tty"), "not accepted"),
    (lambda r: r["streams"][0].update(width=65535, height=65535), "pixel limit"),
    (lambda r: r["streams"].extend([{"codec_type": "data"}] * 40), "streams"),
    (lambda r: r["format"].update(duration=str(36000)), "duration"),
    (lambda r: r.update(streams=[]), "no audio or video"),
])
def test_gate_refuses_before_any_decode(mutate, message):
    raw = _raw()
    mutate(raw)
    with pytest.raises(InvalidMedia, match=message):
        _gate(normalise(raw))

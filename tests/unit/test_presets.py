"""Presets as data: every shipped preset loads; a bad file is refused naming the file, the field and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mam.presets import PRESETS_DIR, Preset, PresetError, load_preset, load_presets, with_limits, with_loudness_target

SHIPPED = {"app-hls", "web-mp4", "douyin-9x16", "wechat-channels", "bilibili", "weibo", "xuexi", "broadcast-hd",
           "mezzanine", "radio-wav", "print-still"}


def test_every_shipped_preset_loads_with_its_source_and_confidence():
    presets = load_presets()
    assert SHIPPED <= set(presets)
    for name, p in presets.items():
        assert isinstance(p, Preset) and p.name == name
        assert p.source and p.confidence in ("confirmed", "convention", "unconfirmed")
        assert (PRESETS_DIR / f"{name}.yaml").is_file()
    assert PRESETS_DIR == Path(__import__("config").__file__).parent / "presets"


def test_shipped_values_follow_the_delivery_specs():
    p = load_presets()
    hd = p["broadcast-hd"]
    assert hd.container == "mxf" and hd.content_type() == "application/mxf"
    assert hd.video.codec == "mpeg2video" and hd.video.profile == "422" and hd.video.pix_fmt == "yuv422p"
    v = hd.video
    assert (v.size.width, v.size.height, v.fps, v.scan) == (1920, 1080, 25, "interlaced_tff")
    assert hd.video.bitrate.mode == "cbr" and hd.video.bitrate.kbps == 50000
    assert (hd.audio.codec, hd.audio.sample_rate, hd.audio.depth) == ("pcm_s24le", 48000, 24)
    assert (hd.loudness.target_lufs, hd.loudness.tolerance_lu, hd.loudness.true_peak_dbtp) == (-24, 1, -2)
    hls = p["app-hls"]
    assert [(r.width, r.height) for r in hls.hls.rungs] == [(416, 234), (640, 360), (960, 540), (1280, 720),
                                                          (1920, 1080)]
    assert hls.hls.segment_s == 6 and hls.video.gop_s == 2 and hls.video.level == "4.2"
    assert hls.content_type() == "application/vnd.apple.mpegurl"
    assert p["douyin-9x16"].video.size.width == 1080 and p["douyin-9x16"].video.size.height == 1920
    assert p["douyin-9x16"].limits.max_duration_s == 900
    assert p["radio-wav"].content_type() == "audio/wav" and p["radio-wav"].loudness.target_lufs == -24
    assert p["mezzanine"].video.codec == "prores" and p["mezzanine"].video.profile == "hq"
    assert p["print-still"].kind == "still" and p["print-still"].still.jpeg_qscale == 2
    assert set(p["print-still"].still.metadata_fields) == {"caption", "credit", "date", "place"}
    for name in ("wechat-channels", "weibo", "xuexi"):
        assert p[name].confidence == "unconfirmed" and p[name].limits.unconfirmed  # marked, replaceable


def _write(tmp_path: Path, name: str, data: dict | str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _base(name: str = "web-mp4") -> dict:
    return yaml.safe_load((PRESETS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate, field, reason", [
    (lambda d: d["video"]["size"].update(aspect="stretch"), "video.size.aspect", "'fit', 'pad' or 'crop'"),
    (lambda d: d["video"].update(bitrat={"mode": "vbr"}), "video.bitrat", "Extra inputs are not permitted"),
    (lambda d: d.pop("confidence"), "confidence", "Field required"),
    (lambda d: d["video"]["size"].update(width=1919), "video.size.width", "even"),
    (lambda d: d["video"].update(profile="ultra"), "video.profile", "not one of"),
    (lambda d: d["video"]["bitrate"].update(mode="crf"), "video.bitrate.crf", "needs crf"),
    (lambda d: d["audio"].update(codec="pcm_s24le", kbps=None), "audio.codec", "does not go in mp4"),
    (lambda d: d["loudness"].update(target_lufs=3), "loudness.target_lufs", "less than or equal"),
    (lambda d: d.update(kind="still"), "container", "kind still goes in"),
])
def test_a_bad_preset_names_the_file_the_field_and_the_reason(tmp_path, mutate, field, reason):
    data = _base()
    mutate(data)
    path = _write(tmp_path, "web-mp4", data)
    with pytest.raises(PresetError) as exc:
        load_presets(tmp_path)
    assert exc.value.file == str(path) and exc.value.field == field, str(exc.value)
    assert reason in exc.value.reason
    assert str(exc.value).startswith(f"{path}: {field}: ")


def test_model_level_problems_point_at_their_field(tmp_path):
    data = _base("app-hls")
    data["video"]["size"] = {"width": 1280, "height": 720}
    with pytest.raises(PresetError) as exc:
        load_preset(_write(tmp_path, "app-hls", data))
    assert exc.value.field == "video" and "rungs" in exc.value.reason
    data = _base("app-hls")
    data["hls"]["rungs"][1]["maxrate_kbps"] = 10
    with pytest.raises(PresetError) as exc:
        load_preset(_write(tmp_path, "app-hls", data))
    assert exc.value.field == "hls.rungs[1].maxrate_kbps"


def test_yaml_errors_name_mismatches_and_empty_directories(tmp_path):
    bad = _write(tmp_path, "broken", "name: broken\ntitle: [unclosed\n")
    with pytest.raises(PresetError) as exc:
        load_preset(bad)
    assert exc.value.field == "(yaml)" and "broken.yaml" in str(exc.value)
    data = _base()
    with pytest.raises(PresetError) as exc:
        load_preset(_write(tmp_path, "other-name", data))
    assert exc.value.field == "name" and "must match the file name" in exc.value.reason
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PresetError, match="holds no"):
        load_presets(empty)
    with pytest.raises(PresetError, match="no such preset directory"):
        load_presets(tmp_path / "missing")
    with pytest.raises(PresetError, match="one mapping"):
        load_preset(_write(tmp_path, "list", "- a\n- b\n"))


def test_presets_are_frozen_and_limits_and_loudness_can_be_replaced():
    p = load_presets()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        p["weibo"].name = "x"  # type: ignore[misc]
    q = with_limits(p["wechat-channels"], max_size_bytes=10 * 1024**2)
    assert q.limits.max_size_bytes == 10 * 1024**2
    assert p["wechat-channels"].limits.max_size_bytes != q.limits.max_size_bytes
    with pytest.raises(PresetError) as exc:
        with_limits(p["weibo"], max_frames=3)
    assert exc.value.field == "limits.max_frames"
    with pytest.raises(PresetError):
        with_limits(p["weibo"], max_size_bytes=-1)
    assert with_loudness_target(p["web-mp4"], -23).loudness.target_lufs == -23
    assert with_loudness_target(p["web-mp4"], None) is p["web-mp4"]
    mezz = with_loudness_target(p["mezzanine"], -24)
    assert mezz.loudness.target_lufs == -24 and p["mezzanine"].loudness is None
    with pytest.raises(ValueError):
        with_loudness_target(p["print-still"], -24)

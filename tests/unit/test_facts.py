"""Asset facts: each value object reads every stored row (old, partial, unknown keys) and writes it back
exactly; what the steps build is key for key (and in order) what they stored before as plain dicts."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from mam.facts import (
    Capture,
    Interval,
    Location,
    Loudness,
    Qc,
    Shot,
    Technical,
    Telemetry,
    TrackEnd,
    shots_from_json,
    shots_to_json,
)
from mam.facts.shots import ANALYSED
from mam.media.probe import normalise
from mam.metadata import track as tracks
from mam.metadata.dji_srt import TelemetryPoint
from mam.models import Asset


def stored(value):
    """What a JSON column gives back."""
    return json.loads(json.dumps(value))


def same(a: dict, b: dict) -> bool:
    """Equal, with the keys in the same order (what the API serves)."""
    return a == b and list(a) == list(b)


# ---------------------------------------------------------------- technical

VIDEO = {
    "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "format_long_name": "QuickTime / MOV", "duration": "12.5",
               "bit_rate": "8000000", "tags": {"timecode": "01:00:00:00"}},
    "streams": [
        {"codec_type": "video", "codec_name": "h264", "profile": "High", "level": 40, "width": 1920,
         "height": 1080, "avg_frame_rate": "25/1", "r_frame_rate": "25/1", "pix_fmt": "yuv420p",
         "field_order": "progressive", "nb_frames": "312", "side_data_list": [{"rotation": -90}]},
        {"codec_type": "audio", "codec_name": "aac", "channels": 2, "channel_layout": "stereo",
         "sample_rate": "48000"},
    ],
}
AUDIO = {"format": {"format_name": "wav", "duration": "3.0"},
         "streams": [{"codec_type": "audio", "codec_name": "pcm_s16le", "channels": 1}]}
STILL = {"format": {"format_name": "image2"},
         "streams": [{"codec_type": "video", "codec_name": "mjpeg", "width": 4000, "height": 3000,
                      "pix_fmt": "yuvj420p"}]}


@pytest.mark.parametrize("raw", [VIDEO, AUDIO, STILL], ids=["video", "audio", "still"])
def test_technical_round_trips_what_the_probe_writes(raw):
    tech = normalise(raw)
    facts = Technical.from_json(tech)
    assert same(facts.to_json(), tech) and facts.extra == {}
    assert facts.kind == tech["kind"] and facts.duration_s == tech["duration_s"]
    assert same(Technical.from_json(stored(tech)).to_json(), stored(tech))


def test_technical_reads_the_video_facts():
    facts = Technical.from_json(normalise(VIDEO))
    assert (facts.kind, facts.width, facts.height, facts.rotation) == ("video", 1920, 1080, 90)
    assert (facts.display_width, facts.display_height, facts.shown_height) == (1080, 1920, 1920)
    assert (facts.video_codec, facts.audio_codec, facts.fps, facts.timecode) == ("h264", "aac", 25.0, "01:00:00:00")
    audio = Technical.from_json(normalise(AUDIO))
    assert audio.kind == "audio" and audio.display_height is None and "display_height" not in audio.to_json()


def test_technical_of_old_partial_and_empty_rows():
    assert Technical.from_json(None).to_json() == {} and Technical.from_json({}).kind is None
    assert Technical.empty().is_empty and not Technical.from_json({"kind": "video"}).is_empty
    old = {"duration_s": 4.0, "width": 640, "height": 480, "codec": "h263", "kind": "video"}  # an older normaliser
    facts = Technical.from_json(old)
    assert facts.extra == {"codec": "h263"} and facts.fps is None and facts.rotation is None
    assert same(facts.to_json(), old)


def test_technical_orientation_is_added_like_a_dict_update():
    tech = normalise(STILL)
    assert same(Technical.from_json(tech).with_(orientation=6).to_json(), {**tech, "orientation": 6})
    again = {**tech, "orientation": 3}  # a rerun replaces it in place
    assert same(Technical.from_json(again).with_(orientation=6).to_json(), {**again, "orientation": 6})


# ---------------------------------------------------------------- loudness, qc

def test_loudness_shape():
    old = {"integrated_lufs": -23.1, "lra_lu": 4.2, "true_peak_dbtp": -1.5}
    built = Loudness(integrated_lufs=-23.1, lra_lu=4.2, true_peak_dbtp=-1.5)
    assert same(built.to_json(), old) and Loudness.from_json(old) == built
    silent = Loudness(integrated_lufs=-70.0, lra_lu=0.0, true_peak_dbtp=None).to_json()
    assert same(silent, {"integrated_lufs": -70.0, "lra_lu": 0.0, "true_peak_dbtp": None})  # kept as null
    assert Loudness.empty().to_json() == {} and Loudness.from_json({}).to_json() == {}
    assert Loudness.from_json({"integrated_lufs": -20.0}).to_json() == {"integrated_lufs": -20.0}


def test_qc_shape():
    def old_interval_list(items):  # what the media pass step wrote before
        return [{"start_s": round(s, 3), "end_s": round(e, 3)} for s, e in items]

    black, silence = [(0.0, 1.23456)], [(2.0, 3.0), (5.5, 7.25)]
    old = {"black": old_interval_list(black), "freeze": [], "silence": old_interval_list(silence)}
    built = Qc(black=tuple(Interval(start_s=round(s, 3), end_s=round(e, 3)) for s, e in black),
               silence=tuple(Interval(start_s=s, end_s=e) for s, e in silence))
    assert same(built.to_json(), old)
    facts = Qc.from_json(stored(old))
    assert facts == built and facts.silence[1].end_s == 7.25 and facts.freeze == ()
    assert Qc.empty().to_json() == {}  # a still: no QC
    odd = {"black": "n/a", "freeze": [{"start_s": 1, "end_s": 2, "score": 0.9}], "crop": [1]}
    facts = Qc.from_json(odd)  # what it cannot read stays as stored
    assert facts.black == () and facts.extra == {"black": "n/a", "crop": [1]}
    assert facts.freeze[0].extra == {"score": 0.9} and same(facts.to_json(), odd)


# ---------------------------------------------------------------- shots

def test_shots_as_the_media_pass_and_the_analysis_write_them():
    cuts = [(0.0, 2.0004), (2.0004, 5.0)]
    keys = {"shot_0001": "derivatives/a/shots/shot_0001.jpg"}  # the second keyframe could not be made
    old = [{"index": i + 1, "start_s": round(s, 3), "end_s": round(e, 3)} for i, (s, e) in enumerate(cuts)]
    for i, sh in enumerate(old):
        sh["image_key"] = keys.get(f"shot_{i + 1:04d}")
    built = [Shot(index=i + 1, start_s=round(s, 3), end_s=round(e, 3)) for i, (s, e) in enumerate(cuts)]
    built = [sh.with_(image_key=keys.get(f"shot_{i + 1:04d}")) for i, sh in enumerate(built)]
    assert all(same(a, b) for a, b in zip(shots_to_json(built), old, strict=True))
    assert shots_to_json(built)[1] == {"index": 2, "start_s": 2.0, "end_s": 5.0, "image_key": None}

    found = {"motion": "pan", "day_night": "day", "colours": [{"name": "blue", "share": 0.4}], "faces": 0,
             "phash": "00ff00ff00ff00ff", "aerial_score": None, "ocr": [], "warnings": []}
    old[0].update({k: found.get(k) for k in ANALYSED})
    analysed = Shot.from_json(stored(shots_to_json(built))[0]).with_(**{k: found.get(k) for k in ANALYSED})
    assert same(analysed.to_json(), old[0]) and analysed.aerial_score is None and analysed.motion == "pan"
    again = analysed.with_(**{k: None for k in ANALYSED})  # a rerun keeps the keys where they are
    assert list(again.to_json()) == list(old[0])


def test_old_shot_rows_read_and_write_back_unchanged():
    rows = [{"index": 1, "start_s": 0.0, "end_s": 3.0},  # before keyframes existed
            {"index": 2, "start_s": 3.0, "end_s": 4.0, "image_key": "k", "note": "kept"}]
    shots = shots_from_json(rows)
    assert shots[0].image_key is None and shots[1].extra == {"note": "kept"}
    assert all(same(a, b) for a, b in zip(shots_to_json(shots), rows, strict=True))
    assert shots_from_json(None) == () and shots_to_json(()) == []


# ---------------------------------------------------------------- capture

def _old_capture(time, device, loc, still=None, software=None):
    """How the metadata step built ``capture`` before (``loc`` a GeoPoint-like tuple)."""
    capture = {"time": time, "time_source": "exif" if time else None, "device": device,
               "device_source": "exif" if device else None, "notes": ["a note"],
               "location": dict(zip(("lat", "lon", "alt_m"), loc, strict=True)) if loc else None,
               "location_source": "exif" if loc else None}
    if still is not None:
        capture.update(still)
    if software:
        capture["software"] = software
    return capture


def _new_capture(time, device, loc, still=None, software=None):
    capture = Capture(time=time, time_source="exif" if time else None, device=device,
                      device_source="exif" if device else None, notes=["a note"],
                      location=Location(lat=loc[0], lon=loc[1], alt_m=loc[2]) if loc else None,
                      location_source="exif" if loc else None)
    if still is not None:
        capture = capture.with_(**still)
    if software:
        capture = capture.with_(software=software)
    return capture


@pytest.mark.parametrize("args", [
    ("2023-06-12T10:11:12", "DJI FC3411", (39.05, 115.98, 57.3)),
    (None, None, None),
    ("2023-06-12T10:11:12+08:00", "Apple iPhone 13", (39.0, 116.0, None),
     {"lens": None, "orientation": 6, "drone": None, "xmp_keys": ["drone-dji:GimbalPitchDegree"]}),
    ("2021-01-01T00:00:00", "Sony", None, None, "Lavf60.3.100"),
], ids=["clip", "nothing-known", "still", "software"])
def test_capture_shape_is_what_the_metadata_step_wrote(args):
    old, new = _old_capture(*args), _new_capture(*args)
    assert same(new.to_json(), old)
    assert Capture.from_json(stored(old)) == Capture.from_json(stored(new.to_json()))
    assert same(Capture.from_json(stored(old)).to_json(), stored(old))


def test_capture_reads_old_and_odd_rows():
    assert Capture.from_json(None).to_json() == {} and Capture.empty().device is None  # metadata not read
    facts = Capture.from_json({"device": "DJI Mavic 3", "location": {"lat": 39.05, "lon": 115.98}})
    assert facts.device == "DJI Mavic 3" and facts.location == Location.from_json({"lat": 39.05, "lon": 115.98})
    assert facts.location.alt_m is None and facts.to_json()["location"] == {"lat": 39.05, "lon": 115.98}
    odd = {"location": "39.05,115.98", "time": "2020", "rig": "B-cam"}
    facts = Capture.from_json(odd)
    assert facts.location is None and facts.extra == {"location": "39.05,115.98", "rig": "B-cam"}
    assert same(facts.to_json(), odd)
    moved = facts.with_(location=Location(lat=1.0, lon=2.0, alt_m=None))  # a readable value replaces it in place
    assert list(moved.to_json()) == ["location", "time", "rig"] and moved.to_json()["location"]["lat"] == 1.0


# ---------------------------------------------------------------- telemetry

def _points():
    return [TelemetryPoint(t_s=i * 1.0, lat=39.0 + i * 1e-4, lon=115.9 + i * 1e-4, rel_alt_m=50.0 + i,
                           abs_alt_m=80.0 + i, iso=100 if i else None, fnum=2.8 if i else None,
                           shutter="1/500" if i else None) for i in range(20)]


def _old_telemetry(points, camera=True):
    """How the metadata step built ``telemetry`` before."""
    summary = tracks.summarise(points)
    tele = {k: v for k, v in summary.to_dict().items() if k != "warnings"}
    tele["format"] = "dji_srt"
    tele["encoded"] = tracks.encode_points(points)
    cams = [p for p in points if p.iso is not None or p.fnum is not None]
    if cams and camera:
        tele["camera"] = {k: v for k, v in asdict(cams[0]).items()
                          if k in ("iso", "shutter", "fnum", "ev", "ct_k", "focal_len_mm") and v is not None}
    return tele


def _new_telemetry(points, camera=True):
    tele = Telemetry.from_summary(tracks.summarise(points), format="dji_srt", encoded=tracks.encode_points(points))
    cams = [p for p in points if p.iso is not None or p.fnum is not None]
    if cams and camera:
        tele = tele.with_(camera={k: v for k, v in asdict(cams[0]).items()
                                  if k in ("iso", "shutter", "fnum", "ev", "ct_k", "focal_len_mm") and v is not None})
    return tele


@pytest.mark.parametrize("camera", [True, False])
def test_telemetry_shape_is_what_the_metadata_step_wrote(camera):
    old, new = _old_telemetry(_points(), camera), _new_telemetry(_points(), camera)
    assert same(new.to_json(), old)
    assert same(Telemetry.from_json(stored(old)).to_json(), stored(old))
    facts = Telemetry.from_json(stored(old))
    assert facts.points == 20 and facts.format == "dji_srt" and facts.encoded == stored(old)["encoded"]
    assert facts.start == TrackEnd.from_json(old["start"]) and facts.end.t_s == 19.0
    assert facts.bbox == list(old["bbox"]) and (facts.camera is not None) == camera


def test_telemetry_summary_is_served_without_the_track():
    old = _old_telemetry(_points())
    assert same(Telemetry.from_json(old).summary_json(), {k: v for k, v in old.items() if k != "encoded"})
    assert Telemetry.empty().summary_json() == {} and Telemetry.from_json(None).encoded is None
    partial = {"points": 3, "bbox": [1, 2, 3, 4], "v": 2}  # an older summary without a track
    assert same(Telemetry.from_json(partial).to_json(), partial) and Telemetry.from_json(partial).start is None


# ---------------------------------------------------------------- the model

def test_asset_reads_its_facts():
    asset = Asset(technical={"kind": "audio", "duration_s": 3.0}, capture={}, telemetry={}, qc={}, loudness={},
                  shots=[{"index": 1, "start_s": 0.0, "end_s": 3.0, "image_key": None}])
    assert asset.technical_facts.duration_s == 3.0 and asset.capture_facts.is_empty
    assert asset.telemetry_facts.summary_json() == {} and asset.qc_facts == Qc.empty()
    assert asset.loudness_facts.to_json() == {} and asset.shot_facts[0].end_s == 3.0
    bare = Asset()  # not flushed: the columns are still None
    assert bare.technical_facts.to_json() == {} and bare.shot_facts == ()

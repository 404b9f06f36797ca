"""Track geometry: hand-computed distances, spike removal, RDP, GeoJSON, storage encoding, time-range search.

Arc lengths use the mean Earth radius R = 6371008.8 m: 0.001 deg of a great circle is
R * pi / 180 * 0.001 = 111.19508 m. Corpus values were read from the files with ``grep``/``awk``.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mam.metadata.dji_srt import TelemetryPoint, parse_srt_file
from mam.metadata.gpx import parse_track_file
from mam.metadata.track import (
    TrackPoint,
    decode_points,
    drop_spikes,
    encode_points,
    haversine_m,
    positioned,
    simplify,
    summarise,
    time_ranges_in_bbox,
    time_ranges_near,
    to_geojson,
)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ARC_0001 = 111.19508  # metres in 0.001 deg of arc


def corpus(rel: str) -> Path:
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"shared corpus file not available: {path}")
    return path


def northbound(n: int = 11, lat0: float = 22.5, lon: float = 113.9, step: float = 0.0001) -> list[TrackPoint]:
    """One point a second, 0.0001 deg (11.12 m) further north each time, climbing 5 m/s."""
    return [TrackPoint(float(i), lat0 + i * step, lon, 5.0 * i, 50.0 + 5 * i) for i in range(n)]


# --------------------------------------------------------------------------- distance and summary


def test_haversine_hand_computed() -> None:
    assert haversine_m(0, 0, 0, 0.001) == pytest.approx(ARC_0001, abs=1e-4)  # along the equator
    assert haversine_m(22.5, 113.9, 22.501, 113.9) == pytest.approx(ARC_0001, abs=1e-4)  # along a meridian
    # along a parallel at 60 deg a degree of longitude is half as long (small-angle: cos 60 = 0.5)
    assert haversine_m(60, 10, 60, 10.001) == pytest.approx(ARC_0001 / 2, rel=1e-6)
    assert haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * 6371008.8)


def test_summary_of_a_straight_climb() -> None:
    s = summarise(northbound())
    assert s.points == 11
    assert s.duration_s == 10.0
    assert s.distance_m == pytest.approx(ARC_0001, abs=0.01)
    assert s.bbox == pytest.approx((113.9, 22.5, 113.9, 22.501))
    assert s.start == {"lat": 22.5, "lon": 113.9, "t_s": 0.0}
    assert s.end == pytest.approx({"lat": 22.501, "lon": 113.9, "t_s": 10.0})
    assert s.max_rel_alt_m == 50.0
    assert s.line == [[113.9, 22.5], [113.9, 22.501]]  # a straight line needs only its ends
    assert s.warnings == [] and s.dropped_spikes == 0
    json.dumps(s.to_dict())


def test_accepts_telemetry_points_tuples_and_dicts_and_skips_unpositioned() -> None:
    pts = [
        TelemetryPoint(2.0, 22.5002, 113.9, 10.0, None),
        (0.0, 22.5, 113.9),
        {"t_s": 1.0, "lat": 22.5001, "lon": 113.9, "rel_alt_m": 5.0},
        TelemetryPoint(3.0, None, None, 1.0, None),  # no GPS lock
        (4.0, 95.0, 113.9),  # impossible latitude
        (5.0, float("nan"), 113.9),
        "garbage",
    ]
    got = positioned(pts)
    assert [p.t_s for p in got] == [0.0, 1.0, 2.0]  # sorted by time
    assert summarise(pts).distance_m == pytest.approx(2 * ARC_0001 / 10, abs=0.01)


@pytest.mark.parametrize("bad", [None, [], [None], ["x"], [(1.0,)], [TelemetryPoint(0, None, None, None, None)]])
def test_empty_and_garbage_input(bad) -> None:
    s = summarise(bad)
    assert s.points == 0 and s.bbox is None and s.line == [] and s.warnings == ["no positioned points"]
    assert to_geojson(bad)["geometry"] is None
    assert time_ranges_in_bbox(bad, (0, 0, 1, 1)) == []
    assert encode_points(bad)["n"] == 0


# --------------------------------------------------------------------------- spikes


def test_single_spike_is_dropped_with_a_warning() -> None:
    pts = northbound()
    pts.insert(6, TrackPoint(5.5, 22.51, 113.9, 30.0, None))  # 1.1 km north for half a second
    s = summarise(pts)
    assert s.points == 11 and s.dropped_spikes == 1
    assert s.distance_m == pytest.approx(ARC_0001, abs=0.01)
    assert s.warnings == ["dropped 1 GPS spike point(s) implying > 100 m/s"]


def test_spike_at_the_start_and_multi_point_spike() -> None:
    pts = northbound()
    bad_first = [TrackPoint(-1.0, 22.55, 113.95, None, None), *pts]  # 7 km away one second before
    assert drop_spikes(bad_first) == pts
    burst = pts[:5] + [TrackPoint(4.3, 23.0, 114.0), TrackPoint(4.6, 23.0, 114.0)] + pts[5:]
    assert drop_spikes(burst) == pts


def test_small_jitter_at_frame_rate_is_not_a_spike() -> None:
    # 5 m in 1/30 s is 150 m/s, but moves under 100 m (100 m/s x the 1 s floor) never count
    pts = [TrackPoint(i / 30, 22.5 + (0.000045 if i % 2 else 0), 113.9) for i in range(30)]
    assert len(drop_spikes(pts)) == 30


def test_wall_clock_gap_between_joined_clips_is_not_a_spike() -> None:
    t0 = datetime(2019, 9, 27, 10, 31, 14)
    first = [TrackPoint(i * 0.1, 22.5, 113.9, time=t0 + timedelta(seconds=i * 0.1)) for i in range(10)]
    # next cue 0.1 s later in the clip, but 97 s later on the wall clock and 300 m away
    second = [TrackPoint(1.0 + i * 0.1, 22.5027, 113.9, time=t0 + timedelta(seconds=98 + i * 0.1)) for i in range(5)]
    assert len(drop_spikes(first + second)) == 15
    no_clock = [p._replace(time=None) for p in first + second]
    assert len(drop_spikes(no_clock)) == 10  # without the wall clock the 300 m jump in 0.1 s is a spike


# --------------------------------------------------------------------------- simplification


def test_rdp_keeps_corners_and_ends() -> None:
    line = [TrackPoint(float(i), 22.5 + i * 1e-5, 113.9) for i in range(1000)]
    assert [p.t_s for p in simplify(line)] == [0.0, 999.0]
    ell = [TrackPoint(float(i), 22.5 + i * 1e-4, 113.9) for i in range(10)]
    ell += [TrackPoint(10.0 + i, 22.5009, 113.9 + (i + 1) * 1e-4) for i in range(10)]
    assert [p.t_s for p in simplify(ell)] == [0.0, 9.0, 19.0]


def test_rdp_tolerance_in_metres_and_point_bound() -> None:
    # zig-zag: every other point 0.0001 deg (about 10.3 m at this latitude) east of the line
    zig = [TrackPoint(float(i), 22.5 + i * 1e-4, 113.9 + (1e-4 if i % 2 else 0)) for i in range(101)]
    assert len(simplify(zig, tolerance_m=2.0)) == 101
    assert len(simplify(zig, tolerance_m=20.0)) == 2
    bounded = simplify(zig, tolerance_m=2.0, max_points=5)
    assert 2 <= len(bounded) <= 5 and bounded[0] == zig[0] and bounded[-1] == zig[-1]
    s = summarise(zig, max_line_points=5)
    assert len(s.line) <= 5 and s.line[0] == [113.9, 22.5] and s.line[-1] == [113.9, 22.51]


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_linestring_lon_lat_alt() -> None:
    f = to_geojson(northbound(3))
    assert f["type"] == "Feature"
    assert f["geometry"] == {
        "type": "LineString",
        "coordinates": [[113.9, 22.5, 50.0], [113.9, 22.5001, 55.0], [113.9, 22.5002, 60.0]],
    }
    assert f["properties"] == {"t_s": [0.0, 1.0, 2.0], "rel_alt_m": [0.0, 5.0, 10.0], "alt_ref": "abs_alt_m"}
    json.dumps(f)


def test_geojson_altitude_reference_point_and_simplified() -> None:
    rel_only = [TrackPoint(0.0, 1.0, 2.0, 3.0), TrackPoint(1.0, 1.0, 2.0001, 4.0)]
    assert to_geojson(rel_only)["properties"]["alt_ref"] == "rel_alt_m"
    flat = [TrackPoint(0.0, 1.0, 2.0), TrackPoint(1.0, 1.0, 2.0001, 4.0)]
    f = to_geojson(flat)
    assert f["properties"]["alt_ref"] is None and f["geometry"]["coordinates"] == [[2.0, 1.0], [2.0001, 1.0]]
    assert to_geojson([(0.0, 1.0, 2.0)])["geometry"] == {"type": "Point", "coordinates": [2.0, 1.0]}
    simple = to_geojson(northbound(), tolerance_m=1.0)
    assert len(simple["geometry"]["coordinates"]) == 2 and simple["properties"]["t_s"] == [0.0, 10.0]


# --------------------------------------------------------------------------- storage encoding


def test_encode_decode_round_trip_within_rounding() -> None:
    t0 = datetime(2021, 6, 12, 10, 11, 12, 123000)
    pts = [
        TelemetryPoint(0.0, 22.54321012, 113.91234567, 1.23, 50.34, time=t0),
        TelemetryPoint(0.033, 22.54321112, 113.91234667, None, 50.36, time=t0 + timedelta(seconds=0.033)),
        TelemetryPoint(1.5, -35.1, -60.2, 2.0, None),
    ]
    enc = encode_points(pts)
    assert json.loads(json.dumps(enc)) == enc
    assert enc["t_cs"] == [0, 3, 147] and enc["lat_e7"][1] == 10  # delta-coded, 1e-7 deg
    assert enc["rel_dm"] == [12, None, 20] and enc["abs_dm"] == [503, 504, None]
    back = decode_points(enc)
    assert len(back) == 3
    for a, b in zip(pts, back, strict=True):
        assert abs(a.lat - b.lat) <= 5e-8 and abs(a.lon - b.lon) <= 5e-8 and abs(a.t_s - b.t_s) <= 0.005
    assert back[0].rel_alt_m == 1.2 and back[1].rel_alt_m is None and back[0].abs_alt_m == 50.3
    assert back[0].time == t0 and back[2].time == t0 + timedelta(seconds=1.5)


def test_encoding_is_compact_on_a_real_track() -> None:
    track = parse_srt_file(corpus("JuanIrache__DJI_SRT_Parser/samples/matrice_300.srt"))
    enc = encode_points(track.points)
    assert enc["n"] == 381
    plain = json.dumps([[p.t_s, p.lat, p.lon, p.rel_alt_m, p.abs_alt_m] for p in track.points])
    assert len(json.dumps(enc)) < len(plain) / 2  # 6762 vs 14599 characters
    back = decode_points(json.loads(json.dumps(enc)))
    assert [(p.lat, p.lon, p.rel_alt_m) for p in back] == [(p.lat, p.lon, p.rel_alt_m) for p in track.points]


@pytest.mark.parametrize(
    "bad",
    [{}, {"v": 2, "n": 0}, {"v": 1, "n": 2, "t_cs": [0], "lat_e7": [0], "lon_e7": [0]},
     {"v": 1, "n": 1, "t_cs": ["x"], "lat_e7": [0], "lon_e7": [0]}, {"v": 1, "n": 1, "t_cs": None}],
)  # fmt: skip
def test_decode_rejects_what_it_did_not_write(bad) -> None:
    with pytest.raises(ValueError):
        decode_points(bad)


# --------------------------------------------------------------------------- time-range search


def bridge_flight() -> list[TrackPoint]:
    """East along lat 22.5 at 1 Hz: over the 'bridge' (lon 113.9010-113.9020) at t 10..20, back over it at t 40..50."""
    out = [TrackPoint(float(t), 22.5, 113.9 + t * 1e-4) for t in range(31)]  # t=30 at 113.9030
    out += [TrackPoint(float(t), 22.5, 113.9030 - (t - 30) * 1e-4) for t in range(31, 61)]  # back west
    return out


def test_time_ranges_in_bbox_two_passes() -> None:
    bridge = (113.90095, 22.4995, 113.90205, 22.5005)
    assert time_ranges_in_bbox(bridge_flight(), bridge) == [(10.0, 20.0), (40.0, 50.0)]
    assert time_ranges_in_bbox(bridge_flight(), (0, 0, 1, 1)) == []


def test_time_ranges_gap_threshold() -> None:
    # 89 m (0.0008 deg) north of the spot for t = 5, 6, 7: back after a 4 s gap between matching points
    pts = [TrackPoint(float(t), 22.5008 if t in (5, 6, 7) else 22.5, 113.9) for t in range(12)]
    near = (22.5, 113.9, 50.0)
    assert time_ranges_near(pts, *near, gap_s=5) == [(0.0, 11.0)]
    assert time_ranges_near(pts, *near, gap_s=1) == [(0.0, 4.0), (8.0, 11.0)]
    assert time_ranges_near(pts, *near) == [(0.0, 4.0), (8.0, 11.0)]  # default gap max(2 s, 3 x 1 s) = 3 s
    pts[6] = pts[6]._replace(lat=22.5)  # one matching point in the middle bridges two 2 s gaps
    assert time_ranges_near(pts, *near) == [(0.0, 11.0)]


def test_bbox_across_the_antimeridian() -> None:
    # near Fiji, 2.1 km steps every 30 s: 179.99 E -> 179.99 W -> 179.97 W
    pts = [TrackPoint(0.0, -16.5, 179.99), TrackPoint(30.0, -16.5, -179.99), TrackPoint(60.0, -16.5, -179.97)]
    assert time_ranges_in_bbox(pts, (179.9, -17, -179.98, -16), gap_s=60) == [(0.0, 30.0)]
    two_steps = 2 * 0.02 * math.cos(math.radians(16.5)) * ARC_0001 * 1000  # 4264.6 m, not 359.96 degrees around
    assert summarise(pts).distance_m == pytest.approx(two_steps, rel=1e-4)


# --------------------------------------------------------------------------- corpus


def test_matrice_300_flight() -> None:
    """1 Hz Matrice 300 log: GPS(36.6146,-6.1120) at cues 1-29 and 370-381; lat 36.6144-36.6172,
    lon -6.1151..-6.1119; BAROMETER peaks at 87.9 m (``grep``/``awk`` on the file)."""
    track = parse_srt_file(corpus("JuanIrache__DJI_SRT_Parser/samples/matrice_300.srt"))
    s = summarise(track.points)
    assert s.points == 381 and s.duration_s == 380.0 and s.dropped_spikes == 0
    assert s.start == {"lat": 36.6146, "lon": -6.112, "t_s": 0.0}
    assert s.end == {"lat": 36.6146, "lon": -6.112, "t_s": 380.0}
    assert s.bbox == (-6.1151, 36.6144, -6.1119, 36.6172)
    assert s.max_rel_alt_m == 87.9
    assert s.line[0] == s.line[-1] == [-6.112, 36.6146] and len(s.line) <= 500
    assert time_ranges_near(track.points, 36.6146, -6.1120, 1.0) == [(0.0, 28.0), (369.0, 380.0)]


def test_gpx_named_30_km_h_really_is() -> None:
    track = parse_track_file(corpus("mapillary__mapillary_tools/tests/data/gpx/sf_30km_h.gpx"))
    s = summarise(track.points)
    assert s.points == 49 and s.duration_s == 93.624
    assert s.distance_m / s.duration_s * 3.6 == pytest.approx(30.0, abs=0.1)


def test_joined_clips_srt_keeps_all_points() -> None:
    """mavic_2pro_new.SRT is several recordings joined: cue times run on while the wall clock jumps
    10:31:14 -> 10:32:51 (and twice more), with the drone 100-300 m away. Those are not spikes."""
    track = parse_srt_file(corpus("JuanIrache__DJI_SRT_Parser/samples/mavic_2pro_new.SRT"))
    s = summarise(track.points)
    assert s.points == len(track.points) == 8952 and s.dropped_spikes == 0

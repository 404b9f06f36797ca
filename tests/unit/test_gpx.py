"""GPX and flight-log CSV parsing: inline samples, hostile and broken input, and the corpus files.

Corpus values were read from the files by hand (``head``/``tail``/``grep``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mam.metadata.gpx import FOOT_M, parse_flight_csv, parse_gpx, parse_track, parse_track_file

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus(rel: str) -> Path:
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"shared corpus file not available: {path}")
    return path


GPX11 = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"
     xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
  <metadata><name>雄安 bridge</name></metadata>
  <wpt lat="1.0" lon="1.0"><name>not a track point</name></wpt>
  <trk><name>flight</name>
    <trkseg>
      <trkpt lat="39.050000" lon="116.000000"><ele>12.5</ele><time>2023-06-12T02:11:12Z</time>
        <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>90</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>
      </trkpt>
      <trkpt lat="39.050100" lon="116.000100"><ele>15.0</ele><time>2023-06-12T02:11:13.500Z</time></trkpt>
    </trkseg>
    <trkseg>
      <trkpt lat="39.050200" lon="116.000200"><time>2023-06-12T10:11:20+08:00</time></trkpt>
    </trkseg>
  </trk>
</gpx>
"""


def test_gpx_11_namespaces_segments_and_times() -> None:
    track = parse_gpx(GPX11.encode())
    assert track.format == "gpx" and track.warnings == []
    assert [(p.t_s, p.lat, p.lon, p.abs_alt_m, p.rel_alt_m) for p in track.points] == [
        (0.0, 39.05, 116.0, 12.5, None),
        (1.5, 39.0501, 116.0001, 15.0, None),
        (8.0, 39.0502, 116.0002, None, None),  # +08:00 is the same instant as 02:11:20Z
    ]
    assert track.points[0].time == datetime(2023, 6, 12, 2, 11, 12, tzinfo=UTC)
    assert parse_gpx(GPX11).points == track.points  # str input too
    assert parse_track(GPX11.encode("utf-16")).points == track.points  # UTF-16 with BOM


def test_gpx_without_times_and_with_some_missing() -> None:
    no_time = '<gpx><trk><trkseg><trkpt lat="1" lon="2"/><trkpt lat="1.1" lon="2.1"/></trkseg></trk></gpx>'
    track = parse_gpx(no_time)
    assert [p.t_s for p in track.points] == [0.0, 1.0]
    assert track.warnings == ["no point has a time; t_s is the point index"]
    some = no_time.replace('lon="2"/>', 'lon="2"><time>2020-01-01T00:00:00Z</time></trkpt>')
    track = parse_gpx(some)
    assert len(track.points) == 1 and track.warnings == ["1 point(s) without a time skipped"]


def test_gpx_naive_time_is_utc_and_bad_points_are_skipped() -> None:
    doc = """<gpx><trk><trkseg>
      <trkpt lat="22.5" lon="113.9"><time>2021-01-01T00:00:00</time></trkpt>
      <trkpt lat="0" lon="0"><time>2021-01-01T00:00:01Z</time></trkpt>
      <trkpt lat="91" lon="113.9"><time>2021-01-01T00:00:02Z</time></trkpt>
      <trkpt lat="abc" lon="113.9"/>
      <trkpt lat="22.6" lon="113.9"><ele>n/a</ele><time>2021-01-01T00:00:03Z</time></trkpt>
    </trkseg></trk></gpx>"""
    track = parse_gpx(doc)
    assert [(p.t_s, p.lat, p.abs_alt_m) for p in track.points] == [(0.0, 22.5, None), (3.0, 22.6, None)]
    assert track.points[0].time == datetime(2021, 1, 1, tzinfo=UTC)
    assert track.warnings == ["3 point(s) without a usable position skipped"]


@pytest.mark.parametrize(
    "doc",
    [
        '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY lol "lol">]><gpx>&lol;</gpx>',
        '<!DOCTYPE gpx SYSTEM "file:///etc/passwd"><gpx/>',
        '<gpx><!ENTITY x "y"></gpx>',
        b'<?xml version="1.0"?>\n<!doctype gpx>\n<gpx/>',
    ],
)
def test_doctype_and_entity_are_refused(doc) -> None:
    track = parse_gpx(doc)
    assert track.points == [] and track.warnings == ["refused: the document declares a DOCTYPE or ENTITY"]


def test_billion_laughs_is_refused_quickly() -> None:
    lol = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    track = parse_track(f'<?xml version="1.0"?><!DOCTYPE gpx [{lol}]><gpx>&l9;</gpx>')
    assert track.points == [] and "refused" in track.warnings[0]


@pytest.mark.parametrize(
    ("doc", "warning"),
    [
        (b"", "not valid XML"),
        (b"<gpx><trk>", "not valid XML"),
        (b"<kml><trkpt lat='1' lon='2'/></kml>", "not a GPX document"),
        (b"<gpx/>", "no track points found"),
        (b"\x00\x01\x02<", "not valid XML"),
    ],
)
def test_broken_gpx(doc, warning) -> None:
    track = parse_gpx(doc)
    assert track.points == [] and warning in track.warnings[-1]


# --------------------------------------------------------------------------- CSV

AIRDATA = """time(millisecond),datetime(utc),latitude,longitude,height_above_takeoff(feet),\
height_above_ground_at_drone_location(feet),altitude_above_seaLevel(feet), xSpeed(mph),altitude(feet)
0,2023-06-12 02:11:12,0.0,0.0,0,0,0,0,0
100,2023-06-12 02:11:12,39.05,116.0,0,0,32.8,0,0
200,2023-06-12 02:11:12,39.0501,116.0001,3.3,3.3,36.1,1,3.3
1300,2023-06-12 02:11:13,39.0502,116.0002,100,100,132.8,1,100
"""


def test_airdata_csv_feet_and_utc() -> None:
    track = parse_flight_csv(AIRDATA)
    assert track.format == "airdata_csv"
    assert [p.t_s for p in track.points] == [0.0, 0.1, 1.2]  # the 0,0 row before GPS lock is skipped
    assert track.warnings == ["1 point(s) without a usable position skipped"]
    last = track.points[-1]
    assert last.rel_alt_m == pytest.approx(100 * FOOT_M) == pytest.approx(30.48)
    assert last.abs_alt_m == pytest.approx(132.8 * 0.3048)
    assert last.time == datetime(2023, 6, 12, 2, 11, 13, tzinfo=UTC)


DJI_FLIGHTRECORD = """CUSTOM.date [local],CUSTOM.updateTime [local],OSD.flyTime,OSD.flyTime [s],\
OSD.latitude,OSD.longitude,OSD.height [ft],OSD.altitude [ft],HOME.latitude
6/12/2023,10:11:12.30 AM,0m 0.3s,0.3,22.5384,113.9326,0.0,39.4,22.5384
6/12/2023,10:11:13.30 AM,0m 1.3s,1.3,22.5385,113.9327,10.0,49.4,22.5384
6/12/2023,10:12:13.80 AM,1m 1.8s,61.8,22.5386,113.9328,328.1,367.5,22.5384
"""


def test_dji_flightrecord_csv() -> None:
    track = parse_flight_csv(DJI_FLIGHTRECORD.encode())
    assert track.format == "dji_flightrecord_csv" and track.warnings == []
    assert [p.t_s for p in track.points] == [0.0, 1.0, 61.5]  # "1m 1.8s" minus the first 0.3 s
    assert track.points[2].rel_alt_m == pytest.approx(100.01, abs=0.01)  # 328.1 ft
    assert track.points[2].abs_alt_m == pytest.approx(112.01, abs=0.01)  # 367.5 ft
    assert track.points[0].time == datetime(2023, 6, 12, 10, 11, 12, 300000)  # local clock: naive


def test_flightrecord_full_timestamp_and_semicolons_and_metres() -> None:
    text = (
        "CUSTOM.updateTime;OSD.latitude;OSD.longitude;OSD.height [m]\n"
        "2020/12/02 07:50:31.300;-44.69;170.42;1.5\n2020/12/02 07:50:33.800;-44.6901;170.4201;2.5\n"
    )
    track = parse_flight_csv(text)
    assert [(p.t_s, p.rel_alt_m) for p in track.points] == [(0.0, 1.5), (2.5, 2.5)]
    assert track.points[1].time == datetime(2020, 12, 2, 7, 50, 33, 800000)


def test_csv_without_time_column_and_out_of_order() -> None:
    track = parse_flight_csv("lat,lon\n1,2\n1.1,2.1\n")
    assert [p.t_s for p in track.points] == [0.0, 1.0] and track.warnings == ["no time column; t_s is the row index"]
    track = parse_flight_csv("time(seconds),latitude,longitude\n5,1,2\n3,1.1,2.1\n")
    assert [(p.t_s, p.lat) for p in track.points] == [(0.0, 1.1), (2.0, 1.0)]
    assert track.warnings == ["points were not in time order; sorted"]


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (b"", "file is empty"),
        (b"   \n", "file is empty"),
        (b"a,b,c\n1,2,3\n", "no latitude/longitude columns"),
        (b"\x00\x01PK\x03\x04 binary", "not a text file"),
        (b"latitude,longitude\n,\nx,y\n", "no track points found"),
        ("latitude,longitude\n91,200\n".encode("utf-16"), "no track points found"),
    ],
)
def test_broken_csv(data, warning) -> None:
    track = parse_track(data)
    assert track.points == [] and warning in track.warnings[-1]


def test_unreadable_file(tmp_path) -> None:
    track = parse_track_file(tmp_path / "missing.gpx")
    assert track.points == [] and "cannot read" in track.warnings[0]


# --------------------------------------------------------------------------- corpus


def test_corpus_gpx_10_in_reverse_time_order() -> None:
    """Geotag.gpx (GPX 1.0, ISO-8859-1): 9 trkpt listed newest first, 17:10:05Z down to 17:09:04Z."""
    track = parse_track_file(corpus("exiftool__exiftool/t/images/Geotag.gpx"))
    assert len(track.points) == 9 and track.warnings == ["points were not in time order; sorted"]
    first, last = track.points[0], track.points[-1]
    assert (first.lat, first.lon, first.abs_alt_m) == (43.642824, -116.061502, 1507.003906)
    assert first.time == datetime(2003, 5, 24, 17, 9, 4, tzinfo=UTC)
    assert (last.t_s, last.lat, last.lon, last.abs_alt_m) == (61.0, 43.641, -116.062231, 1472.396484)


def test_corpus_gpx_11() -> None:
    track = parse_track_file(corpus("mapillary__mapillary_tools/tests/data/gpx/sf_30km_h.gpx"))
    assert len(track.points) == 49 and track.warnings == []
    assert (track.points[0].lat, track.points[0].lon, track.points[0].abs_alt_m) == (37.793585, -122.461396, 94.75)
    assert (track.points[-1].t_s, track.points[-1].lat, track.points[-1].abs_alt_m) == (93.624, 37.79885, 47.75)


def test_corpus_dji_csv_takes_its_start_from_the_file_name() -> None:
    """Id,Time(seconds),Time(text),Latitude,Longitude; 92 rows from 0.3 s to 10 s; named ..._2020-12-02_[07-50-31]."""
    track = parse_track_file(corpus("exiftool__exiftool/t/images/Geotag_DJI_2020-12-02_[07-50-31].csv"))
    assert track.format == "csv" and track.warnings == [] and len(track.points) == 92
    first, last = track.points[0], track.points[-1]
    assert (first.t_s, first.lat, first.lon) == (0.0, -44.69009395, 170.42456545)
    assert (last.t_s, last.lat, last.lon) == (9.7, -44.69008766, 170.4245683)
    assert first.time == datetime(2020, 12, 2, 7, 50, 31, 300000)  # local wall clock of the log: naive
    assert last.time == datetime(2020, 12, 2, 7, 50, 41)

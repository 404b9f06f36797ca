"""DJI telemetry SRT parser: inline samples of every dialect, edge cases, and the real files in the corpus.

The expected corpus values were copied by hand from the files (``head``/``tail``), not from parser output.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mam.metadata.dji_srt import TelemetryPoint, parse_srt, parse_srt_file

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def check(point: TelemetryPoint, **expected: Any) -> None:
    """Compare the named fields; floats approximately, None/str/int/datetime exactly."""
    for name, want in expected.items():
        got = getattr(point, name)
        if isinstance(want, float):
            assert got == pytest.approx(want, abs=1e-9), name
        else:
            assert got == want, name


# --------------------------------------------------------------------------- inline samples, one per dialect

BRACKET_MAVIC3 = """1
00:00:00,000 --> 00:00:00,020
<font size="28">FrameCnt: 1, DiffTime: 20ms
2021-06-12 10:11:12.123
[iso: 220] [shutter: 1/8000.0] [fnum: 3.2] [ev: -0.7] [ct: 5115] [color_md : default] [focal_len: 24.00] \
[latitude: 22.543210] [longitude: 113.912345] [rel_alt: 1.200 abs_alt: 50.300] </font>

2
00:00:00,020 --> 00:00:00,040
<font size="28">FrameCnt: 2, DiffTime: 20ms
2021-06-12 10:11:12.143
[iso: 200] [shutter: 1/640.0] [fnum: 3.2] [ev: 0] [ct: 5100] [color_md : default] [focal_len: 24.00] \
[latitude: 22.543220] [longitude: 113.912355] [rel_alt: 1.300 abs_alt: 50.400] </font>
"""

BRACKET_MAVIC2 = """1
00:00:00,000 --> 00:00:00,033
<font size="36">FrameCnt : 1, DiffTime : 33ms
2020-04-02 15:19:58,720,764
[iso : 100] [shutter : 1/200.0] [fnum : 280] [ev : 0.3] [ct : 5500] [color_md : default] [focal_len : 240] \
[latitude : -35.080155] [longtitude : -60.286702] [altitude: 213.983002] </font>
"""

LEGACY_MAVIC_PRO = """1
00:00:01,000 --> 00:00:02,000
HOME(149.0251,-20.2532) 2017.08.05 14:11:51
GPS(149.0251,-20.2533,16) BAROMETER:1.9
ISO:100 Shutter:60 EV: Fnum:2.2

2
00:00:02,000 --> 00:00:03,000
HOME(149.0251,-20.2532) 2017.08.05 14:11:52
GPS(149.0252,-20.2534,17) BAROMETER:-0.4
ISO:110 Shutter:80 EV: Fnum:2.2
"""

LEGACY_OLDEST = """1
00:00:01,000 --> 00:00:02,000
HOME(-58.4563,-34.7386) 2017.7.3 10:15:03
GPS(-58.4563,-34.7383,19) Hb:20.1 Hs:20.0
ISO:100 TV:400 EV:-1/3 IR:F2.8
"""

P4P = """1
00:00:00,000 --> 00:00:01,000
F/2.8, SS 206.14, ISO 150, EV 0, GPS (-82.6669, 27.7716, 10), D 2.80m, H 12.50m, H.S 0.00m/s, V.S 0.00m/s


"""

MATRICE = (
    "1\r\n00:00:00,000 --> 00:00:01,000\r\n2022.06.21 16:06:17\r\n"
    "GPS(36.6146,-6.1120,0.0M) BAROMETER:0.3M\r\n\r\n"
    "2\r\n00:00:01,000 --> 00:00:02,000\r\n2022.06.21 16:06:18\r\n"
    "GPS(36.6147,-6.1121,0.0M) BAROMETER:1.3M\r\n\r\n"
)


def test_bracket_new_style_with_font_wrapper_and_dot_milliseconds() -> None:
    track = parse_srt(BRACKET_MAVIC3)
    assert track.format == "bracket"
    assert track.warnings == []
    assert len(track.points) == 2
    check(track.points[0], t_s=0.0, lat=22.54321, lon=113.912345, rel_alt_m=1.2, abs_alt_m=50.3, iso=220,
          shutter="1/8000.0", fnum=3.2, ev=-0.7, ct_k=5115, focal_len_mm=24.0,
          time=datetime(2021, 6, 12, 10, 11, 12, 123000))  # fmt: skip
    check(track.points[1], t_s=0.02, iso=200, shutter="1/640.0", ev=0.0, abs_alt_m=50.4)


def test_bracket_old_style_typo_hundredths_and_ms_us_date() -> None:
    (point,) = parse_srt(BRACKET_MAVIC2).points
    check(point, lat=-35.080155, lon=-60.286702, rel_alt_m=None, abs_alt_m=213.983002, iso=100,
          shutter="1/200.0", fnum=2.8, ev=0.3, ct_k=5500, focal_len_mm=24.0,
          time=datetime(2020, 4, 2, 15, 19, 58, 720764))  # fmt: skip


def test_legacy_home_gps_lon_first_and_third_value_is_not_an_altitude() -> None:
    track = parse_srt(LEGACY_MAVIC_PRO)
    assert track.format == "legacy_home_gps"
    first, second = track.points
    check(first, t_s=1.0, lat=-20.2533, lon=149.0251, rel_alt_m=1.9, abs_alt_m=None, iso=100,
          shutter="1/60", fnum=2.2, ev=None, ct_k=None, time=datetime(2017, 8, 5, 14, 11, 51))  # fmt: skip
    check(second, t_s=2.0, lat=-20.2534, lon=149.0252, rel_alt_m=-0.4, shutter="1/80", iso=110)


def test_legacy_oldest_hb_tv_ir_and_fractional_ev() -> None:
    (point,) = parse_srt(LEGACY_OLDEST).points
    check(point, lat=-34.7383, lon=-58.4563, rel_alt_m=20.1, iso=100, shutter="1/400", fnum=2.8,
          ev=-1 / 3, time=datetime(2017, 7, 3, 10, 15, 3))  # fmt: skip


def test_p4p_single_line_style() -> None:
    track = parse_srt(P4P)
    assert track.format == "p4p_fss"
    (point,) = track.points
    check(point, t_s=0.0, lat=27.7716, lon=-82.6669, rel_alt_m=12.5, abs_alt_m=None, iso=150,
          shutter="1/206.14", fnum=2.8, ev=0.0, time=None)  # fmt: skip


def test_matrice_lat_first_crlf_and_placeholder_gps_altitude() -> None:
    track = parse_srt(MATRICE)
    assert track.format == "matrice_gps"
    first, last = track.points
    check(first, t_s=0.0, lat=36.6146, lon=-6.112, rel_alt_m=0.3, abs_alt_m=None,
          time=datetime(2022, 6, 21, 16, 6, 17))  # fmt: skip
    check(last, t_s=1.0, lat=36.6147, lon=-6.1121, rel_alt_m=1.3)
    assert any("0.0 in every cue" in w for w in track.warnings)


def test_matrice_real_gps_altitude_is_kept_and_lon_over_90_confirms_order() -> None:
    srt = (
        "1\n00:06:44,000 --> 00:06:45,000\n2023.08.07 20:10:01\nGPS(-41.3899,174.0177,35.5M) BAROMETER:97.7M"
    )
    (point,) = parse_srt(srt).points
    check(point, lat=-41.3899, lon=174.0177, abs_alt_m=35.5, rel_alt_m=97.7, t_s=404.0)


def test_gps_order_is_inferred_when_a_value_only_fits_as_longitude() -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,000\nGPS(-20.2533,149.0251,16) BAROMETER:1.9\nISO:100 Shutter:60\n"
    track = parse_srt(srt)
    check(track.points[0], lat=-20.2533, lon=149.0251)
    assert any("inferred" in w for w in track.warnings)


def test_file_switching_format_midway_is_mixed() -> None:
    srt = LEGACY_MAVIC_PRO + (
        "\n3\n00:00:03,000 --> 00:00:04,000\n2017-08-05 14:11:53.000\n"
        "[iso : 100] [shutter : 1/60.0] [fnum : 220] [latitude : -20.2535] [longtitude : 149.0253]\n"
    )
    track = parse_srt(srt)
    assert track.format == "mixed"
    assert len(track.points) == 3
    check(track.points[2], t_s=3.0, lat=-20.2535, lon=149.0253, fnum=2.2, shutter="1/60.0")
    assert any("format changes at cue 3" in w for w in track.warnings)


@pytest.mark.parametrize(
    ("no_fix", "fix"),
    [
        (
            "[iso: 100] [latitude: 0.000000] [longitude: 0.000000] [rel_alt: 0.000 abs_alt: 0.000]",
            "[iso: 100] [latitude: 47.500000] [longitude: 8.200000] [rel_alt: 0.000 abs_alt: 410.000]",
        ),
        (
            "[iso : 100] [latitude : 0.0] [longtitude : 0.0] [altitude: 0.0]",
            "[iso : 100] [latitude : 47.5] [longtitude : 8.2] [altitude: 410.0]",
        ),
        (
            "F/2.8, SS 200, ISO 100, EV 0, GPS (0.0, 0.0, 0), D 0.00m, H 0.00m, H.S 0.00m/s, V.S 0.00m/s",
            "F/2.8, SS 200, ISO 100, EV 0, GPS (8.2, 47.5, 12), D 0.00m, H 0.00m, H.S 0.00m/s, V.S 0.00m/s",
        ),
        (
            "HOME(0.0000,0.0000) 2021.06.12 10:11:12\nGPS(0.0,0.0,4) BAROMETER:0.0\nISO:100 Shutter:60",
            "HOME(8.2000,47.5000) 2021.06.12 10:11:14\nGPS(8.2,47.5,12) BAROMETER:0.0\nISO:100 Shutter:60",
        ),
        (
            "HOME(-1.2218,42.4668) 2018.08.19 08:00:50\nGPS(N/A,N/A,3) BAROMETER:0.0\nISO:100 Shutter:60",
            "HOME(-1.2218,42.4668) 2018.08.19 08:00:52\nGPS(8.2,47.5,12) BAROMETER:0.0\nISO:100 Shutter:60",
        ),
    ],
)
def test_zero_or_na_before_gps_lock_is_not_a_position(no_fix: str, fix: str) -> None:
    cues = [no_fix, no_fix, fix]
    srt = "".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i + 1},000\n{c}\n\n" for i, c in enumerate(cues))
    track = parse_srt(srt)
    assert len(track.points) == 3
    assert [(p.lat, p.lon) for p in track.points[:2]] == [(None, None), (None, None)]
    check(track.points[2], lat=47.5, lon=8.2)
    assert track.positioned == [track.points[2]]
    assert "no GPS lock in first 2 cue(s)" in track.warnings


def test_truncated_last_cue_is_dropped_with_a_warning() -> None:
    cut = BRACKET_MAVIC3 + "\n3\n00:00:00,040 --> 00:00:00,060\n<font size='28'>FrameCnt: 3, DiffTime: 20ms\n"
    cut += "2021-06-12 10:11:12.163\n[iso: 200] [shutter: 1/640.0] [fnum: 3.2] [ev: 0] [ct: 51"
    track = parse_srt(cut)
    assert len(track.points) == 2
    assert "truncated last cue" in track.warnings
    legacy_cut = (
        LEGACY_MAVIC_PRO + "\n3\n00:00:03,000 --> 00:00:04,000\nHOME(149.0251,-20.2532) 2017.08.05 14:11"
    )
    track = parse_srt(legacy_cut)
    assert len(track.points) == 2
    assert "truncated last cue" in track.warnings


@pytest.mark.parametrize("data", [b"", "", b"\n\r\n  \n", "\ufeff"])
def test_empty_input(data: bytes | str) -> None:
    track = parse_srt(data)
    assert track.points == [] and track.format == "none"
    assert track.warnings == ["file is empty"]


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 8,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
        b"1\n",
        "hello, this is not a subtitle\n\nat all: really",
        "1\n00:00:00,000 --> 00:00:01,000\nRed!\n\n2\n00:00:5,000 --> 00:00:6,000\nGreen!\n",
        "1\n00:00:00,000 --> 00:00:01,000\nHOME(",
    ],
)
def test_garbage_gives_no_points_and_a_warning(data: bytes | str) -> None:
    track = parse_srt(data)
    assert track.points == [] and track.format == "none"
    assert track.warnings


def test_wrong_types_and_unreadable_files_never_raise(tmp_path: Path) -> None:
    assert parse_srt(None).warnings  # type: ignore[arg-type]
    assert parse_srt(12).points == []  # type: ignore[arg-type]
    missing = parse_srt_file(tmp_path / "nope.SRT")
    assert missing.points == [] and "cannot read" in missing.warnings[0]
    assert parse_srt_file(tmp_path).points == []  # a directory


def test_bom_crlf_latin1_and_dot_timing_separator(tmp_path: Path) -> None:
    body = (
        "1\r\n00:00:01.500 --> 00:00:02.000\r\n"
        "GPS(8.2090,47.4692,18) BAROMETER:5.0\r\nISO:100 Shutter:60 \xb0C"
    )
    bom_utf8 = b"\xef\xbb\xbf" + body.encode()
    for data in (bom_utf8, body.encode("latin-1"), body.replace("\r\n", "\r"), body.encode("utf-16")):
        (point,) = parse_srt(data).points
        check(point, t_s=1.5, lat=47.4692, lon=8.209, rel_alt_m=5.0, iso=100)
    path = tmp_path / "clip.SRT"
    path.write_bytes(body.encode("latin-1"))
    assert len(parse_srt_file(path).points) == 1


def test_blocks_without_timing_lines_use_the_wall_clock() -> None:
    srt = (
        "1\n2017.08.05 14:11:51,393,525,393,525\n[latitude : -20.2533] [longtitude : 149.0251] [iso : 100] "
        "[shutter : 1/60.0] [ev : 0] [fnum : 220]\n\n2\n2017.08.05 14:11:53,393,525\n"
        "[latitude : -20.2532] [longtitude : 149.0251] [iso : 100] [shutter : 1/60.0] [ev : 0] [fnum : 220]\n"
    )
    track = parse_srt(srt)
    assert [p.t_s for p in track.points] == [0.0, 2.0]
    check(track.points[0], time=datetime(2017, 8, 5, 14, 11, 51, 393525), fnum=2.2, lat=-20.2533)
    assert any("no cue timings" in w for w in track.warnings)


def test_point_is_frozen() -> None:
    point = parse_srt(P4P).points[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.lat = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------- the real files

JI = "JuanIrache__DJI_SRT_Parser/samples/"
T = datetime
# path: (points, format, first point, last point, warnings that must be present)
EXPECTED: dict[str, tuple[int, str, dict[str, Any], dict[str, Any], list[str]]] = {
    JI + "MAVIC3.srt": (
        12318, "bracket",
        dict(t_s=0.0, lat=3.41531, lon=-3.37440, rel_alt_m=-2.4, abs_alt_m=0.401, iso=220, shutter="1/8000.0",
             fnum=3.2, ev=0.0, ct_k=5115, focal_len_mm=24.0, time=T(2021, 12, 25, 12, 27, 52, 373000)),
        dict(t_s=246.34, lat=3.41368, lon=-3.37721, rel_alt_m=3.6, abs_alt_m=6.401, iso=170,
             shutter="1/8000.0", fnum=3.5, ev=0.0, ct_k=5049, focal_len_mm=24.0,
             time=T(2021, 12, 25, 12, 31, 58, 710000)),
        [],
    ),
    JI + "air2s.srt": (
        17, "bracket",
        dict(t_s=0.0, lat=41.424724, lon=2.234156, rel_alt_m=None, abs_alt_m=117.0, iso=100, shutter="1/80.0",
             fnum=2.8, ev=0.0, ct_k=5744, focal_len_mm=24.0, time=T(2022, 8, 7, 13, 40, 40, 774808)),
        dict(t_s=0.533, lat=41.42473, lon=2.234102, abs_alt_m=117.1, iso=100, shutter="1/80.0", fnum=2.8,
             ct_k=5757, focal_len_mm=24.0, time=T(2022, 8, 7, 13, 40, 41, 308639)),
        [],
    ),
    JI + "broken_incomplete.SRT": (
        19, "legacy_home_gps",
        dict(t_s=1.0, lat=-34.7383, lon=-58.4563, rel_alt_m=20.1, abs_alt_m=None, iso=100, shutter="1/400",
             fnum=2.8, ev=-1 / 3, ct_k=None, focal_len_mm=None, time=T(2017, 7, 3, 10, 15, 3)),
        dict(t_s=19.0, lat=-34.7383, lon=-58.4563, rel_alt_m=7.7, iso=196, shutter="1/100", fnum=2.8,
             ev=-1 / 3, time=T(2017, 7, 3, 10, 15, 21)),
        ["truncated last cue"],
    ),
    JI + "m2zoom.SRT": (
        7113, "bracket",
        dict(t_s=0.0, lat=31.452012, lon=74.398751, rel_alt_m=None, abs_alt_m=213.983002, iso=120,
             shutter="1/2500.0", fnum=2.8, ev=0.0, ct_k=5003, focal_len_mm=24.0,
             time=T(2020, 4, 2, 15, 19, 58, 720764)),
        dict(t_s=118.651, lat=31.450438, lon=74.398905, abs_alt_m=264.541992, iso=100, shutter="1/500.0",
             fnum=3.8, ev=0.0, ct_k=5349, focal_len_mm=48.0, time=T(2020, 4, 2, 15, 21, 57, 372289)),
        [],
    ),
    JI + "matrice_300.srt": (
        381, "matrice_gps",
        dict(t_s=0.0, lat=36.6146, lon=-6.1120, rel_alt_m=0.3, abs_alt_m=None, iso=None, shutter=None,
             fnum=None, time=T(2022, 6, 21, 16, 6, 17)),
        dict(t_s=380.0, lat=36.6146, lon=-6.1120, rel_alt_m=0.0, abs_alt_m=None,
             time=T(2022, 6, 21, 16, 12, 37)),
        ["GPS altitude is 0.0 in every cue; treated as missing"],
    ),
    JI + "mavic_2_style.SRT": (
        468, "bracket",
        dict(t_s=0.0, lat=-20.2533, lon=149.0251, rel_alt_m=None, abs_alt_m=None, iso=100, shutter="1/60.0",
             fnum=2.2, ev=0.0, ct_k=None, time=T(2017, 8, 5, 14, 11, 51, 393525)),
        dict(t_s=468.0, lat=-20.2532, lon=149.0251, iso=100, shutter="1/60.0", fnum=2.2, ev=0.0,
             time=T(2017, 8, 5, 14, 19, 39, 393525)),
        ["no cue timings; t_s taken from the wall-clock time"],
    ),
    JI + "mavic_2pro_new.SRT": (
        8952, "bracket",
        dict(t_s=0.0, lat=-35.080155, lon=-60.286702, rel_alt_m=None, abs_alt_m=None, iso=110,
             shutter="1/1250.0", fnum=2.8, ev=0.0, ct_k=5174, focal_len_mm=28.0,
             time=T(2019, 9, 27, 10, 28, 8, 438904)),
        dict(t_s=369.84, lat=-35.077976, lon=-60.314572, iso=110, shutter="1/2000.0", fnum=2.8, ct_k=5192,
             focal_len_mm=28.0, time=T(2019, 9, 27, 11, 11, 41, 524497)),
        [],
    ),
    JI + "mavic_air.SRT": (
        2, "bracket",
        dict(t_s=0.0, lat=None, lon=None, rel_alt_m=None, abs_alt_m=None, iso=100, shutter="1/240.0",
             fnum=2.8, ev=0.0, ct_k=5627, focal_len_mm=None, time=T(2018, 2, 19, 8, 4, 51, 265847)),
        dict(t_s=0.039, lat=None, lon=None, iso=100, ct_k=5627, time=T(2018, 2, 19, 8, 4, 51, 305846)),
        ["no GPS position in any cue"],
    ),
    JI + "mavic_air2.srt": (
        25, "bracket",
        dict(t_s=0.0, lat=41.420684, lon=2.162162, abs_alt_m=27.3, iso=100, shutter="1/500.0", fnum=2.8,
             ev=0.0, ct_k=5500, focal_len_mm=24.0, time=T(2022, 5, 1, 15, 1, 58, 531716)),
        dict(t_s=0.4, lat=41.420686, lon=2.162162, abs_alt_m=29.2, iso=100, shutter="1/500.0",
             time=T(2022, 5, 1, 15, 1, 58, 931885)),
        [],
    ),
    JI + "mavic_pro.SRT": (
        468, "legacy_home_gps",
        dict(t_s=1.0, lat=-20.2533, lon=149.0251, rel_alt_m=1.9, abs_alt_m=None, iso=100, shutter="1/60",
             fnum=2.2, ev=None, time=T(2017, 8, 5, 14, 11, 51)),
        dict(t_s=468.0, lat=-20.2532, lon=149.0251, rel_alt_m=0.0, iso=100, shutter="1/60", fnum=2.2,
             time=T(2017, 8, 5, 14, 19, 39)),
        [],
    ),
    JI + "mavic_pro_buggy.SRT": (
        546, "legacy_home_gps",
        dict(t_s=1.0, lat=42.4668, lon=-1.2218, rel_alt_m=0.0, abs_alt_m=None, iso=100, shutter="1/60",
             fnum=2.2, ev=None, time=T(2018, 8, 19, 8, 0, 36)),
        dict(t_s=546.0, lat=42.4668, lon=-1.2217, rel_alt_m=15.8, iso=100, shutter="1/60", fnum=2.2,
             time=T(2018, 8, 19, 8, 9, 42)),
        ["no GPS position in 16 later cue(s)"],
    ),
    JI + "old_format.SRT": (
        468, "legacy_home_gps",
        dict(t_s=1.0, lat=-20.2533, lon=149.0251, rel_alt_m=1.9, abs_alt_m=None, iso=100, shutter="1/60",
             fnum=2.8, ev=0.0, time=T(2017, 8, 5, 14, 11, 51)),
        dict(t_s=468.0, lat=-20.2532, lon=149.0251, rel_alt_m=0.0, iso=100, shutter="1/60", fnum=2.8, ev=0.0,
             time=T(2017, 8, 5, 14, 19, 39)),
        [],
    ),
    JI + "p4p_sample.SRT": (
        5, "p4p_fss",
        dict(t_s=0.0, lat=47.4692, lon=8.2090, rel_alt_m=45.6, abs_alt_m=None, iso=100, shutter="1/160",
             fnum=3.2, ev=0.0, time=None),
        dict(t_s=4.0, lat=47.4692, lon=8.2090, rel_alt_m=45.6, iso=100, shutter="1/160", fnum=3.2),
        [],
    ),
    "OpenDroneMap__WebODM/app/fixtures/video.srt": (
        3, "p4p_fss",
        dict(t_s=0.0, lat=27.7716, lon=-82.6669, rel_alt_m=0.0, abs_alt_m=None, iso=150, shutter="1/206.14",
             fnum=2.8, ev=0.0),
        dict(t_s=2.0, lat=27.7716, lon=-82.6669, rel_alt_m=0.0, iso=140, shutter="1/202.82", fnum=2.8),
        [],
    ),
    "ruz76__dji_srt2gpx/testing_data/DJI_MAVIC.SRT": (
        16, "bracket",
        dict(t_s=0.0, lat=49.1, lon=15.1, rel_alt_m=0.0, abs_alt_m=752.222, iso=110, shutter="1/40.0",
             fnum=2.8, ev=0.0, ct_k=5311, focal_len_mm=24.0, time=T(2024, 4, 24, 13, 50, 14, 882185)),
        dict(t_s=0.5, lat=49.100015, lon=15.1, rel_alt_m=0.0, abs_alt_m=752.222, ct_k=5304,
             time=T(2024, 4, 24, 13, 50, 15, 380609)),
        [],
    ),
    "ruz76__dji_srt2gpx/testing_data/DJI_MAVIC_2_ZOOM.SRT": (
        10, "bracket",
        dict(t_s=0.0, lat=49.128078, lon=14.635573, rel_alt_m=None, abs_alt_m=457.871002, iso=100,
             shutter="1/1250.0", fnum=2.8, ev=0.3, ct_k=5421, focal_len_mm=24.0,
             time=T(2024, 5, 20, 15, 21, 15, 591499)),
        dict(t_s=0.3, lat=49.128078, lon=14.635573, abs_alt_m=457.871002, ev=0.3, ct_k=5422,
             time=T(2024, 5, 20, 15, 21, 15, 666531)),
        [],
    ),
    "ruz76__dji_srt2gpx/testing_data/DJI_MAVIC_ENTERPRISE.SRT": (
        10, "bracket",
        dict(t_s=0.0, lat=49.129338, lon=14.637413, abs_alt_m=499.411011, iso=100, shutter="1/640.0",
             fnum=2.8, ev=0.0, ct_k=5043, focal_len_mm=24.0, time=T(2024, 5, 20, 15, 43, 15, 129161)),
        dict(t_s=0.359, lat=49.129337, lon=14.637423, abs_alt_m=499.32901, ct_k=5043,
             time=T(2024, 5, 20, 15, 43, 15, 489069)),
        [],
    ),
    "CallMarcus__dji-drone-metadata-embedder/samples/Mini5PRO/clip.SRT": (
        5, "bracket",
        dict(t_s=0.0, lat=53.365108, lon=6.460719, rel_alt_m=6.0, abs_alt_m=-122.769, iso=200,
             shutter="1/6400.0", fnum=1.8, ev=-0.7, ct_k=5263, focal_len_mm=24.0,
             time=T(2026, 5, 27, 13, 14, 22, 911000)),
        dict(t_s=0.16, lat=53.365109, lon=6.460718, rel_alt_m=6.0, abs_alt_m=-122.769, ct_k=5262,
             time=T(2026, 5, 27, 13, 14, 23, 71000)),
        [],
    ),
    "CallMarcus__dji-drone-metadata-embedder/samples/air3S/clip.SRT": (
        5, "bracket",
        dict(t_s=0.0, lat=34.270373, lon=-84.17616, rel_alt_m=0.0, abs_alt_m=302.208, iso=180,
             shutter="1/640.0", fnum=1.8, ev=0.0, ct_k=5419, focal_len_mm=24.0,
             time=T(2026, 5, 17, 8, 28, 30, 219000)),
        dict(t_s=0.066, lat=34.270373, lon=-84.17616, abs_alt_m=302.208, ct_k=5419,
             time=T(2026, 5, 17, 8, 28, 30, 285000)),
        [],
    ),
}  # fmt: skip
NO_TELEMETRY = {  # path: the warning expected
    JI + "broken_empty.SRT": "file is empty",
    JI + "broken_empty2.SRT": "no DJI telemetry found",
    "Zulko__moviepy/media/subtitles.srt": "no DJI telemetry found",  # ordinary subtitles, negative control
}


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip("../shared/corpus not present")
    return CORPUS


def test_every_srt_in_the_manifest_is_covered(corpus: Path) -> None:
    rows = [line.split("\t") for line in (corpus / "MANIFEST.tsv").read_text().splitlines()[1:]]
    srts = {row[0] for row in rows if row[0].lower().endswith(".srt")}
    assert srts == set(EXPECTED) | set(NO_TELEMETRY)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_corpus_file(corpus: Path, rel: str) -> None:
    count, fmt, first, last, warnings = EXPECTED[rel]
    track = parse_srt_file(corpus / rel)
    assert len(track.points) == count
    assert track.format == fmt
    check(track.points[0], **first)
    check(track.points[-1], **last)
    for warning in warnings:
        assert warning in track.warnings
    if not warnings:
        assert track.warnings == []


@pytest.mark.parametrize("rel", sorted(NO_TELEMETRY))
def test_corpus_file_without_telemetry(corpus: Path, rel: str) -> None:
    track = parse_srt_file(corpus / rel)
    assert track.points == [] and track.format == "none"
    assert track.warnings == [NO_TELEMETRY[rel]]


def test_corpus_gps_outage_midflight(corpus: Path) -> None:
    # mavic_pro_buggy.SRT cues 15-30 read GPS(N/A,N/A,<sats>); HOME() stays, but that is not the drone.
    points = parse_srt_file(corpus / JI / "mavic_pro_buggy.SRT").points
    assert [i + 1 for i, p in enumerate(points) if p.lat is None] == list(range(15, 31))
    check(points[13], t_s=14.0, lat=42.4668, lon=-1.2218)
    check(points[30], t_s=31.0, lat=42.4668, lon=-1.2218)


def test_corpus_same_flight_in_two_dialects_agrees(corpus: Path) -> None:
    # mavic_pro.SRT (HOME/GPS, lon first) and mavic_2_style.SRT (bracket) carry the same 2017-08-05 flight.
    legacy = parse_srt_file(corpus / JI / "mavic_pro.SRT").points
    bracket = parse_srt_file(corpus / JI / "mavic_2_style.SRT").points
    by_time = {p.time.replace(microsecond=0): (p.lat, p.lon) for p in bracket if p.time}
    pairs = [(by_time[p.time], (p.lat, p.lon)) for p in legacy if p.time in by_time]
    assert len(pairs) == 468
    # The two loggers sample 0.4 s apart, so a few fixes differ in the 4th decimal -- never more.
    assert all(b == pytest.approx(a, abs=2e-4) for a, b in pairs)

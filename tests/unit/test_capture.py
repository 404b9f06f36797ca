"""Choosing capture time, device and position among telemetry, EXIF, container tags and the file name."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mam.metadata.capture import best_capture, time_from_filename
from mam.metadata.dji_srt import TelemetryPoint, TelemetryTrack, parse_srt, parse_srt_file
from mam.metadata.exif import StillMetadata, read_still_metadata
from mam.metadata.quicktime import ContainerMetadata, GeoPoint, read_container_metadata

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SRT = """1
00:00:00,000 --> 00:00:00,033
<font size="28">FrameCnt: 1, DiffTime: 33ms
2023-06-12 10:11:12.100
[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [latitude: 39.050000] [longitude: 116.000000] \
[rel_alt: 45.100 abs_alt: 57.300] </font>
"""


def corpus(rel: str) -> Path:
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"shared corpus file not available: {path}")
    return path


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("DJI_20230612101112_0001_D.MP4", datetime(2023, 6, 12, 10, 11, 12)),
        ("DJI_0001.MP4", None),
        ("IMG_20210101_123456.jpg", datetime(2021, 1, 1, 12, 34, 56)),
        ("VID_20210101_123456.mp4", datetime(2021, 1, 1, 12, 34, 56)),
        ("20210101_123456.mp4", datetime(2021, 1, 1, 12, 34, 56)),
        ("Screenshot_2021-01-01-12-34-56.png", datetime(2021, 1, 1, 12, 34, 56)),
        ("/media/card/DCIM/IMG_20210101_123456.jpg", datetime(2021, 1, 1, 12, 34, 56)),
        ("PXL_20220831_003137144.mp4", datetime(2022, 8, 31, 0, 31, 37, 144000, tzinfo=UTC)),
        ("mmexport1609476896000.jpg", datetime(2021, 1, 1, 4, 54, 56, tzinfo=UTC)),  # 1609476896 s after 1970
        ("IMG_20211301_123456.jpg", None),  # month 13
        ("IMG_20210101_256000.jpg", None),  # hour 25
        ("clip-2021.mp4", None),
        ("", None),
        (None, None),
    ],
)
def test_time_from_filename(name, want) -> None:
    assert time_from_filename(name) == want


def test_telemetry_wins_and_stays_naive() -> None:
    still = StillMetadata(make="DJI", model="FC3411", captured_at=datetime(2023, 6, 12, 10, 11, 15), lat=1.0, lon=2.0)
    container = ContainerMetadata(creation_time=datetime(2023, 6, 12, 2, 11, 12, tzinfo=UTC), make="DJI")
    cap = best_capture(telemetry=parse_srt(SRT), still=still, container=container,
                       filename="DJI_20230612101112_0001_D.MP4", now=NOW)  # fmt: skip
    assert cap.time == datetime(2023, 6, 12, 10, 11, 12, 100000) and cap.time_source == "telemetry"
    assert cap.time.tzinfo is None
    assert cap.notes == ["DJI SRT time is the device's local wall clock with no time zone; kept naive"]
    assert cap.location == GeoPoint(39.05, 116.0, 57.3) and cap.location_source == "telemetry"
    assert cap.device == "DJI FC3411" and cap.device_source == "exif"


def test_first_timed_cue_is_moved_back_by_its_offset() -> None:
    t = datetime(2023, 6, 12, 10, 0, 5)
    no_clock = TelemetryPoint(0.0, None, None, None, None)
    track = TelemetryTrack([no_clock, TelemetryPoint(5.0, 1.0, 2.0, 3.0, None, time=t)])
    cap = best_capture(telemetry=track, now=NOW)
    assert cap.time == datetime(2023, 6, 12, 10, 0, 0) and cap.location == GeoPoint(1.0, 2.0, None)


def test_exif_with_offset_then_container_then_filename() -> None:
    aware = datetime(2016, 9, 28, 18, 18, 5, tzinfo=timezone(timedelta(hours=1)))
    cap = best_capture(still=StillMetadata(make="Apple", model="iPhone 7", captured_at=aware), now=NOW)
    assert (cap.time, cap.time_source, cap.notes) == (aware, "exif", [])
    container = ContainerMetadata(creation_time=datetime(2021, 5, 16, 19, 27, 55, tzinfo=UTC), make="Xiaomi",
                                  model="Xiaomi 13", location=GeoPoint(22.5, 113.9))  # fmt: skip
    cap = best_capture(still=StillMetadata(), container=container, filename="VID_20210517_032755.mp4", now=NOW)
    assert (cap.time_source, cap.device, cap.device_source, cap.location_source) == (
        "quicktime", "Xiaomi 13", "quicktime", "quicktime")  # fmt: skip
    cap = best_capture(filename="VID_20210517_032755.mp4", now=NOW)
    assert cap.time == datetime(2021, 5, 17, 3, 27, 55) and cap.time_source == "filename"
    assert cap.notes == ["file name time is the device's local wall clock with no time zone; kept naive"]
    assert cap.device is None and cap.location is None


def test_unset_clocks_are_skipped() -> None:
    container = ContainerMetadata(creation_time=datetime(1980, 1, 1, tzinfo=UTC))  # a camera's factory clock
    still = StillMetadata(captured_at=datetime(2031, 1, 1))
    cap = best_capture(still=still, container=container, filename="IMG_20210101_123456.jpg", now=NOW)
    assert cap.time_source == "filename"
    assert cap.notes[:2] == [
        "exif time 2031-01-01T00:00:00 is implausible (unset clock?); skipped",
        "quicktime time 1980-01-01T00:00:00+00:00 is implausible (unset clock?); skipped",
    ]


def test_dji_file_name_gives_device_and_dji_container_time_gets_a_note() -> None:
    container = ContainerMetadata(creation_time=datetime(2023, 6, 12, 10, 11, 12, tzinfo=UTC), make="DJI")
    cap = best_capture(container=container, filename="DJI_0001.MP4", now=NOW)
    assert cap.time_source == "quicktime" and cap.device == "DJI" and cap.device_source == "quicktime"
    assert cap.notes == ["DJI writes local time in the UTC creation_time field: the zone may be wrong"]
    assert best_capture(filename="DJI_0001.MP4", now=NOW).device_source == "filename"


def test_nothing_known() -> None:
    cap = best_capture(telemetry=TelemetryTrack(), still=StillMetadata(), container=ContainerMetadata(), now=NOW)
    assert (cap.time, cap.device, cap.location, cap.notes) == (None, None, None, [])
    assert best_capture().time is None  # default "now" works


# --------------------------------------------------------------------------- corpus


def test_corpus_dji_photo() -> None:
    """DJI_0019.JPG (Mavic Pro FC220): DateTimeOriginal 2018:03:26 17:52:17, no offset; GPS 53.91963025,
    27.5754325277778, alt 362.966 (exiftool -n)."""
    still = read_still_metadata(corpus("jekhor__aerial-cars-dataset/DJI_0019.JPG"))
    cap = best_capture(still=still, filename="DJI_0019.JPG", now=NOW)
    assert cap.time == datetime(2018, 3, 26, 17, 52, 17) and cap.time_source == "exif"
    assert cap.notes == ["EXIF (no offset tag) time is the device's local wall clock with no time zone; kept naive"]
    assert cap.device == "DJI FC220"
    assert cap.location == pytest.approx(GeoPoint(53.91963025, 27.5754325277778, 362.966))


def test_corpus_phone_video_through_ffprobe() -> None:
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe not installed (apt-get install ffmpeg)")
    path = corpus("drewnoakes__metadata-extractor-images/mp4/with-gps.mp4")
    cmd = ["ffprobe", "-v", "quiet", "-print_format", "json", "-show_format", "-show_streams", f"file:{path}"]
    raw = json.loads(subprocess.run(cmd, capture_output=True, timeout=60, check=True).stdout)
    cap = best_capture(container=read_container_metadata(raw), filename=path.name, now=NOW)
    assert cap.time == datetime(2017, 2, 22, 8, 20, 28, tzinfo=UTC) and cap.time_source == "quicktime"
    assert cap.location == GeoPoint(51.4169, -0.0806) and cap.location_source == "quicktime"


def test_corpus_srt_wall_clock() -> None:
    """matrice_300.srt: first cue 00:00:00,000 at 2022.06.21 16:06:17, GPS(36.6146,-6.1120,0.0M)."""
    cap = best_capture(telemetry=parse_srt_file(corpus("JuanIrache__DJI_SRT_Parser/samples/matrice_300.srt")), now=NOW)
    assert cap.time == datetime(2022, 6, 21, 16, 6, 17) and cap.time_source == "telemetry"
    assert cap.location == GeoPoint(36.6146, -6.112, None)  # 0.0M GPS altitude is treated as missing

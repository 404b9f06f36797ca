"""Container tags (ffprobe JSON): creation time, device, ISO 6709 location.

Corpus expectations were read by hand with ``ffprobe -show_format -show_streams`` and ``exiftool -G1``;
the tests run the real ffprobe on the real files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mam.metadata.quicktime import GeoPoint, parse_iso6709, read_container_metadata

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def probe(rel: str) -> dict:
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe not installed (apt-get install ffmpeg)")
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"shared corpus file not available: {path}")
    cmd = ["ffprobe", "-v", "quiet", "-print_format", "json", "-show_format", "-show_streams", f"file:{path}"]
    out = subprocess.run(cmd, capture_output=True, timeout=60, check=False).stdout
    return json.loads(out or b"{}")


# --------------------------------------------------------------------------- ISO 6709


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("+22.5384+113.9326+012.000/", GeoPoint(22.5384, 113.9326, 12.0)),
        ("+51.4169-000.0806/", GeoPoint(51.4169, -0.0806)),
        ("+51.5932-0.2431/", GeoPoint(51.5932, -0.2431)),  # one integer digit in the longitude (Android)
        ("-33.8688+151.2093-005.5/", GeoPoint(-33.8688, 151.2093, -5.5)),
        ("+40.6892-074.0445+10.000/", GeoPoint(40.6892, -74.0445, 10.0)),
        ("+4041.63-07400.00/", GeoPoint(40 + 41.63 / 60, -74.0)),  # DDMM.mm / DDDMM.mm
        ("+404138-0740030/", GeoPoint(40 + 41 / 60 + 38 / 3600, -(74 + 30 / 3600))),  # DDMMSS / DDDMMSS
        ("+35.6895+139.6917+40.0CRSWGS_84/", GeoPoint(35.6895, 139.6917, 40.0)),
        ("+00.0000+000.0000/", None),
        ("+00.0000+000.0000+012.000/", None),
        ("+91.0000+000.0000/", None),
        ("+12.0000+181.0000/", None),
        ("22.5384,113.9326", None),
        ("", None),
        (None, None),
        ("+1234567.0+0.0/", None),
    ],
)
def test_parse_iso6709(text, want) -> None:
    got = parse_iso6709(text)
    assert got is None if want is None else got == pytest.approx(want)


# --------------------------------------------------------------------------- synthetic tag sets


def test_iphone_tags() -> None:
    raw = {
        "format": {
            "tags": {
                "creation_time": "2021-05-16T19:27:55.000000Z",
                "com.apple.quicktime.make": "Apple",
                "com.apple.quicktime.model": "iPhone 13 Pro",
                "com.apple.quicktime.software": "15.4",
                "com.apple.quicktime.creationdate": "2021-05-16T12:27:55-0700",
                "com.apple.quicktime.location.ISO6709": "+34.0754-118.2543+095.123/",
            }
        },
        "streams": [{"codec_type": "video", "tags": {"creation_time": "2021-05-16T19:27:56.000000Z"}}],
    }
    md = read_container_metadata(raw)
    assert (md.make, md.model, md.software) == ("Apple", "iPhone 13 Pro", "15.4")
    assert md.creation_time == datetime(2021, 5, 16, 12, 27, 55, tzinfo=timezone(timedelta(hours=-7)))
    assert md.creation_time == datetime(2021, 5, 16, 19, 27, 55, tzinfo=UTC)  # the same instant
    assert md.creation_time_tag == "com.apple.quicktime.creationdate"
    assert md.location == GeoPoint(34.0754, -118.2543, 95.123)
    assert md.location_tag == "com.apple.quicktime.location.iso6709" and md.warnings == []


def test_android_and_dji_tags() -> None:
    tags = {"com.android.manufacturer": "Xiaomi", "com.android.model": "23049PCD8C", "location": "+22.5384+113.9326/"}
    android = {"format": {"tags": tags}}
    md = read_container_metadata(android)
    assert (md.make, md.model, md.location) == ("Xiaomi", "23049PCD8C", GeoPoint(22.5384, 113.9326))
    dji = {"format": {"tags": {"encoder": "DJIMavic3", "creation_time": "2023-06-12T10:11:12.000000Z"}},
           "streams": [{"codec_type": "video", "tags": {"handler_name": "DJI.AVC"}}]}  # fmt: skip
    md = read_container_metadata(dji)
    assert (md.make, md.model, md.software) == ("DJI", "Mavic3", "DJIMavic3")
    assert md.warnings == ["DJI cameras often write local time in the UTC creation_time field"]
    mini = read_container_metadata({"format": {"tags": {"encoder": "DJI Mini 3 Pro"}}})
    assert (mini.make, mini.model) == ("DJI", "Mini 3 Pro")


def test_placeholder_times_and_upper_case_keys() -> None:
    raw = {"format": {"tags": {"CREATION_TIME": "1904-01-01T00:00:00.000000Z"}},
           "streams": [{"codec_type": "audio", "tags": {"creation_time": "2020-10-23T20:27:29Z"}}]}  # fmt: skip
    md = read_container_metadata(raw)
    assert md.creation_time == datetime(2020, 10, 23, 20, 27, 29, tzinfo=UTC)
    assert md.warnings == ["creation_time '1904-01-01T00:00:00.000000Z' is a placeholder; ignored"]
    md = read_container_metadata({"format": {"tags": {"creation_time": "yesterday"}}})
    assert md.creation_time is None and md.warnings == ["unreadable creation_time 'yesterday'"]


@pytest.mark.parametrize("raw", [None, {}, {"format": "x"}, {"format": {"tags": None}}, {"streams": [None, 5, {}]},
                                 {"streams": "garbage"}, {"format": {"tags": {"location": "+12+"}}}])  # fmt: skip
def test_garbage_never_raises(raw) -> None:
    md = read_container_metadata(raw)
    assert md.creation_time is None and md.location is None and md.make is None


# --------------------------------------------------------------------------- corpus, through the real ffprobe


def test_android_phone_with_gps() -> None:
    """with-gps.mp4: location '+51.4169-000.0806/' (and location-eng), creation_time 2017-02-22T08:20:28Z."""
    md = read_container_metadata(probe("drewnoakes__metadata-extractor-images/mp4/with-gps.mp4"))
    assert md.location == GeoPoint(51.4169, -0.0806, None) and md.location_tag == "location"
    assert md.creation_time == datetime(2017, 2, 22, 8, 20, 28, tzinfo=UTC)
    assert md.make is None and md.warnings == []


def test_gps_with_altitude_and_short_longitude() -> None:
    md = read_container_metadata(probe("drewnoakes__metadata-extractor-images/mp4/Issue 515 (java).mp4"))
    assert md.location == GeoPoint(52.3693, 6.6761, 10.534988)
    assert md.creation_time == datetime(2020, 11, 20, 14, 4, 36, tzinfo=UTC)
    md = read_container_metadata(probe("androidx__media/libraries/test_data/src/test/assets/media/mp4/bt601.mov"))
    assert md.location == GeoPoint(40.6892, -74.0445, 10.0) and md.software == "Lavf56.1.0"
    path = "androidx__media/libraries/test_data/src/test/assets/media/mp4/h265_with_metadata_track.mp4"
    assert read_container_metadata(probe(path)).location == GeoPoint(51.5932, -0.2431)


@pytest.mark.parametrize(
    "rel",
    [
        "drewnoakes__metadata-extractor-images/mp4/ftyp3gp5.mp4",
        "photoprism__photoprism/pkg/media/video/testdata/isom-avc1.mp4",
    ],
)
def test_null_island_is_no_location(rel) -> None:
    md = read_container_metadata(probe(rel))
    assert md.location is None
    assert md.warnings[0] == "location '+00.0000+000.0000/' is 0,0 (no GPS fix); ignored"


def test_gopro_karma_drone_clip() -> None:
    """karma.mp4: handler '\\tGoPro AVC', firmware HD5.02.02.00.00, creation_time 2017-04-17T19:27:57Z."""
    md = read_container_metadata(probe("gopro__gpmf-parser/samples/karma.mp4"))
    assert (md.make, md.model, md.software) == ("GoPro", None, "HD5.02.02.00.00")
    assert md.creation_time == datetime(2017, 4, 17, 19, 27, 57, tzinfo=UTC)
    assert md.warnings == ["GoPro cameras often write local time in the UTC creation_time field"]


def test_avi_time_without_zone_stays_naive() -> None:
    """Pentax.avi: IDIT '2009-10-27 12:14:34' (no zone), ISFT 'PENTAX K-x' padded with spaces."""
    md = read_container_metadata(probe("exiftool__exiftool/t/images/Pentax.avi"))
    assert md.creation_time == datetime(2009, 10, 27, 12, 14, 34) and md.creation_time.tzinfo is None
    assert md.software == "PENTAX K-x"
    assert md.warnings == ["creation_time has no time zone; kept as naive local time"]


def test_file_ffprobe_cannot_read() -> None:
    fuzzed = "drewnoakes__metadata-extractor-images/fuzzing/crash-ccc2b5c7decaccc135590c8ba7c3cddcac54780e.fuzzed"
    md = read_container_metadata(probe(fuzzed))  # "moov atom not found": ffprobe prints nothing
    assert md.creation_time is None and md.location is None and md.warnings == []

"""The pure parts of search: engine renderings, snippets, index documents, track blobs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mam.metadata import track as tracks
from mam.metadata.dji_srt import TelemetryPoint
from mam.search import geo
from mam.search.document import build_document, phash_int
from mam.search.snippets import Matcher, highlight
from mam.search.tokenize import pg_exclusion_tsquery, pg_tsquery, pg_tsvector, query_terms


def test_tsvector_literal_keeps_terms_whole_with_positions_and_weights():
    lit = pg_tsvector((["京雄", "铁路", "京雄"], "A"), (["it's", "a\\b"], "B"))
    assert lit == "'京雄':1A,3A '铁路':2A 'it''s':5B 'a\\\\b':6B"  # one free position between fields


def test_tsquery_literal_for_every_query_part():
    q = query_terms('京雄 "航拍 现场" jx -夜间')
    assert pg_tsquery(q) == "('京雄' | 'jingxiong') & ('航拍' <-> '现场') & 'jx':* & !'夜间'"
    assert pg_tsquery(query_terms("!!!")) == ""
    assert pg_exclusion_tsquery(query_terms('-"夜间 航拍" -drone')) == "('夜间' <-> '航拍') | ('drone')"


def test_highlight_marks_matches_escapes_html_and_trims_long_text():
    m = Matcher.of(query_terms("jingxiong"))
    assert highlight("<b>京雄铁路</b> & 航拍", m) == "&lt;b&gt;<mark>京雄铁路</mark>&lt;/b&gt; &amp; 航拍"
    long = "前言" * 100 + "京雄城际" + "后记" * 100
    snip = highlight(long, m)
    assert snip.startswith("…") and snip.endswith("…") and "<mark>京雄城际</mark>" in snip
    assert len(snip) < 200
    assert highlight("nothing here", m) is None
    assert highlight("anything", Matcher.of(query_terms("-x"))) is None


def test_phash_is_stored_as_a_signed_64_bit_integer():
    assert phash_int("0000000000000001") == 1
    assert phash_int("ffffffffffffffff") == -1
    assert phash_int("8000000000000000") == -(1 << 63)
    assert phash_int("not hex") is None and phash_int("1" * 17) is None


def _points(n: int, step_s: float = 0.1) -> list[TelemetryPoint]:
    return [TelemetryPoint(t_s=i * step_s, lat=39.0, lon=115.9 + i * step_s * 0.0005, rel_alt_m=None,
                           abs_alt_m=None) for i in range(n)]


def test_track_blob_is_one_point_a_second_and_agrees_with_the_exact_check():
    pts = _points(1001)  # 100 s at 10 Hz, ~43 m/s east
    blob = geo.track_blob(tracks.encode_points(pts))
    assert len(blob) == 3 * 4 * 101  # float32 (t, lat, lon), one a second
    exact = tracks.time_ranges_near(pts, 39.0, 115.925, 200)
    (fast,) = geo.ranges_near(blob, 39.0, 115.925, 200)
    assert fast[0] == pytest.approx(exact[0][0], abs=1.0) and fast[1] == pytest.approx(exact[0][1], abs=1.0)
    assert geo.ranges_in_bbox(blob, 115.91, 38.99, 115.92, 39.01) == [(20.0, 40.0)]
    assert geo.ranges_near(blob, 39.1, 115.925, 200) == []
    assert geo.track_blob({"garbage": 1}) is None


def test_document_collects_fields_filters_and_geo():
    doc = build_document({
        "id": "a" * 32, "status": "ready", "kind": "video", "title": None, "description": "桥梁合龙",
        "project": "京雄城际铁路", "tags": ["航拍"], "auto_tags": [{"name": "河北省", "source": "metadata"}],
        "original_filename": "DJI_0042.MP4", "technical": {"duration_s": 12.5, "height": 2160,
                                                           "display_height": 3840},
        "capture": {"device": "DJI Mavic 3", "location": {"lat": 39.05, "lon": 115.98}},
        "captured_at": datetime(2020, 6, 12, 10, 0), "created_at": None, "telemetry": {}, "places": [],
        "ocr": [{"start_s": 1.0, "end_s": 2.0, "text": "雄安站"}], "transcript": [],
        "shots": [{"index": 0, "start_s": 0.0, "end_s": 12.5, "phash": "ffffffffffffffff"}],
    })
    assert doc.title_terms == ["dji", "0042"]  # no title: the file name
    assert {"桥梁", "qiaoliang", "京雄", "jingxiong", "航拍", "河北省", "mavic"} <= set(doc.body_terms)
    assert "雄安" in doc.timed_terms and doc.tags == ["航拍", "河北省"]
    row = doc.row
    assert row["captured_at"] == datetime(2020, 6, 12, 10, 0, tzinfo=UTC) and row["year"] == 2020
    assert (row["height"], row["duration_s"], row["camera"]) == (3840, 12.5, "DJI Mavic 3")
    assert doc.bbox == (115.98, 39.05, 115.98, 39.05) and row["track_pts"] is None
    assert doc.shots == [{"shot_index": 0, "start_s": 0.0, "end_s": 12.5, "phash": -1}]


def test_many_tracks_at_once_agree_with_one_at_a_time():
    blobs = [geo.track_blob(tracks.encode_points(_points(n))) for n in (1001, 301, 11)]
    near = (39.0, 115.91, 300.0)
    many = geo.ranges_many(blobs, near, (0, 0, 0, 0))
    for blob, got in zip(blobs, many, strict=True):
        want = geo.ranges_near(blob, *near)
        assert len(got) == len(want) and all(g == pytest.approx(w, abs=1.0) for g, w in zip(got, want, strict=True))
    assert many[2] == []  # 1 s of flight never gets there
    assert geo.ranges_many(blobs, None, (115.91, 38.99, 115.92, 39.01))[0] == [(20.0, 40.0)]

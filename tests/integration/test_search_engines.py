"""The same search tests on both engines: SQLite (FTS5 + R*Tree) and PostgreSQL (tsvector + GiST).

Assets are written through the catalog's ORM sessions, so these tests also check that the index follows the
catalog inside its transactions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from config.settings import Settings
from mam import catalog
from mam.db import UnitOfWork, migrate
from mam.metadata import track as tracks
from mam.metadata.dji_srt import TelemetryPoint
from mam.models import Asset
from mam.search import schema
from mam.search.index import backfill
from mam.search.query import SearchError, SearchParams, search


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        url = Settings(data_dir=tmp_path / "var").database_url
    else:
        url = request.getfixturevalue("pg_url")
    migrate(url)
    return url


def _flight(start: tuple[float, float], end: tuple[float, float], seconds: int, t0: float = 0.0) -> list:
    return [TelemetryPoint(t_s=t0 + i, lat=start[0] + (end[0] - start[0]) * i / seconds,
                           lon=start[1] + (end[1] - start[1]) * i / seconds, rel_alt_m=120.0, abs_alt_m=130.0)
            for i in range(seconds + 1)]


def _telemetry(points: list) -> dict:
    return {**tracks.summarise(points).to_dict(), "encoded": tracks.encode_points(points)}


def add(url: str, title: str, **values) -> str:
    """An asset with ``values`` set on it, committed."""
    with UnitOfWork(url)() as s:
        a = catalog.new_asset(s, original_filename=values.pop("filename", "clip.mp4"),
                              original_key_for=lambda i: f"originals/{i}/clip.mp4", title=title,
                              project=values.pop("project", None), tags=values.pop("tags", []))
        values.setdefault("kind", "video")
        for k, v in values.items():
            setattr(a, k, v)
        return a.id


def run(url: str, **kw):
    with UnitOfWork(url)() as s:
        return search(s, SearchParams(**kw))


def ids(result) -> list[str]:
    return [i.asset.id for i in result.items]


# The railway line near Xiong'an, flown west → east along 39.00 N over 100 s (≈ 43 m/s).
LINE = ((39.00, 115.90), (39.00, 115.95))


@pytest.fixture
def archive(db_url):
    """A small newsroom archive."""
    a = {
        "rail": add(db_url, "京雄铁路雄安站航拍 2020年6月", project="京雄城际铁路", tags=["航拍", "drone"],
                    description="Weekly aerial survey of the Xiong'an station construction site.",
                    captured_at=datetime(2020, 6, 12, 2, 0, tzinfo=UTC),
                    technical={"duration_s": 100.0, "height": 2160, "width": 3840},
                    capture={"device": "DJI Mavic 3", "location": {"lat": 39.0, "lon": 115.9}},
                    telemetry=_telemetry(_flight(*LINE, 100)),
                    ocr=[{"start_s": 12.0, "end_s": 15.0, "text": "京雄城际铁路 雄安站 施工现场"}]),
        "rail2": add(db_url, "京雄铁路雄安站航拍 第2期", project="京雄城际铁路", tags=["航拍"],
                     captured_at=datetime(2020, 6, 19, 2, 0, tzinfo=UTC),
                     technical={"duration_s": 100.0, "height": 2160},
                     capture={"device": "DJI Mavic 3"}, telemetry=_telemetry(_flight(*LINE, 100))),
        "interview": add(db_url, "Interview: the Chief Engineer's view", project="Xiong'an Weekly",
                         tags=["interview"], filename="C0042.MP4",
                         captured_at=datetime(2021, 3, 1, 8, 0, tzinfo=UTC),
                         technical={"duration_s": 600.0, "height": 1080}, capture={"device": "Sony PXW-FX9"},
                         transcript=[{"start_s": 30.5, "end_s": 34.0, "source": "transcript",
                                      "text": "这条铁路全长九十二公里，设计时速三百五十公里"}]),
        "still": add(db_url, "石家庄 两会 现场", kind="image", tags=["两会"], filename="IMG_4521.JPG",
                     captured_at=datetime(2023, 1, 14, tzinfo=UTC), technical={"height": 3000},
                     capture={"device": "Apple iPhone 13 Pro", "location": {"lat": 38.04, "lon": 114.51}}),
        "night": add(db_url, "防汛 夜间 <script>alert(1)</script>", tags=["防汛", "night"],
                     captured_at=datetime(2021, 7, 21, tzinfo=UTC), technical={"duration_s": 30.0, "height": 720},
                     status="failed"),
    }
    return db_url, a


def test_chinese_words_pinyin_and_initials_find_the_railway(archive):
    url, a = archive
    for q in ("京雄铁路 航拍", "京雄", "jingxiong", "jxtl", "JingXiong", "航拍 2020年6月"):
        assert set(ids(run(url, q=q))) >= {a["rail"]}, q
    assert set(ids(run(url, q="京雄铁路"))) == {a["rail"], a["rail2"]}
    assert ids(run(url, q="施工现场")) == [a["rail"]]  # on-screen text only


def test_english_prefix_case_folding_phrases_and_exclusions(archive):
    url, a = archive
    assert ids(run(url, q="ENGIN")) == [a["interview"]]
    assert ids(run(url, q="engineer")) == [a["interview"]]  # possessive "Engineer's" folded
    assert ids(run(url, q='"chief engineer"')) == [a["interview"]]
    assert ids(run(url, q='"engineer chief"')) == []
    assert ids(run(url, q="xiong*")) and a["interview"] in ids(run(url, q="xiong*"))
    assert set(ids(run(url, q="京雄铁路 -drone"))) == {a["rail2"]}
    assert a["rail"] not in ids(run(url, q="-航拍"))
    assert set(ids(run(url, q='-"京雄铁路"'))) == {a["interview"], a["still"], a["night"]}


def test_hits_carry_fields_times_and_escaped_highlights(archive):
    url, a = archive
    item = run(url, q="施工").items[0]
    assert [(h.field, h.start_s, h.end_s) for h in item.hits] == [("ocr", 12.0, 15.0)]
    assert "<mark>施工</mark>" in item.hits[0].snippet
    item = run(url, q="设计时速").items[0]
    assert item.asset.id == a["interview"]
    assert (item.hits[0].field, item.hits[0].start_s) == ("transcript", 30.5)
    item = run(url, q="防汛").items[0]
    title = next(h for h in item.hits if h.field == "title")
    assert "&lt;script&gt;" in title.snippet and "<script>" not in title.snippet
    item = run(url, q="jingxiong").items[0]
    assert any("<mark>京雄" in h.snippet for h in item.hits if h.field == "title")
    assert {h.field for h in run(url, q="mavic").items[0].hits} == {"camera"}
    assert {h.field for h in run(url, q="C0042").items[0].hits} == {"filename"}


def test_filters_each_narrow_the_result(archive):
    url, a = archive
    assert set(ids(run(url, project="京雄城际铁路"))) == {a["rail"], a["rail2"]}
    assert ids(run(url, tags=["航拍", "drone"])) == [a["rail"]]
    assert ids(run(url, kind="image")) == [a["still"]]
    assert set(ids(run(url, camera="DJI Mavic 3"))) == {a["rail"], a["rail2"]}
    assert set(ids(run(url, date_from=date(2020, 6, 19), date_to=date(2021, 3, 1)))) == {a["rail2"], a["interview"]}
    assert ids(run(url, min_duration=200)) == [a["interview"]]
    assert set(ids(run(url, max_duration=100))) == {a["rail"], a["rail2"], a["night"]}
    assert set(ids(run(url, min_height=2000))) == {a["rail"], a["rail2"], a["still"]}
    assert ids(run(url, status="failed")) == [a["night"]]
    assert ids(run(url, q="航拍", min_duration=200)) == []


def test_sorting(archive):
    url, a = archive
    assert ids(run(url, sort="captured_at")) == [a["rail"], a["rail2"], a["interview"], a["night"], a["still"]]
    assert ids(run(url, sort="-captured_at"))[0] == a["still"]
    assert ids(run(url, sort="-duration"))[0] == a["interview"]
    assert ids(run(url, page=2, page_size=2, sort="captured_at")) == [a["interview"], a["night"]]


def test_facets_count_everything_matched(archive):
    url, a = archive
    result = run(url, q="京雄铁路")
    assert result.total == 2
    assert dict(result.facets["project"]) == {"京雄城际铁路": 2}
    assert dict(result.facets["tag"]) == {"航拍": 2, "drone": 1}
    assert dict(result.facets["camera"]) == {"DJI Mavic 3": 2}
    assert dict(result.facets["year"]) == {"2020": 2}
    everything = run(url)
    assert everything.total == 5
    assert dict(everything.facets["kind"]) == {"video": 4, "image": 1}


def test_geo_near_matches_the_seconds_the_flight_passed(archive):
    url, a = archive
    result = run(url, near=(39.0, 115.925), radius_m=200, sort="captured_at")
    assert ids(result) == [a["rail"], a["rail2"]]  # the weekly shoots, in date order
    track_hits = [h for h in result.items[0].hits if h.field == "track"]
    assert len(track_hits) == 1
    # 43 m/s along the line: within 200 m of the midpoint for ±4.6 s around t = 50 s
    assert 44.0 <= track_hits[0].start_s <= 47.0 and 53.0 <= track_hits[0].end_s <= 56.0
    assert ids(run(url, near=(38.04, 114.51), radius_m=50)) == [a["still"]]
    assert ids(run(url, near=(39.01, 115.925), radius_m=200)) == []  # 1.1 km north of the line


def test_geo_bbox_checks_the_path_not_just_its_box(db_url):
    # An L-shaped flight: east along 39.00 N, then north along 116.00 E. Its bbox covers (39.08, 115.92),
    # the path never comes near it.
    pts = _flight((39.00, 115.90), (39.00, 116.00), 200) + _flight((39.00, 116.00), (39.10, 116.00), 200, 201)
    ell = add(db_url, "L flight", telemetry=_telemetry(pts), captured_at=datetime(2022, 1, 1, tzinfo=UTC))
    assert ids(run(db_url, bbox=(115.91, 39.07, 115.93, 39.09))) == []
    assert ids(run(db_url, near=(39.08, 115.92), radius_m=500)) == []
    hit = run(db_url, bbox=(115.99, 39.04, 116.01, 39.06)).items[0]
    assert hit.asset.id == ell
    (h,) = [h for h in hit.hits if h.field == "track"]
    assert 280 <= h.start_s <= 282 and 320 <= h.end_s <= 322  # 39.04 → 39.06 N at 55 m/s
    whole = run(db_url, bbox=(115.8, 38.9, 116.1, 39.2)).items[0].hits  # box covering all: the whole flight
    assert [(h.start_s, h.end_s) for h in whole if h.field == "track"] == [(0.0, 401.0)]


def test_index_follows_the_catalog_in_the_same_transaction(db_url):
    aid = add(db_url, "Old title about bridges")
    assert ids(run(db_url, q="bridges")) == [aid]
    with pytest.raises(RuntimeError):
        with UnitOfWork(db_url)() as s:
            s.get(Asset, aid).title = "New title about tunnels"
            s.flush()
            assert ids(run_in(s, q="tunnels")) == [aid]  # visible inside the transaction
            raise RuntimeError("roll back")
    assert ids(run(db_url, q="tunnels")) == [] and ids(run(db_url, q="bridges")) == [aid]
    with UnitOfWork(db_url)() as s:
        asset = s.get(Asset, aid)
        asset.title, asset.tags = "New title about tunnels", ["隧道"]
    assert ids(run(db_url, q="tunnels")) == [aid] and ids(run(db_url, q="bridges")) == []
    assert ids(run(db_url, q="suidao")) == [aid]
    with UnitOfWork(db_url)() as s:
        s.delete(s.get(Asset, aid))
    assert ids(run(db_url, q="tunnels")) == [] and run(db_url).total == 0
    with UnitOfWork(db_url)() as s:
        assert s.scalar(select(schema.docs.c.id)) is None


def run_in(session, **kw):
    return search(session, SearchParams(**kw))


def test_backfill_indexes_assets_that_predate_the_index(db_url):
    aid = add(db_url, "桥梁 合龙")
    with UnitOfWork(db_url)() as s:
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("DELETE FROM search_fts"))
            s.execute(text("DELETE FROM search_geo"))
        s.execute(schema.tags.delete())
        s.execute(schema.docs.delete())
    assert ids(run(db_url, q="桥梁")) == []
    with UnitOfWork(db_url)() as s:
        assert backfill(s) == 1
        assert backfill(s) == 0
    assert ids(run(db_url, q="桥梁")) == [aid]


@pytest.mark.parametrize("q", [
    'NEAR(a b)', '"unbalanced', 'a OR b AND', '*', '-', '--', "'; DROP TABLE assets; --", "a:*", "!a | b",
    "(", ")", "&", "<->", "\\", "\x00", "😀🚁", "x" * 5000, " ".join(["京雄"] * 300), "NOT", "title:京雄",
])
def test_hostile_queries_never_break_the_search(archive, q):
    url, _ = archive
    result = run(url, q=q)
    assert result.total >= 0
    with UnitOfWork(url)() as s:
        assert s.scalar(select(Asset.id).limit(1))  # the catalog is still there


def test_bad_parameters_are_refused_with_a_reason(db_url):
    for kw in ({"page": 0}, {"page_size": 500}, {"page": 1000, "page_size": 200}, {"near": (91.0, 0.0)},
               {"near": (39.0, 116.0), "radius_m": 0}, {"bbox": (116.0, 40.0, 115.0, 39.0)},
               {"bbox": (116.0, 39.0, 115.0, 40.0)}, {"tags": [f"t{i}" for i in range(21)]}):
        with pytest.raises(SearchError):
            run(db_url, **kw)


def test_an_edit_from_a_stale_session_keeps_what_another_committed(db_url):
    """An editor's session loaded the asset before a worker added its on-screen text; the editor's later
    title change must not drop that text from the index (the document is read back from the row)."""
    aid = add(db_url, "Before")

    editor = UnitOfWork(db_url).read()
    try:
        asset = editor.get(Asset, aid)
        assert asset.title == "Before"
        with UnitOfWork(db_url)() as worker:
            worker.get(Asset, aid).ocr = [{"start_s": 5.0, "end_s": 6.0, "text": "雄安站 施工现场"}]
        asset.title = "After"
        editor.commit()
    finally:
        editor.close()
    assert ids(run(db_url, q="施工现场")) == [aid] and ids(run(db_url, q="after")) == [aid]


def test_broad_matches_are_bounded_by_the_window(db_url, monkeypatch):
    """Past WINDOW matches the total is estimated, facets are scaled, relevance ranks the newest WINDOW, and a
    date sort still orders everything matched."""
    from mam.search import query

    aids = [add(db_url, f"桥梁 检测 {i}", tags=["桥梁"], project="P" if i % 2 else "Q",
                captured_at=datetime(2020, 1, 1 + i, tzinfo=UTC)) for i in range(8)]
    monkeypatch.setattr(query, "WINDOW", 3)
    monkeypatch.setattr(query, "FACET_SAMPLE", 2)
    result = run(db_url, q="桥梁", sort="captured_at")
    assert not result.total_exact and result.total == 8  # 3 matches fill 3 of the 8 ids: estimate 8
    assert ids(result)[:3] == aids[:3]  # the oldest, although the window holds the newest
    assert result.facets_estimated and sum(n for _, n in result.facets["project"]) == 8
    assert dict(result.facets["tag"]) == {"桥梁": 8}
    newest = run(db_url, q="桥梁")
    assert set(ids(newest)) == set(aids[-3:])  # relevance within the newest WINDOW matches
    assert ids(run(db_url, q="桥梁", sort="-captured_at")) == aids[::-1]  # exact past the window too
    assert ids(run(db_url, q="桥梁", sort="captured_at", page=2, page_size=2)) == aids[2:4]
    assert ids(run(db_url, q="qiao*", sort="-captured_at")) == aids[::-1]  # a prefix: listed, not probed
    filtered = run(db_url, project="P")  # no words: filters alone are counted exactly
    assert filtered.total_exact and filtered.total == 4 and ids(filtered) == [aids[7], aids[5], aids[3], aids[1]]
    monkeypatch.setattr(query, "WINDOW", 100)
    full = run(db_url, q="桥梁", project="P")
    assert full.total_exact and full.total == 4 and dict(full.facets["project"]) == {"P": 4}
    assert full.facets_estimated and dict(full.facets["tag"]) == {"桥梁": 4}  # tags from 2 of 4, scaled


def test_comments_are_searched_with_their_asset_and_collections_filter(db_url):
    from mam import collections, comments
    from mam.users import Actor

    editor = Actor("zhou", "editor")
    aid, other = add(db_url, "晚间新闻 素材"), add(db_url, "晚间新闻 备用", technical={"duration_s": 60.0})
    with UnitOfWork(db_url)() as s:
        c = comments.add_comment(s, editor, "asset", aid, "the zebracrossing shot is soft", t_s=12.0)
        comments.add_comment(s, editor, "asset", other, "防汛抢险 画面 需要 字幕")
        picks = collections.create_collection(s, editor, "picks")
        collections.add_assets(s, picks, [other])
        assert ids(run_in(s, q="zebracrossing")) == [aid]  # inside the transaction already
        comment_id, picks_id = c.id, picks.id
    [item] = run(db_url, q="zebracrossing").items
    assert [(h.field, h.start_s) for h in item.hits] == [("comments", 12.0)]
    assert ids(run(db_url, q="抢险")) == [other] and ids(run(db_url, q="qiangxian")) == [other]
    with pytest.raises(RuntimeError), UnitOfWork(db_url)() as s:
        comments.update_comment(s, editor, s.get(comments.Comment, comment_id), text="the crosswalk shot")
        raise RuntimeError("roll back")
    assert ids(run(db_url, q="zebracrossing")) == [aid] and ids(run(db_url, q="crosswalk")) == []
    with UnitOfWork(db_url)() as s:
        comments.update_comment(s, editor, s.get(comments.Comment, comment_id), text="the crosswalk shot")
    assert ids(run(db_url, q="zebracrossing")) == [] and ids(run(db_url, q="crosswalk")) == [aid]
    assert ids(run(db_url, q="晚间新闻", collection=picks_id)) == [other]
    assert ids(run(db_url, collection=picks_id)) == [other]
    with UnitOfWork(db_url)() as s:  # a rebuilt index still holds the comments
        assert backfill(s, rebuild=True) == 2
    assert ids(run(db_url, q="crosswalk")) == [aid]

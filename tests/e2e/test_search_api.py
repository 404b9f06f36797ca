"""Search end to end: files go in through the API and real workers, editors find them by words, pinyin,
subtitles, transcripts, places and flight paths, edit them, and find similar shots."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.test_metadata import dji_srt, upload_with_sidecar
from tests.support.media import ffmpeg, make_clip

pytestmark = pytest.mark.e2e


def _post(srv, path, **form):
    with open(path, "rb") as fh:
        r = srv.client().post("/api/v1/assets", files={"file": (path.name, fh)}, data=form)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def archive(srv, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("media")
    ids = {}
    # a drone clip flying north over Xiong'an (雄安), 1 point a second at ~11 m/s
    clip = make_clip(tmp / "DJI_0042.MP4", seconds=10, size="640x360")
    points = [(39.0500 + i * 0.0001, 115.9800, 100.0) for i in range(10)]
    ids["drone"] = upload_with_sidecar(srv, clip, "DJI_0042.SRT", dji_srt(points))
    # an interview with Chinese subtitles
    clip = make_clip(tmp / "interview.mp4", seconds=6, size="640x360", audio=True)
    subs = ("1\n00:00:01,000 --> 00:00:02,500\n大家好，欢迎收看冀云新闻\n\n"
            "2\n00:00:03,000 --> 00:00:05,000\n京雄城际铁路今天全线贯通\n\n")
    ids["interview"] = upload_with_sidecar(srv, clip, "interview.srt", subs)
    # a radio piece with a plain-text transcript
    audio = tmp / "radio.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=4", "-c:a", "aac", str(audio))
    ids["radio"] = upload_with_sidecar(srv, audio, "radio.txt", "白洋淀 防汛 抗洪 一线报道\n")
    # the same pictures twice (different files) and something else, for similar shots
    ids["a"] = _post(srv, make_clip(tmp / "bridge_a.mp4", seconds=4, size="640x360"),
                     title="Bridge closure, morning", project="Xiong'an Weekly", tags="bridge,交通")
    ids["b"] = _post(srv, make_clip(tmp / "bridge_b.mp4", seconds=4, size="640x360", audio=False),
                     title="大桥 合龙", project="Xiong'an Weekly")
    other = tmp / "fractal.mp4"
    ffmpeg("-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25", "-t", "4", "-c:v", "libx264", "-preset",
           "ultrafast", "-pix_fmt", "yuv420p", str(other))
    ids["other"] = _post(srv, other, title="Fractal test")
    for aid in ids.values():
        rec = srv.wait_analysis(aid)
        assert rec["status"] == "ready", rec["error"]
    return ids


def search(srv, **params) -> dict:
    r = srv.client().get("/api/v1/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_subtitle_words_land_on_their_cue(srv, archive):
    res = search(srv, q="京雄城际铁路")
    assert [i["asset_id"] for i in res["items"]] == [archive["interview"]]
    hit = next(h for h in res["items"][0]["hits"] if h["field"] == "subtitle")
    assert (hit["start_s"], hit["end_s"]) == (3.0, 5.0)
    assert "<mark>" in hit["snippet"]
    assert search(srv, q="jiyun")["items"][0]["asset_id"] == archive["interview"]  # 冀云 by pinyin
    assert search(srv, q="jx")["total"] >= 1  # initials of 京雄


def test_transcript_and_places_are_searchable(srv, archive):
    res = search(srv, q="防汛")
    assert [i["asset_id"] for i in res["items"]] == [archive["radio"]]
    assert res["items"][0]["hits"][0]["field"] == "transcript"
    # the drone clip is placed in Hebei by its telemetry, offline
    assert archive["drone"] in [i["asset_id"] for i in search(srv, q="河北")["items"]]


def test_geo_search_returns_the_seconds_over_the_spot(srv, archive):
    res = search(srv, near="39.0505,115.98", radius_m=30)
    assert [i["asset_id"] for i in res["items"]] == [archive["drone"]]
    (hit,) = [h for h in res["items"][0]["hits"] if h["field"] == "track"]
    assert 3.0 <= hit["start_s"] <= 5.0 and 5.0 <= hit["end_s"] <= 7.0  # ~11 m/s: t = 5 s ± 2.7 s
    assert search(srv, bbox="115.97,39.04,115.99,39.06")["total"] == 1
    assert search(srv, near="39.2,115.98", radius_m=100)["total"] == 0
    bad = srv.client().get("/api/v1/search", params={"near": "nowhere"})
    assert bad.status_code == 422 and "near" in bad.json()["detail"]


def test_filters_facets_and_thumbnails(srv, archive):
    res = search(srv, project="Xiong'an Weekly", sort="captured_at")
    assert {i["asset_id"] for i in res["items"]} == {archive["a"], archive["b"]}
    assert res["facets"]["project"] == [{"value": "Xiong'an Weekly", "count": 2}]
    assert {"value": "video", "count": 2} in res["facets"]["kind"]
    item = res["items"][0]
    assert item["thumbnail_url"] and item["duration_s"] == pytest.approx(4.0, abs=0.1)
    assert srv.client().get(item["thumbnail_url"]).headers["content-type"] == "image/jpeg"
    assert search(srv, kind="audio")["items"][0]["asset_id"] == archive["radio"]
    assert search(srv, tag=["bridge", "交通"])["total"] == 1
    assert search(srv, min_duration=5, kind="video")["total"] == 2  # the 10-s drone clip and 6-s interview
    assert srv.client().get("/api/v1/search", params={"q": "x"}, headers={"Authorization": ""}).status_code == 401


def test_edits_are_searchable_at_once(srv, archive):
    c = srv.client()
    r = c.patch(f"/api/v1/assets/{archive['other']}", json={"title": "曼德博 分形 测试图", "tags": ["测试"],
                                                            "description": "Generated pattern", "project": "工程测试"})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "曼德博 分形 测试图" and r.json()["description"] == "Generated pattern"
    assert [i["asset_id"] for i in search(srv, q="fenxing")["items"]] == [archive["other"]]
    assert search(srv, q="\"Fractal test\"")["total"] == 0  # the old title (the file name stays)
    r = c.post("/api/v1/assets/bulk", json={"asset_ids": [archive["a"], archive["b"], "0" * 32],
                                            "add_tags": ["合龙"], "project": "京雄城际铁路"})
    assert r.status_code == 200 and r.json()["missing"] == ["0" * 32]
    assert search(srv, tag=["合龙"], project="京雄城际铁路")["total"] == 2
    r = c.post("/api/v1/assets/bulk", json={"asset_ids": [archive["a"]], "remove_tags": ["合龙"]})
    assert search(srv, tag=["合龙"])["total"] == 1
    projects = {p["name"]: p for p in c.get("/api/v1/projects").json()}
    assert projects["京雄城际铁路"]["asset_count"] == 2 and projects["工程测试"]["asset_count"] == 1
    assert projects["Xiong'an Weekly"]["asset_count"] == 0
    assert c.post("/api/v1/projects", json={"name": "两会 2027"}).status_code == 201
    assert c.post("/api/v1/projects", json={"name": "两会 2027"}).status_code == 409
    assert c.patch(f"/api/v1/assets/{archive['a']}", json={"tags": ["x" * 300]}).status_code == 422
    assert c.patch("/api/v1/assets/" + "0" * 32, json={"title": "t"}).status_code == 404


def test_similar_shots_find_the_same_pictures(srv, archive):
    r = srv.client().get(f"/api/v1/assets/{archive['a']}/similar")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items and items[0]["asset_id"] == archive["b"] and items[0]["distance"] <= 4
    assert archive["other"] not in [i["asset_id"] for i in items]
    match = items[0]["matches"][0]
    assert match["start_s"] is not None and match["distance"] == items[0]["distance"]


def _mam(srv, *args: str) -> subprocess.CompletedProcess:
    env = {**srv.env, "MAM_API_URL": srv.url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_cli_search_prints_hits_with_timecodes(srv, archive):
    res = _mam(srv, "search", "全线贯通")
    assert res.returncode == 0, res.stderr
    assert "00:00:03.0–00:00:05.0" in res.stdout and "1 match(es)" in res.stdout
    res = _mam(srv, "search", "--near", "39.0505,115.98", "--radius-m", "30", "--json")
    data = json.loads(res.stdout)
    assert [i["asset_id"] for i in data["items"]] == [archive["drone"]]
    res = _mam(srv, "search", "--from", "June 2020")
    assert res.returncode == 1 and "from must be a date" in res.stderr
    res = _mam(srv, "reindex", "--rebuild")
    assert res.returncode == 0 and "indexed 6 asset(s)" in res.stderr, res.stderr
    assert search(srv, q="jiyun")["items"][0]["asset_id"] == archive["interview"]

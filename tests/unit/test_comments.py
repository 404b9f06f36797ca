"""Time-coded comments on assets and exports: threads in time order, replies, resolving, who may do what,
validation, the audit trail, and comment text found by search."""

from __future__ import annotations

import pytest

from mam.comments import MAX_TEXT_CHARS
from mam.models import Comment, Export
from tests.support.team import add_asset, admin_client, api_root, audit_rows, person


@pytest.fixture
def api(tmp_path):
    with admin_client(api_root(tmp_path)) as c:
        yield c


@pytest.fixture
def root(api):
    return api.app.state.root


@pytest.fixture
def crew(api):
    return {"li": person(api, "li.na", "videographer", "李娜"), "wang": person(api, "wang", "videographer"),
            "ed": person(api, "zhou", "editor"), "viewer": person(api, "guest", "viewer")}


def post(api, who, asset_id, **body):
    return api.post(f"/api/v1/assets/{asset_id}/comments", json=body, headers=who)


def test_threads_come_in_time_order_with_replies_nested(api, root, crew):
    aid = add_asset(root, "京雄 航拍", duration_s=120.0)
    late = post(api, crew["li"], aid, text="jump cut here", t_s=30.0).json()
    general = post(api, crew["wang"], aid, text="music too loud overall").json()
    early = post(api, crew["wang"], aid, text="logo flashes", t_s=5.0, t_end_s=7.5).json()
    late2 = post(api, crew["ed"], aid, text="also the colour shifts", t_s=30.0).json()
    reply = post(api, crew["li"], aid, text="fixed in v2", parent_id=early["id"]).json()
    reply2 = post(api, crew["wang"], aid, text="thanks", parent_id=reply["id"]).json()
    reply3 = post(api, crew["ed"], aid, text="checked", parent_id=early["id"]).json()

    got = api.get(f"/api/v1/assets/{aid}/comments", headers=crew["viewer"])
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["total"], body["open"]) == (7, 7)
    items = body["items"]
    # timed first by t_s (equal times: the earlier written first), then the untimed ones
    assert [i["id"] for i in items] == [early["id"], late["id"], late2["id"], general["id"]]
    assert [r["id"] for r in items[0]["replies"]] == [reply["id"], reply3["id"]]
    assert [r["id"] for r in items[0]["replies"][0]["replies"]] == [reply2["id"]]
    assert items[1]["replies"] == []
    assert (items[0]["t_s"], items[0]["t_end_s"], items[0]["author"]) == (5.0, 7.5, "wang")
    assert (items[1]["author"], items[1]["author_display"]) == ("li.na", "李娜")
    assert items[0]["replies"][0]["parent_id"] == early["id"]


def test_a_new_comment_comes_back_whole(api, root, crew):
    aid = add_asset(root, "clip", duration_s=60.0)
    made = post(api, crew["li"], aid, text="  口型不对  ", t_s=12.5)
    assert made.status_code == 201, made.text
    c = made.json()
    assert c["text"] == "口型不对" and c["t_s"] == 12.5 and c["t_end_s"] is None and c["parent_id"] is None
    assert (c["author"], c["author_display"], c["resolved"]) == ("li.na", "李娜", False)
    assert (c["subject_type"], c["subject_id"]) == ("asset", aid) and c["created_at"]


@pytest.mark.parametrize("body,status,words", [
    ({"text": ""}, 422, "needs some text"),
    ({"text": "   \n "}, 422, "needs some text"),
    ({"text": "x" * (MAX_TEXT_CHARS + 1)}, 422, ""),
    ({"text": "ok", "t_s": 20.0, "t_end_s": 10.0}, 422, "before t_s"),
    ({"text": "ok", "t_end_s": 10.0}, 422, "needs a t_s"),
    ({"text": "ok", "t_s": -1.0}, 422, "0 or more"),
    ({"text": "ok", "t_s": 61.0}, 422, "past the end of the media (60 s)"),
    ({"text": "ok", "t_s": 50.0, "t_end_s": 60.5}, 422, "t_end_s (60.5 s) is past the end"),
    ({"text": "ok", "parent_id": "nope"}, 404, "comment nope not found"),
])
def test_bad_comments_are_refused_and_nothing_is_kept(api, root, crew, body, status, words):
    aid = add_asset(root, "clip", duration_s=60.0)
    resp = post(api, crew["li"], aid, **body)
    assert resp.status_code == status, resp.text
    assert words in str(resp.json()["detail"])
    with root.uow() as s:
        assert s.query(Comment).count() == 0
    assert audit_rows(api, "comment.create") == []


def test_unknown_subjects_and_a_reply_across_subjects(api, root, crew):
    a, b = add_asset(root, "a", duration_s=10.0), add_asset(root, "b")
    assert post(api, crew["li"], "nope", text="hi").status_code == 404
    assert api.get("/api/v1/assets/nope/comments").status_code == 404
    assert api.post("/api/v1/exports/nope/comments", json={"text": "hi"}).status_code == 404
    parent = post(api, crew["li"], a, text="on a").json()
    across = post(api, crew["li"], b, text="reply on b", parent_id=parent["id"])
    assert across.status_code == 422 and "another asset" in across.json()["detail"]
    # no duration known: any time is taken
    assert post(api, crew["li"], b, text="late", t_s=9999.0).status_code == 201


def test_a_viewer_reads_but_may_not_comment(api, root, crew):
    aid = add_asset(root, "clip")
    refused = post(api, crew["viewer"], aid, text="hello")
    assert refused.status_code == 403 and "videographer" in refused.json()["detail"]
    assert api.get(f"/api/v1/assets/{aid}/comments", headers=crew["viewer"]).json()["items"] == []
    made = post(api, crew["li"], aid, text="hello").json()
    assert api.patch(f"/api/v1/comments/{made['id']}", json={"resolved": True},
                     headers=crew["viewer"]).status_code == 403


def test_resolve_edit_and_the_audit_trail(api, root, crew):
    aid = add_asset(root, "clip", duration_s=60.0)
    c = post(api, crew["li"], aid, text="jump cut", t_s=3.0).json()
    resolved = api.patch(f"/api/v1/comments/{c['id']}", json={"resolved": True}, headers=crew["wang"])
    assert resolved.status_code == 200 and resolved.json()["resolved"] is True
    listed = api.get(f"/api/v1/assets/{aid}/comments").json()
    assert (listed["total"], listed["open"]) == (1, 0)
    not_author = api.patch(f"/api/v1/comments/{c['id']}", json={"text": "rewritten"}, headers=crew["ed"])
    assert not_author.status_code == 403 and "li.na" in not_author.json()["detail"]
    edited = api.patch(f"/api/v1/comments/{c['id']}", json={"text": "jump cut at 3 s"}, headers=crew["li"])
    assert edited.status_code == 200 and edited.json()["text"] == "jump cut at 3 s"
    assert api.patch(f"/api/v1/comments/{c['id']}", json={"text": " "}, headers=crew["li"]).status_code == 422
    assert api.patch("/api/v1/comments/nope", json={"resolved": True}).status_code == 404
    same = api.patch(f"/api/v1/comments/{c['id']}", json={"resolved": True}, headers=crew["li"])
    assert same.status_code == 200  # nothing changed: nothing audited

    [created] = audit_rows(api, "comment.create")
    assert (created["actor"], created["target_type"], created["target_id"]) == ("li.na", "comment", c["id"])
    assert created["changes"]["subject_id"] == aid and created["changes"]["t_s"] == 3.0
    updates = audit_rows(api, "comment.update")
    assert [(u["actor"], u["changes"]) for u in updates] == [
        ("wang", {"resolved": [False, True]}),
        ("li.na", {"text": ["jump cut", "jump cut at 3 s"]}),
    ]


def test_comments_on_an_export_are_timed_within_the_export(api, root, crew):
    aid = add_asset(root, "source", duration_s=300.0)
    with root.uow() as s:
        ranged = Export(batch_id="b1", asset_id=aid, preset="douyin", start_s=100.0, end_s=130.0)
        whole = Export(batch_id="b2", asset_id=aid, preset="xuexi")
        s.add_all([ranged, whole])
        s.flush()
        ranged_id, whole_id = ranged.id, whole.id
    url = f"/api/v1/exports/{ranged_id}/comments"
    assert api.post(url, json={"text": "too long", "t_s": 31.0}, headers=crew["li"]).status_code == 422
    first = api.post(url, json={"text": "cut the ending", "t_s": 29.0}, headers=crew["li"])
    assert first.status_code == 201 and first.json()["subject_type"] == "export"
    api.post(url, json={"text": "title card", "t_s": 1.0}, headers=crew["ed"])
    assert api.post(f"/api/v1/exports/{whole_id}/comments", json={"text": "ok", "t_s": 299.0},
                    headers=crew["li"]).status_code == 201
    asset_reply = post(api, crew["li"], aid, text="x", parent_id=first.json()["id"])
    assert asset_reply.status_code == 422
    listed = api.get(url, headers=crew["viewer"]).json()
    assert [i["text"] for i in listed["items"]] == ["title card", "cut the ending"]
    assert api.get(f"/api/v1/assets/{aid}/comments").json()["items"] == []


def search(api, q, **params):
    resp = api.get("/api/v1/search", params={"q": q, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def test_comment_text_finds_the_asset_and_follows_edits(api, root, crew):
    aid = add_asset(root, "雄安 晚间新闻", duration_s=90.0)
    other = add_asset(root, "other clip", duration_s=90.0)
    assert search(api, "zebracrossing") == [] and search(api, "防汛抢险") == []
    c = post(api, crew["li"], aid, text="the zebracrossing shot is soft", t_s=42.0).json()
    post(api, crew["wang"], other, text="防汛抢险 画面 需要 字幕")
    [hit] = search(api, "zebracrossing")
    assert hit["asset_id"] == aid
    [where] = [h for h in hit["hits"] if h["field"] == "comments"]
    assert where["start_s"] == 42.0 and "<mark>zebracrossing</mark>" in where["snippet"]
    assert [i["asset_id"] for i in search(api, "抢险")] == [other]
    assert [i["asset_id"] for i in search(api, "zebra*")] == [aid]

    api.patch(f"/api/v1/comments/{c['id']}", json={"text": "the crosswalk shot is soft"}, headers=crew["li"])
    assert search(api, "zebracrossing") == []
    assert [i["asset_id"] for i in search(api, "crosswalk")] == [aid]
    # the asset's own fields are still indexed alongside its comments
    assert [i["asset_id"] for i in search(api, "雄安")] == [aid]


def test_a_purge_takes_the_assets_comments_with_it(api, root, crew):
    aid, kept = add_asset(root, "doomed", duration_s=60.0), add_asset(root, "kept")
    with root.uow() as s:
        export = Export(batch_id="b1", asset_id=aid, preset="douyin")
        s.add(export)
        s.flush()
        export_id = export.id
    top = post(api, crew["li"], aid, text="wobbly horizon", t_s=2.0).json()
    post(api, crew["wang"], aid, text="agreed", parent_id=top["id"])
    api.post(f"/api/v1/exports/{export_id}/comments", json={"text": "cut earlier"}, headers=crew["li"])
    post(api, crew["li"], kept, text="wobbly too")
    assert api.delete(f"/api/v1/assets/{aid}").status_code in (200, 204)
    post(api, crew["li"], aid, text="a note on a trashed clip stays out of search")
    assert [i["asset_id"] for i in search(api, "wobbly")] == [kept]
    assert search(api, "trashed") == []
    purged = api.delete(f"/api/v1/assets/{aid}", params={"purge": "true"})
    assert purged.status_code in (200, 204), purged.text
    with root.uow() as s:
        assert [c.text for c in s.query(Comment).all()] == ["wobbly too"]

"""Collections: making them, putting assets in and taking them out, counts, the trash left out, who may do
it, the audit trail, and the collection filter of the search."""

from __future__ import annotations

import json

import pytest

from mam.models import Asset, CollectionAsset, utcnow
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
    return {"ed": person(api, "zhou", "editor"), "vg": person(api, "li.na", "videographer"),
            "viewer": person(api, "guest", "viewer")}


def make(api, who, name, **body):
    return api.post("/api/v1/collections", json={"name": name, **body}, headers=who)


def put(api, who, cid, *asset_ids):
    return api.post(f"/api/v1/collections/{cid}/assets", json={"asset_ids": list(asset_ids)}, headers=who)


def trash(root, asset_id):
    with root.uow() as s:
        s.get(Asset, asset_id).trashed_at = utcnow()


def test_make_fill_list_and_read_a_collection(api, root, crew):
    a, b, c = (add_asset(root, t, duration_s=10.0) for t in ("雄安 航拍", "两会 现场", "防汛"))
    made = make(api, crew["ed"], "两会 精选", description="selects for the evening bulletin")
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert made.json()["name"] == "两会 精选" and made.json()["asset_count"] == 0
    empty = make(api, crew["ed"], "B-roll").json()

    first = put(api, crew["ed"], cid, a, b)
    assert first.status_code == 200, first.text
    assert first.json() == {"added": [a, b], "already": [], "asset_count": 2}
    again = put(api, crew["ed"], cid, b, c, c)
    assert again.json() == {"added": [c], "already": [b], "asset_count": 3}

    listed = api.get("/api/v1/collections", headers=crew["viewer"])
    assert listed.status_code == 200
    assert [(x["name"], x["asset_count"]) for x in listed.json()] == [("B-roll", 0), ("两会 精选", 3)]
    assert listed.json()[0]["id"] == empty["id"]

    detail = api.get(f"/api/v1/collections/{cid}", headers=crew["viewer"])
    assert detail.status_code == 200, detail.text
    d = detail.json()
    assert (d["name"], d["description"], d["asset_count"]) == ("两会 精选", "selects for the evening bulletin", 3)
    assert d["assets"]["total"] == 3
    assert [x["id"] for x in d["assets"]["items"]] == [c, b, a]  # most recently added first
    shown = d["assets"]["items"][2]
    assert shown["title"] == "雄安 航拍" and shown["technical"]["duration_s"] == 10.0 and shown["original_url"]
    paged = api.get(f"/api/v1/collections/{cid}", params={"page": 2, "page_size": 2}).json()["assets"]
    assert [x["id"] for x in paged["items"]] == [a] and paged["total"] == 3


def test_unknown_ids_add_nothing_and_are_named(api, root, crew):
    a = add_asset(root, "a")
    cid = make(api, crew["ed"], "picks").json()["id"]
    resp = put(api, crew["ed"], cid, a, "nope1", "nope2")
    assert resp.status_code == 404
    assert "nope1" in resp.json()["detail"] and "nope2" in resp.json()["detail"]
    with root.uow() as s:
        assert s.query(CollectionAsset).count() == 0
    assert put(api, crew["ed"], "nope", a).status_code == 404
    assert api.get("/api/v1/collections/nope").status_code == 404
    assert put(api, crew["ed"], cid).status_code == 422
    assert audit_rows(api, "collection.add") == []


def test_names_are_checked(api, crew):
    assert make(api, crew["ed"], "picks").status_code == 201
    dup = make(api, crew["ed"], " picks ")
    assert dup.status_code == 409 and "picks" in dup.json()["detail"]
    assert make(api, crew["ed"], "").status_code == 422
    assert make(api, crew["ed"], "   ").status_code == 422
    assert make(api, crew["ed"], "a\tb").status_code == 422


def test_taking_an_asset_out(api, root, crew):
    a, b = add_asset(root, "a"), add_asset(root, "b")
    cid = make(api, crew["ed"], "picks").json()["id"]
    put(api, crew["ed"], cid, a, b)
    gone = api.delete(f"/api/v1/collections/{cid}/assets/{a}", headers=crew["ed"])
    assert gone.status_code == 204
    assert api.delete(f"/api/v1/collections/{cid}/assets/{a}", headers=crew["ed"]).status_code == 404
    assert api.delete(f"/api/v1/collections/nope/assets/{b}", headers=crew["ed"]).status_code == 404
    d = api.get(f"/api/v1/collections/{cid}").json()
    assert d["asset_count"] == 1 and [x["id"] for x in d["assets"]["items"]] == [b]
    with root.uow() as s:
        assert s.get(Asset, a) is not None  # the asset itself stays


def test_assets_in_the_trash_are_left_out_unless_asked_for(api, root, crew):
    a, b = add_asset(root, "a"), add_asset(root, "b")
    cid = make(api, crew["ed"], "picks").json()["id"]
    put(api, crew["ed"], cid, a, b)
    trash(root, a)
    assert [x["asset_count"] for x in api.get("/api/v1/collections").json()] == [1]
    d = api.get(f"/api/v1/collections/{cid}").json()
    assert d["asset_count"] == 1 and [x["id"] for x in d["assets"]["items"]] == [b]
    both = api.get(f"/api/v1/collections/{cid}", params={"trashed": "true"}).json()
    assert sorted(x["id"] for x in both["assets"]["items"]) == sorted([a, b]) and both["assets"]["total"] == 2
    refused = put(api, crew["ed"], make(api, crew["ed"], "other").json()["id"], a)
    assert refused.status_code == 409 and a in refused.json()["detail"]


def test_only_editors_and_above_change_collections(api, root, crew):
    a = add_asset(root, "a")
    for who in ("viewer", "vg"):
        refused = make(api, crew[who], "mine")
        assert refused.status_code == 403 and "editor" in refused.json()["detail"]
    cid = make(api, crew["ed"], "picks").json()["id"]
    assert put(api, crew["vg"], cid, a).status_code == 403
    put(api, crew["ed"], cid, a)
    assert api.delete(f"/api/v1/collections/{cid}/assets/{a}", headers=crew["vg"]).status_code == 403
    assert api.get(f"/api/v1/collections/{cid}", headers=crew["viewer"]).json()["asset_count"] == 1


def test_every_change_is_audited_with_its_actor(api, root, crew):
    a, b = add_asset(root, "a"), add_asset(root, "b")
    cid = make(api, crew["ed"], "picks", description="for Monday").json()["id"]
    put(api, crew["ed"], cid, a, b)
    put(api, crew["ed"], cid, a)  # nothing new: nothing audited
    api.delete(f"/api/v1/collections/{cid}/assets/{b}")  # as the bootstrap admin
    [created] = audit_rows(api, "collection.create")
    assert (created["actor"], created["target_type"], created["target_id"]) == ("zhou", "collection", cid)
    assert created["changes"] == {"name": "picks", "description": "for Monday"}
    [added] = audit_rows(api, "collection.add")
    assert (added["actor"], added["target_id"], added["changes"]) == ("zhou", cid, {"asset_ids": [a, b]})
    [removed] = audit_rows(api, "collection.remove")
    assert (removed["actor"], removed["changes"]) == ("admin", {"asset_id": b})


def test_search_filters_by_collection(api, root, crew):
    a, b, c = (add_asset(root, f"雄安 新区 {n}") for n in ("一", "二", "三"))
    cid = make(api, crew["ed"], "picks").json()["id"]
    put(api, crew["ed"], cid, a, c)

    def found(**params):
        resp = api.get("/api/v1/search", params=params, headers=crew["viewer"])
        assert resp.status_code == 200, resp.text
        return sorted(i["asset_id"] for i in resp.json()["items"])

    assert found(q="雄安") == sorted([a, b, c])
    assert found(q="雄安", collection=cid) == sorted([a, c])
    assert found(collection=cid) == sorted([a, c])
    api.delete(f"/api/v1/collections/{cid}/assets/{c}")
    assert found(q="雄安", collection=cid) == [a]
    assert api.get("/api/v1/search", params={"collection": "nope"}).status_code == 404


def test_mam_collections_create_add_show_list_remove(api, root, crew, monkeypatch):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from cli import collections as cli_collections
    from cli.main import app as cli

    a, b = add_asset(root, "雄安 航拍", duration_s=12.0), add_asset(root, "两会")
    monkeypatch.setattr(cli_collections, "make_client", lambda *_a, **_k: TestClient(api.app, headers=crew["ed"]))
    runner = CliRunner()
    made = runner.invoke(cli, ["collections", "create", "两会 精选", "--description", "selects", "--json"])
    assert made.exit_code == 0, made.output
    cid = json.loads(made.output)["id"]
    added = runner.invoke(cli, ["collections", "add", cid, a, b])
    assert added.exit_code == 0 and "added 2, already there 0; 2 assets" in added.output
    unknown = runner.invoke(cli, ["collections", "add", cid, "nope"])
    assert unknown.exit_code != 0 and "nope" in unknown.output
    shown = runner.invoke(cli, ["collections", "show", cid])
    assert shown.exit_code == 0 and "雄安 航拍" in shown.output and "12.0 s" in shown.output
    removed = runner.invoke(cli, ["collections", "remove", cid, b])
    assert removed.exit_code == 0 and f"removed {b}" in removed.output
    listed = runner.invoke(cli, ["collections", "list", "--json"])
    assert [(c["name"], c["asset_count"]) for c in json.loads(listed.output)] == [("两会 精选", 1)]

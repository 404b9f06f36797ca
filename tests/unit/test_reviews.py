"""Review and sign-off (三审) through the API on a root built with fakes: the levels in order by the roles they
need, one person one level, the reject path and its new round, deliveries held until every level approved,
and the audit trail. Exports are written ready into the catalog (no ffmpeg)."""

from __future__ import annotations

import pytest

from app.bootstrap import build
from config.settings import Settings
from mam.models import Export, new_id
from mam.reviews import ReviewPolicyError, load_policy
from tests.support.fakes import InMemoryStorage, MemoryLocks, RecordingEnqueuer
from tests.support.team import add_asset, admin_client, api_root, audit_rows, person


@pytest.fixture
def root(tmp_path):
    return api_root(tmp_path)


@pytest.fixture
def admin(root):
    with admin_client(root) as c:
        yield c


class As:
    """The API as one person (the admin client with their token)."""

    def __init__(self, client, headers=None) -> None:
        self.client, self.headers = client, headers

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, **kw):
        return self.client.post(url, headers=self.headers, **kw)


@pytest.fixture
def people(admin):
    """Two editors, a producer and an admin user (besides the bootstrap admin, ``admin``)."""
    return {name: As(admin, person(admin, name, role))
            for name, role in (("chen", "editor"), ("li", "editor"), ("wang", "producer"), ("zhao", "admin"))}


def ready_export(root, preset: str = "xuexi", status: str = "ready") -> str:
    asset_id = add_asset(root, "两会开幕")
    with root.uow() as s:
        export = Export(id=new_id(), batch_id=new_id(), asset_id=asset_id, preset=preset, status=status,
                        progress=1.0, qc={"passed": True, "checks": []},
                        outputs=[{"name": "main.mp4", "key": f"exports/{asset_id}/main.mp4", "size_bytes": 10,
                                  "content_type": "video/mp4", "main": True}] if status == "ready" else [])
        s.add(export)
        s.flush()
        return export.id


def review(who: As, export_id: str, decision: str = "approve", note: str | None = None):
    return who.post(f"/api/v1/exports/{export_id}/reviews", json={"decision": decision, "note": note})


def deliver(who: As, export_id: str, platform: str = "xuexi"):
    return who.post(f"/api/v1/exports/{export_id}/deliveries", json={"platform": platform})


def test_the_whole_round_then_xuexi_accepts_the_delivery(root, admin, people):
    eid = ready_export(root)
    shown = admin.get(f"/api/v1/exports/{eid}").json()["review"]
    assert shown["state"] == "not_required" and shown["required_for"] == ["xuexi"]
    assert shown["next_level"] == {"level": 1, "name": "初审", "role": "editor"}
    refused = deliver(people["wang"], eid)
    assert refused.status_code == 409 and "needs 初审 (editor) before delivery to xuexi" in refused.json()["detail"]
    assert deliver(people["wang"], eid, "weibo").status_code == 201, "weibo needs no review"

    first = review(people["chen"], eid, note="字幕已核对")
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "pending" and first.json()["next_level"]["name"] == "复审"
    refused = deliver(people["wang"], eid)
    assert refused.status_code == 409 and "needs 复审 (producer) before delivery to xuexi" in refused.json()["detail"]
    assert review(people["wang"], eid).status_code == 201
    assert "needs 终审 (admin)" in deliver(people["wang"], eid).json()["detail"]
    done = review(people["zhao"], eid)
    assert done.status_code == 201
    state = done.json()
    assert state["state"] == "approved" and state["next_level"] is None and state["round"] == 1
    assert [(st["name"], st["user"], st["decision"]) for st in state["steps"]] == [
        ("初审", "chen", "approve"), ("复审", "wang", "approve"), ("终审", "zhao", "approve")]
    assert state["steps"][0]["note"] == "字幕已核对" and state["steps"][0]["at"]

    assert deliver(people["wang"], eid).status_code == 201
    assert admin.get(f"/api/v1/exports/{eid}").json()["review"]["state"] == "approved"
    listed = {e["id"]: e for e in admin.get("/api/v1/exports").json()["items"]}
    assert listed[eid]["review"]["state"] == "approved" and len(listed[eid]["review"]["steps"]) == 3
    again = review(people["li"], eid)
    assert again.status_code == 409 and "already approved" in again.json()["detail"]

    audit = [a for a in audit_rows(admin, "review.create") if a["target_id"] == eid]
    assert sorted((a["actor"], a["changes"]["name"], a["changes"]["decision"]) for a in audit) == [
        ("chen", "初审", "approve"), ("wang", "复审", "approve"), ("zhao", "终审", "approve")]
    assert {a["changes"]["level"] for a in audit} == {1, 2, 3} and all(a["target_type"] == "export" for a in audit)


def test_a_reject_ends_the_round_with_its_note_and_the_next_review_starts_a_new_round(root, admin, people):
    eid = ready_export(root)
    assert review(people["chen"], eid).status_code == 201
    assert review(people["wang"], eid, "reject").status_code == 422, "a reject says what to fix"
    rejected = review(people["wang"], eid, "reject", note="第12秒人名条错字")
    assert rejected.status_code == 201
    state = rejected.json()
    assert state["state"] == "rejected" and state["steps"][-1]["note"] == "第12秒人名条错字"
    assert state["next_level"] == {"level": 1, "name": "初审", "role": "editor"}
    refused = deliver(people["wang"], eid)
    assert refused.status_code == 409
    assert "needs 初审 (editor)" in refused.json()["detail"] and "第12秒人名条错字" in refused.json()["detail"]

    # round 2: chen signed 初审 of round 1, and may sign it again in the new round
    again = review(people["chen"], eid, note="已改")
    assert again.status_code == 201
    state = again.json()
    assert state["state"] == "pending" and state["round"] == 2 and state["next_level"]["name"] == "复审"
    assert [(st["round"], st["name"], st["decision"]) for st in state["steps"]] == [
        (1, "初审", "approve"), (1, "复审", "reject"), (2, "初审", "approve")]
    assert review(people["wang"], eid).status_code == 201
    assert review(As(admin), eid).status_code == 201, "the bootstrap admin signs 终审"
    assert deliver(people["wang"], eid).status_code == 201
    audit = [a for a in audit_rows(admin, "review.create") if a["target_id"] == eid]
    assert any(a["actor"] == "wang" and a["changes"]["decision"] == "reject"
               and a["changes"]["note"] == "第12秒人名条错字" for a in audit)
    assert any(a["actor"] == "admin" and a["changes"]["name"] == "终审" for a in audit)


def test_one_person_signs_one_level_and_each_level_needs_its_role(root, admin, people):
    eid = ready_export(root)
    assert review(people["wang"], eid).status_code == 201, "a producer reaches 初审 (editor)"
    twice = review(people["wang"], eid)
    assert twice.status_code == 409 and "wang already signed 初审" in twice.json()["detail"]
    too_low = review(people["chen"], eid)
    assert too_low.status_code == 403 and "'producer'" in too_low.json()["detail"]
    assert "复审" in too_low.json()["detail"]
    assert review(people["zhao"], eid).status_code == 201
    assert review(people["zhao"], eid).status_code == 409, "zhao signed 复审; 终审 needs another admin"
    assert review(As(admin), eid).json()["state"] == "approved"
    states = admin.get(f"/api/v1/exports/{eid}").json()["review"]
    assert [st["user"] for st in states["steps"]] == ["wang", "zhao", "admin"]


def test_only_a_ready_export_is_reviewed_and_bad_input_is_refused(root, people, admin):
    running = ready_export(root, status="running")
    refused = review(people["chen"], running)
    assert refused.status_code == 409 and "only a ready export can be reviewed" in refused.json()["detail"]
    assert review(people["chen"], "nope").status_code == 404
    eid = ready_export(root)
    assert people["chen"].post(f"/api/v1/exports/{eid}/reviews", json={"decision": "maybe"}).status_code == 422
    assert admin.get(f"/api/v1/exports/{running}").json()["review"]["steps"] == []
    assert audit_rows(admin, "review.create") == []


def test_a_preset_that_needs_review_holds_every_platform(root, people):
    eid = ready_export(root, preset="broadcast-hd")
    state = people["chen"].get(f"/api/v1/exports/{eid}").json()["review"]
    assert state["state"] == "pending" and state["required_for"] == ["*"]
    refused = deliver(people["wang"], eid, "tv")
    assert refused.status_code == 409 and "needs 初审 (editor) before any delivery of a broadcast-hd export" in (
        refused.json()["detail"])


def test_the_policy_is_validated_and_may_live_elsewhere(tmp_path):
    policy = load_policy()
    assert [(lv.name, lv.role) for lv in policy.levels] == [("初审", "editor"), ("复审", "producer"), ("终审", "admin")]
    assert policy.platforms == {"xuexi"} and policy.presets == {"broadcast-hd"} and policy.reject_needs_note
    two = tmp_path / "review.yaml"
    two.write_text("levels: [{name: 一审, role: producer}, {name: 二审, role: admin}]\nplatforms: [tv]\n")
    assert [lv.name for lv in load_policy(two).levels] == ["一审", "二审"]
    settings = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0", review_file=two)
    assert build(settings, storage=InMemoryStorage(), enqueuer=RecordingEnqueuer(),
                 locks=MemoryLocks()).review.platforms == {"tv"}
    for text, field in (("levels: [{name: 初审, role: intern}]", "levels.0.role"),
                        ("levels: []", "levels"),
                        ("levels: [{name: 初审, role: editor}, {name: 初审, role: admin}]", "levels"),
                        ("levels: [{name: 初审, role: editor}]\nreviewers: 3", "reviewers"),
                        ("- 初审", "(policy)")):
        two.write_text(text)
        with pytest.raises(ReviewPolicyError) as caught:
            load_policy(two)
        assert caught.value.field == field, (text, str(caught.value))
    two.write_text("levels: [{name: 初审, role: editor}]\npresets: [broadcast_hd]\n")
    with pytest.raises(ReviewPolicyError, match="no preset 'broadcast_hd'"):
        load_policy(two, presets=["broadcast-hd", "xuexi"])


def test_mam_review_signs_and_shows_the_round(root, admin, people, monkeypatch):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from cli import exports as cli_exports
    from cli.main import app as cli

    eid = ready_export(root)
    as_chen = people["chen"].headers
    monkeypatch.setattr(cli_exports, "make_client", lambda *_a, **_k: TestClient(admin.app, headers=as_chen))
    runner = CliRunner()
    signed = runner.invoke(cli, ["review", eid, "approve", "--note", "字幕已核对"])
    assert signed.exit_code == 0, signed.output
    assert "初审" in signed.output and "chen" in signed.output and "next: 复审 (producer)" in signed.output
    refused = runner.invoke(cli, ["review", eid, "approve"])
    assert refused.exit_code != 0 and "producer" in refused.output

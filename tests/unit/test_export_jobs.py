"""Export jobs, cancellation, deliveries and the report through the API on the root's fakes; the export step
itself is replaced by a stand-in that writes QC results (the real one is tested with ffmpeg elsewhere)."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from app.bootstrap import build
from config.settings import Settings
from mam import catalog, export_jobs
from mam.db import migrate
from mam.models import Export, WorkItem
from mam.presets import load_presets
from pipelines import workflow
from pipelines.context import StepResult
from pipelines.run_step import Outcome, run_step
from tests.support.fakes import InMemoryStorage, MemoryLocks, RecordingEnqueuer

TOKEN = "t" * 40


@pytest.fixture
def root(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0", admin_token=TOKEN,
                        dispatch_interval_s=0, export_max_outputs=6)
    migrate(settings.database_url)
    return build(settings, storage=InMemoryStorage(), enqueuer=RecordingEnqueuer(), locks=MemoryLocks(),
                 presets=load_presets())


@pytest.fixture
def client(root):
    with TestClient(create_app(root), headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


@pytest.fixture
def made(monkeypatch):
    """The export step replaced: every export gets a QC report; ``made["fail"]`` names presets that miss."""
    state = {"fail": set(), "runs": 0}

    def fake_step(ctx):
        state["runs"] += 1
        with ctx.uow() as s:
            for e in export_jobs.live(s, ctx.subject_id):
                ok = e.preset not in state["fail"]
                check = {"name": "video codec", "want": "h264", "got": "h264" if ok else "hevc", "passed": ok}
                export_jobs.record(s, e.id, outputs=[], qc={"passed": ok, "checks": [check]})
        return StepResult()

    monkeypatch.setitem(workflow.BY_NAME, "export", dataclasses.replace(workflow.BY_NAME["export"], run=fake_step))
    return state


def ready_asset(root, kind="video", duration=10.0, audio="aac", status="ready") -> str:
    with root.uow() as s:
        a = catalog.new_asset(s, original_filename="a.mp4", original_key_for=lambda i: f"originals/{i}/source.mp4")
        a.kind, a.status = kind, status
        a.technical = {"kind": kind, "duration_s": duration, "fps": 25.0, "audio_codec": audio,
                       "width": 1920, "height": 1080}
        return a.id


def deliver_all(root):
    by_task = {row.task: row for row in workflow.STEPS}
    return [run_step(root, by_task[t].name, a[0], a[1]) for t, _q, a in root.enqueuer.take()]


def test_presets_are_listed_with_their_sources(client):
    names = {p["name"]: p for p in client.get("/api/v1/presets").json()}
    assert {"app-hls", "web-mp4", "douyin-9x16", "broadcast-hd", "radio-wav", "print-still"} <= set(names)
    assert all(p["source"] and p["confidence"] in ("confirmed", "convention", "unconfirmed") for p in names.values())


def test_presets_of_one_asset_are_one_batch_on_the_export_queue(client, root, made):
    a, b = ready_asset(root), ready_asset(root)
    r = client.post("/api/v1/exports", json={"asset_ids": [a, b], "presets": ["web-mp4", "douyin-9x16"],
                                             "start_s": 1, "end_s": 4})
    assert r.status_code == 202, r.text
    refs = r.json()["exports"]
    assert sorted((x["asset_id"], x["preset"]) for x in refs) == sorted(
        (x, p) for x in (a, b) for p in ("web-mp4", "douyin-9x16"))
    sent = root.enqueuer.sent
    assert [(t, q) for t, q, _ in sent] == [("mam.export.run", "export")] * 2, "one work item per asset"
    with root.uow() as s:
        batches = {e.asset_id: e.batch_id for e in s.query(Export)}
        subjects = {w.asset_id: w.subject_id for w in s.query(WorkItem).filter_by(step="export")}
    assert batches == subjects
    made["fail"] = {"douyin-9x16"}
    assert [d.outcome for d in deliver_all(root)] == [Outcome.DONE, Outcome.DONE]
    assert made["runs"] == 2
    states = {x["preset"]: client.get(f"/api/v1/exports/{x['id']}").json() for x in refs if x["asset_id"] == a}
    assert states["web-mp4"]["status"] == "ready" and states["web-mp4"]["progress"] == 1.0
    failed = states["douyin-9x16"]
    assert failed["status"] == "failed_qc" and "video codec" in failed["error"]
    assert failed["qc"]["checks"][0] == {"name": "video codec", "want": "h264", "got": "hevc", "passed": False}
    assert {e["preset"] for e in client.get(f"/api/v1/assets/{a}").json()["exports"]} == {"web-mp4", "douyin-9x16"}
    listed = client.get("/api/v1/exports", params={"asset_id": a, "status": "ready"}).json()
    assert [e["preset"] for e in listed["items"]] == ["web-mp4"]


@pytest.mark.parametrize("body,status,field", [
    ({"presets": ["nope"]}, 422, "presets"),
    ({"asset_ids": ["missing"]}, 422, "asset_ids"),
    ({"start_s": 5, "end_s": 5}, 422, "end_s"),
    ({"start_s": 2, "end_s": 99}, 422, "end_s"),
    ({"start_s": -1}, 422, "start_s"),
    ({"presets": ["web-mp4", "douyin-9x16", "bilibili", "weibo", "xuexi", "app-hls", "radio-wav"]}, 422, "presets"),
])
def test_bad_requests_name_the_field_and_queue_nothing(client, root, body, status, field):
    aid = ready_asset(root)
    r = client.post("/api/v1/exports", json={"asset_ids": [aid], "presets": ["web-mp4"], **body})
    assert r.status_code == status and r.json()["detail"].startswith(field), r.text
    assert client.get("/api/v1/exports").json()["total"] == 0
    assert root.enqueuer.sent == []


def test_an_asset_not_ready_and_a_still_of_sound_are_refused(client, root):
    busy = ready_asset(root, status="processing")
    r = client.post("/api/v1/exports", json={"asset_ids": [busy], "presets": ["web-mp4"]})
    assert r.status_code == 409 and "not ready" in r.json()["detail"]
    sound = ready_asset(root, kind="audio")
    r = client.post("/api/v1/exports", json={"asset_ids": [sound], "presets": ["print-still"]})
    assert r.status_code == 422 and r.json()["detail"].startswith("presets") and "picture" in r.json()["detail"]
    assert client.post("/api/v1/exports", json={"asset_ids": [sound], "presets": ["radio-wav"]}).status_code == 202


def test_cancel_stops_the_batch_and_keeps_nothing(client, root, made):
    aid = ready_asset(root)
    [ref] = client.post("/api/v1/exports", json={"asset_ids": [aid], "presets": ["web-mp4"]}).json()["exports"]
    r = client.delete(f"/api/v1/exports/{ref['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert [d.outcome for d in deliver_all(root)] == [Outcome.DROPPED]
    assert made["runs"] == 0
    assert client.delete(f"/api/v1/exports/{ref['id']}").status_code == 409


def test_deliveries_move_on_and_the_report_counts_them(client, root, made):
    root.review = root.review.model_copy(update={"platforms": frozenset()})  # 三审: tests/unit/test_reviews.py
    aid = ready_asset(root)
    with root.uow() as s:
        catalog.get_asset(s, aid).project = "京雄城际铁路"
    refs = client.post("/api/v1/exports", json={"asset_ids": [aid], "presets": ["web-mp4", "douyin-9x16"]}).json()
    made["fail"] = {"douyin-9x16"}
    deliver_all(root)
    ids = {x["preset"]: x["id"] for x in refs["exports"]}
    bad = client.post(f"/api/v1/exports/{ids['douyin-9x16']}/deliveries", json={"platform": "douyin"})
    assert bad.status_code == 409, "a failed_qc export is never deliverable"
    first = client.post(f"/api/v1/exports/{ids['web-mp4']}/deliveries", json={"platform": "xuexi"}).json()
    client.post(f"/api/v1/exports/{ids['web-mp4']}/deliveries", json={"platform": "xuexi"})
    client.post(f"/api/v1/exports/{ids['web-mp4']}/deliveries", json={"platform": "app", "status": "published"})
    moved = client.patch(f"/api/v1/deliveries/{first['id']}", json={"status": "adopted", "note": "上了首页"}).json()
    assert moved["status"] == "adopted" and [h["status"] for h in moved["history"]] == ["submitted", "adopted"]
    assert client.patch(f"/api/v1/deliveries/{first['id']}", json={"status": "lost"}).status_code == 422
    xuexi = client.get("/api/v1/deliveries", params={"platform": "xuexi", "project": "京雄城际铁路"}).json()
    assert len(xuexi) == 2
    report = client.get("/api/v1/reports/deliveries").json()
    assert report["totals"] == {"xuexi": {"adopted": 1, "submitted": 1}, "app": {"published": 1}}
    assert all(r["project"] == "京雄城际铁路" and len(r["month"]) == 7 for r in report["rows"])
    assert client.get(f"/api/v1/exports/{ids['web-mp4']}").json()["deliveries"][0]["platform"] == "xuexi"


def test_unconfirmed_limits_are_settings(tmp_path):
    from app.bootstrap import configured_presets
    from mam.presets import PresetError

    settings = Settings(data_dir=tmp_path, preset_limits={"xuexi": {"max_size_bytes": 2 * 1024**3}})
    assert configured_presets(settings)["xuexi"].limits.max_size_bytes == 2 * 1024**3
    with pytest.raises(PresetError, match="nope"):
        configured_presets(Settings(data_dir=tmp_path, preset_limits={"nope": {"max_size_bytes": 1}}))
    with pytest.raises(PresetError, match="limits"):
        configured_presets(Settings(data_dir=tmp_path, preset_limits={"xuexi": {"max_sizes": 1}}))

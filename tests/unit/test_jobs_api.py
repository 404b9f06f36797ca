"""Jobs through the API on the root's fakes: work items listed with their states, reasons and progress across
the asset's steps and export batches, the filters and paging, a retry of a failed step that really submits it
again (and 409 for anything else), and who may do what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from mam import catalog
from mam.models import Export, WorkItem, WorkState
from pipelines.run_step import Outcome
from tests.conftest import need_ffmpeg
from tests.unit.test_export_jobs import TOKEN, deliver_all, made, ready_asset, root  # noqa: F401  (fixtures)

MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 2000
PASSWORD = "correct horse battery"


@pytest.fixture
def app(root):  # noqa: F811
    return create_app(root)


@pytest.fixture
def client(app):
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


def person(app, admin: TestClient, role: str) -> TestClient:
    uid = admin.post("/api/v1/users", json={"username": f"u-{role}", "password": PASSWORD, "role": role}).json()["id"]
    token = admin.post(f"/api/v1/users/{uid}/tokens", json={"name": "t"}).json()["token"]
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def broken_upload(client, root) -> str:  # noqa: F811
    """An MP4 header and nothing after it: its metadata step fails for real (ffprobe)."""
    need_ffmpeg()
    r = client.post("/api/v1/assets", files={"file": ("broken.mp4", MP4_HEAD, "video/mp4")},
                    data={"title": "坏文件"})
    assert r.status_code == 201, r.text
    assert [d.outcome for d in deliver_all(root)] == [Outcome.FAILED]
    return r.json()["id"]


def jobs(client, **params) -> dict:
    r = client.get("/api/v1/jobs", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_jobs_are_listed_with_states_reasons_and_filters(client, root, made):  # noqa: F811
    bad = broken_upload(client, root)
    good = ready_asset(root)
    with root.uow() as s:
        catalog.get_asset(s, good).title = "雄安站"
    refs = client.post("/api/v1/exports", json={"asset_ids": [good], "presets": ["web-mp4", "douyin-9x16"]}
                       ).json()["exports"]
    everything = jobs(client)
    assert everything["total"] == 2
    export_job, failed = everything["items"]  # newest first
    assert failed["kind"] == "metadata" and failed["state"] == "failed" and failed["asset_id"] == bad
    assert failed["asset_title"] == "坏文件" and failed["attempts"] == 1 and failed["retryable"]
    assert failed["error"] and len(failed["error"]) > 10
    assert failed["error"] == client.get(f"/api/v1/assets/{bad}").json()["error"]
    assert export_job["kind"] == "export" and export_job["state"] == "queued"
    assert export_job["asset_title"] == "雄安站" and not export_job["retryable"]
    assert sorted((e["id"], e["preset"], e["status"]) for e in export_job["exports"]) == sorted(
        (x["id"], x["preset"], "queued") for x in refs)
    assert [j["id"] for j in jobs(client, state="failed")["items"]] == [failed["id"]]
    assert jobs(client, state=["queued", "failed"])["total"] == 2
    assert jobs(client, state="running")["total"] == 0
    assert [j["id"] for j in jobs(client, kind="export")["items"]] == [export_job["id"]]
    assert jobs(client, kind=["metadata", "analysis"], state="queued")["total"] == 0
    assert jobs(client, asset_id=good)["total"] == 1
    paged = jobs(client, page_size=1, page=2)
    assert paged["total"] == 2 and [j["id"] for j in paged["items"]] == [failed["id"]]
    r = client.get("/api/v1/jobs", params={"state": "stuck"})
    assert r.status_code == 422 and "stuck" in r.json()["detail"]

    with root.uow() as s:  # an export batch at work: its progress is the mean of its exports
        for e, p in zip(s.query(Export).order_by(Export.preset), (0.2, 0.6), strict=True):
            e.status, e.progress, e.eta_s = "running", p, 12.0
        s.get(WorkItem, export_job["id"]).state = WorkState.RUNNING
    running = jobs(client, state="running")["items"][0]
    assert running["progress"] == pytest.approx(0.4) and running["eta_s"] == 12.0
    assert {e["preset"]: e["progress"] for e in running["exports"]} == {"douyin-9x16": 0.2, "web-mp4": 0.6}
    made["fail"] = {"douyin-9x16"}
    deliver_all(root)
    done = jobs(client, state="done")["items"][0]
    assert done["id"] == export_job["id"] and {e["status"] for e in done["exports"]} == {"ready", "failed_qc"}

    assert client.delete(f"/api/v1/assets/{bad}").status_code == 200  # in the trash: out of lists
    assert jobs(client, state="failed")["total"] == 0


def test_a_running_media_pass_shows_the_assets_progress(client, root):  # noqa: F811
    aid = client.post("/api/v1/assets", files={"file": ("a.mp4", MP4_HEAD, "video/mp4")}).json()["id"]
    with root.uow() as s:
        a = catalog.get_asset(s, aid)
        a.status, a.progress, a.eta_s = "processing", 0.35, 20.0
        s.query(WorkItem).filter_by(asset_id=aid).one().state = WorkState.RUNNING
    [job] = jobs(client)["items"]
    assert job["state"] == "running" and job["progress"] == 0.35 and job["eta_s"] == 20.0


def test_a_retry_submits_the_failed_step_again_and_only_that(client, root, made):  # noqa: F811
    bad = broken_upload(client, root)
    [failed] = jobs(client, state="failed")["items"]
    r = client.post(f"/api/v1/jobs/{failed['id']}/retry")
    assert r.status_code == 202, r.text
    new = r.json()
    assert new["id"] != failed["id"] and new["kind"] == "metadata" and new["state"] == "queued"
    assert new["asset_id"] == bad and new["attempts"] == 0
    assert [(t, a[0], a[1]) for t, _q, a in root.enqueuer.sent[-1:]] == [("mam.ingest.probe", bad, new["id"])]
    assert client.get(f"/api/v1/assets/{bad}").json()["status"] == "pending"
    old = next(j for j in jobs(client)["items"] if j["id"] == failed["id"])
    assert old["state"] == "failed" and old["superseded"] and not old["retryable"]
    again = client.post(f"/api/v1/jobs/{failed['id']}/retry")
    assert again.status_code == 409 and "run again since" in again.json()["detail"]
    queued = client.post(f"/api/v1/jobs/{new['id']}/retry")
    assert queued.status_code == 409 and "queued, not failed" in queued.json()["detail"]
    assert [d.outcome for d in deliver_all(root)] == [Outcome.FAILED], "the resubmitted step really ran"
    [latest, _] = jobs(client, state="failed")["items"]
    assert latest["id"] == new["id"] and latest["attempts"] == 1 and latest["retryable"]

    good = ready_asset(root)
    [ref] = client.post("/api/v1/exports", json={"asset_ids": [good], "presets": ["web-mp4"]}).json()["exports"]
    with root.uow() as s:
        s.query(WorkItem).filter_by(step="export").one().state = WorkState.FAILED
    [export_job] = jobs(client, kind="export")["items"]
    r = client.post(f"/api/v1/jobs/{export_job['id']}/retry")
    assert r.status_code == 409 and "POST /api/v1/exports" in r.json()["detail"]
    assert client.post("/api/v1/jobs/nope/retry").status_code == 404
    assert ref["id"]


def test_viewers_read_jobs_and_editors_retry_them(app, client, root):  # noqa: F811
    broken_upload(client, root)
    [failed] = jobs(client, state="failed")["items"]
    viewer, videographer, editor = (person(app, client, role) for role in ("viewer", "videographer", "editor"))
    assert viewer.get("/api/v1/jobs").json()["total"] == 1
    for who in (viewer, videographer):
        r = who.post(f"/api/v1/jobs/{failed['id']}/retry")
        assert r.status_code == 403 and "'editor'" in r.json()["detail"]
    assert TestClient(app).get("/api/v1/jobs").status_code == 401
    assert editor.post(f"/api/v1/jobs/{failed['id']}/retry").status_code == 202


def test_a_step_followed_by_the_next_is_not_superseded_but_one_run_again_is(client, root):  # noqa: F811
    from pipelines import workflow

    aid = client.post("/api/v1/assets", files={"file": ("a.mp4", MP4_HEAD, "video/mp4")}).json()["id"]
    with root.uow() as s:
        s.query(WorkItem).filter_by(asset_id=aid).one().state = WorkState.DONE
        workflow.submit(s, root, aid, "renditions")
    renditions, metadata = jobs(client)["items"]
    assert (metadata["kind"], metadata["superseded"], renditions["kind"]) == ("metadata", False, "renditions")
    assert client.post(f"/api/v1/assets/{aid}/reprocess", json={"steps": ["metadata"]}).status_code == 202
    again, _, first = jobs(client)["items"]
    assert again["kind"] == "metadata" and not again["superseded"] and first["superseded"]

"""The routes' own logic (auth, validation, error mapping, the one upload path) through FastAPI's TestClient,
on a root built with fakes: an in-memory store, a recording enqueuer, in-process locks. No broker, no
workers, no ffmpeg; the catalog is a SQLite file in a temp dir."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from api.access import rule_for
from api.app import create_app, dispatch_pending
from app.bootstrap import build
from config.settings import Settings
from mam.db import migrate
from mam.models import Asset, WorkItem
from tests.support.fakes import InMemoryStorage, MemoryLocks, RecordingEnqueuer

TOKEN = "t" * 40
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 2000


@pytest.fixture
def root(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0", admin_token=TOKEN,
                        dispatch_interval_s=0)
    migrate(settings.database_url)
    return build(settings, storage=InMemoryStorage(), enqueuer=RecordingEnqueuer(), locks=MemoryLocks())


@pytest.fixture
def client(root):
    with TestClient(create_app(root), headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


def upload(client, data: bytes, name: str = "clip.mp4", **form):
    return client.post("/api/v1/assets", files={"file": (name, data, "text/html")}, data=form)


def test_every_route_but_health_and_sign_in_needs_credentials(root):
    app = create_app(root)
    anonymous = TestClient(app)
    checked = 0
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            if rule_for(method.upper(), path).role is None:
                continue
            url = path.replace("{", "").replace("}", "")
            resp = anonymous.request(method.upper(), url)
            assert resp.status_code == 401, (method, path, resp.status_code)
            checked += 1
    assert checked >= 15


def test_form_upload_is_a_session_that_stores_checks_and_submits(client, root):
    resp = upload(client, MP4_HEAD, title="京雄 航拍", tags="aerial, 铁路")
    assert resp.status_code == 201, resp.text
    aid = resp.json()["id"]
    assert resp.json()["status"] == "pending"
    assert root.storage.objects[f"originals/{aid}/source.mp4"] == MP4_HEAD
    with root.uow() as s:
        asset = s.get(Asset, aid)
        assert asset.sha256 == hashlib.sha256(MP4_HEAD).hexdigest() and asset.size_bytes == len(MP4_HEAD)
        assert asset.title == "京雄 航拍" and asset.tags == ["aerial", "铁路"]
        [item] = s.query(WorkItem).filter_by(asset_id=aid).all()
        assert (item.step, item.state) == ("metadata", "sent")
    assert root.enqueuer.take() == [("mam.ingest.probe", "ingest", [aid, item.id])]
    again = upload(client, MP4_HEAD, name="copy.mp4")
    assert again.status_code == 200 and again.json()["duplicate_of"] == aid
    assert root.enqueuer.take() == [], "a duplicate starts nothing"


@pytest.mark.parametrize("data,status,words", [
    (b"", 422, "empty"),
    (b"<html><script>alert(1)</script></html>" * 10, 415, "not a media file"),
    (b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n", 415, "not a media file"),
])
def test_form_upload_refuses_at_the_door_and_keeps_nothing(client, root, data, status, words):
    resp = upload(client, data, name="x.mp4")
    assert resp.status_code == status and words in resp.json()["detail"]
    assert root.storage.objects == {} and root.storage.uploads == {}
    assert client.get("/api/v1/assets").json()["total"] == 0
    assert root.enqueuer.take() == []


def test_an_upload_accepted_while_the_broker_is_down_is_processed_when_it_returns(client, root):
    root.enqueuer.down = True
    resp = upload(client, MP4_HEAD)
    assert resp.status_code == 201
    aid = resp.json()["id"]
    with root.uow() as s:
        assert s.query(WorkItem).filter_by(asset_id=aid).one().state == "queued"
    root.enqueuer.down = False
    assert dispatch_pending(root) == 1
    assert [args[0] for _t, _q, args in root.enqueuer.take()] == [aid]


def test_errors_map_to_statuses(client):
    assert client.get("/api/v1/assets/nope").status_code == 404
    assert client.get("/api/v1/assets/nope").json()["detail"] == "asset nope not found"
    assert client.patch("/api/v1/assets/nope", json={"title": "x"}).status_code == 404
    r = client.post("/api/v1/uploads", json={"filename": "a.mp4", "size_bytes": 12 * 1024 * 1024})
    assert r.status_code == 201
    uid = r.json()["upload_id"]
    assert client.put(f"/api/v1/uploads/{uid}/parts/9", content=b"x").status_code == 422
    assert client.post(f"/api/v1/uploads/{uid}/complete").status_code == 409
    assert client.delete(f"/api/v1/uploads/{uid}").status_code == 204
    assert client.get(f"/api/v1/uploads/{uid}").status_code == 410
    big = client.post("/api/v1/uploads", json={"filename": "a.mp4", "size_bytes": 6 * 1024**4})
    assert big.status_code == 413
    assert client.post("/api/v1/uploads", json={"filename": "../../x", "size_bytes": 10}).status_code == 422


def test_reprocess_goes_through_the_workflow(client, root):
    aid = upload(client, MP4_HEAD).json()["id"]
    root.enqueuer.take()
    r = client.post(f"/api/v1/assets/{aid}/reprocess", json={"steps": ["renditions"]})
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert [t for t, *_ in root.enqueuer.take()] == ["mam.transcode.renditions"]
    assert client.post(f"/api/v1/assets/{aid}/reprocess", json={"steps": ["nope"]}).status_code == 422


def test_edits_are_committed_by_the_unit_of_work(client):
    aid = upload(client, MP4_HEAD).json()["id"]
    assert client.patch(f"/api/v1/assets/{aid}", json={"title": "雄安站"}).json()["title"] == "雄安站"
    assert client.get(f"/api/v1/assets/{aid}").json()["title"] == "雄安站"
    bulk = client.post("/api/v1/assets/bulk", json={"asset_ids": [aid, "gone"], "add_tags": ["桥"]}).json()
    assert bulk == {"updated": [aid], "missing": ["gone"]}
    assert client.get("/api/v1/search", params={"q": "雄安站"}).json()["total"] == 1


def test_a_sidecar_that_is_not_what_its_extension_says_discards_the_upload(client, root):
    passwd = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    opened = client.post("/api/v1/uploads", json={
        "filename": "DJI_0001.MP4", "size_bytes": len(MP4_HEAD),
        "sidecars": [{"filename": "DJI_0001.SRT", "size_bytes": len(passwd)}]}).json()
    uid = opened["upload_id"]
    assert client.put(f"/api/v1/uploads/{uid}/parts/1", content=MP4_HEAD,
                      headers={"X-Part-SHA256": hashlib.sha256(MP4_HEAD).hexdigest()}).status_code == 200
    assert client.put(f"/api/v1/uploads/{uid}/sidecars/0", content=passwd).status_code == 204
    done = client.post(f"/api/v1/uploads/{uid}/complete")
    assert done.status_code == 415 and "DJI_0001.SRT" in done.json()["detail"]
    assert root.storage.objects == {}, "neither the original nor the sidecar is kept"
    assert client.get("/api/v1/assets").json()["total"] == 0


def _id3(body_size: int) -> bytes:
    syncsafe = bytes((body_size >> s) & 0x7F for s in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + syncsafe + b"\x00" * body_size


def test_an_mp3_with_a_large_cover_picture_is_accepted_and_a_tagged_playlist_is_not(client):
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    mp3 = _id3(300_000) + frame * 20
    assert upload(client, mp3, name="song.mp3").status_code == 201
    playlist = _id3(300_000) + b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n"
    refused = upload(client, playlist, name="song2.mp3")
    assert refused.status_code == 415 and "playlist" in refused.json()["detail"]

"""End to end: `mam serve` as a subprocess, real Redis, real Celery workers, real ffmpeg."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import boto3
import httpx
import pytest

from tests.conftest import need_ffmpeg
from tests.support.media import faststart, keyframe_times, make_clip, mean_luma, probe, video_stream
from tests.support.serve import RunningServer, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def embedded(srv):
    """The embedded shape (the e2e ``srv``): SQLite, local store, Redis and workers started by `mam serve`."""
    return srv


@pytest.fixture(scope="module")
def distributed(tmp_path_factory, s3_endpoint, pg_server, redis_url):
    """The distributed shape: PostgreSQL, S3 over HTTP, an external Redis; same code, other settings."""
    need_ffmpeg()
    bucket = "mam-e2e"
    boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=bucket)
    env = {
        "MAM_DATABASE_URL": pg_server.new_database(),
        "MAM_STORAGE_URL": f"s3://{bucket}",
        "MAM_S3_ENDPOINT_URL": s3_endpoint,
        "MAM_S3_ACCESS_KEY_ID": "test",
        "MAM_S3_SECRET_ACCESS_KEY": "test",
        "MAM_BROKER_URL": redis_url,
        "MAM_ADMIN_TOKEN": "e2e-admin-token-0123456789",
    }
    srv = start_server(tmp_path_factory.mktemp("distributed") / "var", env)
    yield srv
    srv.stop()


def upload(srv: RunningServer, path: Path, name: str | None = None, **form: str) -> str:
    with open(path, "rb") as fh:
        resp = srv.client().post("/api/v1/assets", files={"file": (name or path.name, fh)}, data=form)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "pending"
    return body["id"]


def fetch(srv: RunningServer, url: str, dest: Path) -> Path:
    client = srv.client() if url.startswith(srv.url) else httpx.Client(timeout=60)
    resp = client.get(url)
    assert resp.status_code == 200, resp.text[:300]
    dest.write_bytes(resp.content)
    return dest


def assert_clip_ready(srv: RunningServer, asset_id: str, src: Path, tmp: Path) -> dict:
    rec = srv.wait_for(asset_id)
    assert rec["status"] == "ready", rec["error"]
    assert rec["error"] is None
    assert rec["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert rec["size_bytes"] == src.stat().st_size
    tech = rec["technical"]
    assert (tech["width"], tech["height"]) == (1920, 1080)
    assert tech["video_codec"] == "h264" and tech["audio_codec"] == "aac"
    assert tech["duration_s"] == pytest.approx(10.0, abs=0.1)
    assert tech["fps"] == pytest.approx(25.0)
    assert tech["rotation"] == 0
    kinds = {r["kind"]: r for r in rec["renditions"]}
    assert set(kinds) == {"proxy", "poster", "sprite", "thumbnails_vtt", "waveform"}
    assert rec["loudness"]["integrated_lufs"] < -10 and rec["qc"]["black"] == []

    proxy = fetch(srv, kinds["proxy"]["url"], tmp / f"{asset_id}.mp4")
    info = probe(proxy)
    v = video_stream(info)
    assert v["codec_name"] == "h264"
    assert min(v["width"], v["height"]) <= 720
    assert (v["width"], v["height"]) == (1280, 720) == (kinds["proxy"]["width"], kinds["proxy"]["height"])
    assert any(s["codec_type"] == "audio" and s["codec_name"] == "aac" for s in info["streams"])
    assert float(info["format"]["duration"]) == pytest.approx(10.0, abs=0.1)
    assert faststart(proxy), "proxy must have its moov box first (+faststart)"
    keys = keyframe_times(proxy)
    assert max(b - a for a, b in zip(keys, keys[1:], strict=False)) <= 2.0 + 1e-3

    poster = fetch(srv, kinds["poster"]["url"], tmp / f"{asset_id}.jpg")
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff"
    assert mean_luma(poster) > 40, "poster is (nearly) black"
    return rec


def test_health_needs_no_token_but_assets_do(embedded):
    health = httpx.get(f"{embedded.url}/api/v1/health").json()
    assert health["status"] == "ok"
    assert all(health[k]["ok"] for k in ("catalog", "storage", "broker"))
    assert httpx.get(f"{embedded.url}/api/v1/assets").status_code == 401
    bad = httpx.get(f"{embedded.url}/api/v1/assets", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert embedded.client().get("/api/v1/assets").status_code == 200
    assert httpx.get(f"{embedded.url}/openapi.json").json()["paths"]["/api/v1/assets"]


def test_admin_token_is_stored_privately(embedded):
    token_file = embedded.data_dir / "admin-token"
    assert token_file.stat().st_mode & 0o077 == 0
    assert embedded.token in embedded.log.read_text()


def test_clip_becomes_ready_with_proxy_and_poster(embedded, clip_1080, tmp_path):
    asset_id = upload(embedded, clip_1080, "京雄铁路 航拍.mp4", title="Test clip", project="demo", tags="a,b")
    rec = assert_clip_ready(embedded, asset_id, clip_1080, tmp_path)
    assert rec["original_filename"] == "京雄铁路 航拍.mp4"
    assert rec["project"] == "demo"
    assert [t["name"] for t in rec["tags"] if t["source"] == "user"] == ["a", "b"]
    original = embedded.client().get(f"/api/v1/assets/{asset_id}/original")
    assert hashlib.sha256(original.content).hexdigest() == rec["sha256"]
    stored = list((embedded.data_dir / "objects" / "originals" / asset_id).iterdir())
    assert [p.name for p in stored] == ["source.mp4"], "object keys are server-made"
    listing = embedded.client().get("/api/v1/assets").json()
    assert listing["items"][0]["id"] == asset_id


def test_broken_files_fail_with_a_reason_and_the_next_upload_works(embedded, tmp_path, corpus):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 20)
    truncated = corpus / "vstinner__hachoir/tests/files/pentax_320x240.mov"
    half = tmp_path / "half.mp4"
    half.write_bytes((corpus / "sbraz__pymediainfo/tests/data/sample.mp4").read_bytes()[:150_000])
    refused = {}
    for p in (empty, text):  # refused at the door, like any upload session: nothing enters the catalog
        with open(p, "rb") as fh:
            refused[p.name] = embedded.client().post("/api/v1/assets", files={"file": (p.name, fh)})
    assert refused["empty.mp4"].status_code == 422 and "empty" in refused["empty.mp4"].json()["detail"]
    assert refused["notes.mp4"].status_code == 415
    assert refused["notes.mp4"].json()["detail"].startswith("not a media file")
    before = embedded.client().get("/api/v1/assets").json()["total"]
    cases = {upload(embedded, p): p.name for p in (truncated, half)}
    assert embedded.client().get("/api/v1/assets").json()["total"] == before + 2
    good = upload(embedded, make_clip(tmp_path / "good.mp4", seconds=3, size="640x360"), "after-the-bad-ones.mp4")
    for asset_id, name in cases.items():
        rec = embedded.wait_for(asset_id)
        assert rec["status"] == "failed", f"{name} should fail"
        assert rec["error"] and len(rec["error"]) > 10, name
        assert "Traceback" not in rec["error"]
        assert rec["renditions"] == []
    assert embedded.wait_for(good)["status"] == "ready"
    assert httpx.get(f"{embedded.url}/api/v1/health").json()["status"] == "ok"


def test_cli_ingest_waits_and_prints_json(embedded, tmp_path):
    clip = make_clip(tmp_path / "cli.mp4", seconds=4, size="1280x720")
    env = {**embedded.env, "MAM_API_URL": embedded.url, "MAM_CLI_STATE_DIR": str(tmp_path / "state")}
    res = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(clip), "--project", "cli",
                          "--tag", "drone", "--wait", "--json"], env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    records = json.loads(res.stdout)
    assert len(records) == 1 and records[0]["status"] == "ready"
    assert records[0]["project"] == "cli" and records[0]["tags"][0] == {"name": "drone", "source": "user"}
    show = subprocess.run([sys.executable, "-m", "cli.main", "assets", "show", records[0]["id"], "--json"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(show.stdout)["id"] == records[0]["id"]


def test_rotated_phone_clip_gets_an_upright_proxy(embedded, corpus, tmp_path):
    src = corpus / "drewnoakes__metadata-extractor-images/mp4/ftyp3gp5.mp4"  # 1280x720, rotation -90
    rec = embedded.wait_for(upload(embedded, src))
    assert rec["status"] == "ready", rec["error"]
    assert rec["technical"]["rotation"] == 90
    proxy = fetch(embedded, next(r["url"] for r in rec["renditions"] if r["kind"] == "proxy"),
                  tmp_path / "rot.mp4")
    v = video_stream(probe(proxy))
    assert (v["width"], v["height"]) == (720, 1280)
    assert not any("rotation" in sd for sd in v.get("side_data_list", []))


def test_distributed_shape_s3_postgres(distributed, clip_1080, tmp_path):
    asset_id = upload(distributed, clip_1080)
    rec = assert_clip_ready(distributed, asset_id, clip_1080, tmp_path)
    for r in rec["renditions"]:
        if r["name"].endswith(".vtt"):  # served by the API, its sprite links presigned by the store
            assert "sig=" in r["url"]
            vtt = httpx.get(r["url"])
            assert vtt.status_code == 200, vtt.text
            links = [line.split("#xywh=")[0] for line in vtt.text.splitlines() if "#xywh=" in line]
            assert links and all("X-Amz-Signature=" in u for u in links)
            assert httpx.get(links[0]).content[:3] == b"\xff\xd8\xff"
        else:
            assert "X-Amz-Signature=" in r["url"] and "X-Amz-Expires=" in r["url"]
    assert "X-Amz-Signature=" in rec["original_url"]
    assert httpx.get(rec["original_url"]).content == clip_1080.read_bytes()
    health = httpx.get(f"{distributed.url}/api/v1/health").json()
    assert health["status"] == "ok"


def test_doctor_reports_every_part(embedded):
    env = {**embedded.env, "MAM_API_URL": embedded.url}  # the embedded broker is found through the data dir
    res = subprocess.run([sys.executable, "-m", "cli.main", "doctor"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    for name in ("ffmpeg", "ffprobe", "catalog", "storage", "broker", "api"):
        assert f"ok  {name}:" in res.stdout, res.stdout
    assert "ffmpeg version" in res.stdout

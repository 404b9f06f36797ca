"""Resumable upload sessions end to end: parts, resume, dedup, sidecars, hostile input, both stores."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import httpx
import pytest

from tests.conftest import need_ffmpeg
from tests.support.media import DJI_SRT as SRT
from tests.support.media import make_clip
from tests.support.serve import RunningServer, send_parts, start_server

pytestmark = pytest.mark.e2e
def md5_of(body: bytes) -> dict[str, str]:
    """The Content-MD5 header every part must carry."""
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


LRF_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"  # a DJI low-res file is an MP4
MiB = 1024 * 1024


SERVER_ENV = {"MAM_UPLOAD_PART_MB": "5"}


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    need_ffmpeg()
    s = start_server(tmp_path_factory.mktemp("strict") / "var", {
        "MAM_UPLOAD_TTL_S": "2", "MAM_UPLOAD_SWEEP_INTERVAL_S": "1", "MAM_MAX_UPLOAD_BYTES": str(50 * MiB),
        "MAM_WORKERS": "0"})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def s3srv(tmp_path_factory, s3_endpoint):
    need_ffmpeg()
    boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket="mam-uploads")
    s = start_server(tmp_path_factory.mktemp("s3uploads") / "var", {
        "MAM_STORAGE_URL": "s3://mam-uploads", "MAM_S3_ENDPOINT_URL": s3_endpoint, "MAM_S3_ACCESS_KEY_ID": "test",
        "MAM_S3_SECRET_ACCESS_KEY": "test", "MAM_UPLOAD_PART_MB": "5"})
    yield s
    s.stop()


def clip(tmp: Path, name: str, size: str = "1920x1080", seconds: float = 10, pad_mib: int = 0) -> Path:
    unique = ["-metadata", f"comment={uuid.uuid4().hex}"]  # lavfi output is deterministic: keep clips distinct
    path = make_clip(tmp / name, seconds=seconds, size=size, extra=unique)
    if pad_mib:  # trailing bytes after the last box: still the same playable clip, but bigger
        with open(path, "ab") as fh:
            fh.write(os.urandom(pad_mib * MiB))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def total_assets(s: RunningServer) -> int:
    return s.client().get("/api/v1/assets").json()["total"]


def test_session_with_sidecars_out_of_order_parts(srv, tmp_path):
    src = clip(tmp_path, "DJI_0001.MP4")
    srt = tmp_path / "DJI_0001.SRT"
    srt.write_text(SRT)
    lrf = tmp_path / "DJI_0001.LRF"
    lrf.write_bytes(LRF_HEAD + os.urandom(300_000))
    c = srv.client()
    r = c.post("/api/v1/uploads", json={"filename": src.name, "size_bytes": src.stat().st_size, "project": "p1",
                                        "sidecars": [{"filename": srt.name, "size_bytes": srt.stat().st_size},
                                                     {"filename": lrf.name, "size_bytes": lrf.stat().st_size}]})
    assert r.status_code == 201, r.text
    sess = r.json()
    assert sess["part_size"] == 5 * MiB and sess["part_count"] == -(-src.stat().st_size // (5 * MiB)) >= 2
    assert len(sess["parts"]) == sess["part_count"] and sess["received"] == []
    send_parts(srv, sess, src, order=lambda ps: list(reversed(ps)))
    for sc, f in zip(sess["sidecars"], (srt, lrf), strict=True):
        assert c.put(sc["url"], content=f.read_bytes()).status_code == 204
    again = c.get(f"/api/v1/uploads/{sess['upload_id']}").json()
    assert again["parts"] == []
    assert [p["part_number"] for p in again["received"]] == list(range(1, sess["part_count"] + 1))
    assert all(p["receipts"] == 1 for p in again["received"]) and all(sc["received"] for sc in again["sidecars"])
    done = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete", json={"sha256": sha(src)})
    assert done.status_code == 200, done.text
    rec = srv.wait_for(done.json()["asset_id"])
    assert rec["status"] == "ready", rec["error"]
    assert rec["sha256"] == sha(src) and rec["size_bytes"] == src.stat().st_size and rec["project"] == "p1"
    kinds = {s["filename"]: s for s in rec["sidecars"]}
    assert kinds[srt.name]["kind"] == "srt" and kinds[lrf.name]["kind"] == "lrf"
    assert c.get(kinds[srt.name]["url"]).content == srt.read_bytes()
    assert c.get(rec["original_url"]).content == src.read_bytes()
    assert c.get(f"/api/v1/uploads/{sess['upload_id']}").status_code == 410
    assert not any((srv.data_dir / "objects" / ".multipart").iterdir())


def test_duplicates_are_not_stored_twice(srv, tmp_path):
    src = clip(tmp_path, "dup.mp4", size="640x360", seconds=3)
    c = srv.client()
    with open(src, "rb") as fh:
        first = c.post("/api/v1/assets", files={"file": ("dup.mp4", fh)})
    assert first.status_code == 201
    original = first.json()["id"]
    before = total_assets(srv)
    r = c.post("/api/v1/uploads", json={"filename": "copy.mp4", "size_bytes": src.stat().st_size, "sha256": sha(src)})
    assert r.status_code == 200 and r.json()["duplicate_of"] == original
    with open(src, "rb") as fh:
        again = c.post("/api/v1/assets", files={"file": ("again.mp4", fh)})
    assert again.status_code == 200 and again.json()["duplicate_of"] == original
    sess = c.post("/api/v1/uploads", json={"filename": "undeclared.mp4", "size_bytes": src.stat().st_size}).json()
    send_parts(srv, sess, src)
    done = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete").json()
    assert done == {"asset_id": original, "duplicate_of": original, "duplicate_in_trash": False}
    assert total_assets(srv) == before
    originals = srv.data_dir / "objects" / "originals"
    assert sorted(p.name for p in originals.iterdir()).count(original) == 1
    assert len(list(originals.rglob("source.*"))) == before


def test_bad_parts_and_sessions_get_clear_4xx(srv, tmp_path):
    src = clip(tmp_path, "parts.mp4", size="640x360", seconds=2, pad_mib=11)
    data = src.read_bytes()
    c = srv.client()
    before = total_assets(srv)
    sess = c.post("/api/v1/uploads", json={"filename": "parts.mp4", "size_bytes": len(data)}).json()
    url = {p["part_number"]: p["url"] for p in sess["parts"]}
    assert sess["part_count"] == 3
    cases = [
        (url[1], data[: MiB], {}, 422, "exactly"),
        (url[1], data[: 6 * MiB], {}, 422, "exactly"),
        (url[1].replace("/parts/1", "/parts/0"), data[:10], {}, 422, "out of range"),
        (url[1].replace("/parts/1", "/parts/4"), data[:10], {}, 422, "out of range"),
        (url[1], data[: 5 * MiB], {"X-Part-SHA256": "0" * 64}, 422, "checksum"),
        (url[1], data[: 5 * MiB], {"Content-MD5": base64.b64encode(b"x" * 16).decode()}, 422, "checksum"),
        (url[1], data[: 5 * MiB], {}, 428, "without a checksum"),
    ]
    for u, body, headers, code, words in cases:
        r = c.put(u, content=body, headers=headers)
        assert r.status_code == code and words in r.json()["detail"], (u, r.text)
    assert c.put(url[1], content=data[: 5 * MiB], headers=md5_of(data[: 5 * MiB])).status_code == 200
    r = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete")
    assert r.status_code == 409 and "missing: 2, 3" in r.json()["detail"]
    send_parts(srv, c.get(f"/api/v1/uploads/{sess['upload_id']}").json(), src)
    r = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete", json={"sha256": "a" * 64})
    assert r.status_code == 422 and "sha256 mismatch" in r.json()["detail"]
    assert c.get(f"/api/v1/uploads/{sess['upload_id']}").status_code == 410
    assert total_assets(srv) == before
    # aborted sessions free their parts and refuse more
    sess = c.post("/api/v1/uploads", json={"filename": "gone.mp4", "size_bytes": len(data)}).json()
    assert c.put(sess["parts"][0]["url"], content=data[: 5 * MiB], headers=md5_of(data[: 5 * MiB])).status_code == 200
    assert c.delete(f"/api/v1/uploads/{sess['upload_id']}").status_code == 204
    r = c.put(sess["parts"][1]["url"], content=data[5 * MiB: 10 * MiB], headers=md5_of(data[5 * MiB: 10 * MiB]))
    assert r.status_code == 410 and "aborted" in r.json()["detail"]
    assert c.post(f"/api/v1/uploads/{sess['upload_id']}/complete").status_code == 410
    assert not any((srv.data_dir / "objects" / ".multipart").iterdir())
    assert c.get("/api/v1/uploads/nope").status_code == 404


@pytest.mark.parametrize("name,reason", [
    ("../../x.mp4", "plain name"), ("/abs/clip.mp4", "plain name"), ("a\x00b.mp4", "NUL"),
    ("x" * 1021 + ".mp4", "1025 bytes"), ("..", "'..'"), ("", "empty"), ("tab\there.mp4", "control"),
])
def test_hostile_names_are_refused(srv, name, reason):
    c = srv.client()
    r = c.post("/api/v1/uploads", json={"filename": name, "size_bytes": 100})
    assert r.status_code == 422 and reason in r.text, r.text
    if name and "\x00" not in name and "\t" not in name:  # multipart clients escape control characters
        r = c.post("/api/v1/assets", files={"file": (name, b"data")})
        assert r.status_code == 422, r.text


def test_chinese_and_emoji_names_are_kept(srv, tmp_path):
    src = clip(tmp_path, "x.mp4", size="320x240", seconds=2)
    name = "京雄铁路 航拍 🚁 第3期.mp4"
    c = srv.client()
    sess = c.post("/api/v1/uploads", json={"filename": name, "size_bytes": src.stat().st_size}).json()
    send_parts(srv, sess, src)
    rec = srv.wait_for(c.post(f"/api/v1/uploads/{sess['upload_id']}/complete").json()["asset_id"])
    assert rec["original_filename"] == name
    disposition = c.get(rec["original_url"]).headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition


def test_text_pretending_to_be_video_is_refused(srv):
    c = srv.client()
    before = total_assets(srv)
    body = b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n" * 10
    sess = c.post("/api/v1/uploads", json={"filename": "evil.mp4", "size_bytes": len(body)}).json()
    assert c.put(sess["parts"][0]["url"], content=body, headers=md5_of(body)).status_code == 200
    r = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete")
    assert r.status_code == 415 and "not a media file" in r.json()["detail"]
    assert total_assets(srv) == before


def test_size_limit_and_expiry(strict):
    c = strict.client()
    r = c.post("/api/v1/uploads", json={"filename": "big.mp4", "size_bytes": 51 * MiB})
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    r = c.post("/api/v1/uploads", json={"filename": "huge.mp4", "size_bytes": 6 * 1024**4})
    assert r.status_code == 413
    sess = c.post("/api/v1/uploads", json={"filename": "slow.mp4", "size_bytes": 10}).json()
    folder = strict.data_dir / "objects" / ".multipart"
    assert any(folder.iterdir())
    time.sleep(3.5)
    r = c.put(sess["parts"][0]["url"], content=b"0123456789", headers=md5_of(b"0123456789"))
    assert r.status_code == 410 and "expired" in r.json()["detail"]
    deadline = time.monotonic() + 10
    while any(folder.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not any(folder.iterdir()), "the sweeper frees expired sessions"


def send_direct(s: RunningServer, sess: dict, path: Path, raw: httpx.Client) -> None:
    """Each part straight to the store, through a URL signed for its Content-MD5."""
    data = path.read_bytes()
    for p in sess["parts"]:
        n = p["part_number"]
        body = data[(n - 1) * sess["part_size"]: n * sess["part_size"]]
        signed = s.client().post(p["presign"], json={"content_md5": md5_of(body)["Content-MD5"]})
        assert signed.status_code == 200, signed.text
        url = signed.json()["url"]
        assert "X-Amz-Signature=" in url and "content-md5" in url.lower() and not url.startswith(s.url)
        r = raw.put(url, content=body, headers=signed.json()["headers"])
        assert r.status_code == 200, r.text


def test_s3_parts_go_straight_to_the_store(s3srv, tmp_path):
    src = clip(tmp_path, "s3.mp4", size="1280x720", seconds=4, pad_mib=6)
    srt = tmp_path / "s3.srt"
    srt.write_text(SRT)
    c = s3srv.client()
    side = [{"filename": srt.name, "size_bytes": srt.stat().st_size}]
    sess = c.post("/api/v1/uploads", json={"filename": src.name, "size_bytes": src.stat().st_size,
                                           "sidecars": side}).json()
    assert sess["part_count"] >= 2
    assert all(p["presign"] for p in sess["parts"]), "on S3 every part can go straight to the store"
    for sc in sess["sidecars"]:
        assert "X-Amz-Signature=" in sc["url"] and not sc["url"].startswith(s3srv.url)
    raw = httpx.Client(timeout=60)
    first = {**sess, "parts": sess["parts"][:1]}
    send_direct(s3srv, first, src, raw)  # each URL is signed for content-md5: S3 refuses the part without it
    resumed = c.get(f"/api/v1/uploads/{sess['upload_id']}").json()
    assert [p["part_number"] for p in resumed["received"]] == [1]
    assert [p["part_number"] for p in resumed["parts"]] == list(range(2, sess["part_count"] + 1))
    send_direct(s3srv, resumed, src, raw)
    assert raw.put(sess["sidecars"][0]["url"], content=srt.read_bytes()).status_code == 200
    done = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete", json={"sha256": sha(src)})
    assert done.status_code == 200, done.text
    rec = s3srv.wait_for(done.json()["asset_id"])
    assert rec["status"] == "ready", rec["error"]
    assert raw.get(rec["sidecars"][0]["url"]).content == srt.read_bytes()
    assert raw.get(rec["original_url"]).content == src.read_bytes()


def test_s3_a_part_changed_on_the_way_never_becomes_an_asset(s3srv, tmp_path):
    """(The S3 test server does not check Content-MD5 itself, as S3 and MinIO do; the completion's re-hash
    catches the changed bytes all the same.)"""
    src = clip(tmp_path, "s3flip.mp4", size="320x240", seconds=2)
    c = s3srv.client()
    sess = c.post("/api/v1/uploads", json={"filename": src.name, "size_bytes": src.stat().st_size}).json()
    body = src.read_bytes()
    signed = c.post(sess["parts"][0]["presign"], json={"content_md5": md5_of(body)["Content-MD5"]}).json()
    httpx.put(signed["url"], content=bytes([body[0] ^ 1]) + body[1:], headers=signed["headers"], timeout=60)
    done = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete", json={"sha256": sha(src)})
    assert done.status_code == 422 and "sha256 mismatch" in done.json()["detail"]


def test_s3_a_part_through_the_api_needs_its_checksum_too(s3srv, tmp_path):
    src = clip(tmp_path, "s3api.mp4", size="320x240", seconds=2)
    c = s3srv.client()
    sess = c.post("/api/v1/uploads", json={"filename": src.name, "size_bytes": src.stat().st_size}).json()
    assert c.put(sess["parts"][0]["url"], content=src.read_bytes()).status_code == 428
    send_parts(s3srv, sess, src)
    done = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete")
    assert done.status_code == 200 and s3srv.wait_for(done.json()["asset_id"])["status"] == "ready"


def cli(s: RunningServer, tmp: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**s.env, "MAM_API_URL": s.url, "MAM_CLI_STATE_DIR": str(tmp / "state")}
    return subprocess.Popen([sys.executable, "-m", "cli.main", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_cli_resumes_after_being_killed(srv, tmp_path):
    src = clip(tmp_path, "resume.mp4", size="640x360", seconds=2, pad_mib=60)
    journal = tmp_path / "state" / "uploads.json"
    proc = cli(srv, tmp_path, "ingest", str(src), "--parallel", "2", "--max-rate", "6M")
    deadline = time.monotonic() + 60
    upload_id = None
    while time.monotonic() < deadline:
        if journal.exists():
            entries = [v for v in json.loads(journal.read_text()).values() if v.get("upload_id")]
            if entries:
                upload_id = entries[0]["upload_id"]
                got = srv.client().get(f"/api/v1/uploads/{upload_id}").json()
                if len(got["received"]) >= 3:
                    break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert upload_id, "the CLI never journaled its session"
    state = srv.client().get(f"/api/v1/uploads/{upload_id}").json()
    assert 3 <= len(state["received"]) < state["part_count"]
    again = cli(srv, tmp_path, "ingest", str(src), "--json")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    result = json.loads(out)
    assert result[0]["upload"] == "uploaded" and result[0]["sha256"] == sha(src)
    db = sqlite3.connect(srv.data_dir / "catalog.sqlite3")
    receipts = [r[0] for r in db.execute("SELECT receipts FROM upload_parts WHERE session_id = ?", (upload_id,))]
    assert len(receipts) == state["part_count"] and set(receipts) == {1}, "every part was received exactly once"


def test_card_layout_groups_sidecars_and_skips_duplicates(srv, tmp_path):
    card = tmp_path / "card" / "DCIM" / "100MEDIA"
    card.mkdir(parents=True)
    clip(card, "DJI_0001.MP4", size="640x360", seconds=2)
    (card / "DJI_0001.SRT").write_text(SRT)
    (card / "DJI_0001.LRF").write_bytes(LRF_HEAD + os.urandom(1000))
    clip(card, "DJI_0002.MOV", size="480x270", seconds=2)
    (card / "DJI_0002.srt").write_text(SRT)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=800x600",
                    "-frames:v", "1", str(card / "IMG_0003.JPG")], check=True)
    (card / "DJI_0009.SRT").write_text(SRT)
    (tmp_path / "card" / "notes.txt").write_text("shot list")
    run = cli(srv, tmp_path, "ingest", str(tmp_path / "card"), "--json", "--project", "card", "--wait")
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    result = {Path(r["source_path"]).name: r for r in json.loads(out)}
    assert set(result) == {"DJI_0001.MP4", "DJI_0002.MOV", "IMG_0003.JPG"}
    assert sorted(s["filename"] for s in result["DJI_0001.MP4"]["sidecars"]) == ["DJI_0001.LRF", "DJI_0001.SRT"]
    assert [s["filename"] for s in result["DJI_0002.MOV"]["sidecars"]] == ["DJI_0002.srt"]
    assert result["IMG_0003.JPG"]["sidecars"] == [] and result["IMG_0003.JPG"]["kind"] == "image"
    assert all(r["status"] == "ready" for r in result.values())
    assert "ignored" in err and "DJI_0009.SRT" in err and "notes.txt" in err
    rerun = cli(srv, tmp_path, "ingest", str(tmp_path / "card"), "--json")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert {r["upload"] for r in json.loads(out)} == {"duplicate"}
    assert "duplicates skipped 3" in err


def test_watch_folder_ingests_settled_files_once(srv, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    before = total_assets(srv)
    watcher = cli(srv, tmp_path, "watch", str(inbox), "--settle", "1", "--interval", "0.5", "--project", "watch")
    try:
        src = clip(tmp_path, "w.mp4", size="320x240", seconds=2)
        (inbox / "DJI_0100.SRT").write_text(SRT)
        os.replace(src, inbox / "DJI_0100.MP4")
        deadline = time.monotonic() + 60
        while total_assets(srv) == before and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        watcher.terminate()
        watcher.communicate(timeout=30)
    assert total_assets(srv) == before + 1
    newest = srv.client().get("/api/v1/assets").json()["items"][0]
    assert newest["original_filename"] == "DJI_0100.MP4" and newest["project"] == "watch"
    assert [s["filename"] for s in newest["sidecars"]] == ["DJI_0100.SRT"]
    again = cli(srv, tmp_path, "watch", str(inbox), "--settle", "0", "--once")
    again.communicate(timeout=60)
    assert again.returncode == 0 and total_assets(srv) == before + 1

"""Card and watch folders stay inside the folder (hardening row 9): `mam ingest` and `mam watch` never follow a
link out of it, leave out sidecars that are not what their extension says, and list every skipped path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support.media import make_clip
from tests.support.serve import RunningServer

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(os.name == "nt", reason="POSIX symbolic links")]
SECRET = b"root:x:0:0:root:/root:/bin/bash\nsecret-token-5c1e9\n"
SRT = """1
00:00:00,000 --> 00:00:00,033
[iso: 100] [latitude: 39.0501] [longitude: 115.9802] [rel_alt: 120.5 abs_alt: 150.2]

"""
LRF = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + os.urandom(4000)


def _cli(s: RunningServer, tmp: Path, *args: str) -> subprocess.Popen:
    env = {**s.env, "MAM_API_URL": s.url, "MAM_CLI_STATE_DIR": str(tmp / "state")}
    return subprocess.Popen([sys.executable, "-m", "cli.main", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _clip(folder: Path, name: str) -> Path:
    return make_clip(folder / name, seconds=2, size="320x240", extra=["-metadata", f"comment={uuid.uuid4().hex}"])


def _stored_bytes(s: RunningServer) -> bytes:
    return b"".join(p.read_bytes() for p in (s.data_dir / "objects").rglob("*") if p.is_file())


def _total(s: RunningServer) -> int:
    return s.client().get("/api/v1/assets").json()["total"]


def test_ingest_skips_links_and_false_sidecars(srv, tmp_path):
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    card = tmp_path / "card"
    media = card / "DCIM" / "100MEDIA"
    media.mkdir(parents=True)
    _clip(media, "DJI_0001.MP4")
    os.symlink(secret, media / "DJI_0001.SRT")  # a "sidecar" that is /etc/passwd
    _clip(media, "DJI_0002.MP4")
    (media / "DJI_0002.SRT").write_bytes(SECRET)  # passwd-like text in an .SRT: no cue structure
    (media / "DJI_0002.LRF").write_bytes(LRF)
    (media / "DJI_0003.MP4").symlink_to(secret)
    (card / "root").symlink_to("/")  # a directory link out of the card
    run = _cli(srv, tmp_path, "ingest", str(card), "--json", "--wait")
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    result = json.loads(out)
    assets = {Path(r["source_path"]).name: r for r in result if r["upload"] != "skipped"}
    skipped = {Path(r["source_path"]).name: r for r in result if r["upload"] == "skipped"}
    assert set(assets) == {"DJI_0001.MP4", "DJI_0002.MP4"}
    assert all(r["status"] == "ready" for r in assets.values())
    assert assets["DJI_0001.MP4"]["sidecars"] == []
    assert [s["filename"] for s in assets["DJI_0002.MP4"]["sidecars"]] == ["DJI_0002.LRF"]
    assert set(skipped) == {"DJI_0001.SRT", "DJI_0002.SRT", "DJI_0003.MP4", "root"}
    assert {k: v["skip"] for k, v in skipped.items()} == {
        "DJI_0001.SRT": "symbolic link", "DJI_0003.MP4": "symbolic link", "root": "symbolic link",
        "DJI_0002.SRT": "sidecar content"}
    assert str(secret) in skipped["DJI_0001.SRT"]["reason"] and "no SubRip cue" in skipped["DJI_0002.SRT"]["reason"]
    assert "skipped 4 (sidecar content 1, symbolic link 3)" in err
    for name in skipped:
        assert name in err
    assert b"secret-token-5c1e9" not in _stored_bytes(srv)


def test_watch_never_follows_a_link(srv, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_bytes(SECRET)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    before = _total(srv)
    watcher = _cli(srv, tmp_path, "watch", str(inbox), "--settle", "0.5", "--interval", "0.3")
    try:
        src = _clip(tmp_path, "w.mp4")
        os.symlink(secret, inbox / "DJI_0100.SRT")
        os.symlink("/", inbox / "everything")
        os.replace(src, inbox / "DJI_0100.MP4")
        deadline = time.monotonic() + 60
        while _total(srv) == before and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(1.0)  # a few more scans: each skipped path is still reported once
    finally:
        watcher.terminate()
        _, err = watcher.communicate(timeout=30)
    assert _total(srv) == before + 1
    newest = srv.client().get("/api/v1/assets").json()["items"][0]
    assert newest["original_filename"] == "DJI_0100.MP4" and newest["sidecars"] == []
    assert err.count("DJI_0100.SRT") == 1 and err.count("everything") == 1, err
    assert "never followed" in err
    assert b"secret-token-5c1e9" not in _stored_bytes(srv)

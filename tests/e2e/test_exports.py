"""Exports through the running product: real workers on the export queue, real ffmpeg, outputs probed and
measured independently, cancel mid-encode, the CLI, and a bad preset that stops `mam serve`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.media import make_clip, probe
from tests.support.serve import RunningServer, start_server

pytestmark = pytest.mark.e2e
ENDED = ("ready", "failed", "failed_qc", "cancelled")


def upload(srv: RunningServer, path: Path) -> str:
    with open(path, "rb") as fh:
        resp = srv.client().post("/api/v1/assets", files={"file": (path.name, fh)})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def wait_export(srv: RunningServer, export_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        e = srv.client().get(f"/api/v1/exports/{export_id}").json()
        if e["status"] in ENDED:
            return e
        time.sleep(0.5)
    raise AssertionError(f"export {export_id} did not end:\n{srv.logs()[-3000:]}")


def ffmpegs_under(folder: Path) -> list[str]:
    """ffmpeg processes whose command line names ``folder``."""
    found = []
    for pid in subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True).stdout.split():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "ffmpeg":
                found.append(pid)
        except OSError:
            pass
    return found


def integrated_lufs(path: Path) -> float:
    res = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(path), "-af", "ebur128", "-f", "null",
                          "-"], capture_output=True, text=True, check=True)
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", res.stderr)[-1])


@pytest.fixture(scope="module")
def clip_asset(srv, tmp_path_factory) -> str:
    src = make_clip(tmp_path_factory.mktemp("exp") / "news.mp4", seconds=8, size="1280x720")
    aid = upload(srv, src)
    assert srv.wait_for(aid)["status"] == "ready"
    return aid


def test_presets_requested_together_are_made_checked_and_served(srv, clip_asset, tmp_path):
    c = srv.client()
    r = c.post("/api/v1/exports", json={"asset_ids": [clip_asset], "presets": ["web-mp4", "app-hls", "radio-wav"],
                                        "start_s": 1, "end_s": 5})
    assert r.status_code == 202, r.text
    done = {x["preset"]: wait_export(srv, x["id"]) for x in r.json()["exports"]}
    assert {p: e["status"] for p, e in done.items()} == {p: "ready" for p in done}, \
        {p: (e["error"], e["qc"]) for p, e in done.items()}
    assert all(e["qc"]["passed"] and e["qc"]["checks"] for e in done.values())
    mp4 = next(o for o in done["web-mp4"]["outputs"] if o["main"])
    path = tmp_path / "web.mp4"
    path.write_bytes(c.get(mp4["url"]).content)
    info = probe(path)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert video["codec_name"] == "h264" and float(info["format"]["duration"]) == pytest.approx(4.0, abs=0.1)
    wav = next(o for o in done["radio-wav"]["outputs"] if o["main"])
    wav_path = tmp_path / "radio.wav"
    wav_path.write_bytes(c.get(wav["url"]).content)
    audio = probe(wav_path)["streams"][0]
    assert audio["codec_name"] == "pcm_s24le" and audio["sample_rate"] == "48000"
    assert integrated_lufs(wav_path) == pytest.approx(-24.0, abs=1.0)
    master = next(o for o in done["app-hls"]["outputs"] if o["main"])
    assert master["name"].endswith(".m3u8")
    text = c.get(master["url"]).text
    assert "#EXT-X-STREAM-INF" in text and "BANDWIDTH=" in text and "RESOLUTION=" in text
    names = {o["name"] for o in done["app-hls"]["outputs"]}
    player = httpx.Client(timeout=30)  # no token: a player follows the playlists' own links
    variants = [ln for ln in player.get(master["url"]).text.splitlines() if ln and not ln.startswith("#")]
    assert variants
    for link in variants:
        name = link.split("/outputs/", 1)[1].split("?", 1)[0]
        assert name in names and "sig=" in link, f"the master playlist names {link}, which the export serves"
    media = player.get(variants[0])
    assert media.status_code == 200 and "#EXTINF" in media.text
    segment = next(ln for ln in media.text.splitlines() if ln and not ln.startswith("#"))
    assert player.get(segment).status_code == 200
    listed = c.get(f"/api/v1/assets/{clip_asset}").json()["exports"]
    assert {e["preset"] for e in listed} >= {"web-mp4", "app-hls", "radio-wav"}


def test_cancel_mid_encode_stops_ffmpeg_and_keeps_nothing(srv, tmp_path):
    src = make_clip(tmp_path / "long.mp4", seconds=40, size="1280x720")
    aid = upload(srv, src)
    assert srv.wait_for(aid)["status"] == "ready"
    c = srv.client()
    [ref] = c.post("/api/v1/exports", json={"asset_ids": [aid], "presets": ["broadcast-hd"]}).json()["exports"]
    deadline = time.monotonic() + 120
    while c.get(f"/api/v1/exports/{ref['id']}").json()["progress"] <= 0.02:
        assert time.monotonic() < deadline, "the export never started"
        time.sleep(0.3)
    r = c.delete(f"/api/v1/exports/{ref['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    time.sleep(3)
    assert ffmpegs_under(srv.data_dir / "work") == [], "the export's ffmpeg was stopped"
    e = c.get(f"/api/v1/exports/{ref['id']}").json()
    assert e["status"] == "cancelled" and e["outputs"] == []
    assert not list((srv.data_dir / "objects" / "exports").glob(f"{ref['id']}/*"))


def test_cli_exports_with_a_qc_table_and_downloads(srv, clip_asset, tmp_path):
    env = {**srv.env, "MAM_API_URL": srv.url}
    res = subprocess.run([sys.executable, "-m", "cli.main", "export", clip_asset, "--preset", "douyin-9x16",
                          "--preset", "print-still", "--start", "2", "-o", str(tmp_path / "out"), "--json"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    records = json.loads(res.stdout)
    assert {r["preset"]: r["status"] for r in records} == {"douyin-9x16": "ready", "print-still": "ready"}
    vertical = next((tmp_path / "out" / clip_asset / "douyin-9x16").glob("*.mp4"))
    v = next(s for s in probe(vertical)["streams"] if s["codec_type"] == "video")
    assert (v["width"], v["height"]) == (1080, 1920)
    still = next((tmp_path / "out" / clip_asset / "print-still").iterdir())
    s = probe(still)["streams"][0]
    assert (s["width"], s["height"]) == (1280, 720), "a print still has the source's full resolution"
    report = subprocess.run([sys.executable, "-m", "cli.main", "presets"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert "broadcast-hd" in report.stdout


def test_a_bad_preset_stops_serve_with_the_file_and_the_field(tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "web-mp4.yaml").write_text("name: web-mp4\ntitle: Web\nkind: video\ncontainer: mp4\n"
                                          "source: test\nconfidence: sure-ish\n")
    with pytest.raises(RuntimeError) as failed:
        start_server(tmp_path / "var", {"MAM_PRESETS_DIR": str(presets)}, timeout=30)
    assert "web-mp4.yaml" in str(failed.value) and "confidence" in str(failed.value)

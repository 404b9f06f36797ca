"""The media pass through the whole system: shots, QC, loudness, sprites + WebVTT, waveform in the API."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.support.media import ffmpeg, probe

pytestmark = pytest.mark.e2e
S = "s=640x360:r=25"


def test_shots_qc_loudness_sprites_and_waveform(srv, tmp_path):
    src = tmp_path / "cuts.mp4"
    graph = (f"testsrc2={S}:d=3,format=yuv420p,setsar=1[v0];smptebars={S}:d=3,format=yuv420p,setsar=1[v1];"
             f"color=c=black:{S}:d=2,format=yuv420p,setsar=1[v2];testsrc={S}:d=3,format=yuv420p,setsar=1[v3];"
             "[v0][v1][v2][v3]concat=n=4:v=1:a=0[v];"
             "sine=f=1000:r=48000:d=4[a0];anullsrc=r=48000:cl=mono,atrim=duration=2[a1];sine=f=440:r=48000:d=5[a2];"
             "[a0][a1][a2]concat=n=3:v=0:a=1[a]")
    ffmpeg("-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-c:a", "aac", str(src))
    c = srv.client()
    with open(src, "rb") as fh:
        asset_id = c.post("/api/v1/assets", files={"file": ("cuts.mp4", fh)}).json()["id"]
    rec = srv.wait_for(asset_id)
    assert rec["status"] == "ready", rec["error"]
    starts = [s["start_s"] for s in rec["shots"]]
    assert len(starts) == 4 and all(abs(a - b) <= 0.2 for a, b in zip(starts, [0, 3, 6, 8], strict=True)), starts
    assert all(s["thumbnail_url"] for s in rec["shots"])
    assert c.get(rec["shots"][1]["thumbnail_url"]).content[:3] == b"\xff\xd8\xff"
    (black,) = rec["qc"]["black"]
    assert abs(black["start_s"] - 6) <= 0.2 and abs(black["end_s"] - 8) <= 0.2
    (silence,) = rec["qc"]["silence"]
    assert abs(silence["start_s"] - 4) <= 0.2 and abs(silence["end_s"] - 6) <= 0.2
    assert -30 < rec["loudness"]["integrated_lufs"] < -15 and rec["loudness"]["true_peak_dbtp"] < 0
    rends = {r["name"]: r for r in rec["renditions"]}
    browser = httpx.Client(timeout=30)  # a player has no token: every link works on its own
    vtt = browser.get(rends["thumbnails.vtt"]["url"]).text
    assert vtt.startswith("WEBVTT")
    links = sorted({m.group(1) for m in re.finditer(r"^(\S+)#xywh=\d+,\d+,\d+,\d+$", vtt, re.M)})
    assert len(links) == 1 and "/renditions/sprite_001.jpg?" in links[0] and "sig=" in links[0]
    assert browser.get(links[0]).content[:3] == b"\xff\xd8\xff"
    proxy = tmp_path / "proxy.mp4"
    proxy.write_bytes(browser.get(rends["proxy.mp4"]["url"]).content)
    probed = probe(proxy)
    assert [s["codec_name"] for s in probed["streams"]] == ["h264", "aac"]
    assert abs(float(probed["format"]["duration"]) - 11) < 0.2
    wave = json.loads(c.get(rends["waveform.json"]["url"]).content)
    assert len(wave["peaks"]) > 100

"""Keyframe analysis end to end: burned-in Chinese captions are read at the right time, shots get
motion, colours and hashes, tags say where they came from; reprocessing replaces, never duplicates."""

from __future__ import annotations

import glob
import subprocess
import sys

import pytest

from tests.support.media import ffmpeg

pytestmark = pytest.mark.e2e
S = "s=1280x720:r=25"


def cjk_font() -> str:
    found = sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK-Regular.ttc", recursive=True))
    if not found:
        pytest.skip("no CJK font (apt-get install fonts-noto-cjk)")
    return found[0]


@pytest.fixture(scope="module")
def captioned(srv, tmp_path_factory):
    font = cjk_font()
    src = tmp_path_factory.mktemp("cap") / "news.mp4"
    caption = (f"drawtext=fontfile={font}:text='京雄城际铁路':fontsize=72:fontcolor=white:box=1:boxcolor=black@0.8:"
               "x=(w-text_w)/2:y=h-160")
    graph = (f"smptebars={S}:d=4,format=yuv420p,setsar=1[v0];"
             f"color=c=0x2050a0:{S}:d=4,{caption},format=yuv420p,setsar=1[v1];"
             f"testsrc2={S}:d=4,format=yuv420p,setsar=1[v2];[v0][v1][v2]concat=n=3:v=1:a=0[v];"
             "sine=f=440:r=48000:d=12[a]")
    ffmpeg("-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-c:a", "aac", str(src))
    with open(src, "rb") as fh:
        asset_id = srv.client().post("/api/v1/assets", files={"file": ("news.mp4", fh)}).json()["id"]
    return srv.wait_analysis(asset_id)


def test_burned_in_chinese_caption_is_read_at_the_right_time(captioned):
    rec = captioned
    assert rec["analysis"]["status"] == "done", rec["analysis"]
    hits = [o for o in rec["ocr"] if "京雄" in o["text"]]
    assert hits, rec["ocr"]
    assert abs(hits[0]["start_s"] - 4.0) <= 0.5 and abs(hits[0]["end_s"] - 8.0) <= 0.5


def test_shots_get_hashes_colours_and_motion_and_tags_keep_their_source(captioned):
    rec = captioned
    assert len(rec["shots"]) == 3
    for shot in rec["shots"]:
        assert len(shot["phash"]) == 16 and shot["motion"] in ("static", "pan", "tilt", "zoom")
        assert shot["day_night"] in ("day", "night") and shot["colours"]
    assert rec["shots"][1]["motion"] == "static"
    sources = {t["source"] for t in rec["tags"]}
    assert "analysis" in sources
    assert rec["shots"][0]["phash"] != rec["shots"][1]["phash"]


def test_reprocess_replaces_outputs_without_duplicates(srv, captioned):
    before = captioned
    env = {**srv.env, "MAM_API_URL": srv.url}
    res = subprocess.run([sys.executable, "-m", "cli.main", "reprocess", before["id"], "--steps", "renditions",
                          "--wait"], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    after = srv.wait_analysis(before["id"])
    assert sorted(r["name"] for r in after["renditions"]) == sorted(r["name"] for r in before["renditions"])
    assert [(s["start_s"], s["end_s"]) for s in after["shots"]] == [(s["start_s"], s["end_s"]) for s in before["shots"]]
    names = [(t["name"], t["source"]) for t in after["tags"]]
    assert len(names) == len(set(names)), "no tag twice"
    assert len(after["ocr"]) == len(before["ocr"])

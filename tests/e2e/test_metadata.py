"""Metadata end to end: a clip with a DJI telemetry sidecar gets a track, places and a capture time;
real phone clips and stills keep their capture facts."""

from __future__ import annotations

import pytest

from tests.support.media import make_clip, probe, video_stream
from tests.support.serve import send_parts

pytestmark = pytest.mark.e2e


def dji_srt(points: list[tuple[float, float, float]], start="2023-06-12 10:11:12") -> str:
    """A bracket-style DJI SRT, one cue a second."""
    cues = []
    for i, (lat, lon, alt) in enumerate(points):
        t0, t1 = i, i + 1
        cues.append(
            f"{i + 1}\n00:00:{t0:02d},000 --> 00:00:{t1:02d},000\n"
            f"<font size=\"28\">FrameCnt: {i * 30 + 1}, DiffTime: 1000ms\n{start[:-2]}{12 + i:02d}.000\n"
            f"[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [ct: 5500] [focal_len: 24.00] "
            f"[latitude: {lat:.6f}] [longitude: {lon:.6f}] [rel_alt: {alt:.3f} abs_alt: {alt + 30:.3f}] </font>\n")
    return "\n".join(cues) + "\n"


def upload_with_sidecar(srv, clip, sidecar_name, sidecar_text):
    c = srv.client()
    body = sidecar_text.encode()
    sess = c.post("/api/v1/uploads", json={"filename": clip.name, "size_bytes": clip.stat().st_size,
                                           "sidecars": [{"filename": sidecar_name, "size_bytes": len(body)}]}).json()
    send_parts(srv, sess, clip)
    assert c.put(sess["sidecars"][0]["url"], content=body).status_code == 204
    return c.post(f"/api/v1/uploads/{sess['upload_id']}/complete").json()["asset_id"]


def test_dji_clip_with_srt_gets_track_places_and_capture_time(srv, tmp_path):
    clip = make_clip(tmp_path / "DJI_0042.MP4", seconds=10, size="1280x720")
    # a flight north over Xiong'an (雄安) at ~11 m/s, 10 points a second apart, climbing 5 m a second
    points = [(39.0500 + i * 0.0001, 115.9800, 100.0 + 5 * i) for i in range(10)]
    rec = srv.wait_for(upload_with_sidecar(srv, clip, "DJI_0042.SRT", dji_srt(points)))
    assert rec["status"] == "ready", rec["error"]
    tele = rec["telemetry"]
    assert tele["points"] == 10 and tele["duration_s"] == pytest.approx(9.0)
    assert tele["start"]["lat"] == pytest.approx(39.05) and tele["end"]["lat"] == pytest.approx(39.0509)
    assert tele["distance_m"] == pytest.approx(9 * 11.12, rel=0.01)
    assert tele["max_rel_alt_m"] == pytest.approx(145.0)
    assert tele["bbox"] == pytest.approx([115.98, 39.05, 115.98, 39.0509])
    assert tele["camera"]["iso"] == 100 and tele["camera"]["fnum"] == pytest.approx(2.8)
    assert rec["capture"]["time"].startswith("2023-06-12T10:11:12") and rec["capture"]["time_source"] == "telemetry"
    assert any(p.get("admin1_zh") == "河北省" for p in rec["places"]), rec["places"]
    assert {"name": "河北省", "source": "metadata"} in rec["tags"]
    assert {"name": "aerial", "source": "metadata"} in rec["tags"]
    track = srv.client().get(f"/api/v1/assets/{rec['id']}/track").json()
    assert track["type"] == "Feature" and track["geometry"]["type"] == "LineString"
    coords = track["geometry"]["coordinates"]
    assert len(coords) == 10 and coords[0][:2] == pytest.approx([115.98, 39.05])
    assert track["properties"]["t_s"] == pytest.approx(list(range(10)))
    assert track["properties"]["rel_alt_m"][-1] == pytest.approx(145.0)


def test_plain_subtitles_are_not_telemetry(srv, tmp_path):
    clip = make_clip(tmp_path / "interview.mp4", seconds=3, size="640x360")
    subs = "1\n00:00:00,000 --> 00:00:02,000\n大家好，欢迎收看新闻\n\n"
    rec = srv.wait_for(upload_with_sidecar(srv, clip, "interview.srt", subs))
    assert rec["status"] == "ready" and rec["telemetry"] is None
    assert rec["sidecars"][0]["kind"] == "subtitle"
    assert srv.client().get(f"/api/v1/assets/{rec['id']}/track").status_code == 404


def _upload(srv, path):
    with open(path, "rb") as fh:
        r = srv.client().post("/api/v1/assets", files={"file": (path.name, fh)})
    assert r.status_code == 201, r.text
    return srv.wait_for(r.json()["id"])


def test_phone_clip_location_and_time_from_quicktime(srv, corpus):
    rec = _upload(srv, corpus / "drewnoakes__metadata-extractor-images/mp4/Issue 515 (java).mp4")
    assert rec["status"] == "ready", rec["error"]
    loc = rec["capture"]["location"]
    assert loc["lat"] == pytest.approx(52.3693, abs=1e-3) and loc["lon"] == pytest.approx(6.6761, abs=1e-3)
    assert rec["capture"]["location_source"] == "quicktime" and rec["capture"]["time_source"] == "quicktime"
    assert any(p["country_code"] == "NL" for p in rec["places"])


def test_rotated_still_gets_an_upright_proxy(srv, corpus, tmp_path):
    rec = _upload(srv, corpus / "ianare__exif-samples/jpg/orientation/landscape_6.jpg")
    assert rec["status"] == "ready", rec["error"]
    assert rec["capture"]["orientation"] == 6 and rec["kind"] == "image"
    proxy = next(r for r in rec["renditions"] if r["kind"] == "proxy")
    stored_w, stored_h = rec["technical"]["width"], rec["technical"]["height"]
    assert stored_w < stored_h  # stored as portrait pixels, shown as landscape after orientation 6
    assert proxy["width"] > proxy["height"]
    out = tmp_path / "p.jpg"
    out.write_bytes(srv.client().get(proxy["url"]).content)
    v = video_stream(probe(out))
    assert (v["width"], v["height"]) == (proxy["width"], proxy["height"])


def test_drone_still_keeps_gimbal_and_gps(srv, corpus):
    import csv

    rows = list(csv.reader(open(corpus / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t"))
    drone = next((r[0] for r in rows[1:] if r[0].lower().endswith((".jpg", ".jpeg")) and "drone-dji" in r[6].lower()),
                 None)
    if drone is None:
        pytest.skip("no DJI still with drone-dji XMP listed in the corpus manifest")
    rec = _upload(srv, corpus / drone)
    assert rec["status"] == "ready", rec["error"]
    assert rec["capture"]["location"] is not None and rec["capture"]["drone"]
    assert rec["places"], "a drone still with GPS gets a place"

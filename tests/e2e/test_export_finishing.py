"""Finishing through the running product: a subclip with the station logo, a hostile caption, burned subtitles
and a blur-padded vertical version; a sequence of two clips with a dissolve; every output probed."""

from __future__ import annotations

import pytest

from tests.e2e.test_exports import wait_export
from tests.e2e.test_metadata import upload_with_sidecar
from tests.support.media import make_clip, probe

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def clips(srv, tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("fin")
    ids = []
    for name, size, rate in (("a.mp4", "1280x720", 25), ("b.mp4", "640x480", 30)):
        path = make_clip(d / name, seconds=6, size=size, rate=rate)
        ids.append(upload_with_sidecar(srv, path, "a.srt", "1\n00:00:01,000 --> 00:00:03,000\n京雄城际铁路\n"))
    for aid in ids:
        assert srv.wait_for(aid)["status"] == "ready"
    return ids


def fetch(srv, export: dict, dest):
    main = next(o for o in export["outputs"] if o["main"])
    dest.write_bytes(srv.client().get(main["url"]).content)
    return probe(dest)


def test_a_finished_subclip_and_its_vertical_version(srv, clips, tmp_path):
    body = {"asset_ids": [clips[0]], "presets": ["web-mp4", "douyin-9x16"], "start_s": 1.0, "end_s": 4.0,
            "watermark": {"logo": "station", "position": "top-right"},
            "caption": {"text": "It's \"5:30\" \\ 100% %{pts} ; [x]\n京雄", "position": "bottom"},
            "reframe": {"mode": "blur-pad"}, "fade_in_s": 0.3, "fade_out_s": 0.3}
    r = srv.client().post("/api/v1/exports", json=body)
    assert r.status_code == 202, r.text
    done = {x["preset"]: wait_export(srv, x["id"]) for x in r.json()["exports"]}
    assert {p: e["status"] for p, e in done.items()} == {"web-mp4": "ready", "douyin-9x16": "ready"}, \
        {p: (e["error"], e["qc"]) for p, e in done.items()}
    info = fetch(srv, done["douyin-9x16"], tmp_path / "v.mp4")
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (v["width"], v["height"]) == (1080, 1920)
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.1)


def test_a_sequence_of_two_clips_with_a_dissolve(srv, clips, tmp_path):
    body = {"sequence": [{"asset_id": clips[0], "start_s": 0.5, "end_s": 3.0},
                         {"asset_id": clips[1], "start_s": 1.0, "end_s": 4.0}],
            "presets": ["web-mp4"], "transition": "dissolve", "subtitles": {"mode": "soft"}}
    r = srv.client().post("/api/v1/exports", json=body)
    assert r.status_code == 202, r.text
    e = wait_export(srv, r.json()["exports"][0]["id"])
    assert e["status"] == "ready", (e["error"], e["qc"])
    info = fetch(srv, e, tmp_path / "s.mp4")
    assert float(info["format"]["duration"]) == pytest.approx(2.5 + 3.0 - 0.5, abs=0.1)
    assert any(s["codec_type"] == "subtitle" for s in info["streams"])


def test_subtitles_are_served_as_files(srv, clips):
    r = srv.client().get(f"/api/v1/assets/{clips[0]}/subtitles.vtt", params={"start_s": 0.5})
    assert r.status_code == 200 and "00:00:00.500 --> 00:00:02.500\n京雄城际铁路" in r.text

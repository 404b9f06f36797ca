"""Finishing options through the API on the root's fakes: brand assets, subtitles as files, and the refusals
that name the item (a missing sequence piece, an empty range, no subtitles, a logo that is not a PNG or is larger
than the picture, a caption too long). The graph itself is tested with ffmpeg in
tests/integration/test_export_finishing.py."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from mam import catalog
from mam.models import Export
from tests.unit.test_export_jobs import TOKEN, client, ready_asset, root  # noqa: F401  (fixtures)


def png(size=(200, 80), mode="RGBA") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, (255, 0, 0, 128) if mode == "RGBA" else (255, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def with_subtitles(root, asset_id: str) -> None:  # noqa: F811
    with root.uow() as s:
        a = catalog.get_asset(s, asset_id)
        a.transcript = [{"start_s": 1.0, "end_s": 2.5, "text": "第一句", "source": "subtitle", "sidecar": "a.srt"},
                        {"start_s": 4.0, "end_s": 6.0, "text": "second <b> & -->", "source": "subtitle",
                         "sidecar": "a.srt"}]


def post(client, **body):  # noqa: F811
    return client.post("/api/v1/exports", json={"presets": ["web-mp4"], **body})


def test_brand_assets_are_stored_listed_and_checked(client):  # noqa: F811
    r = client.post("/api/v1/brand-assets", files={"file": ("logo.png", png(), "image/png")}, data={"name": "cctv"})
    assert r.status_code == 201, r.text
    assert r.json()["width"] == 200 and r.json()["name"] == "cctv"
    names = {b["name"]: b for b in client.get("/api/v1/brand-assets").json()}
    assert "cctv" in names and names["station"]["shipped"]
    assert client.post("/api/v1/brand-assets", files={"file": ("l.png", png(), "image/png")},
                       data={"name": "cctv"}).status_code == 409
    jpeg = io.BytesIO()
    Image.new("RGB", (20, 20)).save(jpeg, "JPEG")
    r = client.post("/api/v1/brand-assets", files={"file": ("l.png", jpeg.getvalue(), "image/png")},
                    data={"name": "fake"})
    assert r.status_code == 422 and "not a PNG" in r.json()["detail"]
    r = client.post("/api/v1/brand-assets", files={"file": ("l.png", png(mode="RGB"), "image/png")},
                    data={"name": "flat"})
    assert r.status_code == 422 and "no alpha" in r.json()["detail"]


def test_an_export_with_finishing_keeps_it_on_every_row(client, root):  # noqa: F811
    a = ready_asset(root)
    with_subtitles(root, a)
    body = {"asset_ids": [a], "presets": ["web-mp4", "douyin-9x16"], "start_s": 1.0, "end_s": 5.0,
            "watermark": {"logo": "station", "position": "top-left"}, "caption": {"text": "It's 5:30 \\ %{pts}"},
            "subtitles": {"mode": "burn"}, "reframe": {"mode": "blur-pad"}, "fade_in_s": 0.5}
    r = client.post("/api/v1/exports", json=body)
    assert r.status_code == 202, r.text
    with root.uow() as s:
        rows = s.query(Export).all()
        assert len(rows) == 2
        assert all(e.finishing["caption"]["text"] == "It's 5:30 \\ %{pts}" for e in rows)
        assert rows[0].finishing["watermark"]["logo"] == "station" and rows[0].finishing["reframe"]["mode"] == \
            "blur-pad"


@pytest.mark.parametrize("body, status, words", [
    ({"subtitles": {"mode": "burn"}}, 422, "has no subtitles"),
    ({"watermark": {"logo": "nope"}}, 422, "watermark.logo: no brand asset or shipped logo 'nope'"),
    ({"watermark": {"logo": "station", "scale": 1.0}}, 422, "larger than the 1920x1080 picture of web-mp4"),
    ({"caption": {"text": "x" * 201}}, 422, "caption.text: 201 characters"),
    ({"transition": "dissolve"}, 422, "transition"),
    ({"speed": 32}, 422, "speed"),
])
def test_bad_finishing_is_refused_naming_the_item(client, root, body, status, words):  # noqa: F811
    a = ready_asset(root)
    r = post(client, asset_ids=[a], **body)
    assert r.status_code == status, r.text
    assert words in r.text
    with root.uow() as s:
        assert s.query(Export).count() == 0


def test_a_logo_larger_than_the_picture_at_its_own_size_is_refused(client, root):  # noqa: F811
    client.post("/api/v1/brand-assets", files={"file": ("big.png", png((2400, 300)), "image/png")},
                data={"name": "big"})
    r = post(client, asset_ids=[ready_asset(root)], watermark={"logo": "big"})
    assert r.status_code == 422 and "2400x300 px logo 'big'" in r.json()["detail"]


def test_sequences_are_one_batch_and_bad_pieces_are_named(client, root):  # noqa: F811
    a, b = ready_asset(root), ready_asset(root, duration=4.0)
    r = post(client, sequence=[{"asset_id": a, "start_s": 1, "end_s": 3}, {"asset_id": b, "start_s": 0, "end_s": 2}],
             transition="dissolve")
    assert r.status_code == 202, r.text
    assert [e["asset_id"] for e in r.json()["exports"]] == [a]
    r = post(client, sequence=[{"asset_id": a, "start_s": 1, "end_s": 3}, {"asset_id": "missing", "start_s": 0,
                                                                            "end_s": 2}])
    assert r.status_code == 422 and "sequence[1]: asset missing not found" in r.json()["detail"]
    r = post(client, sequence=[{"asset_id": a, "start_s": 2, "end_s": 2.01}])
    assert r.status_code == 422 and "sequence[0]" in r.json()["detail"] and "empty" in r.json()["detail"]
    r = post(client, sequence=[{"asset_id": b, "start_s": 1, "end_s": 9}])
    assert r.status_code == 422 and "outside asset" in r.json()["detail"]
    r = post(client, asset_ids=[a], sequence=[{"asset_id": a, "start_s": 1, "end_s": 3}])
    assert r.status_code == 422


def test_subtitles_download_as_srt_and_vtt_shifted_for_a_subclip(client, root):  # noqa: F811
    a = ready_asset(root)
    with_subtitles(root, a)
    srt = client.get(f"/api/v1/assets/{a}/subtitles.srt")
    assert srt.status_code == 200 and srt.text.startswith("1\n00:00:01,000 --> 00:00:02,500\n第一句")
    vtt = client.get(f"/api/v1/assets/{a}/subtitles.vtt", params={"start_s": 2, "end_s": 5})
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text == ("WEBVTT\n\n00:00:00.000 --> 00:00:00.500\n第一句\n\n"
                        "00:00:02.000 --> 00:00:03.000\nsecond &lt;b&gt; &amp; -&gt;\n")
    none = client.get(f"/api/v1/assets/{ready_asset(root)}/subtitles.srt")
    assert none.status_code == 422 and "has no subtitles" in none.json()["detail"]


def test_the_export_command_sends_the_finishing_fields():
    from cli.exports import finishing_body

    body = finishing_body(logo="station", logo_position="bottom-left", logo_scale=None, logo_opacity=0.8,
                          caption="第一行\\n100% %{pts}", caption_position="top", caption_start=1.0, caption_end=None,
                          subtitles="burn", reframe="blur-pad", fade_in=0.5, fade_out=0.0, speed=4.0,
                          keep_sound=True, sequence=["abc:1-2.5", "def:0-3"], transition="dissolve")
    assert body["watermark"] == {"logo": "station", "position": "bottom-left", "opacity": 0.8}
    assert body["caption"]["text"] == "第一行\n100% %{pts}"
    assert body["sequence"] == [{"asset_id": "abc", "start_s": 1.0, "end_s": 2.5},
                                {"asset_id": "def", "start_s": 0.0, "end_s": 3.0}]
    assert (body["speed"], body["speed_audio"], body["transition"]) == (4.0, "pitch", "dissolve")

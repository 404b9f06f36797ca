"""Served media and sidecars are never pages (hardening row 23): whatever type the client declared, downloads
carry the product's own type, `nosniff`, a sandboxing CSP, and `attachment` for originals and sidecars."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from tests.support.media import DJI_SRT as SRT
from tests.support.media import make_clip
from tests.support.serve import send_parts

pytestmark = pytest.mark.e2e
CSP = "default-src 'none'; sandbox"


SERVER_ENV = {"MAM_UPLOAD_PART_MB": "5"}


def _clip(tmp: Path, name: str) -> Path:
    return make_clip(tmp / name, seconds=2, size="320x240", extra=["-metadata", f"comment={uuid.uuid4().hex}"])


def _never_a_page(r, disposition: str) -> None:
    assert r.status_code in (200, 206), r.text
    assert not r.headers["content-type"].startswith(("text/html", "application/xhtml", "image/svg", "text/xml"))
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["content-disposition"].split(";")[0] == disposition, r.headers["content-disposition"]


def test_original_declared_html_is_served_as_what_it_is(srv, tmp_path):
    src = _clip(tmp_path, "page.mp4")
    c = srv.client()
    with open(src, "rb") as fh:
        r = c.post("/api/v1/assets", files={"file": ("page.mp4", fh, "text/html")})
    assert r.status_code == 201, r.text
    rec = srv.wait_for(r.json()["id"])
    assert rec["status"] == "ready", rec["error"]
    got = c.get(rec["original_url"])
    _never_a_page(got, "attachment")
    assert got.headers["content-type"] in ("video/mp4", "application/octet-stream")
    assert got.content == src.read_bytes()
    assert 'filename="page.mp4"' in got.headers["content-disposition"]
    assert "filename*=UTF-8''page.mp4" in got.headers["content-disposition"]


def test_session_upload_sidecar_and_renditions(srv, tmp_path):
    src = _clip(tmp_path, "DJI_0001.MP4")
    srt = tmp_path / "DJI_0001.SRT"
    srt.write_text(SRT)
    c = srv.client()
    sess = c.post("/api/v1/uploads", json={
        "filename": "京雄 航拍.mp4", "size_bytes": src.stat().st_size, "content_type": "text/html",
        "sidecars": [{"filename": srt.name, "size_bytes": srt.stat().st_size}]}).json()
    send_parts(srv, sess, src)
    data = src.read_bytes()
    assert c.put(sess["sidecars"][0]["url"], content=srt.read_bytes()).status_code in (200, 204)
    done = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete",
                  json={"sha256": hashlib.sha256(data).hexdigest()})
    assert done.status_code == 200, done.text
    rec = srv.wait_for(done.json()["asset_id"])
    assert rec["status"] == "ready", rec["error"]

    original = c.get(rec["original_url"])
    _never_a_page(original, "attachment")
    assert original.content == data
    disposition = original.headers["content-disposition"]
    assert "filename*=UTF-8''%E4%BA%AC%E9%9B%84%20%E8%88%AA%E6%8B%8D.mp4" in disposition
    assert disposition.isascii()

    sidecar = c.get(rec["sidecars"][0]["url"])
    _never_a_page(sidecar, "attachment")
    assert sidecar.headers["content-type"] in ("text/plain; charset=utf-8", "application/octet-stream")
    assert sidecar.content == srt.read_bytes()

    kinds = {r["kind"]: r for r in rec["renditions"]}
    proxy = c.get(kinds["proxy"]["url"])
    _never_a_page(proxy, "inline")
    assert proxy.headers["content-type"] == kinds["proxy"]["content_type"] == "video/mp4"
    part = c.get(kinds["proxy"]["url"], headers={"Range": "bytes=0-99"})
    _never_a_page(part, "inline")
    assert part.status_code == 206 and part.content == proxy.content[:100]
    poster = c.get(kinds["poster"]["url"])
    _never_a_page(poster, "inline")
    assert poster.headers["content-type"] == "image/jpeg"
    shots = [s for s in rec["shots"] if s.get("thumbnail_url")]
    if shots:
        image = c.get(shots[0]["thumbnail_url"])
        _never_a_page(image, "inline")
        assert image.headers["content-type"] == "image/jpeg"

"""Served media are never pages: `api.media_responses.media_response`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import mam.sniff
from api.media_responses import content_disposition, media_response
from mam.errors import NotFound
from mam.storage import LocalStorage

HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/assets')</script></body></html>"
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256)) * 40
SRT = "1\n00:00:00,000 --> 00:00:01,000\n京雄 [latitude: 39.05]\n\n".encode()
CSP = "default-src 'none'; sandbox"


class StreamOnly:
    """A store that is not a local directory (like S3): bytes only through ``open_read``."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.closed: list[str] = []

    def local_path(self, key: str) -> Path | None:
        return None

    def open_read(self, key: str):
        if key not in self.objects:
            raise NotFound(key)
        store = self

        class Body(io.BytesIO):
            def close(self) -> None:
                store.closed.append(key)
                super().close()

        return Body(self.objects[key])


def _app(storage) -> TestClient:
    app = FastAPI()

    @app.get("/o/{role}/{key:path}")
    def get(role: str, key: str, ct: str | None = None, kind: str | None = None, name: str = "clip.mp4"):
        return media_response(storage, key, role=role, filename=name, content_type=ct, sidecar_kind=kind)

    return TestClient(app)


@pytest.fixture(params=["local", "stream"])
def client(request, tmp_path):
    objects = {"originals/a/source.mp4": HTML, "originals/b/source.mp4": MP4, "originals/a/sidecars/00.srt": SRT,
               "originals/a/sidecars/01.lrf": MP4, "originals/a/sidecars/02.srt": SRT.decode().encode("utf-16"),
               "derivatives/a/proxy.mp4": MP4, "derivatives/a/page.html": HTML}
    if request.param == "local":
        store = LocalStorage(tmp_path / "objects")
        for key, data in objects.items():
            path = tmp_path / "objects" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    else:
        store = StreamOnly(objects)
    c = _app(store)
    c.store = store
    return c


def _secure(r, disposition: str) -> None:
    assert r.status_code in (200, 206), r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["content-disposition"].startswith(disposition + ";")


def test_original_type_comes_from_the_stored_bytes_never_the_client(client, monkeypatch):
    seen: list[bytes] = []

    def sniff_content_type(head: bytes) -> str:
        seen.append(head)
        return "video/mp4" if head[4:8] == b"ftyp" else "text/html"

    monkeypatch.setattr(mam.sniff, "sniff_content_type", sniff_content_type, raising=False)
    r = client.get("/o/original/originals/b/source.mp4", params={"ct": "text/html"})
    _secure(r, "attachment")
    assert r.headers["content-type"] == "video/mp4" and r.content == MP4
    assert seen[-1] == MP4[:4096]
    # HTML bytes: whatever a sniffer says, a type a browser would render is never sent
    r = client.get("/o/original/originals/a/source.mp4", params={"name": "evil.html"})
    _secure(r, "attachment")
    assert r.headers["content-type"] == "application/octet-stream" and r.content == HTML


def test_original_without_a_sniffer_is_octet_stream(client, monkeypatch):
    monkeypatch.delattr(mam.sniff, "sniff_content_type", raising=False)
    r = client.get("/o/original/originals/a/source.mp4")
    _secure(r, "attachment")
    assert r.headers["content-type"] == "application/octet-stream"


def test_renditions_are_inline_with_the_recorded_type(client):
    r = client.get("/o/rendition/derivatives/a/proxy.mp4", params={"ct": "video/mp4", "name": "a-proxy.mp4"})
    _secure(r, "inline")
    assert r.headers["content-type"] == "video/mp4" and r.content == MP4
    for active in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/javascript",
                   "text/html; charset=utf-8", "video/mp4\r\nX-Evil: 1", "", "nonsense"):
        r = client.get("/o/rendition/derivatives/a/page.html", params={"ct": active})
        _secure(r, "inline")
        assert r.headers["content-type"] == "application/octet-stream", active
        assert "x-evil" not in r.headers


def test_shot_images_are_inline_jpeg(client):
    r = client.get("/o/shot_image/derivatives/a/proxy.mp4", params={"name": "a-shot-3.jpg"})
    _secure(r, "inline")
    assert r.headers["content-type"] == "image/jpeg"


def test_sidecars_are_attachments_as_text_or_bytes(client):
    r = client.get("/o/sidecar/originals/a/sidecars/00.srt", params={"kind": "srt", "name": "DJI_0001.SRT"})
    _secure(r, "attachment")
    assert r.headers["content-type"] == "text/plain; charset=utf-8" and r.content == SRT
    r = client.get("/o/sidecar/originals/a/sidecars/02.srt", params={"kind": "srt", "name": "DJI_0001.SRT"})
    assert r.headers["content-type"] == "application/octet-stream"  # UTF-16: not claimed as UTF-8
    r = client.get("/o/sidecar/originals/a/sidecars/01.lrf", params={"kind": "lrf", "name": "DJI_0001.LRF"})
    _secure(r, "attachment")
    assert r.headers["content-type"] == "application/octet-stream" and r.content == MP4
    r = client.get("/o/sidecar/originals/a/source.mp4", params={"kind": "transcript", "name": "x.txt"})
    assert r.headers["content-type"] == "text/plain; charset=utf-8"  # HTML bytes as plain text: not a page


def test_range_requests_on_the_local_store(tmp_path):
    store = LocalStorage(tmp_path / "objects")
    path = tmp_path / "objects" / "derivatives" / "a" / "proxy.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(MP4)
    r = _app(store).get("/o/rendition/derivatives/a/proxy.mp4", params={"ct": "video/mp4"},
                        headers={"Range": "bytes=100-199"})
    _secure(r, "inline")
    assert r.status_code == 206 and r.content == MP4[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(MP4)}"


def test_streamed_objects_are_whole_and_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(mam.sniff, "sniff_content_type", lambda head: "video/mp4", raising=False)
    store = StreamOnly({"k": MP4 * 500})  # several chunks after the sniffed head
    r = _app(store).get("/o/original/k")
    assert r.content == MP4 * 500 and store.closed == ["k"]


def test_missing_objects_raise_not_found(tmp_path):
    with pytest.raises(NotFound):
        media_response(LocalStorage(tmp_path), "originals/x/source.mp4", role="original", filename="x.mp4")
    with pytest.raises(NotFound):
        media_response(StreamOnly({}), "originals/x/source.mp4", role="original", filename="x.mp4")


@pytest.mark.parametrize("name,plain,star", [
    ("clip.mp4", "clip.mp4", "clip.mp4"),
    ("京雄铁路 航拍 🚁 第3期.mp4", "3.mp4", "%E4%BA%AC%E9%9B%84%E9%93%81%E8%B7%AF%20%E8%88%AA%E6%8B%8D%20%F0%9F%9A%81"
                                         "%20%E7%AC%AC3%E6%9C%9F.mp4"),
    ("京雄.mp4", "download.mp4", "%E4%BA%AC%E9%9B%84.mp4"),
    ('a"b\\c%41.mp4', "abc41.mp4", "a%22b%5Cc%2541.mp4"),
    ("x\r\nSet-Cookie: a=b.mov", "xSet-Cookie: a=b.mov", "x%0D%0ASet-Cookie%3A%20a%3Db.mov"),
    ("..hidden", "download.hidden", "..hidden"),
    ("\u4eac", "download", "%E4%BA%AC"),
])
def test_content_disposition_escaping(name, plain, star):
    value = content_disposition("attachment", name)
    assert value == f"attachment; filename=\"{plain}\"; filename*=UTF-8''{star}"
    assert "\r" not in value and "\n" not in value and value.isascii()


def _id3_mp3(tag_bytes: int) -> bytes:
    syncsafe = bytes((tag_bytes >> s) & 0x7F for s in (21, 14, 7, 0))
    frame = b"\xff\xfb\x90\x64" + bytes(413)  # MPEG-1 layer III, 128 kb/s, 44.1 kHz: 417 bytes a frame
    return b"ID3\x03\x00\x00" + syncsafe + bytes(tag_bytes) + frame * 8


@pytest.mark.parametrize("kind", ["local", "stream"])
def test_originals_behind_a_long_id3_tag_are_sniffed_past_it(kind, tmp_path):
    if not hasattr(mam.sniff, "sniff_bytes_needed"):
        pytest.skip("mam.sniff has no sniff_bytes_needed yet")
    data = _id3_mp3(20_000)
    if kind == "local":
        store = LocalStorage(tmp_path)
        (tmp_path / "originals").mkdir()
        (tmp_path / "originals" / "song.mp3").write_bytes(data)
    else:
        store = StreamOnly({"originals/song.mp3": data})
    r = _app(store).get("/o/original/originals/song.mp3", params={"name": "song.mp3"})
    _secure(r, "attachment")
    assert r.headers["content-type"] == mam.sniff.sniff_content_type(data) == "audio/mpeg"
    assert r.content == data

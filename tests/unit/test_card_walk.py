"""Card and watch folders: links are never followed, files swapped after the scan are not read, sidecars must
hold what their extension says."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import httpx
import pytest

from cli import card
from cli.card import BAD_SIDECAR, CHANGED, LINK, SPECIAL, UnsafeFile, group, open_checked, vet_sidecars
from cli.journal import Journal
from cli.uploader import Uploader
from cli.watcher import Watcher

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX links and FIFOs")

SRT = b"1\n00:00:00,000 --> 00:00:00,033\n[latitude: 39.0501] [longitude: 115.9802]\n\n"
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + os.urandom(2000)
SECRET = b"root:x:0:0:root:/root:/bin/bash\nsecret-token-7f3a\n"


@pytest.fixture
def outside(tmp_path) -> Path:
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    return secret


@pytest.fixture
def folder(tmp_path) -> Path:
    f = tmp_path / "card" / "DCIM" / "100MEDIA"
    f.mkdir(parents=True)
    (f / "DJI_0001.MP4").write_bytes(MP4)
    return tmp_path / "card"


def _media(folder: Path) -> Path:
    return folder / "DCIM" / "100MEDIA"


def test_links_out_of_the_folder_are_skipped_and_reported(folder, outside):
    m = _media(folder)
    os.symlink(outside, m / "DJI_0001.SRT")  # a sidecar that is really /etc/passwd
    os.symlink(outside, m / "DJI_0002.MP4")  # a clip that is not a clip
    os.symlink("/", m / "root")  # a directory link to /
    os.symlink(outside.parent, folder / "elsewhere")
    scan = group([folder])
    assert [i.path.name for i in scan.items] == ["DJI_0001.MP4"]
    assert scan.items[0].sidecars == []
    skipped = {s.path.name: s for s in scan.skipped}
    assert set(skipped) == {"DJI_0001.SRT", "DJI_0002.MP4", "root", "elsewhere"}
    assert all(s.category == LINK for s in skipped.values())
    assert str(outside) in skipped["DJI_0001.SRT"].reason and "never followed" in skipped["DJI_0001.SRT"].reason
    assert skipped["root"].as_json() == {"source_path": str(m / "root"), "upload": "skipped", "skip": LINK,
                                         "reason": skipped["root"].reason}


def test_links_inside_the_folder_are_skipped_too(folder):
    m = _media(folder)
    (m / "real.srt").write_bytes(SRT)
    os.symlink(m / "real.srt", m / "DJI_0001.SRT")
    os.symlink(m, folder / "loop")  # would walk the same folder twice (or forever)
    scan = group([folder])
    assert scan.items[0].sidecars == []
    assert {s.path.name for s in scan.skipped} == {"DJI_0001.SRT", "loop"}
    assert [p.name for p in scan.ignored] == ["real.srt"]


def test_special_files_are_skipped(folder):
    os.mkfifo(_media(folder) / "DJI_0001.SRT")
    scan = group([folder])
    assert scan.items[0].sidecars == []
    assert [(s.path.name, s.category) for s in scan.skipped] == [("DJI_0001.SRT", SPECIAL)]


def test_a_link_named_on_the_command_line_is_the_users_choice(folder, tmp_path):
    link = tmp_path / "today"
    os.symlink(folder, link)
    scan = group([link])
    assert [i.path for i in scan.items] == [_media(folder).resolve() / "DJI_0001.MP4"]
    with pytest.raises(FileNotFoundError):
        group([tmp_path / "missing"])


def test_a_file_swapped_for_a_link_after_the_scan_is_not_read(folder, outside):
    m = _media(folder)
    (m / "DJI_0001.SRT").write_bytes(SRT)
    item = group([folder]).items[0]
    assert [p.name for p in item.sidecars] == ["DJI_0001.SRT"]
    with open_checked(m / "DJI_0001.SRT", item.ids[m / "DJI_0001.SRT"]) as fh:
        assert fh.read() == SRT
    (m / "DJI_0001.SRT").unlink()
    os.symlink(outside, m / "DJI_0001.SRT")
    with pytest.raises(UnsafeFile, match="symbolic link"):
        open_checked(m / "DJI_0001.SRT", item.ids[m / "DJI_0001.SRT"])
    skipped = vet_sidecars(item)
    assert item.sidecars == [] and [(s.category, "symbolic link" in s.reason) for s in skipped] == [(CHANGED, True)]


def test_a_file_replaced_by_another_file_or_a_fifo_is_not_read(folder, outside):
    m = _media(folder)
    clip = m / "DJI_0001.MP4"
    item = group([folder]).items[0]
    replacement = m / "new.tmp"
    replacement.write_bytes(SECRET)
    os.replace(replacement, clip)  # same name, another inode
    with pytest.raises(UnsafeFile, match="replaced after the scan"):
        open_checked(clip, item.ids[clip])
    clip.unlink()
    os.mkfifo(clip)
    with pytest.raises(UnsafeFile, match="no longer a regular file"):  # and the open does not block
        open_checked(clip, item.ids[clip])


def test_parent_folder_swapped_for_a_link_is_caught_by_identity(folder, outside, tmp_path):
    m = _media(folder)
    (m / "DJI_0001.SRT").write_bytes(SRT)
    item = group([folder]).items[0]
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "DJI_0001.SRT").write_bytes(SECRET)
    os.rename(m, tmp_path / "moved")
    os.symlink(evil, m)  # O_NOFOLLOW guards only the last component: the inode check catches this
    with pytest.raises(UnsafeFile, match="replaced"):
        open_checked(m / "DJI_0001.SRT", item.ids[m / "DJI_0001.SRT"])


def test_sidecars_that_do_not_match_their_extension_are_left_out(folder):
    m = _media(folder)
    (m / "DJI_0001.SRT").write_bytes(SECRET)  # /etc/passwd-like text in an .SRT
    (m / "DJI_0001.LRF").write_bytes(os.urandom(3000))
    (m / "DJI_0001.THM").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(100))
    (m / "DJI_0001.XMP").write_bytes(b"<html><script>alert(1)</script></html>")
    (m / "DJI_0001.gpx").write_bytes(b"<gpx version='1.1'></gpx>")
    item = group([folder]).items[0]
    assert len(item.sidecars) == 5
    skipped = vet_sidecars(item)
    assert sorted(p.name for p in item.sidecars) == ["DJI_0001.THM", "DJI_0001.gpx"]
    reasons = {s.path.name: s for s in skipped}
    assert set(reasons) == {"DJI_0001.SRT", "DJI_0001.LRF", "DJI_0001.XMP"}
    assert all(s.category == BAD_SIDECAR for s in skipped)
    assert "no SubRip cue" in reasons["DJI_0001.SRT"].reason and "DJI_0001.MP4" in reasons["DJI_0001.SRT"].reason
    assert "ftyp" in reasons["DJI_0001.LRF"].reason


def test_watcher_reports_each_skipped_path_once(folder, outside, tmp_path):
    os.symlink(outside, _media(folder) / "DJI_0001.SRT")
    w = Watcher(folder, tmp_path / "state", settle_s=0)
    w.ready_items()
    first = w.take_skipped()
    w.ready_items()
    assert [s.path.name for s in first] == ["DJI_0001.SRT"] and w.take_skipped() == []


class _FakeApi:
    """Enough of /api/v1/uploads for one item: records every byte the CLI sends."""

    def __init__(self) -> None:
        self.sent = bytearray()
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path == "/api/v1/uploads":
            body = json.loads(request.content)
            side = [{"filename": s["filename"], "size_bytes": s["size_bytes"], "received": False,
                     "url": f"http://api/api/v1/uploads/u1/sidecars/{i}"} for i, s in enumerate(body["sidecars"])]
            return httpx.Response(201, json={"upload_id": "u1", "part_size": 1 << 20, "received": [],
                                             "parts": [{"part_number": 1, "url": "http://api/api/v1/uploads/u1/parts/1"}],
                                             "sidecars": side})
        if request.method == "PUT":
            data = request.read()
            with self.lock:
                self.sent += data
            return httpx.Response(200, json={"etag": ""})
        if path.endswith("/complete"):
            return httpx.Response(200, json={"asset_id": "a1", "duplicate_of": None})
        return httpx.Response(404, json={"detail": "no"})


def test_uploader_never_sends_a_file_swapped_in_after_the_scan(folder, outside, tmp_path, monkeypatch):
    m = _media(folder)
    (m / "DJI_0001.SRT").write_bytes(SRT)
    item = group([folder]).items[0]
    api = _FakeApi()
    client = httpx.Client(base_url="http://api", transport=httpx.MockTransport(api))
    up = Uploader(client, Journal(tmp_path / "j.json"))
    up.raw = client
    assert vet_sidecars(item) == []
    (m / "DJI_0001.SRT").unlink()
    os.symlink(outside, m / "DJI_0001.SRT")  # after the content check, before the upload
    with pytest.raises(UnsafeFile):
        up.upload(item, project=None, tags=[])
    assert b"secret-token" not in api.sent
    # the untouched case goes through, and sends exactly the clip and the sidecar
    (m / "DJI_0001.SRT").unlink()
    (m / "DJI_0001.SRT").write_bytes(SRT)
    item = group([folder]).items[0]
    api.sent.clear()
    assert up.upload(item, project=None, tags=[]).status == "uploaded"
    assert len(api.sent) == len(MP4) + len(SRT)
    up.close()


def test_module_docstring_states_the_link_policy():
    assert "never followed" in card.__doc__ and "O_NOFOLLOW" in card.__doc__

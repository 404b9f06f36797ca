"""Resumable, parallel upload of one item (original + sidecars) through an upload session.

Parts are sent by a thread pool (each thread reads its own byte range); the main thread hashes the
whole file in order at the same time, so the sha256 costs no extra pass over the network. Every
part's MD5 is checked against the ETag the server or S3 returns. The session id is journaled before
the first byte is sent, so running the command again resumes and sends only the missing parts.

Every read goes through :func:`cli.card.open_checked`: the file must still be the regular file the scan
found (no link followed, nothing swapped in since).
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cli.card import FileId, Item, Skipped, checked_size, open_checked
from cli.client import ApiError, check
from cli.journal import Journal, file_key

CHUNK = 1024 * 1024


@dataclass
class Outcome:
    path: Path
    status: str  # uploaded | duplicate | failed | skipped
    asset_id: str | None = None
    reason: str | None = None
    skipped: list[Skipped] = field(default_factory=list)  # sidecars of this item that were left out


class RateLimiter:
    """A shared byte budget per second across threads (``--max-rate``), or no limit."""

    def __init__(self, bytes_per_s: float | None) -> None:
        self.rate = bytes_per_s
        self.lock = threading.Lock()
        self.next_free = time.monotonic()

    def take(self, n: int) -> None:
        if not self.rate:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + n / self.rate
        if start > now:
            time.sleep(start - now)


def _slice(path: Path, ident: FileId | None, offset: int, size: int, md5, on_bytes: Callable[[int], None],
           limiter: RateLimiter):
    with open_checked(path, ident) as fh:
        fh.seek(offset)
        left = size
        while left:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                raise OSError(f"{path} shrank while uploading")
            limiter.take(len(chunk))
            if md5 is not None:
                md5.update(chunk)
            left -= len(chunk)
            on_bytes(len(chunk))
            yield chunk


class Uploader:
    """Uploads items to one API; ``on_bytes(item_path, n)`` reports progress."""

    def __init__(self, client: httpx.Client, journal: Journal, *, parallel: int = 4,
                 max_rate: float | None = None, on_bytes: Callable[[Path, int], None] = lambda p, n: None) -> None:
        self.client = client
        self.raw = httpx.Client(timeout=httpx.Timeout(60.0, read=300.0))  # presigned URLs: no API token
        self.journal = journal
        self.parallel = max(1, parallel)
        self.limiter = RateLimiter(max_rate)
        self.on_bytes = on_bytes

    def close(self) -> None:
        self.raw.close()

    def _put(self, url: str, path: Path, ident: FileId | None, offset: int, size: int, what: str,
             owner: Path | None = None, presign: str | None = None) -> str:
        """PUT a byte range with retries; return the ETag the server or store confirmed. Every part carries
        its MD5 (``Content-MD5``): the API and S3 refuse a part whose bytes changed on the way."""
        last: Exception | None = None
        digest = hashlib.md5(usedforsecurity=False)
        for _ in _slice(path, ident, offset, size, digest, lambda n: None, RateLimiter(None)):
            pass  # read once for the checksum (the page cache makes the sending read cheap)
        content_md5 = base64.b64encode(digest.digest()).decode()
        if presign:  # S3: a URL straight to the store, signed for this checksum
            url = check(self.client.post(presign, json={"content_md5": content_md5}))["url"]
        use_api = url.startswith(str(self.client.base_url))
        http = self.client if use_api else self.raw
        headers = {"Content-Length": str(size), "Content-Type": "application/octet-stream",
                   "Content-MD5": content_md5}
        for attempt in range(5):
            # S3 answers each part with its MD5 as ETag: check it. The API checks the whole file's sha256.
            md5 = None if use_api else hashlib.md5(usedforsecurity=False)
            sent = [0]

            def count(n: int, sent: list[int] = sent) -> None:
                sent[0] += n
                self.on_bytes(owner or path, n)

            try:
                resp = http.put(url, content=_slice(path, ident, offset, size, md5, count, self.limiter),
                                headers=headers)
            except httpx.TransportError as exc:
                last = exc
            else:
                if resp.status_code < 300:
                    etag = resp.json().get("etag", "") if use_api and resp.content else resp.headers.get("ETag", "")
                    etag = (etag or "").strip('"')
                    if md5 is None or len(etag) != 32 or etag == md5.hexdigest():
                        return etag
                    last = ApiError(f"{what}: the server stored different bytes (etag {etag})")
                elif resp.status_code >= 500 or resp.status_code in (408, 429):
                    last = ApiError(f"{what}: HTTP {resp.status_code}")
                else:
                    check(resp)  # a clear refusal: no point in retrying
            self.on_bytes(owner or path, -sent[0])
            time.sleep(min(30, 2**attempt))
        raise ApiError(f"{what} failed after retries: {last}")

    def upload(self, item: Item, *, project: str | None, tags: list[str]) -> Outcome:
        path = item.path
        key = file_key(path, str(self.client.base_url))
        memo = self.journal.get(key)
        ident = item.ids.get(path)
        size = checked_size(path, ident)
        sidecar_sizes = {s.name: checked_size(s, item.ids.get(s)) for s in item.sidecars}
        sess = None
        if memo.get("upload_id"):
            resp = self.client.get(f"/api/v1/uploads/{memo['upload_id']}")
            if resp.status_code == 200:
                sess = resp.json()
                if sorted(sc["filename"] for sc in sess["sidecars"]) != sorted(sidecar_sizes):
                    # the sidecars changed since that session was opened (one was left out): start afresh
                    self.client.delete(f"/api/v1/uploads/{memo['upload_id']}")
                    sess = None
            if sess is None:
                self.journal.put(key, upload_id=None)
        if sess is None:
            body = {"filename": path.name, "size_bytes": size, "sha256": memo.get("sha256"),
                    "project": project, "tags": tags,
                    "sidecars": [{"filename": name, "size_bytes": n} for name, n in sidecar_sizes.items()]}
            resp = self.client.post("/api/v1/uploads", json=body)
            sess = check(resp)
            if sess.get("duplicate_of"):
                self.on_bytes(path, item.size)
                return Outcome(path, "duplicate", sess["duplicate_of"])
            self.journal.put(key, upload_id=sess["upload_id"])
        part_size = sess["part_size"]
        already = sum(p["size"] for p in sess["received"])
        self.on_bytes(path, already + sum(sc["size_bytes"] for sc in sess["sidecars"] if sc["received"]))
        sha = hashlib.sha256()
        with ThreadPoolExecutor(self.parallel) as pool:
            futures = [pool.submit(self._put, p["url"], path, ident, (p["part_number"] - 1) * part_size,
                                   min(part_size, size - (p["part_number"] - 1) * part_size),
                                   f"{path.name} part {p['part_number']}", presign=p.get("presign"))
                       for p in sess["parts"]]
            sidecar_paths = {s.name: s for s in item.sidecars}
            futures += [pool.submit(self._put, sc["url"], sidecar_paths[sc["filename"]],
                                    item.ids.get(sidecar_paths[sc["filename"]]), 0, sc["size_bytes"],
                                    f"{path.name} sidecar {sc['filename']}", owner=path)
                        for sc in sess["sidecars"] if not sc["received"]]
            with open_checked(path, ident) as fh:  # hash in order while the parts fly
                while chunk := fh.read(8 * CHUNK):
                    sha.update(chunk)
            for f in futures:
                f.result()
        digest = sha.hexdigest()
        self.journal.put(key, sha256=digest)
        done = check(self.client.post(f"/api/v1/uploads/{sess['upload_id']}/complete", json={"sha256": digest}))
        self.journal.put(key, upload_id=None, asset_id=done["asset_id"])
        if done.get("duplicate_of"):
            return Outcome(path, "duplicate", done["duplicate_of"])
        return Outcome(path, "uploaded", done["asset_id"])

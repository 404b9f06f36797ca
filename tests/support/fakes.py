"""Fakes the composition root accepts in tests: an in-memory store, a recording enqueuer, in-process locks."""

from __future__ import annotations

import hashlib
import io
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mam.errors import NotFound, StorageUnavailable
from mam.storage.base import PartInfo


class InMemoryStorage:
    """Objects and multipart uploads in a dict. ``down = True`` makes every call a ``StorageUnavailable``."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.uploads: dict[str, dict[int, bytes]] = {}
        self.down = False

    def _up(self) -> None:
        if self.down:
            raise StorageUnavailable("the object store does not answer (test)")

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> int:
        self._up()
        self.objects[key] = Path(path).read_bytes()
        return len(self.objects[key])

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        self._up()
        buf = io.BytesIO()
        while chunk := stream.read(1024 * 1024):
            buf.write(chunk)
        self.objects[key] = buf.getvalue()
        return len(self.objects[key])

    def get_to_path(self, key: str, path: Path) -> None:
        self._up()
        if key not in self.objects:
            raise NotFound(key)
        Path(path).write_bytes(self.objects[key])

    def open_read(self, key: str) -> BinaryIO:
        self._up()
        if key not in self.objects:
            raise NotFound(key)
        return io.BytesIO(self.objects[key])

    def size(self, key: str) -> int:
        self._up()
        if key not in self.objects:
            raise NotFound(key)
        return len(self.objects[key])

    def exists(self, key: str) -> bool:
        self._up()
        return key in self.objects

    def delete_prefix(self, prefix: str) -> int:
        gone = [k for k in self.objects if k.startswith(prefix)]
        for k in gone:
            del self.objects[k]
        return len(gone)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        return iter([k for k in self.objects if k.startswith(prefix)])

    def presigned_get(self, key: str, ttl_s: int, filename: str | None = None, *, attachment: bool = False,
                      content_type: str | None = None) -> str | None:
        return None

    def presigned_put(self, key: str, ttl_s: int) -> str | None:
        return None

    def local_path(self, key: str) -> Path | None:
        return None

    def check(self) -> None:
        self._up()

    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        self._up()
        upload_id = uuid.uuid4().hex
        self.uploads[upload_id] = {}
        return upload_id

    def upload_part(self, key: str, upload_id: str, number: int, stream: BinaryIO, size: int,
                    offset: int = 0) -> PartInfo:
        self._up()
        data = stream.read(size + 1)
        while len(data) <= size and (more := stream.read(size + 1 - len(data))):
            data += more
        if len(data) != size:
            raise ValueError(f"part {number} has {len(data)} bytes, expected {size}")
        self.uploads[upload_id][number] = data
        return PartInfo(number, size, hashlib.md5(data, usedforsecurity=False).hexdigest())

    def discard_part(self, key: str, upload_id: str, number: int) -> None:
        self.uploads.get(upload_id, {}).pop(number, None)

    def presign_part(self, key: str, upload_id: str, number: int, ttl_s: int,
                     content_md5: str | None = None) -> str | None:
        return None

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        if upload_id not in self.uploads:
            raise NotFound(f"upload {upload_id} does not exist")
        return [PartInfo(n, len(d), hashlib.md5(d, usedforsecurity=False).hexdigest())
                for n, d in sorted(self.uploads[upload_id].items())]

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> None:
        data = self.uploads.pop(upload_id)
        self.objects[key] = b"".join(data[p.number] for p in sorted(parts, key=lambda p: p.number))

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.uploads.pop(upload_id, None)


class RecordingEnqueuer:
    """Records what would be published; ``down = True`` makes ``send`` fail like a broker that is away."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, list[str]]] = []
        self.down = False

    def send(self, task: str, queue: str, args: list[str]) -> None:
        if self.down:
            raise ConnectionError("the broker does not answer (test)")
        self.sent.append((task, queue, list(args)))

    def take(self) -> list[tuple[str, str, list[str]]]:
        """What was sent since the last call."""
        out, self.sent = self.sent, []
        return out


class MemoryLocks:
    """Locks in this process; ``held`` names locks a (dead) other holder keeps."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self._mutex = threading.Lock()

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        with self._mutex:
            if name in self.held:
                got = False
            else:
                self.held.add(name)
                got = True
        try:
            yield got
        finally:
            if got:
                self.held.discard(name)

    def is_held(self, name: str) -> bool:
        return name in self.held

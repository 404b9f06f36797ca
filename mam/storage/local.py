"""Local-directory backend: the embedded default."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mam.errors import NotFound
from mam.storage.base import PartInfo

CHUNK = 1024 * 1024
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


class LocalStorage:
    """Objects as files under one root directory; writes go to a temp file, then ``os.replace``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"key escapes the store: {key!r}")
        return path

    def _atomic_write(self, key: str, writer) -> int:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                writer(out)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return dest.stat().st_size

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> int:
        with open(path, "rb") as src:
            return self._atomic_write(key, lambda out: shutil.copyfileobj(src, out, CHUNK))

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        return self._atomic_write(key, lambda out: shutil.copyfileobj(stream, out, CHUNK))

    def get_to_path(self, key: str, path: Path) -> None:
        src = self._path(key)
        if not src.is_file():
            raise NotFound(key)
        shutil.copyfile(src, path)

    def open_read(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise NotFound(key) from exc

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise NotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> int:
        base = self._path(prefix.rstrip("/"))
        if base.is_file():
            base.unlink()
            return 1
        if not base.is_dir():
            return 0
        count = sum(1 for p in base.rglob("*") if p.is_file())
        shutil.rmtree(base)
        return count

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root).as_posix()
            if path.is_file() and rel.startswith(prefix) and not rel.startswith(".") and "/.tmp" not in rel:
                yield rel

    def presigned_get(self, key: str, ttl_s: int, filename: str | None = None, *, attachment: bool = False,
                      content_type: str | None = None) -> str | None:
        return None

    def presigned_put(self, key: str, ttl_s: int) -> str | None:
        return None

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise PermissionError(f"storage directory not writable: {self.root}")

    # multipart: every part is written in place, at its offset, into one data file under
    # <root>/.multipart/<upload id>/; a marker per finished part records it. Completing is a rename.

    def _mp_dir(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id):
            raise ValueError("bad upload id")
        return self.root / ".multipart" / upload_id

    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        upload_id = uuid.uuid4().hex
        folder = self._mp_dir(upload_id)
        folder.mkdir(parents=True)
        (folder / "data").touch()
        return upload_id

    def upload_part(self, key: str, upload_id: str, number: int, stream: BinaryIO, size: int,
                    offset: int = 0) -> PartInfo:
        folder = self._mp_dir(upload_id)
        if not folder.is_dir():
            raise NotFound(f"upload {upload_id} does not exist (expired or aborted)")
        marker = folder / f"{number:05d}.part"
        marker.unlink(missing_ok=True)
        received = 0
        fd = os.open(folder / "data", os.O_WRONLY)
        try:
            while chunk := stream.read(CHUNK):
                if received + len(chunk) > size:
                    raise ValueError(f"part {number} is longer than its {size} bytes")
                os.pwrite(fd, chunk, offset + received)
                received += len(chunk)
        finally:
            os.close(fd)
        if received != size:
            raise ValueError(f"part {number} has {received} bytes, expected {size}")
        marker.write_text(str(size))
        return PartInfo(number, received, "")

    def discard_part(self, key: str, upload_id: str, number: int) -> None:
        (self._mp_dir(upload_id) / f"{number:05d}.part").unlink(missing_ok=True)

    def presign_part(self, key: str, upload_id: str, number: int, ttl_s: int,
                     content_md5: str | None = None) -> str | None:
        return None

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        folder = self._mp_dir(upload_id)
        if not folder.is_dir():
            raise NotFound(f"upload {upload_id} does not exist (expired or aborted)")
        return [PartInfo(int(m.name[:5]), int(m.read_text() or 0), "") for m in sorted(folder.glob("*.part"))]

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> None:
        folder = self._mp_dir(upload_id)
        data = folder / "data"
        total = sum(p.size for p in parts)
        if data.stat().st_size != total:
            os.truncate(data, total)
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(data, dest)
        shutil.rmtree(folder, ignore_errors=True)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        shutil.rmtree(self._mp_dir(upload_id), ignore_errors=True)

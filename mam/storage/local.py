"""Local-directory backend: the embedded default."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from mam.errors import NotFound

CHUNK = 1024 * 1024


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

    def presigned_get(self, key: str, ttl_s: int, filename: str | None = None) -> str | None:
        return None

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise PermissionError(f"storage directory not writable: {self.root}")

"""What the CLI remembers between runs: open upload sessions (to resume) and finished files (to skip)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any


def file_key(path: Path, api_url: str) -> str:
    """Identity of a file as uploaded to one server: path, size and modification time."""
    st = path.stat()
    return f"{api_url}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


class Journal:
    """A small JSON file, rewritten atomically after every change (safe to kill at any moment)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self.data: dict[str, dict[str, Any]] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.data = {}

    def get(self, key: str) -> dict[str, Any]:
        return dict(self.data.get(key, {}))

    def put(self, key: str, **values: Any) -> None:
        with self._lock:
            entry = self.data.setdefault(key, {})
            entry.update({k: v for k, v in values.items() if v is not None})
            for k in [k for k, v in values.items() if v is None]:
                entry.pop(k, None)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")
            with os.fdopen(fd, "w") as fh:
                json.dump(self.data, fh, ensure_ascii=False)
            os.replace(tmp, self.path)

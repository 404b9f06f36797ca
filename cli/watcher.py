"""Watch folder: a polling scan (works on network shares and card readers, where inotify does not).

The scan never follows a link (see :mod:`cli.card`); what it skips is reported once per path and reason."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from cli.card import Item, Skipped, group
from cli.journal import Journal


class Watcher:
    """Finds items whose files have kept the same size and mtime for ``settle_s`` seconds.

    What was ingested is recorded (path, size, mtime → asset) in a journal under the CLI state dir,
    so a restart does not ingest anything twice.
    """

    def __init__(self, folder: Path, state_dir: Path, settle_s: float = 5.0) -> None:
        self.folder = folder.resolve()
        digest = hashlib.sha1(str(self.folder).encode(), usedforsecurity=False).hexdigest()[:12]
        self.state_path = state_dir / f"watch-{digest}.json"
        self.journal = Journal(self.state_path)
        self.settle_s = settle_s
        self._seen: dict[Path, tuple[int, int, float]] = {}
        self._reported: set[tuple[Path, str]] = set()
        self._new_skips: list[Skipped] = []

    def _key(self, path: Path) -> str:
        st = os.lstat(path)
        return f"{path.relative_to(self.folder)}|{st.st_size}|{st.st_mtime_ns}"

    def _settled(self, path: Path, now: float) -> bool:
        st = os.lstat(path)
        sig = (st.st_size, st.st_mtime_ns)
        prev = self._seen.get(path)
        if prev is None or prev[:2] != sig:
            self._seen[path] = (*sig, now)
            return False
        return now - prev[2] >= self.settle_s

    def ready_items(self) -> list[Item]:
        """Items not yet ingested whose media file and sidecars have all settled."""
        now = time.monotonic()
        ready = []
        scan = group([self.folder])
        for skip in scan.skipped:
            if (skip.path, skip.reason) not in self._reported:
                self._reported.add((skip.path, skip.reason))
                self._new_skips.append(skip)
        for item in scan.items:
            try:
                if self.journal.get(self._key(item.path)):
                    continue
                if all([self._settled(p, now) for p in [item.path, *item.sidecars]]):
                    ready.append(item)
            except FileNotFoundError:
                continue
        return ready

    def take_skipped(self) -> list[Skipped]:
        """Paths skipped by the scans since the last call (each path and reason once per run)."""
        new, self._new_skips = self._new_skips, []
        return new

    def mark_done(self, path: Path, asset_id: str | None, result: str) -> None:
        """Record that ``path`` (as it is now) was ingested."""
        self.journal.put(self._key(path), asset_id=asset_id, result=result)

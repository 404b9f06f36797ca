"""Time-bounded exifread runs, used by `mam.metadata.exif`.

`_ExifRunner` calls ``exifread.process_file`` in a daemon thread joined
against one deadline shared by all runs for a file; exifread reads through
`_GuardedReader`, which raises `_Cancelled` at the first read/seek/tell after
the deadline so an abandoned worker stops at its next I/O; `_LogCapture`
collects exifread's own log warnings per worker thread; and workers that hang
without any I/O are kept in `_STUCK`, so that once ``max_stuck`` of them are
alive (the caller passes `mam.metadata.exif.MAX_STUCK_PARSES`) further runs
are skipped with a warning.  Why a thread rather than a subprocess is
explained in the `mam.metadata.exif` module docstring.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, BinaryIO

try:  # a missing dependency must degrade to a warning, not an ImportError
    import exifread
except ImportError:  # pragma: no cover - exercised only in broken installs
    exifread = None

_MAX_READ = 64 * 1024 * 1024  # cap for a single read requested by exifread
_MAX_GUARD_OPS = 5_000_000


class _Cancelled(Exception):
    """Raised inside an exifread worker once its deadline has passed."""


class _GuardedReader:
    """Read-only file proxy that raises `_Cancelled` once the deadline passes.

    exifread only calls read/seek/tell, and all of its known endless loops do
    I/O, so an abandoned worker thread dies at its next call.
    """

    def __init__(self, raw: BinaryIO, deadline: float) -> None:
        self._raw = raw
        self._deadline = deadline
        self._ops = 0
        self.cancelled = False

    def _check(self) -> None:
        self._ops += 1
        if self.cancelled or self._ops > _MAX_GUARD_OPS or time.monotonic() > self._deadline:
            self.cancelled = True
            raise _Cancelled

    def read(self, size: int = -1) -> bytes:
        self._check()
        if size is None or size < 0 or size > _MAX_READ:
            size = _MAX_READ
        return self._raw.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._check()
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        self._check()
        return self._raw.tell()


class _LogCapture(logging.Handler):
    """Collects exifread's own warnings per worker thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.sinks: dict[int, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        sink = self.sinks.get(record.thread or 0)
        if sink is not None and len(sink) < 20:
            try:
                sink.append(record.getMessage())
            except Exception:  # a bad format string in a log call must not matter
                pass


_LOG_CAPTURE = _LogCapture()
logging.getLogger("exifread").addHandler(_LOG_CAPTURE)
_STUCK: list[threading.Thread] = []
_STUCK_LOCK = threading.Lock()


class _ExifRunner:
    """Runs exifread calls for one file against one shared deadline."""

    def __init__(self, deadline: float, timeout: float, warnings: list[str], *, max_stuck: int) -> None:
        self.deadline = deadline
        self.timeout = timeout
        self.warnings = warnings
        self.max_stuck = max_stuck  # mam.metadata.exif.MAX_STUCK_PARSES, read per file
        self.first_error: str | None = None
        self.last_error: str | None = None
        self.timed_out = False
        self._seen_logs: set[str] = set()

    def run(self, stream: BinaryIO, *, details: bool, what: str, quiet: bool = False) -> dict[str, Any]:
        """exifread ``stream``; ``quiet`` leaves error reporting to the caller."""
        if self.timed_out:  # the deadline is shared: nothing more after a timeout
            return {}
        tags, error, logs = self._run(stream, details)
        for msg in logs:
            if msg not in self._seen_logs:
                self._seen_logs.add(msg)
                self.warnings.append(f"exifread: {msg}")
        self.last_error = error
        if error is not None:
            self.first_error = self.first_error or error
            if error.startswith("timed out") or error.startswith("skipped"):
                self.timed_out = True  # stop: no further exifread runs for this file
                self.warnings.append(f"EXIF parsing of {what} {error}")
            elif not quiet:
                self.warnings.append(f"EXIF parser error in {what} ({error})")
        return tags

    def _run(self, stream: BinaryIO, details: bool) -> tuple[dict[str, Any], str | None, list[str]]:
        if exifread is None:
            return {}, "exifread is not installed", []
        with _STUCK_LOCK:
            _STUCK[:] = [t for t in _STUCK if t.is_alive()]
            if len(_STUCK) >= self.max_stuck:
                return {}, f"skipped: {len(_STUCK)} earlier parses are still stuck", []
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return {}, f"timed out after {self.timeout:g} s (no time left)", []
        guard = _GuardedReader(stream, self.deadline)
        result: dict[str, Any] = {}
        logs: list[str] = []

        def work() -> None:
            ident = threading.get_ident()
            _LOG_CAPTURE.sinks[ident] = logs
            try:
                result["tags"] = exifread.process_file(guard, details=details, extract_thumbnail=False)
            except _Cancelled:
                result["error"] = "cancelled"
            except Exception as exc:  # exifread raises anything on hostile input
                result["error"] = f"{type(exc).__name__}: {_short(exc)}".rstrip(": ")
            finally:
                _LOG_CAPTURE.sinks.pop(ident, None)

        worker = threading.Thread(target=work, name="mam-exifread", daemon=True)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():
            guard.cancelled = True  # the worker raises at its next read/seek/tell
            with _STUCK_LOCK:
                _STUCK.append(worker)
            return {}, f"timed out after {self.timeout:g} s (parser thread abandoned)", list(logs)
        if result.get("error") == "cancelled":  # hit the deadline just before join() returned
            return {}, f"timed out after {self.timeout:g} s", logs
        if "error" in result:
            return {}, result["error"], logs
        return dict(result.get("tags") or {}), None, logs


def _short(exc: BaseException, limit: int = 160) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[: limit - 3] + "..."

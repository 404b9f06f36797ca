"""Child-process hygiene shared by everything that starts long-running children."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal

try:  # loaded once in the parent so the child only makes one libc call between fork and exec
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
except OSError:  # pragma: no cover - not Linux/glibc
    _LIBC = None

_PR_SET_PDEATHSIG = 1
_SIGTERM = int(signal.SIGTERM)


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when its parent dies (PR_SET_PDEATHSIG).

    Used as ``preexec_fn`` so that no ffmpeg, worker or Redis outlives the process that owns it.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, _SIGTERM)

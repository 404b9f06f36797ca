"""Progress of long work: seconds of media done become a fraction and an ETA, written at most once a second."""

from __future__ import annotations

import time
from collections.abc import Callable


def progress_reporter(duration_s: float, write: Callable[[float, float | None], None],
                      every_s: float = 1.0) -> Callable[[float], None]:
    """A callback for the media runner's ``on_progress``: ``write(fraction, eta_s)`` at most every ``every_s``
    (ffmpeg reports several times a second). The fraction stops at 0.99: done is the workflow's word."""
    started, last = time.monotonic(), [0.0]

    def report(done_s: float) -> None:
        now = time.monotonic()
        if duration_s <= 0 or now - last[0] < every_s:
            return
        last[0] = now
        fraction = min(0.99, done_s / duration_s)
        elapsed = now - started
        eta = round(elapsed * (1 - fraction) / fraction, 1) if fraction > 0.01 and elapsed > 1 else None
        write(round(fraction, 3), eta)

    return report

"""The one way to run ffmpeg and ffprobe: argument lists, no shell, a time limit, typed errors."""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable

from mam.errors import MediaProcessingError, MediaTimeout
from mam.process import die_with_parent

log = logging.getLogger(__name__)

#: Flags every ffmpeg invocation starts with: no stdin, only local files and pipes may be opened.
FFMPEG_SAFE_PREFIX = ["-nostdin", "-hide_banner", "-protocol_whitelist", "file,pipe"]


def stderr_tail(text: str, lines: int = 6) -> str:
    """The last few meaningful lines of ffmpeg's stderr, for a person to read."""
    kept = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " | ".join(kept[-lines:])


def run_media_command(
    cmd: list[str],
    *,
    timeout_s: float,
    on_progress_line: Callable[[str], None] | None = None,
) -> str:
    """Run ``cmd`` (a list, never a shell string) and return its stdout.

    The child runs in its own process group and is killed with everything it spawned when
    ``timeout_s`` passes. With ``on_progress_line`` each stdout line (ffmpeg ``-progress pipe:1``)
    is handed over as it arrives.

    Raises:
        MediaTimeout: the time limit passed.
        MediaProcessingError: non-zero exit; the message carries the tail of stderr.
    """
    if not isinstance(cmd, list) or not cmd:
        raise TypeError("cmd must be a non-empty list of arguments")
    log.info("run: %s", shlex.join(cmd))
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errfile, start_new_session=True,
            preexec_fn=die_with_parent,
        )
        timed_out = threading.Event()

        def _kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, _kill)
        timer.daemon = True
        timer.start()
        out_chunks: list[str] = []
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace")
                if on_progress_line is not None:
                    on_progress_line(line.rstrip("\n"))
                else:
                    out_chunks.append(line)
            proc.wait()
        except BaseException:
            _kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        errfile.seek(0)
        err = errfile.read().decode("utf-8", "replace")
    if timed_out.is_set():
        raise MediaTimeout(f"{os.path.basename(cmd[0])} ran past its {timeout_s:.0f} s limit and was stopped")
    if proc.returncode != 0:
        raise MediaProcessingError(stderr_tail(err) or f"{cmd[0]} exited with {proc.returncode}")
    return "".join(out_chunks)

"""The one way to run ffmpeg and ffprobe: argument lists, no shell, the safety flags, a time limit, typed errors.

Command builders (``probe.py``, ``media_pass.py``, ``renditions.py``, or ffmpeg-python's ``compile()``) return
plain argument lists; :func:`safe_media_command` is where safety is added, and :func:`run_media_command` always
goes through it:

* after the program name: ``-nostdin`` (ffmpeg only; ffprobe has no such option and never reads stdin)
  and ``-hide_banner``;
* before every input (``-i``): ``-protocol_whitelist file,pipe`` and ``-format_whitelist`` with the accepted
  demuxers (:mod:`mam.media.formats`), plus ``-pattern_type none`` when the input is forced to ``-f image2``.
  Inserted right before ``-i``, they are the last word for that input.

It refuses (``TypeError`` for a string or non-string arguments, ``ValueError`` for the rest):

* any program but ffmpeg and ffprobe, and an ffprobe command without exactly one ``-i``;
* an input that is not a ``file:`` path (or ``pipe:``/``-``), and a ``file:`` path holding ``%`` or glob
  characters (what ``image2`` would expand into a sequence of other files);
* a forced input format (``-f``) outside the allowlist (or :data:`TEXT_TRACK_FORMATS`, then the only one that
  input may use);
* options that set what the runner sets (``-protocol_whitelist``, ``-format_whitelist``, ``-pattern_type``,
  ``-enable_drefs``: MOV external data references stay off) and options that make ffmpeg read files other than
  its inputs (``-attach``, ``-filter_complex_script``, ``-filter_script``, ``-/option`` values from files) or
  write files the media names (``-dump_attachment``);
* filter graphs with ``movie``/``amovie`` (inputs opened behind the runner's back) or ``zmq``/``azmq``
  (sockets);
* ``-progress`` anywhere but ``pipe:N`` or a ``file:`` path.

Each child runs in its own process group, dies with its parent (``PR_SET_PDEATHSIG``) and is killed with
everything it spawned at its time limit.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from mam.errors import Cancelled, MediaProcessingError, MediaTimeout
from mam.media.formats import ALLOWED_FORMATS, FORMAT_WHITELIST, PROTOCOL_WHITELIST
from mam.process import die_with_parent

log = logging.getLogger(__name__)

PROGRAMS = ("ffmpeg", "ffprobe")

#: Set by the runner only; a command that sets them is refused.
_RUNNER_OPTIONS = frozenset({"-protocol_whitelist", "-protocol_blacklist", "-format_whitelist", "-pattern_type",
                             "-enable_drefs"})
#: Options that make ffmpeg read a file that is not one of its ``-i`` inputs, or write files the media names.
_FILE_OPTIONS = frozenset({"-attach", "-filter_complex_script", "-filter_script", "-dump_attachment"})
_FILTER_OPTIONS = frozenset({"-filter_complex", "-lavfi", "-vf", "-af", "-filter"})
#: Filters that open inputs (without the runner's whitelists) or network sockets.
_REFUSED_FILTERS = frozenset({"movie", "amovie", "zmq", "azmq"})
#: Characters that make ``image2`` read a sequence or a glob instead of the one named file.
_PATTERN_CHARS = frozenset("%*?[]{}")
_PIPE = re.compile(r"pipe:\d*\Z")
#: Subtitle demuxers a builder may force on an input the product wrote itself (an export's soft subtitle track):
#: that input may be opened by that demuxer only (its own one-name whitelist); they open no other file.
TEXT_TRACK_FORMATS = frozenset({"srt", "webvtt"})


def stderr_tail(text: str, lines: int = 6) -> str:
    """The last few meaningful lines of ffmpeg's stderr, for a person to read."""
    kept = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " | ".join(kept[-lines:])


def _option_name(arg: str) -> str | None:
    """``-filter:v`` -> ``-filter``; None for an argument that is not an option."""
    if len(arg) < 2 or not arg.startswith("-"):
        return None
    return arg.split(":", 1)[0]


def _check_input(target: str) -> None:
    if target == "-" or _PIPE.match(target):
        return
    if not target.startswith("file:") or len(target) == len("file:"):
        raise ValueError(f"media inputs must be file: paths or pipe:, not {target!r}")
    if _PATTERN_CHARS & set(target) or any(ord(c) < 32 for c in target):
        raise ValueError(f"input path {target!r} holds pattern or control characters (refused: image2 would "
                         "read other files)")


def filter_names(graph: str) -> list[str]:
    """The filter names in a filter graph (``[0:v]scale=...[s0];[s0]split=2[a][b]`` -> scale, split)."""
    names = []
    for part in re.split(r"(?<!\\)[;,]", graph):
        part = re.sub(r"^\s*(\[[^\]]*\]\s*)*", "", part)
        m = re.match(r"[A-Za-z0-9_]+", part)
        if m:
            names.append(m.group(0))
    return names


def _check_option(arg: str, value: str | None) -> None:
    name = _option_name(arg)
    if name is None:
        return
    if name in _RUNNER_OPTIONS:
        raise ValueError(f"{arg} is set by the media runner, never by a command builder")
    if name in _FILE_OPTIONS or arg.startswith("-/"):
        raise ValueError(f"{arg} reads or writes files outside the command's inputs and outputs; refused")
    if name in _FILTER_OPTIONS and value is not None:
        bad = sorted(_REFUSED_FILTERS & set(filter_names(value)))
        if bad:
            raise ValueError(f"filter(s) {', '.join(bad)} open inputs or sockets outside the runner; refused")
    if name == "-progress" and value is not None and not (_PIPE.match(value) or value.startswith("file:")):
        raise ValueError(f"-progress goes to pipe:N or a file: path, not {value!r}")


def _forced_format(group: Sequence[str]) -> str | None:
    """The ``-f`` value among one input's options, if any."""
    forced = None
    for k, arg in enumerate(group[:-1]):
        if arg == "-f":
            forced = group[k + 1]
    return forced


def safe_media_command(cmd: Sequence[str]) -> list[str]:
    """``cmd`` with the runner's safety flags inserted, or an error if it does something the runner refuses.

    Pure: builders' plans and ffmpeg-python ``compile()`` output go in, the argument list that runs comes out.
    """
    if isinstance(cmd, (str, bytes)) or not isinstance(cmd, (list, tuple)) or not cmd:
        raise TypeError("cmd must be a non-empty list of arguments, never a shell string")
    if not all(isinstance(a, str) for a in cmd):
        raise TypeError("every argument must be a str")
    program = os.path.basename(cmd[0])
    if program not in PROGRAMS:
        raise ValueError(f"the media runner runs ffmpeg and ffprobe only, not {cmd[0]!r}")
    args = list(cmd[1:])
    out = [cmd[0], *(["-nostdin"] if program == "ffmpeg" else []), "-hide_banner"]
    group_start, inputs, i = 0, 0, 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if arg in ("-nostdin", "-hide_banner"):  # added above; a second copy would be harmless but noisy
            i += 1
            continue
        if arg == "-i":
            if value is None:
                raise ValueError("-i without an input")
            _check_input(value)
            forced = _forced_format(args[group_start:i])
            if forced is not None and forced not in ALLOWED_FORMATS | TEXT_TRACK_FORMATS:
                raise ValueError(f"input format {forced!r} is not accepted")
            allowed = forced if forced in TEXT_TRACK_FORMATS else FORMAT_WHITELIST
            out += ["-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", allowed]
            if forced == "image2":
                out += ["-pattern_type", "none"]
            out += ["-i", value]
            inputs += 1
            i += 2
            group_start = i
            continue
        _check_option(arg, value)
        out.append(arg)
        i += 1
    if program == "ffprobe" and inputs != 1:
        raise ValueError("an ffprobe command names exactly one input, with -i")
    return out


def progress_seconds(line: str) -> float | None:
    """Seconds of media done, from an ffmpeg ``-progress`` line (``out_time_us=…``) or a metadata print
    line (``frame:12 pts:12 pts_time:12``); None for other lines."""
    key, _, value = line.partition("=")
    if key in ("out_time_us", "out_time_ms") and value.strip().lstrip("-").isdigit():
        return max(0.0, int(value) / 1_000_000)
    if line.startswith("frame:") and "pts_time:" in line:
        try:
            return max(0.0, float(line.rsplit("pts_time:", 1)[1].split()[0]))
        except (ValueError, IndexError):
            return None
    return None


def _tail(path: Path, stop: threading.Event, report: Callable[[float], None], every_s: float = 0.5) -> None:
    """Follow ``path`` while the command runs, reporting the newest media time it names."""
    pos, rest = 0, b""
    while not stop.wait(every_s):
        try:
            with open(path, "rb") as fh:
                fh.seek(pos)
                data = fh.read()
        except OSError:
            continue
        pos += len(data)
        *lines, rest = (rest + data).split(b"\n")
        times = [t for ln in lines if (t := progress_seconds(ln.decode("utf-8", "replace"))) is not None]
        if times:
            report(max(times))


def _watch(stop: threading.Event, should_stop: Callable[[], bool], cancel: Callable[[], None]) -> None:
    """Ask ``should_stop`` every half second while the command runs; stop the command when it says so."""
    while not stop.wait(0.5):
        try:
            if should_stop():
                cancel()
                return
        except Exception:  # a failing check (the catalog briefly away) never stops the work
            log.warning("cancellation check failed; the command goes on", exc_info=True)


def _run(cmd: list[str], timeout_s: float, on_progress_line: Callable[[str], None] | None,
         on_progress: Callable[[float], None] | None = None, progress_file: Path | None = None,
         should_stop: Callable[[], bool] | None = None) -> str:
    log.info("run: %s", shlex.join(cmd))
    stop_tail = threading.Event()
    cancelled = threading.Event()
    if on_progress is not None and progress_file is not None:
        threading.Thread(target=_tail, args=(progress_file, stop_tail, on_progress), daemon=True).start()
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
        if should_stop is not None:
            def _cancel() -> None:
                cancelled.set()
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            threading.Thread(target=_watch, args=(stop_tail, should_stop, _cancel), daemon=True).start()
        out_chunks: list[str] = []
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace")
                if on_progress is not None and (done := progress_seconds(line.rstrip("\n"))) is not None:
                    on_progress(done)
                if on_progress_line is not None:
                    on_progress_line(line.rstrip("\n"))
                elif on_progress is None:
                    out_chunks.append(line)
            proc.wait()
        except BaseException:
            _kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
            stop_tail.set()
        errfile.seek(0)
        err = errfile.read().decode("utf-8", "replace")
    if cancelled.is_set():
        raise Cancelled(f"{os.path.basename(cmd[0])} was stopped: the work was cancelled")
    if timed_out.is_set():
        raise MediaTimeout(f"{os.path.basename(cmd[0])} ran past its {timeout_s:.0f} s limit and was stopped")
    if proc.returncode != 0:
        raise MediaProcessingError(stderr_tail(err) or f"{cmd[0]} exited with {proc.returncode}")
    return "".join(out_chunks)


def run_media_command(
    cmd: list[str],
    *,
    timeout_s: float,
    on_progress_line: Callable[[str], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    progress_file: Path | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> str:
    """Run ``cmd`` (a list, never a shell string) made safe by :func:`safe_media_command`; return its stdout.

    The child runs in its own process group and is killed with everything it spawned when
    ``timeout_s`` passes. With ``on_progress_line`` each stdout line (ffmpeg ``-progress pipe:1``)
    is handed over as it arrives. ``on_progress(seconds)`` gets the media time done, from ``-progress`` and,
    every half second, from ``progress_file`` (a metadata print file the command writes unbuffered).
    ``should_stop()`` is asked every half second; when it answers True the command is killed and
    ``Cancelled`` raised.

    Raises:
        TypeError, ValueError: the command is refused (see the module docstring); nothing was run.
        MediaTimeout: the time limit passed.
        MediaProcessingError: non-zero exit; the message carries the tail of stderr.
    """
    return _run(safe_media_command(cmd), timeout_s, on_progress_line, on_progress, progress_file, should_stop)


def media_tool_version(program: str, *, timeout_s: float = 10.0) -> str:
    """The first line of ``ffmpeg -version`` or ``ffprobe -version`` (e.g. ``ffmpeg version 5.1.6 ...``).

    Raises:
        ValueError: ``program`` is neither ffmpeg nor ffprobe.
        MediaProcessingError: the program is not on PATH or failed.
        MediaTimeout: it did not answer within ``timeout_s``.
    """
    if program not in PROGRAMS:
        raise ValueError(f"the media runner runs ffmpeg and ffprobe only, not {program!r}")
    if shutil.which(program) is None:
        raise MediaProcessingError(f"{program} not found on PATH")
    out = _run([program, "-version"], timeout_s, None)
    return next((ln.strip() for ln in out.splitlines() if ln.strip()), f"{program} (no version printed)")

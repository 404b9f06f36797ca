"""Keeping `mam serve`'s children alive: a background thread restarts whatever it was given when it dies.

Every child (the embedded Redis, each worker pool) is restarted with exponential backoff: 1 s, doubling up to
30 s, back to 1 s once it has stayed up for a minute. Each restart is logged at WARNING with how the child
ended (exit code or signal). On shutdown the children are stopped in the reverse order they were added
(workers first, Redis last so that it writes its append-only file with nothing left talking to it).

Children are started with ``PR_SET_PDEATHSIG`` (``mam.process.die_with_parent``), whose "parent" is the
*thread* that started them: the supervisor thread therefore stops its children itself before it ends.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("mam.serve")


class Child(Protocol):
    """A process the supervisor keeps running."""

    name: str

    @property
    def pid(self) -> int: ...

    def returncode(self) -> int | None:
        """None while running, else its exit code (negative: killed by that signal)."""

    def start(self) -> None:
        """Start it (again). Raises when it cannot."""

    def stop(self) -> None:
        """Stop it and wait for it. (A child may also have ``begin_stop()``: ask it to stop, without waiting;
        the supervisor calls that on every child first.)"""


@dataclass
class Backoff:
    """Delays between restarts: ``first_s`` doubling to ``max_s``; reset after ``reset_after_s`` of uptime."""

    first_s: float = 1.0
    max_s: float = 30.0
    reset_after_s: float = 60.0
    _next_s: float | None = None

    def next_delay(self, uptime_s: float) -> float:
        """The wait before the next start of a child that ran ``uptime_s`` seconds this time."""
        if self._next_s is None or uptime_s >= self.reset_after_s:
            self._next_s = self.first_s
        delay = self._next_s
        self._next_s = min(delay * 2, self.max_s)
        return delay


def exit_cause(returncode: int) -> str:
    """How a process ended, for people: ``exit code 1`` or ``killed by SIGKILL``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class _Watched:
    child: Child
    backoff: Backoff
    started_at: float = field(default_factory=time.monotonic)
    restart_at: float | None = None  # set while the child is down and waiting for its next start
    restarts: int = 0


class Supervisor:
    """Restarts dead children from a background thread until ``shutdown``; then stops them all."""

    def __init__(self, poll_s: float = 0.5, backoff: Backoff | None = None) -> None:
        self.poll_s = poll_s
        self._template = backoff or Backoff()
        self._watched: list[_Watched] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def children(self) -> list[Child]:
        return [w.child for w in self._watched]

    def restarts(self, child: Child) -> int:
        """How many times ``child`` was started again."""
        return next(w.restarts for w in self._watched if w.child is child)

    def add(self, child: Child) -> Child:
        """Watch a child that is already running (before ``start``)."""
        b = self._template
        self._watched.append(_Watched(child, Backoff(b.first_s, b.max_s, b.reset_after_s)))
        return child

    def start(self) -> None:
        """Start watching in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="mam-supervisor", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop watching, then stop every child (workers before Redis). Safe to call twice."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._stop_children()  # no-op when the thread already did it

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.poll_s):
                for watched in self._watched:
                    if self._stop.is_set():
                        break
                    self._check(watched)
        except Exception:  # never let the loop die silently: the children would stay down
            log.exception("the supervisor stopped")
        finally:
            self._stop_children()

    def _check(self, w: _Watched) -> None:
        now = time.monotonic()
        if w.restart_at is None:
            code = w.child.returncode()
            if code is None:
                return
            delay = w.backoff.next_delay(now - w.started_at)
            w.restart_at = now + delay
            log.warning("%s (pid %d) ended: %s; restarting it in %g s", w.child.name, w.child.pid,
                        exit_cause(code), delay)
            return
        if now < w.restart_at:
            return
        try:
            w.child.start()
        except Exception as exc:
            delay = w.backoff.next_delay(0)
            w.restart_at = time.monotonic() + delay
            log.warning("%s did not start again (%s); next try in %g s", w.child.name, exc, delay)
            return
        w.started_at, w.restart_at = time.monotonic(), None
        w.restarts += 1
        log.warning("%s restarted (pid %d, restart %d)", w.child.name, w.child.pid, w.restarts)

    def _stop_children(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for watched in reversed(self._watched):  # ask every worker at once, so their shutdowns overlap
            begin = getattr(watched.child, "begin_stop", None)
            if begin is not None:
                begin()
        for watched in reversed(self._watched):
            try:
                watched.child.stop()
            except Exception as exc:
                log.warning("could not stop %s: %s", watched.child.name, exc)

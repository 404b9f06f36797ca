"""`mam serve`: migrate, make the first admin token, start Redis (embedded) and two worker pools, keep them
running, run the API.

Worker pools (each one `celery worker` process with its own prefork children):

* ``interactive`` consumes the workflow's ``INTERACTIVE`` queue (probe, metadata, media pass of short files),
  so a small clip is never stuck behind long transcodes;
* ``heavy`` consumes every other queue (``HEAVY``: long media passes; ``analyze``: keyframe analysis).

``MAM_INTERACTIVE_WORKERS`` processes (default: half of ``MAM_WORKERS``, at least 1) go to the interactive
pool and the rest (at least 1) to the heavy one; ``MAM_WORKERS=1`` is one process on every queue, 0 none.

The embedded Redis and the pools are supervised (``cli/supervision.py``): restarted when they die, with
backoff; Redis comes back on the same port from its append-only file and the workers reconnect to it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from app import bootstrap
from cli.supervision import Supervisor
from config.settings import Settings
from mam.process import die_with_parent
from pipelines.workflow import HEAVY, INTERACTIVE
from pipelines.workflow import QUEUES as WORKFLOW_QUEUES

log = logging.getLogger("mam.serve")
console = Console(stderr=True)
QUEUES = ",".join(WORKFLOW_QUEUES)


def worker_command(queues: str, concurrency: int, name: str) -> list[str]:
    """The celery worker command line `mam serve` and `mam worker` share (fair scheduling: a free child
    takes the next task; with prefetch 1 and late acks nothing waits behind a busy child)."""
    return [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues, "-c", str(concurrency),
            "-n", f"{name}@%h", "-O", "fair", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]


@dataclass(frozen=True)
class Pool:
    """One worker process of `mam serve`: its name, the queues it consumes and its concurrency."""

    name: str
    queues: tuple[str, ...]
    concurrency: int

    def describe(self) -> str:
        return f"{self.name} pool: {self.concurrency} on {','.join(self.queues)}"


def worker_pools(settings: Settings, workers: int) -> list[Pool]:
    """The pools for ``workers`` worker processes in all (see the module's docstring)."""
    if workers <= 0:
        return []
    if workers == 1:
        return [Pool("mam", WORKFLOW_QUEUES, 1)]
    interactive = settings.interactive_workers
    if interactive is None:
        interactive = max(1, workers // 2)
    heavy_queues = (HEAVY, *(q for q in WORKFLOW_QUEUES if q not in (INTERACTIVE, HEAVY)))
    heavy = max(1, workers - interactive)
    if interactive <= 0:  # no interactive pool asked for: the heavy pool takes its queue too
        return [Pool("heavy", WORKFLOW_QUEUES, heavy)]
    return [Pool("interactive", (INTERACTIVE,), interactive), Pool("heavy", heavy_queues, heavy)]


class WorkerProcess:
    """A supervised `celery worker` child for one pool; its output goes to ``log_path`` (appended)."""

    def __init__(self, pool: Pool, env: dict[str, str], log_path: Path, stop_timeout_s: float = 30.0) -> None:
        self.pool = pool
        self.name = f"{pool.name} worker pool"
        self.env = env
        self.log_path = log_path
        self.stop_timeout_s = stop_timeout_s
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def command(self) -> list[str]:
        return worker_command(",".join(self.pool.queues), self.pool.concurrency, f"{self.pool.name}-{os.getpid()}")

    def start(self) -> None:
        with open(self.log_path, "ab") as out:  # the child keeps its own copy of the descriptor
            # its own process group: a Ctrl-C in the terminal reaches `mam serve`, which stops the pools
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
                                            process_group=0, env=self.env)

    def returncode(self) -> int | None:
        return self.process.poll() if self.process else None

    def begin_stop(self) -> None:
        """Warm shutdown: the worker finishes or hands back its running tasks."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        if self.process is None:
            return
        self.begin_stop()
        try:
            self.process.wait(self.stop_timeout_s)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s; killing it", self.name, self.stop_timeout_s)
            self.process.kill()
            self.process.wait()


def serve(settings: Settings, workers: int) -> None:
    """Run the whole system in the foreground until Ctrl-C / SIGTERM."""
    supervisor = Supervisor()
    redis_server = None
    try:
        if settings.embedded_broker:
            from workers.embedded_redis import start_redis

            redis_server = supervisor.add(start_redis(settings.data_dir / "redis"))
            settings = settings.model_copy(update={"broker_url": redis_server.url})
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            settings.broker_file.write_text(redis_server.url + "\n")
            console.print(f"broker: embedded Redis on 127.0.0.1:{redis_server.port} (pid {redis_server.pid})",
                          soft_wrap=True)
        root = bootstrap.build(settings)
        token = bootstrap.start_up(root)
        if token:
            console.print(f"[bold yellow]Admin token (shown once, also stored in {settings.token_file}):[/]")
            print(token, flush=True)
        if password := bootstrap.first_user(root):
            console.print(f"[bold yellow]Web UI sign-in: admin / {password}[/] (shown once, also stored in "
                          f"{settings.first_password_file})", soft_wrap=True)
        log_path = settings.data_dir / "worker.log"
        env = bootstrap.child_env(MAM_BROKER_URL=settings.broker_url)
        pools = worker_pools(settings, workers)
        for pool in pools:
            proc = WorkerProcess(pool, env, log_path)
            proc.start()
            supervisor.add(proc)
            console.print(f"workers: {pool.describe()} (pid {proc.pid})", soft_wrap=True)
        if pools:
            console.print(f"worker log: {log_path}", soft_wrap=True)
        else:
            console.print("workers: none started (MAM_WORKERS=0); run `mam worker` against this broker")
        supervisor.start()
        import uvicorn

        from api.app import create_app

        console.print(f"API: http://{settings.host}:{settings.port}  (docs at /docs)")
        # uvicorn re-raises the SIGTERM it caught once it has stopped; turn it into SystemExit so the
        # cleanup below runs (workers and Redis are stopped, Redis writes its append-only file).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        uvicorn.run(create_app(root), host=settings.host, port=settings.port, log_level="info",
                    timeout_graceful_shutdown=5)
    finally:
        supervisor.shutdown()
        if redis_server is not None:
            settings.broker_file.unlink(missing_ok=True)

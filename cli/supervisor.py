"""`mam serve`: migrate, make the first admin token, start Redis (embedded) and workers, run the API."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

from rich.console import Console

from app import bootstrap
from config.settings import Settings
from mam.process import die_with_parent
from pipelines.workflow import QUEUES as WORKFLOW_QUEUES

log = logging.getLogger("mam.serve")
console = Console(stderr=True)
QUEUES = ",".join(WORKFLOW_QUEUES)


def worker_command(queues: str, concurrency: int, name: str) -> list[str]:
    """The celery worker command line `mam serve` and `mam worker` share."""
    return [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues, "-c", str(concurrency),
            "-n", f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]


def serve(settings: Settings, workers: int) -> None:
    """Run the whole system in the foreground until Ctrl-C / SIGTERM."""
    redis_proc = None
    children: list[subprocess.Popen] = []
    try:
        if settings.embedded_broker:
            from workers.embedded_redis import start_redis

            redis_proc = start_redis(settings.data_dir / "redis")
            settings = settings.model_copy(update={"broker_url": redis_proc.url})
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            settings.broker_file.write_text(redis_proc.url + "\n")
            console.print(f"broker: embedded Redis on 127.0.0.1:{redis_proc.port}")
        root = bootstrap.build(settings)
        token = bootstrap.start_up(root)
        if token:
            console.print(f"[bold yellow]Admin token (shown once, also stored in {settings.token_file}):[/]")
            print(token, flush=True)
        if workers > 0:
            log_path = settings.data_dir / "worker.log"
            children.append(subprocess.Popen(
                worker_command(QUEUES, workers, f"mam-{os.getpid()}"),
                stdin=subprocess.DEVNULL, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent, env=bootstrap.child_env(MAM_BROKER_URL=settings.broker_url),
            ))
            console.print(f"workers: {workers} on queues {QUEUES} (log: {log_path})")
        import uvicorn

        from api.app import create_app

        console.print(f"API: http://{settings.host}:{settings.port}  (docs at /docs)")
        # uvicorn re-raises the SIGTERM it caught once it has stopped; turn it into SystemExit so the
        # cleanup below runs (workers and Redis are stopped, Redis writes its append-only file).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        uvicorn.run(create_app(root), host=settings.host, port=settings.port, log_level="info",
                    timeout_graceful_shutdown=5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_proc is not None:
            settings.broker_file.unlink(missing_ok=True)
            redis_proc.stop()

"""`mam serve`: migrate, make the first admin token, start Redis (embedded) and workers, run the API."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

from rich.console import Console

from config.settings import Settings, get_settings
from mam.auth import ensure_admin_token
from mam.db import migrate, unit_of_work
from mam.process import die_with_parent

log = logging.getLogger("mam.serve")
console = Console(stderr=True)
QUEUES = "ingest,transcode,analyze"


def bootstrap(settings: Settings) -> str | None:
    """Apply migrations, index assets the search index lacks; on first start without MAM_ADMIN_TOKEN, create and
    return an admin token."""
    from mam.search.index import backfill

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    with unit_of_work(settings.database_url) as s:
        if n := backfill(s):
            log.info("indexed %d asset(s) for search", n)
    if settings.admin_token:
        return None
    with unit_of_work(settings.database_url) as s:
        return ensure_admin_token(s, settings.token_file)


def worker_command(queues: str, concurrency: int, name: str) -> list[str]:
    """The celery worker command line `mam serve` and `mam worker` share."""
    return [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues, "-c", str(concurrency),
            "-n", f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]


def serve(settings: Settings, workers: int) -> None:
    """Run the whole system in the foreground until Ctrl-C / SIGTERM."""
    token = bootstrap(settings)
    if token:
        console.print(f"[bold yellow]Admin token (shown once, also stored in {settings.token_file}):[/]")
        print(token, flush=True)
    redis_proc = None
    children: list[subprocess.Popen] = []
    try:
        if settings.embedded_broker:
            from workers.embedded_redis import start_redis

            redis_proc = start_redis(settings.data_dir / "redis")
            os.environ["MAM_BROKER_URL"] = redis_proc.url  # handed to the workers and this process
            settings.broker_file.write_text(redis_proc.url + "\n")
            get_settings.cache_clear()
            settings = get_settings()
            console.print(f"broker: embedded Redis on 127.0.0.1:{redis_proc.port}")
        if workers > 0:
            log_path = settings.data_dir / "worker.log"
            children.append(subprocess.Popen(
                worker_command(QUEUES, workers, f"mam-{os.getpid()}"),
                stdin=subprocess.DEVNULL, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            ))
            console.print(f"workers: {workers} on queues {QUEUES} (log: {log_path})")
        _requeue_unfinished(settings)
        import uvicorn

        from api.app import create_app

        console.print(f"API: http://{settings.host}:{settings.port}  (docs at /docs)")
        # uvicorn re-raises the SIGTERM it caught once it has stopped; turn it into SystemExit so the
        # cleanup below runs (workers and Redis are stopped, Redis writes its append-only file).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info",
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


def _requeue_unfinished(settings: Settings) -> None:
    """Queue again what was pending or processing when the system stopped (steps are idempotent)."""
    from mam.catalog import unfinished_asset_ids
    from workers.enqueue import enqueue_ingest

    with unit_of_work(settings.database_url) as s:
        ids = unfinished_asset_ids(s)
    for asset_id in ids:
        try:
            enqueue_ingest(asset_id)
        except Exception as exc:
            log.warning("could not requeue %s: %s", asset_id, exc)
    if ids:
        console.print(f"requeued {len(ids)} unfinished asset(s)")

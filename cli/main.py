"""The `mam` command line."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from cli.client import ApiError, check, make_client
from config.settings import get_settings

app = typer.Typer(help="Media asset management: serve, ingest, inspect.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
assets_app = typer.Typer(help="Inspect assets.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")
out = Console()
err = Console(stderr=True)


@app.command()
def serve(
    workers: Annotated[int | None, typer.Option(help="worker processes to start (0: none)")] = None,
) -> None:
    """Start the API, and on embedded defaults a Redis and worker processes."""
    from cli.supervisor import serve as run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    run(settings, settings.workers if workers is None else workers)


@app.command()
def worker(
    queues: Annotated[str, typer.Option("--queues", "-Q", help="comma-separated queues")] = "ingest,transcode",
    concurrency: Annotated[int, typer.Option("--concurrency", "-c")] = 1,
) -> None:
    """Run a worker against MAM_BROKER_URL (any Redis)."""
    import os

    from cli.supervisor import worker_command

    if not get_settings().broker_url:
        err.print("[red]MAM_BROKER_URL is not set[/]: a standalone worker needs the broker of a running system")
        raise typer.Exit(2)
    cmd = worker_command(queues, concurrency, f"mam-{os.getpid()}")
    os.execv(cmd[0], cmd)


class _ProgressReader:
    def __init__(self, fh, progress: Progress, task) -> None:
        self.fh, self.progress, self.task = fh, progress, task

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.progress.advance(self.task, len(data))
        return data


def _walk(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif p.is_file():
            files.append(p)
        else:
            raise typer.BadParameter(f"{p} does not exist")
    return files


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders")],
    project: Annotated[str | None, typer.Option(help="project / programme")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="tag (repeatable)")] = None,
    wait: Annotated[bool, typer.Option(help="wait until every asset is ready or failed")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the resulting asset records as JSON")] = False,
    timeout: Annotated[float, typer.Option(help="seconds to wait with --wait")] = 3600.0,
) -> None:
    """Upload files through the API, with progress."""
    settings = get_settings()
    files = _walk(paths)
    created: list[str] = []
    failures: list[tuple[Path, str]] = []
    with make_client(settings, timeout=None) as client, Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=err, transient=as_json,
    ) as progress:
        total = progress.add_task(f"{len(files)} file(s)", total=sum(f.stat().st_size for f in files))
        for f in files:
            task = progress.add_task(f.name[:40], total=f.stat().st_size)
            try:
                with open(f, "rb") as fh:
                    reader = _ProgressReader(fh, progress, task)
                    data = {"project": project or "", "tags": ",".join(tag or [])}
                    resp = client.post("/api/v1/assets", files={"file": (f.name, reader)}, data=data)
                created.append(check(resp)["id"])
            except (ApiError, OSError) as exc:
                failures.append((f, str(exc)))
            progress.advance(total, f.stat().st_size)
            progress.remove_task(task)
        records = [check(client.get(f"/api/v1/assets/{a}")) for a in created]
        if wait and created:
            records = _wait(client, created, progress, timeout)
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        _print_table(records)
    for f, why in failures:
        err.print(f"[red]failed[/] {f}: {why}")
    err.print(f"uploaded {len(created)}, failed {len(failures)}")
    if failures or any(r["status"] == "failed" for r in records):
        raise typer.Exit(1)


def _wait(client, ids: list[str], progress: Progress, timeout: float) -> list[dict]:
    task = progress.add_task("processing", total=len(ids))
    deadline = time.monotonic() + timeout
    while True:
        records = [check(client.get(f"/api/v1/assets/{a}")) for a in ids]
        done = sum(r["status"] in ("ready", "failed") for r in records)
        progress.update(task, completed=done)
        if done == len(ids) or time.monotonic() > deadline:
            return records
        time.sleep(1.0)


def _print_table(records: list[dict]) -> None:
    table = Table("id", "status", "file", "duration", "size", "error")
    for r in records:
        t = r.get("technical") or {}
        dims = f"{t.get('width')}x{t.get('height')}" if t.get("width") else ""
        dur = f"{t['duration_s']:.1f}s" if t.get("duration_s") else ""
        table.add_row(r["id"], r["status"], r["original_filename"], dur, dims, r.get("error") or "")
    out.print(table)


@assets_app.command("show")
def assets_show(
    asset_id: str,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one asset."""
    with make_client(get_settings()) as client:
        try:
            rec = check(client.get(f"/api/v1/assets/{asset_id}"))
        except ApiError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps(rec, ensure_ascii=False, indent=2))
        return
    _print_table([rec])
    for key, value in sorted((rec.get("technical") or {}).items()):
        out.print(f"  {key}: {value}")
    for r in rec.get("renditions", []):
        out.print(f"  [bold]{r['kind']}[/] {r['width']}x{r['height']} {r['url']}")


@assets_app.command("list")
def assets_list(
    page: int = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List assets, newest first."""
    with make_client(get_settings()) as client:
        data = check(client.get("/api/v1/assets", params={"page": page}))
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_table(data["items"])
        out.print(f"{data['total']} asset(s)")


@app.command()
def doctor() -> None:
    """Check ffmpeg/ffprobe, the catalog, the object store and the broker."""
    from mam.db import ping
    from pipelines.context import storage_from_settings
    from workers.embedded_redis import redis_server_binary

    settings = get_settings()
    ok = True

    def line(name: str, good: bool, detail: str) -> None:
        nonlocal ok
        ok = ok and good
        out.print(f"{'[green]ok[/]' if good else '[red]FAIL[/]'}  {name}: {detail}")

    for tool in ("ffmpeg", "ffprobe"):
        path = shutil.which(tool)
        version = subprocess.run([tool, "-version"], capture_output=True, text=True).stdout.split("\n")[0] \
            if path else "not found: apt-get install ffmpeg"
        line(tool, bool(path), version)
    for name, fn in (("catalog", lambda: ping(settings.database_url)),
                     ("storage", lambda: storage_from_settings(settings).check())):
        try:
            fn()
            line(name, True, settings.database_url if name == "catalog" else settings.storage_url)
        except Exception as exc:
            line(name, False, f"{type(exc).__name__}: {exc}")
    if settings.broker_url:
        import redis

        try:
            redis.Redis.from_url(settings.broker_url, socket_connect_timeout=2).ping()
            line("broker", True, settings.broker_url)
        except Exception as exc:
            line("broker", False, f"{settings.broker_url}: {exc}")
    else:
        binary = redis_server_binary()
        line("broker", bool(binary), f"embedded, redis-server at {binary}" if binary else "no redis-server")
    try:
        health = make_client(settings, timeout=5).get("/api/v1/health").json()
        line("api", health.get("status") == "ok", f"{settings.api_url}: {health.get('status')}")
    except Exception as exc:
        out.print(f"[yellow]--[/]  api: not running at {settings.api_url} ({type(exc).__name__})")
    raise typer.Exit(0 if ok else 1)


if __name__ == "__main__":
    app()

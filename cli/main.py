"""The `mam` command line."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from cli import collections, exports, people
from cli.card import CHANGED, Item, Skipped, UnsafeFile, group, vet_sidecars
from cli.client import ApiError, check, exit_on_api_error, make_client
from cli.journal import Journal
from cli.search import reindex, search
from cli.uploader import Outcome, Uploader
from config.settings import get_settings

app = typer.Typer(help="Media asset management: serve, ingest, inspect.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
assets_app = typer.Typer(help="Inspect assets.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")
app.command("search")(search)
app.command("reindex")(reindex)
app.command("presets")(exports.presets)
app.command("export")(exports.export)
app.command("review")(exports.review)
app.command("deliver")(exports.deliver)
app.add_typer(exports.exports_app, name="exports")
app.add_typer(exports.report_app, name="report")
app.command("login")(people.login)
app.command("logout")(people.logout)
app.command("whoami")(people.whoami)
app.add_typer(people.users_app, name="users")
app.add_typer(people.tokens_app, name="tokens")
app.add_typer(collections.collections_app, name="collections")
app.command("audit")(people.audit)
app.command("fsck")(people.fsck)
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
    queues: Annotated[str, typer.Option("--queues", "-Q", help="comma-separated queues")] = "ingest,transcode,analyze",
    concurrency: Annotated[int, typer.Option("--concurrency", "-c")] = 1,
    init: Annotated[bool, typer.Option("--init", help="first migrate the catalog, backfill the search index, "
                                       "requeue unfinished work (what `mam serve` does at start)")] = False,
) -> None:
    """Run a worker against MAM_BROKER_URL (any Redis)."""
    import os

    from app import bootstrap
    from cli.supervisor import worker_command

    settings = get_settings()
    broker = settings.effective_broker_url()
    if not broker:
        err.print("[red]MAM_BROKER_URL is not set[/] and no `mam serve` runs on this data dir: "
                  "a worker needs the broker of a running system")
        raise typer.Exit(2)
    if init:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        token = bootstrap.start_up(bootstrap.build(settings.model_copy(update={"broker_url": broker})))
        if token:
            err.print(f"admin token created and stored in {settings.token_file}")
    cmd = worker_command(queues, concurrency, f"mam-{os.getpid()}")
    os.execve(cmd[0], cmd, bootstrap.child_env(MAM_BROKER_URL=broker))


def _rate(value: str | None) -> float | None:
    """'20M' -> 20 MiB/s, '500K' -> 500 KiB/s, '1000000' -> bytes/s."""
    if not value:
        return None
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    v = value.strip().lower().removesuffix("b").removesuffix("/s")
    factor = units.get(v[-1:], 1)
    try:
        return float(v.rstrip("kmg")) * factor
    except ValueError as exc:
        raise typer.BadParameter(f"--max-rate {value!r}: use e.g. 20M or 500K") from exc


def run_uploads(items: list[Item], *, project: str | None, tags: list[str], parallel: int, max_rate: str | None,
                quiet: bool) -> list[Outcome]:
    """Upload items (originals with their sidecars) with a rich progress display; return the outcomes.

    Sidecars whose content does not match their extension are left out first (``Outcome.skipped``); an item
    whose file was swapped for a link or another file after the scan is ``skipped``, not read."""
    left_out = {id(item): vet_sidecars(item) for item in items}
    settings = get_settings()
    journal = Journal(settings.cli_state_dir / "uploads.json")
    outcomes: list[Outcome] = []
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with make_client(settings, timeout=None) as client, Progress(*columns, console=err, transient=quiet) as progress:
        total = progress.add_task(f"{len(items)} file(s)", total=sum(i.size for i in items))
        tasks: dict[Path, TaskID] = {}

        def on_bytes(path: Path, n: int) -> None:
            progress.advance(tasks[path], n)
            progress.advance(total, n)

        uploader = Uploader(client, journal, parallel=parallel, max_rate=_rate(max_rate), on_bytes=on_bytes)
        try:
            for item in items:
                tasks[item.path] = progress.add_task(item.path.name[:40], total=item.size)
                try:
                    outcome = uploader.upload(item, project=project, tags=tags)
                except UnsafeFile as exc:
                    outcome = Outcome(item.path, "skipped", reason=str(exc))
                except (ApiError, OSError, httpx.HTTPError) as exc:
                    outcome = Outcome(item.path, "failed", reason=str(exc))
                outcome.skipped = left_out[id(item)]
                outcomes.append(outcome)
                progress.remove_task(tasks[item.path])
        finally:
            uploader.close()
    return outcomes


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files, folders or a card (DCIM/100MEDIA/…)")],
    project: Annotated[str | None, typer.Option(help="project / programme")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="tag (repeatable)")] = None,
    wait: Annotated[bool, typer.Option(help="wait until every asset is ready or failed")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the resulting asset records as JSON")] = False,
    parallel: Annotated[int, typer.Option(help="parts sent at once")] = 4,
    max_rate: Annotated[str | None, typer.Option(help="bandwidth cap, e.g. 20M (bytes/s)")] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait with --wait")] = 3600.0,
) -> None:
    """Upload clips with their sidecars (.SRT, .LRF, …): resumable, parallel, deduplicated.

    Run it again after an interruption: finished parts are not sent again. Links inside the folders are never
    followed, and a sidecar whose content does not match its extension is left out: each such path is listed
    as skipped, with its reason.
    """
    try:
        scan = group(paths)
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc)) from exc
    for p in scan.ignored:
        err.print(f"[dim]ignored {escape(str(p))} (not media, or a sidecar without its clip)[/]")
    outcomes = run_uploads(scan.items, project=project, tags=tag or [], parallel=parallel, max_rate=max_rate,
                           quiet=as_json)
    settings = get_settings()
    records: dict[str, dict] = {}
    ids = [o.asset_id for o in outcomes if o.asset_id]
    with make_client(settings) as client:
        if ids:
            if wait:
                with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), console=err,
                              transient=as_json) as progress:
                    found = _wait(client, ids, progress, timeout)
            else:
                found = [check(client.get(f"/api/v1/assets/{a}")) for a in ids]
            records = {r["id"]: r for r in found}
    skipped = [*scan.skipped, *(s for o in outcomes for s in o.skipped),
               *(Skipped(o.path, CHANGED, o.reason or "") for o in outcomes if o.status == "skipped")]
    results = []
    for o in outcomes:
        if o.status == "skipped":
            continue  # listed with the other skipped paths below
        rec = dict(records.get(o.asset_id or "", {}))
        rec.update({"source_path": str(o.path), "upload": o.status})
        if o.reason:
            rec["error"] = o.reason
        results.append(rec)
    results += [s.as_json() for s in skipped]
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        _print_table([r for r in results if "id" in r])
    counts = {k: sum(o.status == k for o in outcomes) for k in ("uploaded", "duplicate", "failed")}
    for o in outcomes:
        if o.status == "duplicate":
            err.print(f"[yellow]skipped[/] {escape(str(o.path))}: already stored as {o.asset_id}")
        elif o.status == "failed":
            err.print(f"[red]failed[/] {escape(str(o.path))}: {escape(o.reason or '')}")
    for s in skipped:
        err.print(f"[yellow]skipped[/] {escape(str(s.path))}: {escape(s.reason)}", soft_wrap=True)
    err.print(f"uploaded {counts['uploaded']}, duplicates skipped {counts['duplicate']}, failed {counts['failed']}, "
              f"{_skipped_summary(skipped)}", soft_wrap=True)
    if counts["failed"] or any(r.get("status") == "failed" for r in results):
        raise typer.Exit(1)


def _skipped_summary(skipped: list[Skipped]) -> str:
    """``skipped 3 (symbolic link 2, sidecar content 1)``."""
    by: dict[str, int] = {}
    for s in skipped:
        by[s.category] = by.get(s.category, 0) + 1
    detail = ", ".join(f"{category} {n}" for category, n in sorted(by.items()))
    return f"skipped {len(skipped)}" + (f" ({detail})" if detail else "")


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="folder to watch (e.g. where cards are copied)")],
    project: Annotated[str | None, typer.Option(help="project / programme")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="tag (repeatable)")] = None,
    settle: Annotated[float, typer.Option(help="seconds a file's size must stay unchanged")] = 5.0,
    interval: Annotated[float, typer.Option(help="seconds between scans")] = 2.0,
    once: Annotated[bool, typer.Option(help="ingest what is settled now, then exit")] = False,
) -> None:
    """Ingest each new file (with its sidecars) once it has stopped growing; restarts never re-ingest.

    Links inside the folder are never followed; skipped paths are printed once each, with their reason."""
    from cli.watcher import Watcher

    settings = get_settings()
    watcher = Watcher(folder, settings.cli_state_dir, settle_s=settle)
    err.print(f"watching {folder} (state: {watcher.state_path})")
    while True:
        ready = watcher.ready_items()
        for s in watcher.take_skipped():
            err.print(f"[yellow]skipped[/] {escape(str(s.path))}: {escape(s.reason)}", soft_wrap=True)
        if ready:
            outcomes = run_uploads(ready, project=project, tags=tag or [], parallel=4,
                                   max_rate=None, quiet=False)
            for o in outcomes:
                err.print(f"{o.status}: {escape(str(o.path))} {escape(o.asset_id or o.reason or '')}")
                for s in o.skipped:
                    err.print(f"[yellow]skipped[/] {escape(str(s.path))}: {escape(s.reason)}", soft_wrap=True)
                if o.status in ("uploaded", "duplicate"):
                    watcher.mark_done(o.path, o.asset_id, o.status)
        if once:
            return
        time.sleep(interval)


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


@app.command()
def reprocess(
    asset_ids: Annotated[list[str], typer.Argument(help="asset ids")],
    steps: Annotated[str, typer.Option(help="comma-separated: metadata, renditions, analysis "
                                            "(later steps follow the earliest one named)")]
    = "metadata,renditions,analysis",
    wait: Annotated[bool, typer.Option(help="wait until each asset is ready or failed again")] = False,
) -> None:
    """Run pipeline steps again; outputs are replaced, never duplicated."""
    chosen = [s.strip() for s in steps.split(",") if s.strip()]
    with make_client(get_settings()) as client:
        for asset_id in asset_ids:
            with exit_on_api_error(err):
                check(client.post(f"/api/v1/assets/{asset_id}/reprocess", json={"steps": chosen}))
            err.print(f"queued {asset_id}: {', '.join(chosen)}")
        if wait:
            time.sleep(1.0)
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), console=err) as progress:
                records = _wait(client, asset_ids, progress, 3600)
            _print_table(records)


@assets_app.command("show")
def assets_show(
    asset_id: str,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one asset."""
    with make_client(get_settings()) as client:
        with exit_on_api_error(err):
            rec = check(client.get(f"/api/v1/assets/{asset_id}"))
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
    from app.bootstrap import root
    from mam.db import ping
    from mam.errors import MamError
    from mam.media.runner import media_tool_version
    from workers.embedded_redis import redis_server_binary

    settings = root().settings
    ok = True

    def line(name: str, good: bool, detail: str) -> None:
        nonlocal ok
        ok = ok and good
        out.print(f"{'[green]ok[/]' if good else '[red]FAIL[/]'}  {name}: {detail}")

    for tool in ("ffmpeg", "ffprobe"):
        path = shutil.which(tool)
        try:
            version = media_tool_version(tool) if path else "not found: apt-get install ffmpeg"
        except MamError as exc:
            path, version = None, str(exc)
        line(tool, bool(path), version)
    for name, fn in (("catalog", lambda: ping(settings.database_url)),
                     ("storage", lambda: root().storage.check())):
        try:
            fn()
            line(name, True, settings.database_url if name == "catalog" else settings.storage_url)
        except Exception as exc:
            line(name, False, f"{type(exc).__name__}: {exc}")
    broker = settings.effective_broker_url()
    if broker:
        import redis

        try:
            redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
            line("broker", True, broker)
        except Exception as exc:
            line("broker", False, f"{broker}: {exc}")
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

"""`mam search` (through the API, like an editor's browser) and `mam reindex` (on the catalog itself)."""

from __future__ import annotations

import html
import json
import re
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.client import check, exit_on_api_error, make_client
from config.settings import get_settings

out = Console()
err = Console(stderr=True)
_MARK = re.compile(r"(</?mark>)")


def timecode(seconds: float | None) -> str:
    """``HH:MM:SS.s`` (empty for None)."""
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{seconds % 60:04.1f}"


def rich_snippet(snippet: str | None) -> str:
    """An API snippet (escaped HTML with ``<mark>``) as rich markup with the matches in bold."""
    out_parts, marked = [], False
    for part in _MARK.split(snippet or ""):
        if part in ("<mark>", "</mark>"):
            marked = part == "<mark>"
            continue
        text = escape(html.unescape(part))
        out_parts.append(f"[bold yellow]{text}[/]" if marked and text else text)
    return "".join(out_parts)


def _hit_line(hit: dict) -> str:
    when = f"{timecode(hit['start_s'])}–{timecode(hit['end_s'])} " if hit.get("start_s") is not None else ""
    return f"[dim]{hit['field']}[/] {when}{rich_snippet(hit.get('snippet'))}".rstrip()


def search(
    query: Annotated[str, typer.Argument(help='words, pinyin, "phrases", -excluded, prefix*')] = "",
    project: str | None = None,
    tag: Annotated[list[str] | None, typer.Option(help="repeatable; every tag must be present")] = None,
    kind: Annotated[str | None, typer.Option(help="video, image or audio")] = None,
    camera: str | None = None,
    date_from: Annotated[str | None, typer.Option("--from", help="capture date from (2020-06-01)")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="capture date to, inclusive")] = None,
    min_duration: float | None = None,
    max_duration: float | None = None,
    min_height: int | None = None,
    near: Annotated[str | None, typer.Option(help="lat,lon")] = None,
    radius_m: float = 1000.0,
    bbox: Annotated[str | None, typer.Option(help="west,south,east,north")] = None,
    status: str | None = None,
    sort: Annotated[str, typer.Option(help="relevance, captured_at, -captured_at, duration, -duration")]
    = "relevance",
    page: int = 1,
    page_size: int = 20,
    as_json: Annotated[bool, typer.Option("--json", help="the API's answer as JSON")] = False,
) -> None:
    """Search the archive; each result lists where it matched, with timecodes for on-screen text, subtitles,
    transcripts and flight tracks."""
    params = {"q": query, "project": project, "tag": tag or [], "kind": kind, "camera": camera, "from": date_from,
              "to": date_to, "min_duration": min_duration, "max_duration": max_duration, "min_height": min_height,
              "near": near, "radius_m": radius_m if near else None, "bbox": bbox, "status": status, "sort": sort,
              "page": page, "page_size": page_size}
    with make_client(get_settings()) as client:
        with exit_on_api_error(err):
            data = check(client.get("/api/v1/search", params={k: v for k, v in params.items() if v is not None}))
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table("asset", "title", "captured", "duration", "where it matched", show_lines=True)
    for item in data["items"]:
        dur = timecode(item["duration_s"]) if item.get("duration_s") else ""
        table.add_row(item["asset_id"][:12], escape(item["title"]), (item.get("captured_at") or "")[:10], dur,
                      "\n".join(_hit_line(h) for h in item["hits"][:6]))
    out.print(table)
    shown = f"{(page - 1) * page_size + 1}–{(page - 1) * page_size + len(data['items'])}" if data["items"] else "0"
    out.print(f"{data['total']} match(es), showing {shown}")
    for name, counts in data.get("facets", {}).items():
        if counts:
            out.print(f"[dim]{name}:[/] " + ", ".join(f"{escape(c['value'])} ({c['count']})" for c in counts[:8]))


def reindex(
    rebuild: Annotated[bool, typer.Option(help="re-index every asset, not only those missing from the index")]
    = False,
) -> None:
    """Build the search index for assets it lacks (or all of them, e.g. after the dictionary changed)."""
    from app.bootstrap import root
    from mam.db import migrate
    from mam.search.index import backfill

    r = root()
    migrate(r.settings.database_url)
    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err) as progress, r.uow() as s:
        task = progress.add_task("index", total=None)
        n = backfill(s, rebuild=rebuild, progress=lambda done, total: progress.update(task, completed=done,
                                                                                       total=total))
    err.print(f"indexed {n} asset(s)")

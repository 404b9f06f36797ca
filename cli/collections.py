"""`mam collections list|create|show|add|remove`: thin shells over the collections API."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.client import check, exit_on_api_error, make_client
from config.settings import get_settings

out = Console()
err = Console(stderr=True)
collections_app = typer.Typer(help="Named sets of assets (making and changing them needs an editor).",
                              no_args_is_help=True)
AsJson = Annotated[bool, typer.Option("--json")]


def _call(method: str, path: str, **kw) -> dict | list | None:
    with exit_on_api_error(err), make_client(get_settings()) as client:
        resp = client.request(method, path, **kw)
        return None if resp.status_code == 204 else check(resp)


def _print(data, as_json: bool) -> bool:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    return as_json


@collections_app.command("list")
def list_collections(as_json: AsJson = False) -> None:
    """Every collection, with how many assets it holds."""
    data = _call("GET", "/api/v1/collections")
    if _print(data, as_json):
        return
    table = Table("id", "name", "assets", "description")
    for c in data:
        table.add_row(c["id"], escape(c["name"]), str(c["asset_count"]), escape((c["description"] or "")[:60]))
    out.print(table)


@collections_app.command("create")
def create(name: Annotated[str, typer.Argument(help="the collection's name")],
           description: Annotated[str | None, typer.Option(help="what it is for")] = None,
           as_json: AsJson = False) -> None:
    """Make an empty collection and print its id."""
    data = _call("POST", "/api/v1/collections", json={"name": name, "description": description})
    if not _print(data, as_json):
        out.print(f"{data['id']}  {escape(data['name'])}")


@collections_app.command("show")
def show(collection_id: str, page: int = 1, page_size: int = 50, as_json: AsJson = False) -> None:
    """A collection and a page of its assets, most recently added first."""
    data = _call("GET", f"/api/v1/collections/{collection_id}", params={"page": page, "page_size": page_size})
    if _print(data, as_json):
        return
    assets = data["assets"]
    table = Table("id", "title", "status", "duration",
                  title=f"{escape(data['name'])}: {data['asset_count']} assets (page {assets['page']})")
    for a in assets["items"]:
        duration = (a.get("technical") or {}).get("duration_s")
        table.add_row(a["id"], escape(a["title"] or a["original_filename"]), a["status"],
                      f"{duration:.1f} s" if duration is not None else "")
    out.print(table)


@collections_app.command("add")
def add(collection_id: str, asset_ids: Annotated[list[str], typer.Argument(help="assets to put in it")],
        as_json: AsJson = False) -> None:
    """Put assets in a collection (those already in it stay as they are; an unknown id adds nothing)."""
    data = _call("POST", f"/api/v1/collections/{collection_id}/assets", json={"asset_ids": asset_ids})
    if not _print(data, as_json):
        out.print(f"added {len(data['added'])}, already there {len(data['already'])}; "
                  f"{data['asset_count']} assets in the collection")


@collections_app.command("remove")
def remove(collection_id: str, asset_id: str) -> None:
    """Take an asset out of a collection (the asset itself stays)."""
    _call("DELETE", f"/api/v1/collections/{collection_id}/assets/{asset_id}")
    out.print(f"removed {asset_id}")

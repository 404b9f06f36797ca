"""`mam login|logout|whoami`, `mam users add|list|set`, `mam tokens create|list|revoke`, `mam audit`, `mam fsck`:
thin shells over the people API (fsck reads the catalog and the store directly)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from cli.client import ApiError, check, exit_on_api_error, make_client
from config.settings import get_settings

out = Console()
err = Console(stderr=True)
users_app = typer.Typer(help="People and their roles (admin).", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for scripts and the CLI.", no_args_is_help=True)
ROLES = ("viewer", "videographer", "editor", "producer", "admin")


def login(username: Annotated[str, typer.Argument(help="your user name")],
          password: Annotated[str, typer.Option(prompt=True, hide_input=True, envvar="MAM_PASSWORD")],
          expires_days: Annotated[int, typer.Option(help="the CLI token's lifetime")] = 30) -> None:
    """Sign in and keep a token of your own for the CLI (in the CLI state dir, mode 0600)."""
    settings = get_settings()
    with exit_on_api_error(err), httpx.Client(base_url=settings.api_url, timeout=30) as client:
        me = check(client.post("/api/v1/auth/login", json={"username": username, "password": password}))
        csrf = {"X-CSRF-Token": me["csrf_token"]}
        made = check(client.post(f"/api/v1/users/{me['user']['id']}/tokens", headers=csrf,
                                 json={"name": f"mam CLI ({os.uname().nodename})", "expires_days": expires_days}))
        client.post("/api/v1/auth/logout", headers=csrf)
    path = settings.login_token_file
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps({"id": made["id"], "token": made["token"], "username": username}))
    out.print(f"signed in as [bold]{escape(username)}[/] ({me['user']['role']}); token kept in {path}")


def logout() -> None:
    """Revoke the CLI's own token and forget it."""
    settings = get_settings()
    path = settings.login_token_file
    if not path.is_file():
        out.print("not signed in")
        return
    saved = json.loads(path.read_text())
    with make_client(settings) as client:
        resp = client.delete(f"/api/v1/tokens/{saved['id']}")
    path.unlink()
    out.print("signed out" + ("" if resp.status_code < 400 else f" (the server said {resp.status_code})"))


def whoami() -> None:
    """Who the CLI acts as."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        me = check(client.get("/api/v1/me"))
    out.print(f"{escape(me['username'])} ({me['role']})")


def _user_id(client, name: str) -> str:
    found = next((u for u in check(client.get("/api/v1/users")) if u["username"] == name), None)
    if found is None:
        raise ApiError(f"no user {name!r}")
    return found["id"]


@users_app.command("add")
def users_add(username: str,
              role: Annotated[str, typer.Option(help=" < ".join(ROLES))],
              password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                                    envvar="MAM_NEW_PASSWORD")],
              display_name: Annotated[str | None, typer.Option()] = None) -> None:
    """Add a person (at least 10 characters of password)."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        user = check(client.post("/api/v1/users", json={"username": username, "password": password, "role": role,
                                                        "display_name": display_name}))
    out.print(f"added {escape(user['username'])} ({user['role']}), id {user['id']}")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Everyone, with roles."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        rows = check(client.get("/api/v1/users"))
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("user", "role", "name", "disabled", "id")
    for u in rows:
        table.add_row(escape(u["username"]), u["role"], escape(u.get("display_name") or ""),
                      "yes" if u["disabled"] else "", u["id"])
    out.print(table)


@users_app.command("set")
def users_set(username: str, role: Annotated[str | None, typer.Option()] = None,
              disable: Annotated[bool, typer.Option("--disable")] = False,
              enable: Annotated[bool, typer.Option("--enable")] = False) -> None:
    """Change a role, or disable / enable someone (their tokens and sessions stop at once)."""
    body: dict = {"role": role} if role else {}
    if disable or enable:
        body["disabled"] = disable
    with exit_on_api_error(err), make_client(get_settings()) as client:
        user = check(client.patch(f"/api/v1/users/{_user_id(client, username)}", json=body))
    out.print(f"{escape(user['username'])}: {user['role']}{' (disabled)' if user['disabled'] else ''}")


@tokens_app.command("create")
def tokens_create(user: Annotated[str | None, typer.Option(help="whose (default: you)")] = None,
                  name: Annotated[str | None, typer.Option()] = None,
                  expires_days: Annotated[int | None, typer.Option()] = None) -> None:
    """Make a token; it is printed once and never shown again."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        uid = _user_id(client, user) if user else check(client.get("/api/v1/me"))["id"]
        if not uid:
            raise typer.BadParameter("the bootstrap admin has no user: name one with --user")
        made = check(client.post(f"/api/v1/users/{uid}/tokens", json={"name": name, "expires_days": expires_days}))
    err.print(f"token {made['id']} ({escape(made['name'])}); shown once:")
    print(made["token"])


@tokens_app.command("list")
def tokens_list(user: Annotated[str | None, typer.Option(help="whose (default: you)")] = None) -> None:
    """A user's tokens (never the tokens themselves)."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        uid = _user_id(client, user) if user else check(client.get("/api/v1/me"))["id"]
        rows = check(client.get(f"/api/v1/users/{uid}/tokens"))
    table = Table("id", "name", "created", "expires", "revoked")
    for t in rows:
        table.add_row(str(t["id"]), escape(t["name"]), t["created_at"][:19], (t["expires_at"] or "")[:19],
                      (t["revoked_at"] or "")[:19])
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token at once."""
    with exit_on_api_error(err), make_client(get_settings()) as client:
        resp = client.delete(f"/api/v1/tokens/{token_id}")
        if resp.status_code >= 400:
            check(resp)
    out.print(f"token {token_id} revoked")


def audit(actor: Annotated[str | None, typer.Option()] = None,
          action: Annotated[str | None, typer.Option(help="e.g. asset.update, or a prefix: asset")] = None,
          target: Annotated[str | None, typer.Option(help="target id")] = None,
          since: Annotated[str | None, typer.Option("--from")] = None,
          until: Annotated[str | None, typer.Option("--to")] = None,
          limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Read the audit log, newest first (admin)."""
    params = {k: v for k, v in {"actor": actor, "action": action, "target_id": target, "from": since,
                                "to": until, "page_size": limit}.items() if v is not None}
    with exit_on_api_error(err), make_client(get_settings()) as client:
        page = check(client.get("/api/v1/audit", params=params))
    if as_json:
        print(json.dumps(page, ensure_ascii=False, indent=2))
        return
    table = Table("at", "actor", "action", "target", "changes", "ip", title=f"{page['total']} entries")
    for e in page["items"]:
        table.add_row(e["at"][:19], escape(e["actor"] or ""), e["action"],
                      escape(f"{e['target_type'] or ''} {e['target_id'] or ''}".strip()),
                      escape(json.dumps(e["changes"], ensure_ascii=False))[:60], e["ip"] or "")
    out.print(table)


def fsck(repair: Annotated[bool, typer.Option("--repair", help="delete objects no record owns")] = False,
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Compare the catalog with the object store: objects without records, records without objects, stuck work."""
    from app.bootstrap import root
    from mam import trash

    r = root()
    with Progress(transient=True, console=err) as progress:
        progress.add_task("checking the catalog against the store", total=None)
        with r.uow() as s:
            report = trash.fsck(s, r.storage)
            removed = trash.repair(s, r.storage, report) if repair else 0
    if as_json:
        print(json.dumps({"orphan_objects": report.orphan_objects, "missing_objects": report.missing_objects,
                          "stuck_work": report.stuck_work, "removed": removed}, indent=2))
    else:
        for key in report.orphan_objects:
            out.print(f"[yellow]object without a record[/] {escape(key)}")
        for aid, key in report.missing_objects:
            out.print(f"[red]missing object[/] {escape(key)} (asset {aid}; `mam reprocess {aid}` remakes derivatives)")
        for aid, step, state in report.stuck_work:
            out.print(f"[yellow]stuck work[/] asset {aid}: {step} {state}")
        out.print("[green]clean[/]" if report.clean else
                  f"{len(report.orphan_objects)} orphan, {len(report.missing_objects)} missing, "
                  f"{len(report.stuck_work)} stuck" + (f"; removed {removed} object(s)" if repair else ""))
    if not report.clean and not repair:
        raise typer.Exit(1)

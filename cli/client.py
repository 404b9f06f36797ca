"""A small API client for the CLI: finds its server and token like the docs say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from config.settings import Settings


class ApiError(Exception):
    """The API answered with an error; the message is the API's own."""


def resolve_token(settings: Settings) -> str | None:
    """``MAM_TOKEN``, else ``MAM_ADMIN_TOKEN``, else the token of `mam login`, else the admin token stored by
    the first `mam serve`."""
    if settings.token:
        return settings.token.get_secret_value()
    if settings.admin_token:
        return settings.admin_token.get_secret_value()
    if settings.login_token_file.is_file():
        try:
            return json.loads(settings.login_token_file.read_text())["token"]
        except (ValueError, KeyError):
            pass
    if settings.token_file.is_file():
        return settings.token_file.read_text().strip() or None
    return None


def make_client(settings: Settings, timeout: float = 60.0) -> httpx.Client:
    """An HTTP client on ``MAM_API_URL`` with the bearer token set."""
    token = resolve_token(settings)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=settings.api_url, headers=headers, timeout=timeout)


def check(resp: httpx.Response) -> dict:
    """The JSON body, or ``ApiError`` with the server's reason."""
    if resp.status_code >= 400:
        try:
            detail = resp.json().get("detail", resp.text)
        except ValueError:
            detail = resp.text
        raise ApiError(f"{resp.request.method} {resp.request.url.path}: {resp.status_code} {detail}")
    return resp.json()


@contextmanager
def exit_on_api_error(console: Console) -> Iterator[None]:
    """Print the API's reason in red and exit with status 1 when a call inside fails with ``ApiError``."""
    try:
        yield
    except ApiError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc

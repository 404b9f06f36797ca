"""The web UI in a real browser: Debian's Chromium driven by Playwright (no browser download), against a
running `mam serve`. Each page keeps its console errors, and screenshots go to ``test-artifacts/screenshots``."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
#: the built UI under test: web/dist, or MAM_TEST_WEB_DIR (a build of one's own while others rebuild web/dist)
WEB_DIR = Path(os.environ.get("MAM_TEST_WEB_DIR") or REPO / "web" / "dist")
WEB_DIST = WEB_DIR / "index.html"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = REPO / "test-artifacts" / "screenshots"
PASSWORD = "京雄城际 2026 password"


def chromium_path() -> str | None:
    return os.environ.get("MAM_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def need_browser() -> str:
    """Skip with a reason where the browser, Playwright or the built UI is missing; else Chromium's path."""
    path = chromium_path()
    if not path:
        pytest.skip("chromium not installed (apt-get install chromium; make test installs it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright not installed (pip install -e '.[test]')")
    if not WEB_DIST.is_file():
        pytest.skip(f"web UI not built at {WEB_DIR} (make web)")
    return path


@dataclass
class Person:
    username: str
    role: str
    password: str = PASSWORD
    id: str | None = None


@dataclass
class Watched:
    """A page and what its console said."""

    page: object
    errors: list[str] = field(default_factory=list)


def add_person(srv, role: str, username: str | None = None) -> Person:
    """A user of ``role`` added through the API by the admin."""
    name = username or f"{role}-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {srv.token}"}, timeout=30) as c:
        r = c.post("/api/v1/users", json={"username": name, "password": PASSWORD, "role": role})
        r.raise_for_status()
        return Person(name, role, PASSWORD, r.json()["id"])


def watch(page) -> Watched:
    """Collect console errors and uncaught page errors of ``page``."""
    w = Watched(page)
    page.on("console", lambda m: w.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: w.errors.append(f"pageerror: {e}"))
    return w


def sign_in(page, srv, person: Person, *, open_form: bool = True) -> None:
    """Sign in through the form, as a person would (``open_form=False``: the form is already showing)."""
    if open_form:
        page.goto(f"{srv.url}/login")
    page.get_by_label("用户名").fill(person.username)
    page.locator('input[type="password"]').fill(person.password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of ``impacts`` on the page as it is now (axe from the UI's own lockfile)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in impacts]

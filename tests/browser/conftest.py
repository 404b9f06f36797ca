"""Browser tests: one `mam serve` per module and one headless Chromium for the whole run."""

from __future__ import annotations

import pytest

from tests.conftest import need_ffmpeg
from tests.support.browser import WEB_DIR, need_browser
from tests.support.serve import RunningServer, start_server


@pytest.fixture(scope="session")
def browser():
    path = need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=["--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def srv(request, tmp_path_factory, browser) -> RunningServer:
    need_ffmpeg()
    env = {"MAM_WEB_DIR": str(WEB_DIR), **getattr(request.module, "SERVER_ENV", {})}
    s = start_server(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "var", env)
    yield s
    s.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    yield ctx
    ctx.close()

"""The web UI, served by the API itself: every page address answers the built ``index.html`` and the built
scripts and styles come from ``/static/`` (gzip when the browser takes it). Nothing is fetched from elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

#: the UI's page addresses (other issues and the browser tests rely on them)
PAGES = ("/", "/login", "/upload", "/jobs", "/exports", "/assets/{asset_id}")

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "web" / "dist"

NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>媒资库</title>
<body style="font-family:sans-serif;max-width:40em;margin:10vh auto">
<h1>网页界面尚未构建 / The web UI is not built</h1>
<p>在项目目录运行 <code>make run</code>（它会构建界面）。</p>
<p>Run <code>make run</code> in the project folder: it builds the UI.</p>
<p>API: <a href="/docs">/docs</a></p></body></html>"""


def install(app: FastAPI, web_dir: Path | None) -> None:
    """Serve the built UI from ``web_dir`` (default ``web/dist``) at the page addresses and ``/static``."""
    root = (web_dir or DEFAULT_DIR).resolve()
    index = root / "index.html"

    def page() -> FileResponse | HTMLResponse:
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})

    for path in PAGES:
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False, response_model=None,
                          name=f"web:{path}")
    static = root / "static"
    if static.is_dir():
        files = Starlette(routes=[Mount("/", StaticFiles(directory=static))],
                          middleware=[Middleware(GZipMiddleware, minimum_size=1024)])
        app.mount("/static", files, name="static")
    for name in ("favicon.svg",):
        if (root / name).is_file():
            app.add_api_route(f"/{name}", lambda n=name: FileResponse(root / n), methods=["GET"],
                              include_in_schema=False)

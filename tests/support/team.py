"""An API on fakes with a newsroom's people: the admin token, users of each role with their own tokens,
and assets written straight into the catalog (no upload, no workers)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from app.bootstrap import Root, build
from config.settings import Settings
from mam import catalog
from mam.db import migrate
from tests.support.fakes import InMemoryStorage, MemoryLocks, RecordingEnqueuer

ADMIN_TOKEN = "a" * 40


def api_root(tmp_path) -> Root:
    """A root over a SQLite catalog in ``tmp_path``, an in-memory store and a recording broker."""
    settings = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0", admin_token=ADMIN_TOKEN,
                        dispatch_interval_s=0)
    migrate(settings.database_url)
    return build(settings, storage=InMemoryStorage(), enqueuer=RecordingEnqueuer(), locks=MemoryLocks())


def admin_client(root: Root) -> TestClient:
    """A client of a fresh app, signed in with the bootstrap admin token (use it as a context manager)."""
    return TestClient(create_app(root), headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def person(admin: TestClient, username: str, role: str, display_name: str | None = None) -> dict[str, str]:
    """A new user with ``role``; returns the headers that act as them."""
    made = admin.post("/api/v1/users", json={"username": username, "password": "correct horse battery",
                                             "role": role, "display_name": display_name})
    assert made.status_code == 201, made.text
    token = admin.post(f"/api/v1/users/{made.json()['id']}/tokens", json={})
    assert token.status_code == 201, token.text
    return {"Authorization": f"Bearer {token.json()['token']}"}


def add_asset(root: Root, title: str, duration_s: float | None = None, **values) -> str:
    """A ready video asset in the catalog (indexed like any other); ``values`` are set on it."""
    with root.uow() as s:
        a = catalog.new_asset(s, original_filename=f"{title}.mp4", original_key_for=lambda i: f"originals/{i}/x.mp4",
                              title=title)
        a.kind, a.status = "video", "ready"
        a.technical = {"duration_s": duration_s} if duration_s is not None else {}
        for k, v in values.items():
            setattr(a, k, v)
        return a.id


def audit_rows(admin: TestClient, action: str) -> list[dict]:
    """The audit entries of ``action``, oldest first."""
    page = admin.get("/api/v1/audit", params={"action": action, "page_size": 500})
    assert page.status_code == 200, page.text
    return list(reversed(page.json()["items"]))


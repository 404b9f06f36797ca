"""People and trust through the API (TestClient on a root with a real local store and SQLite catalog, a
recording enqueuer and in-process locks): the route × role matrix from the one rules table, sign-in with
cookies and CSRF, tokens, signed media URLs, the trash, the audit log."""

from __future__ import annotations

import io
import time

import pytest
from fastapi.testclient import TestClient

from api.access import RULES, route_keys, rule_for
from api.app import create_app, purge_old_trash
from app.bootstrap import build
from config.settings import Settings
from mam import catalog
from mam.db import migrate
from mam.models import Rendition
from mam.users import ROLES
from tests.support.fakes import MemoryLocks, RecordingEnqueuer

ADMIN = "a" * 40
PASSWORD = "correct horse battery"
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 2000
# routes whose rule is the lowest role that may call them, with a finer check inside for the rest:
# tokens are an admin's or their own user's business (a fake id is never one's own)
SELF_OR_ADMIN = {("POST", "/api/v1/users/{user_id}/tokens"), ("GET", "/api/v1/users/{user_id}/tokens")}


@pytest.fixture
def root(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0", admin_token=ADMIN,
                        dispatch_interval_s=0, login_max_failures=10)
    migrate(settings.database_url)
    return build(settings, enqueuer=RecordingEnqueuer(), locks=MemoryLocks())


@pytest.fixture
def app(root):
    return create_app(root)


@pytest.fixture
def admin(app):
    with TestClient(app, headers={"Authorization": f"Bearer {ADMIN}"}) as c:
        yield c


def add_user(admin, name: str, role: str) -> tuple[str, str]:
    """A user with ``role`` and a token of theirs: (user id, token)."""
    user = admin.post("/api/v1/users", json={"username": name, "password": PASSWORD, "role": role})
    assert user.status_code == 201, user.text
    uid = user.json()["id"]
    tok = admin.post(f"/api/v1/users/{uid}/tokens", json={"name": "test"})
    assert tok.status_code == 201, tok.text
    return uid, tok.json()["token"]


def client_for(app, token: str | None) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"} if token else {})


def upload(c: TestClient, data: bytes = MP4_HEAD, name: str = "clip.mp4", **form):
    return c.post("/api/v1/assets", files={"file": (name, data, "video/mp4")}, data=form)


# -- the matrix ------------------------------------------------------------------------------------------------

def test_every_route_has_a_rule_and_every_rule_a_route(app):
    routes = route_keys(app)
    assert routes, "no routes found"
    assert not (routes - RULES.keys()), "routes without an access rule"
    assert not (RULES.keys() - routes), "access rules naming no route"


def test_a_route_without_a_rule_stops_the_app(root):
    from fastapi import APIRouter

    app = create_app(root)
    extra = APIRouter(prefix="/api/v1")
    extra.add_api_route("/unruled", lambda: {}, methods=["GET"])
    app.include_router(extra)
    from api.access import check_rules

    with pytest.raises(RuntimeError, match="no access rule for GET /api/v1/unruled"):
        check_rules(app)


def test_every_route_times_every_role_gets_the_status_its_rule_says(app, admin):
    tokens = {role: add_user(admin, f"u-{role}", role)[1] for role in ROLES}
    gone, revoked = add_user(admin, "gone", "admin")
    tid = admin.get(f"/api/v1/users/{gone}/tokens").json()[0]["id"]
    assert admin.delete(f"/api/v1/tokens/{tid}").status_code == 204
    callers = {"nobody": None, "revoked": revoked, **tokens}
    clients = {name: client_for(app, tok) for name, tok in callers.items()}
    checked = 0
    for path, methods in app.openapi()["paths"].items():
        url = path.replace("{", "x").replace("}", "")
        for method in methods:
            rule = rule_for(method.upper(), path)
            assert rule is not None, f"{method.upper()} {path} has no rule"
            for name, c in clients.items():
                status = c.request(method.upper(), url).status_code
                where = f"{name} {method.upper()} {path}: {status}"
                if rule.role is None:
                    assert status not in (401, 403), where
                elif name in ("nobody", "revoked"):
                    assert status == 401, where
                elif ROLES.index(name) < ROLES.index(rule.role):
                    assert status == 403, where
                elif (method.upper(), path) in SELF_OR_ADMIN and name != "admin":
                    assert status == 403, where
                else:
                    assert status not in (401, 403), where
                checked += 1
    assert checked == len(clients) * len(route_keys(app))


def test_403_names_the_role_needed(app, admin):
    _, viewer = add_user(admin, "vera", "viewer")
    resp = client_for(app, viewer).post("/api/v1/exports", json={"asset_ids": ["x"], "presets": ["web-mp4"]})
    assert resp.status_code == 403 and "'producer'" in resp.json()["detail"]


# -- users, tokens, sessions -------------------------------------------------------------------------------------

def test_users_are_checked_and_tokens_shown_once_and_stored_as_hashes(app, admin, root):
    weak = admin.post("/api/v1/users", json={"username": "wang", "password": "short", "role": "editor"})
    assert weak.status_code == 422 and "10" in weak.json()["detail"]
    uid, token = add_user(admin, "wang", "editor")
    assert admin.post("/api/v1/users", json={"username": "wang", "password": PASSWORD, "role": "viewer"}
                      ).status_code == 409
    assert admin.patch("/api/v1/users/nobody", json={"role": "admin"}).status_code == 404
    me = client_for(app, token).get("/api/v1/me").json()
    assert me["username"] == "wang" and me["role"] == "editor" and me["id"] == uid
    listed = admin.get(f"/api/v1/users/{uid}/tokens").json()
    assert listed and "token" not in listed[0]
    from sqlalchemy import text

    with root.uow() as s:
        stored = [row[0] for row in s.execute(text("SELECT token_sha256 FROM api_tokens"))]
        hashes = [row[0] for row in s.execute(text("SELECT password_hash FROM users"))]
    assert token not in stored and all(h.startswith("$argon2id$") for h in hashes)


def test_a_user_makes_own_tokens_but_not_anothers(app, admin):
    uid, token = add_user(admin, "li", "videographer")
    other, _ = add_user(admin, "zhao", "videographer")
    li = client_for(app, token)
    assert li.post(f"/api/v1/users/{uid}/tokens", json={}).status_code == 201
    assert li.post(f"/api/v1/users/{other}/tokens", json={}).status_code == 403


def test_revoking_a_token_or_disabling_a_user_works_at_once(app, admin):
    uid, token = add_user(admin, "chen", "producer")
    chen = client_for(app, token)
    assert chen.get("/api/v1/me").status_code == 200  # now cached
    assert admin.patch(f"/api/v1/users/{uid}", json={"disabled": True}).status_code == 200
    assert chen.get("/api/v1/me").status_code == 401
    assert admin.patch(f"/api/v1/users/{uid}", json={"disabled": False}).status_code == 200
    assert chen.get("/api/v1/me").status_code == 200
    tid = admin.get(f"/api/v1/users/{uid}/tokens").json()[0]["id"]
    assert chen.delete(f"/api/v1/tokens/{tid}").status_code == 204  # a user revokes their own
    assert chen.get("/api/v1/me").status_code == 401


def test_browser_sign_in_sets_a_safe_cookie_and_needs_csrf_for_changes(app, admin, root):
    add_user(admin, "sun", "editor")
    browser = TestClient(app)
    resp = browser.post("/api/v1/auth/login", json={"username": "sun", "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    csrf = resp.json()["csrf_token"]
    assert browser.get("/api/v1/me").json()["username"] == "sun"
    assert browser.post("/api/v1/projects", json={"name": "京雄"}).status_code == 403
    assert browser.post("/api/v1/projects", json={"name": "京雄"}, headers={"X-CSRF-Token": "wrong"}
                        ).status_code == 403
    assert browser.post("/api/v1/projects", json={"name": "京雄"}, headers={"X-CSRF-Token": csrf}
                        ).status_code == 201
    assert browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    browser.cookies.set("mam_session", cookie.split(";")[0].split("=", 1)[1])
    assert browser.get("/api/v1/me").status_code == 401


def test_secure_cookie_behind_https(root, tmp_path):
    root.settings.public_url = "https://mam.example.cn"
    app = create_app(root)
    with TestClient(app, headers={"Authorization": f"Bearer {ADMIN}"}) as admin:
        add_user(admin, "he", "viewer")
        resp = TestClient(app).post("/api/v1/auth/login", json={"username": "he", "password": PASSWORD})
    assert "Secure" in resp.headers["set-cookie"]


def test_ten_failed_sign_ins_lock_the_name_for_a_while_and_each_is_audited(app, admin):
    add_user(admin, "zhou", "viewer")
    anon = TestClient(app)
    for _ in range(10):
        assert anon.post("/api/v1/auth/login", json={"username": "zhou", "password": "wrong password!"}
                         ).status_code == 401
    locked = anon.post("/api/v1/auth/login", json={"username": "zhou", "password": PASSWORD})
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 601
    failed = admin.get("/api/v1/audit", params={"action": "auth.failed", "target_id": "zhou"}).json()
    assert failed["total"] == 10 and all(e["actor"] == "zhou" for e in failed["items"])
    assert anon.post("/api/v1/auth/login", json={"username": "nobody", "password": "whatever1234"}
                     ).status_code == 401


# -- media URLs -----------------------------------------------------------------------------------------------

def _asset_with_renditions(root) -> str:
    with root.uow() as s:
        a = catalog.new_asset(s, original_filename="桥.mp4", original_key_for=lambda i: f"originals/{i}/source.mp4")
        a.status, a.kind = "ready", "video"
        aid = a.id
        files = {"proxy": ("proxy.mp4", "video/mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40),
                 "sprite_001": ("sprite_001.jpg", "image/jpeg", b"\xff\xd8\xff" + b"s" * 500),
                 "thumbnails_vtt": ("thumbnails.vtt", "text/vtt",
                                    b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsprite_001.jpg#xywh=0,0,160,90\n")}
        for kind, (name, ctype, data) in files.items():
            key = f"derivatives/{aid}/{name}"
            root.storage.put_stream(key, io.BytesIO(data), ctype)
            s.add(Rendition(asset_id=aid, kind=kind, key=key, content_type=ctype, size_bytes=len(data)))
        root.storage.put_stream(a.original_key, io.BytesIO(MP4_HEAD), "video/mp4")
    return aid


def test_media_urls_play_without_a_header_and_only_for_their_object(app, admin, root):
    aid = _asset_with_renditions(root)
    _, viewer = add_user(admin, "wu", "viewer")
    rends = {r["name"].split(".")[0]: r["url"]
             for r in client_for(app, viewer).get(f"/api/v1/assets/{aid}").json()["renditions"]}
    browser = TestClient(app)  # no header, no cookie: the URL alone
    proxy = browser.get(rends["proxy"])
    assert proxy.status_code == 200 and proxy.content.startswith(b"\x00\x00\x00\x18ftypmp42")
    part = browser.get(rends["proxy"], headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == proxy.content[10:20]
    path, query = rends["proxy"].split("?")
    assert browser.get(path).status_code == 401
    tampered = query.replace("sig=", "sig=0") if "sig=0" not in query else query.replace("sig=0", "sig=1")
    assert browser.get(f"{path}?{tampered}").status_code == 403
    later = query.split("exp=")[1].split("&")[0]
    assert browser.get(f"{path}?{query.replace(later, str(int(later) + 60))}").status_code == 403
    other = rends["sprite_001"].split("?")[0]
    assert browser.get(f"{other}?{query}").status_code == 403, "a signature covers one object"
    expired = root.signer.query(path.split("testserver")[1], 10, now=time.time() - 3600)  # signed an hour ago
    assert browser.get(f"{path}?{expired}").status_code == 403
    vtt = browser.get(rends["thumbnails"])
    assert vtt.status_code == 200
    sprite_link = next(line for line in vtt.text.splitlines() if "#xywh=" in line)
    assert "sig=" in sprite_link and sprite_link.endswith("#xywh=0,0,160,90")
    sprite = browser.get(sprite_link.split("#")[0])
    assert sprite.status_code == 200 and sprite.content.startswith(b"\xff\xd8\xff")


def test_a_signed_url_never_stands_in_for_credentials_elsewhere(app, admin, root):
    aid = _asset_with_renditions(root)
    url = admin.get(f"/api/v1/assets/{aid}").json()["renditions"][0]["url"]
    query = url.split("?")[1]
    assert TestClient(app).get(f"/api/v1/assets/{aid}?{query}").status_code == 401


# -- trash --------------------------------------------------------------------------------------------------------

def test_trash_hides_restore_gives_back_the_same_hits_and_purge_leaves_nothing(app, admin, root):
    _, editor = add_user(admin, "ma", "editor")
    ed = client_for(app, editor)
    created = upload(admin, title="大桥 航拍", tags="aerial")
    aid = created.json()["id"]
    with root.uow() as s:
        a = catalog.get_asset(s, aid)
        root.storage.put_stream(f"derivatives/{aid}/proxy.mp4", io.BytesIO(b"p" * 100), "video/mp4")
        a.renditions.append(Rendition(kind="proxy", key=f"derivatives/{aid}/proxy.mp4", content_type="video/mp4"))
    before = ed.get("/api/v1/search", params={"q": "大桥"}).json()
    assert before["total"] == 1
    assert ed.delete(f"/api/v1/assets/{aid}?purge=true").status_code == 403, "a purge needs an admin"
    trashed = ed.delete(f"/api/v1/assets/{aid}")
    assert trashed.status_code == 200 and trashed.json()["trashed"] is True
    assert ed.delete(f"/api/v1/assets/{aid}").status_code == 409
    assert ed.get("/api/v1/search", params={"q": "大桥"}).json()["total"] == 0
    assert aid not in [a["id"] for a in ed.get("/api/v1/assets").json()["items"]]
    assert aid in [a["id"] for a in ed.get("/api/v1/assets", params={"trashed": True}).json()["items"]]
    again = upload(admin, title="again")
    assert again.status_code == 200 and again.json()["duplicate_of"] == aid and again.json()["duplicate_in_trash"]
    restored = ed.post(f"/api/v1/assets/{aid}/restore")
    assert restored.status_code == 200 and restored.json()["trashed"] is False
    after = ed.get("/api/v1/search", params={"q": "大桥"}).json()
    assert [i["asset_id"] for i in after["items"]] == [i["asset_id"] for i in before["items"]]
    assert [h["field"] for h in after["items"][0]["hits"]] == [h["field"] for h in before["items"][0]["hits"]]
    assert ed.post(f"/api/v1/assets/{aid}/restore").status_code == 409
    assert admin.delete(f"/api/v1/assets/{aid}?purge=true").status_code == 409, "only from the trash"
    ed.delete(f"/api/v1/assets/{aid}")
    assert list(root.storage.list_keys(f"originals/{aid}/")) and list(root.storage.list_keys(f"derivatives/{aid}/"))
    assert admin.delete(f"/api/v1/assets/{aid}?purge=true").status_code == 204
    assert [k for k in root.storage.list_keys() if aid in k] == []
    assert admin.get(f"/api/v1/assets/{aid}").status_code == 404
    actions = [e["action"] for e in admin.get("/api/v1/audit", params={"target_id": aid}).json()["items"]]
    assert actions == ["asset.purge", "asset.trash", "asset.restore", "asset.trash", "asset.upload"]


def test_the_sweeper_purges_what_stayed_in_the_trash_too_long(app, admin, root):
    aid = upload(admin).json()["id"]
    admin.delete(f"/api/v1/assets/{aid}")
    assert purge_old_trash(root) == 0, "30 days by default"
    root.settings.trash_days = 0
    assert purge_old_trash(root) == 1
    assert admin.get(f"/api/v1/assets/{aid}").status_code == 404
    assert [k for k in root.storage.list_keys() if aid in k] == []
    entry = admin.get("/api/v1/audit", params={"action": "asset.purge"}).json()["items"][0]
    assert entry["actor"] == "system" and entry["target_id"] == aid


def test_fsck_finds_orphans_and_missing_objects_and_repairs_orphans(app, admin, root):
    from mam import trash

    aid = upload(admin).json()["id"]
    root.storage.put_stream("derivatives/deadbeef/proxy.mp4", io.BytesIO(b"x"), "video/mp4")
    with root.uow() as s:
        a = catalog.get_asset(s, aid)
        a.renditions.append(Rendition(kind="poster", key=f"derivatives/{aid}/poster.jpg", content_type="image/jpeg"))
    with root.uow() as s:
        report = trash.fsck(s, root.storage)
        assert report.orphan_objects == ["derivatives/deadbeef/proxy.mp4"]
        assert report.missing_objects == [(aid, f"derivatives/{aid}/poster.jpg")]
        assert trash.repair(s, root.storage, report) == 1
    assert not root.storage.exists("derivatives/deadbeef/proxy.mp4")


# -- ownership and the audit trail --------------------------------------------------------------------------------

def test_a_videographer_edits_own_uploads_only_and_every_change_is_audited(app, admin):
    _, li = add_user(admin, "li", "videographer")
    _, zhao = add_user(admin, "zhao", "videographer")
    _, editor = add_user(admin, "qian", "editor")
    mine = upload(client_for(app, li), title="旧标题").json()["id"]
    assert client_for(app, zhao).patch(f"/api/v1/assets/{mine}", json={"title": "x"}).status_code == 403
    assert client_for(app, li).patch(f"/api/v1/assets/{mine}", json={"title": "新标题"}).status_code == 200
    assert client_for(app, editor).patch(f"/api/v1/assets/{mine}", json={"tags": ["桥"]}).status_code == 200
    items = admin.get("/api/v1/audit", params={"target_id": mine}).json()["items"]
    assert [(e["actor"], e["action"]) for e in items] == [("qian", "asset.update"), ("li", "asset.update"),
                                                         ("li", "asset.upload")]
    assert items[1]["changes"] == {"title": ["旧标题", "新标题"]}
    assert items[0]["changes"] == {"tags": [[], ["桥"]]}
    by_li = admin.get("/api/v1/audit", params={"actor": "li", "action": "asset"}).json()
    assert by_li["total"] == 2
    assert client_for(app, editor).get("/api/v1/audit").status_code == 403


def test_a_purge_the_store_half_refuses_leaves_the_asset_in_the_trash_naming_what_remains(app, admin, root,
                                                                                        monkeypatch):
    aid = upload(admin).json()["id"]
    root.storage.put_stream(f"derivatives/{aid}/proxy.mp4", io.BytesIO(b"p"), "video/mp4")
    admin.delete(f"/api/v1/assets/{aid}")
    real = root.storage.delete_prefix

    def refuse_derivatives(prefix: str) -> int:
        if prefix.startswith("derivatives/"):
            raise OSError("disk says no")
        return real(prefix)

    monkeypatch.setattr(root.storage, "delete_prefix", refuse_derivatives)
    resp = admin.delete(f"/api/v1/assets/{aid}?purge=true")
    assert resp.status_code == 503 and f"derivatives/{aid}/proxy.mp4" in resp.json()["detail"]
    assert admin.get(f"/api/v1/assets/{aid}").json()["trashed"] is True
    monkeypatch.setattr(root.storage, "delete_prefix", real)
    assert admin.delete(f"/api/v1/assets/{aid}?purge=true").status_code == 204
    assert [k for k in root.storage.list_keys() if aid in k] == []

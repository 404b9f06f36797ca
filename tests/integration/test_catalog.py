"""The catalog on SQLite and on a real PostgreSQL server: same migrations, same code."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mam import catalog
from mam.auth import actor_for_token, ensure_admin_token, hash_token
from mam.db import UnitOfWork, migrate
from mam.models import ApiToken, AssetStatus, Rendition


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    return request.getfixturevalue("pg_url")


def test_migrate_twice_then_use(db_url):
    migrate(db_url)
    migrate(db_url)  # idempotent
    with UnitOfWork(db_url)() as s:
        a = catalog.new_asset(s, original_filename="京雄 航拍 😀.mp4", original_key_for=lambda i: f"originals/{i}/x",
                              tags=["b", "a", "b"])
        b = catalog.new_asset(s, original_filename="second.mov", original_key_for=lambda i: f"originals/{i}/x")
        a_id, b_id = a.id, b.id
    with UnitOfWork(db_url)() as s:
        total, rows = catalog.list_assets(s)
        assert total == 2 and rows[0].id == b_id  # newest first
        asset = catalog.get_asset(s, a_id)
        assert asset.original_filename == "京雄 航拍 😀.mp4" and asset.tags == ["b", "a"]  # as typed, once each
        assert asset.status == AssetStatus.PENDING
        assert sorted(catalog.unfinished_asset_ids(s)) == sorted([a_id, b_id])


def test_rendition_rerun_replaces_instead_of_duplicating(db_url):
    migrate(db_url)
    with UnitOfWork(db_url)() as s:
        aid = catalog.new_asset(s, original_filename="c.mp4", original_key_for=lambda i: f"originals/{i}/x").id
    for size in (100, 200):
        with UnitOfWork(db_url)() as s:
            asset = catalog.get_asset(s, aid)
            catalog.upsert_rendition(s, asset, kind="proxy", key=f"derivatives/{aid}/proxy.mp4",
                                     content_type="video/mp4", width=1280, height=720, size_bytes=size)
            catalog.set_status(asset, AssetStatus.READY)
    with UnitOfWork(db_url)() as s:
        assert s.scalar(select(func.count()).select_from(Rendition)) == 1
        asset = catalog.get_asset(s, aid)
        assert asset.renditions[0].size_bytes == 200 and asset.progress == 1.0
        catalog.set_status(asset, AssetStatus.FAILED, "x" * 5000)
    with UnitOfWork(db_url)() as s:
        assert len(catalog.get_asset(s, aid).error) == catalog.MAX_ERROR_CHARS


def test_admin_token_created_once_and_only_hash_stored(db_url, tmp_path):
    migrate(db_url)
    token_file = tmp_path / "admin-token"
    with UnitOfWork(db_url)() as s:
        token = ensure_admin_token(s, token_file)
    assert token and token_file.read_text().strip() == token
    assert token_file.stat().st_mode & 0o777 == 0o600
    with UnitOfWork(db_url)() as s:
        assert ensure_admin_token(s, token_file) is None
        actor = actor_for_token(s, token)
        assert actor is not None and actor.role == "admin" and actor.user_id is None
        rec = s.query(ApiToken).one()
        assert rec.token_sha256 == hash_token(token) and token not in rec.token_sha256
        assert actor_for_token(s, "wrong") is None

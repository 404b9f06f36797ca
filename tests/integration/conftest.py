"""Fixtures for running pipeline steps directly, without a broker."""

from __future__ import annotations

import pytest

from app.bootstrap import Root, build
from config.settings import Settings
from mam.db import migrate
from tests.conftest import need_ffmpeg
from tests.support.fakes import MemoryLocks, RecordingEnqueuer


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings on a fresh data dir (SQLite + local store), schema migrated."""
    need_ffmpeg()
    s = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0")
    migrate(s.database_url)
    return s


@pytest.fixture
def root(settings) -> Root:
    """The real catalog and local store of ``settings``; a recording enqueuer and in-process locks."""
    return build(settings, enqueuer=RecordingEnqueuer(), locks=MemoryLocks())

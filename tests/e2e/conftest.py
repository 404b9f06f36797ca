"""The whole system as a user runs it: one `mam serve` subprocess per test module, on its own data dir.

A module sets ``SERVER_ENV = {...}`` for extra settings (e.g. a small part size)."""

from __future__ import annotations

import pytest

from tests.conftest import need_ffmpeg
from tests.support.serve import RunningServer, start_server


@pytest.fixture(scope="module")
def srv(request, tmp_path_factory) -> RunningServer:
    need_ffmpeg()
    env = getattr(request.module, "SERVER_ENV", None)
    s = start_server(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "var", env)
    yield s
    s.stop()

"""What `mam serve` starts and how it keeps it running, on real processes: the worker pools it plans, the
supervisor restarting SIGKILLed children with backoff and stopping them in order, the embedded Redis
coming back on its port with its data, and health answering with short public causes."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from app.bootstrap import build
from cli.supervision import Backoff, Supervisor, exit_cause
from cli.supervisor import Pool, worker_command, worker_pools
from config.settings import Settings
from mam.db import migrate
from pipelines.workflow import HEAVY, INTERACTIVE, QUEUES
from tests.support.fakes import InMemoryStorage, MemoryLocks, RecordingEnqueuer
from workers.embedded_redis import free_port, redis_server_binary, start_redis

OTHER = tuple(q for q in QUEUES if q not in (INTERACTIVE, HEAVY))


def settings_with(**kw) -> Settings:
    return Settings(broker_url="redis://unused:1/0", **kw)


@pytest.mark.parametrize(("workers", "interactive", "expected"), [
    (0, None, []),
    (1, None, [Pool("mam", QUEUES, 1)]),
    (1, 3, [Pool("mam", QUEUES, 1)]),
    (2, None, [Pool("interactive", (INTERACTIVE,), 1), Pool("heavy", (HEAVY, *OTHER), 1)]),
    (5, None, [Pool("interactive", (INTERACTIVE,), 2), Pool("heavy", (HEAVY, *OTHER), 3)]),
    (4, 3, [Pool("interactive", (INTERACTIVE,), 3), Pool("heavy", (HEAVY, *OTHER), 1)]),
    (3, 5, [Pool("interactive", (INTERACTIVE,), 5), Pool("heavy", (HEAVY, *OTHER), 1)]),
    (3, 0, [Pool("heavy", QUEUES, 3)]),
])
def test_worker_pools_split_the_processes(workers, interactive, expected):
    assert worker_pools(settings_with(interactive_workers=interactive), workers) == expected


def test_every_queue_of_the_workflow_is_consumed_by_some_pool():
    for workers in range(1, 6):
        pools = worker_pools(settings_with(), workers)
        assert sorted(q for p in pools for q in p.queues) == sorted(QUEUES)


def test_worker_command_is_fair_and_named():
    cmd = worker_command("ingest", 2, "interactive-1")
    assert cmd[cmd.index("-O") + 1] == "fair"
    assert cmd[cmd.index("-n") + 1] == "interactive-1@%h"
    assert cmd[cmd.index("-Q") + 1] == "ingest" and cmd[cmd.index("-c") + 1] == "2"


def test_backoff_doubles_to_the_cap_and_resets_after_a_minute_up():
    b = Backoff()
    assert [b.next_delay(0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert b.next_delay(61) == 1
    assert b.next_delay(3) == 2


def test_exit_cause_names_signals_and_codes():
    assert exit_cause(-9) == "killed by SIGKILL"
    assert exit_cause(-15) == "killed by SIGTERM"
    assert exit_cause(1) == "exit code 1"


class Sleeper:
    """A supervised child: a `sleep` process; ``fail_starts`` makes the next starts raise."""

    def __init__(self, name: str, stopped: list[str]) -> None:
        self.name = name
        self.stopped = stopped
        self.process: subprocess.Popen | None = None
        self.fail_starts = 0
        self.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> None:
        if self.fail_starts:
            self.fail_starts -= 1
            raise RuntimeError("cannot start (test)")
        self.process = subprocess.Popen(["sleep", "300"])

    def returncode(self) -> int | None:
        return self.process.poll()

    def stop(self) -> None:
        self.stopped.append(self.name)
        self.process.terminate()
        self.process.wait()


def wait_for(what: str, check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(what)


def test_supervisor_restarts_killed_children_with_backoff_and_stops_them_in_reverse_order(caplog):
    stopped: list[str] = []
    sup = Supervisor(poll_s=0.05, backoff=Backoff(first_s=0.2, max_s=1.0))
    first, second = sup.add(Sleeper("redis", stopped)), sup.add(Sleeper("worker", stopped))
    sup.start()
    try:
        with caplog.at_level(logging.WARNING, logger="mam.serve"):
            old = second.pid
            os.kill(old, signal.SIGKILL)
            wait_for("restarted", lambda: second.pid != old and second.returncode() is None)
            assert sup.restarts(second) == 1 and sup.restarts(first) == 0

            second.fail_starts = 1  # the next start fails: tried again after a longer wait
            os.kill(second.pid, signal.SIGKILL)
            t0 = time.monotonic()
            wait_for("restarted after a failed start", lambda: sup.restarts(second) == 2)
            assert time.monotonic() - t0 >= 0.4 + 0.8 - 0.1  # 0.4 s, then the failed start, then 0.8 s
        text = caplog.text
        assert f"worker (pid {old}) ended: killed by SIGKILL; restarting it in 0.2 s" in text
        assert "worker did not start again (cannot start (test))" in text
        assert "worker restarted" in text
    finally:
        sup.shutdown()
    assert stopped == ["worker", "redis"]
    assert first.returncode() is not None and second.returncode() is not None
    sup.shutdown()  # twice is harmless
    assert stopped == ["worker", "redis"]


def test_children_are_stopped_without_a_thread_too():
    stopped: list[str] = []
    sup = Supervisor()
    child = sup.add(Sleeper("only", stopped))
    sup.shutdown()
    assert stopped == ["only"] and child.returncode() is not None


@pytest.fixture
def need_redis():
    if redis_server_binary() is None:
        pytest.skip("no redis-server binary")


def test_embedded_redis_restarts_on_its_port_with_its_data(tmp_path, need_redis):
    server = start_redis(tmp_path / "redis")
    try:
        client = redis.Redis.from_url(server.url)
        client.lpush("ingest", "message 1", "message 2")
        assert int((tmp_path / "redis" / "redis.pid").read_text()) == server.pid
        os.kill(server.pid, signal.SIGKILL)
        server.process.wait()
        assert exit_cause(server.returncode()) == "killed by SIGKILL"
        port, old = server.port, server.pid
        server.restart()
        assert (server.port, server.returncode()) == (port, None) and server.pid != old
        assert client.lrange("ingest", 0, -1) == [b"message 2", b"message 1"]
        client.close()
    finally:
        server.stop()
    assert server.returncode() == 0, "stopped cleanly (its append-only file written)"


# --- health ------------------------------------------------------------------------------------------------

INTERNALS = ("Error", "Exception", "Traceback", "redis://", "sqlite", "127.0.0.1", "localhost", "unused")


def health_of(tmp_path, **overrides):
    settings = Settings(data_dir=tmp_path / "var", dispatch_interval_s=0, **overrides)
    migrate(Settings(data_dir=tmp_path / "var").database_url)
    storage = InMemoryStorage()
    root = build(settings, storage=storage, enqueuer=RecordingEnqueuer(), locks=MemoryLocks())
    return TestClient(create_app(root)), storage


def assert_public(resp) -> None:
    for internal in INTERNALS:
        assert internal not in resp.text, resp.text


def test_health_ok_with_a_broker_that_answers(tmp_path, redis_url):
    client, _ = health_of(tmp_path, broker_url=redis_url)
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "version": resp.json()["version"],
                           **{k: {"ok": True, "detail": None} for k in ("catalog", "storage", "broker")}}


def test_health_is_degraded_with_short_causes_only(tmp_path):
    port = free_port()
    client, storage = health_of(tmp_path, broker_url=f"redis://127.0.0.1:{port}/0")
    resp = client.get("/api/v1/health")
    assert resp.status_code == 503
    assert resp.json()["status"] == "degraded"
    assert resp.json()["broker"] == {"ok": False, "detail": "not answering"}
    assert resp.json()["catalog"]["ok"] and resp.json()["storage"]["ok"]
    assert str(port) not in resp.text
    assert_public(resp)

    storage.down = True
    resp = client.get("/api/v1/health")
    assert resp.json()["storage"] == {"ok": False, "detail": "not answering"}
    assert_public(resp)


def test_health_says_the_catalog_is_down_without_its_error(tmp_path, redis_url):
    port = free_port()  # a PostgreSQL that is not running
    client, _ = health_of(tmp_path, broker_url=redis_url,
                          database_url=f"postgresql+psycopg://mam:secret@127.0.0.1:{port}/newsroomdb")
    resp = client.get("/api/v1/health")
    assert resp.status_code == 503
    assert resp.json()["catalog"] == {"ok": False, "detail": "not answering"}
    assert resp.json()["broker"]["ok"] and resp.json()["storage"]["ok"]
    for internal in (str(port), "secret", "newsroomdb", "psycopg", "postgres"):
        assert internal not in resp.text, resp.text
    assert_public(resp)


def test_health_without_a_broker_says_so(tmp_path):
    client, _ = health_of(tmp_path)
    resp = client.get("/api/v1/health")
    assert resp.status_code == 503
    assert resp.json()["broker"] == {"ok": False, "detail": "not configured"}


def test_health_answers_in_bounded_time_when_a_part_hangs(tmp_path, redis_url):
    client, storage = health_of(tmp_path, broker_url=redis_url)
    storage.check = lambda: time.sleep(10)  # a store behind a dropped route
    started = time.monotonic()
    resp = client.get("/api/v1/health")
    assert time.monotonic() - started < 6
    assert resp.status_code == 503
    assert resp.json()["storage"] == {"ok": False, "detail": "not answering"}
    assert resp.json()["catalog"]["ok"] and resp.json()["broker"]["ok"]

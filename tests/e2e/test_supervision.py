"""`mam serve` on a hostile or unlucky day: its Redis and its workers are SIGKILLed and come back by
themselves; health says so meanwhile without internal text; work accepted while the broker was down still
finishes; a small clip is not stuck behind long transcodes (interactive and heavy worker pools)."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import need_ffmpeg
from tests.support.media import make_clip
from tests.support.serve import (
    RunningServer,
    child_processes,
    is_running,
    redis_pid,
    start_server,
    worker_pids,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The embedded shape with both pools; the dispatcher runs every second."""
    need_ffmpeg()
    srv = start_server(tmp_path_factory.mktemp("supervised") / "var", {"MAM_DISPATCH_INTERVAL_S": "1"})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory) -> Path:
    need_ffmpeg()
    return make_clip(tmp_path_factory.mktemp("small") / "small.mp4", seconds=3, size="640x360")


def health(srv: RunningServer) -> httpx.Response:
    return httpx.get(f"{srv.url}/api/v1/health", timeout=10)


def upload(srv: RunningServer, path: Path, name: str) -> str:
    with open(path, "rb") as fh:
        resp = srv.client().post("/api/v1/assets", files={"file": (name, fh)})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def wait_until(what: str, check, timeout: float, srv: RunningServer):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout:.0f} s\n{srv.logs()}")


def redis_port(srv: RunningServer) -> int:
    return int((srv.data_dir / "broker-url").read_text().strip().rsplit(":", 1)[1].split("/")[0])


def answers(port: int) -> bool:
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def kill_redis(srv: RunningServer) -> int:
    """SIGKILL the embedded Redis and wait until it is gone; returns its pid."""
    pid = wait_until("the embedded Redis runs", lambda: redis_pid(srv), 30, srv)
    assert int((srv.data_dir / "redis" / "redis.pid").read_text()) == pid
    os.kill(pid, signal.SIGKILL)
    wait_until("the killed Redis is gone", lambda: not is_running(pid), 10, srv)
    return pid


def wait_restarted(srv: RunningServer, port: int, dead: list[int]) -> int:
    """Wait until the supervisor has brought Redis back (and says so); returns the new pid."""

    def back() -> int | None:
        pid = redis_pid(srv)
        if pid in (None, *dead) or not answers(port):
            return None
        return pid if f"embedded Redis restarted (pid {pid}," in srv.log.read_text() else None

    return wait_until("Redis is back on its port", back, 20, srv)


def assert_degraded_without_internals(resp: httpx.Response, port: int) -> None:
    body = resp.json()
    assert resp.status_code == 503, resp.text
    assert body["status"] == "degraded"
    assert body["broker"] == {"ok": False, "detail": "not answering"}
    assert body["catalog"]["ok"] and body["storage"]["ok"]
    assert set(body) == {"status", "version", "catalog", "storage", "broker"}
    for internal in (str(port), "127.0.0.1", "redis://", "Error", "Traceback", "refused"):
        assert internal not in resp.text, resp.text


def test_killed_redis_comes_back_on_its_port_and_work_accepted_meanwhile_finishes(server, small_clip):
    port = redis_port(server)
    assert health(server).status_code == 200
    workers = wait_until("both worker pools run", lambda: len(p := worker_pids(server)) == 2 and p, 30, server)
    pids = []
    # Each kill before a minute of uptime doubles the wait before the next start: 1, 2, 4, 8, then 16 s, an
    # outage long enough to upload while the broker is surely down (a publish waits a few seconds for it).
    for _ in range(4):
        pids.append(kill_redis(server))
        assert_degraded_without_internals(health(server), port)
        wait_restarted(server, port, pids)
    assert int((server.data_dir / "redis" / "redis.pid").read_text()) == redis_pid(server)
    pids.append(kill_redis(server))
    down = health(server)
    assert_degraded_without_internals(down, port)
    started = time.monotonic()
    asset_id = upload(server, small_clip, "accepted-while-the-broker-was-down.mp4")
    accepted_in = time.monotonic() - started
    still_down = health(server).status_code == 503 and not answers(port)

    wait_restarted(server, port, pids)
    wait_until("health is ok again", lambda: health(server).status_code == 200, 20, server)
    assert health(server).json()["status"] == "ok"
    assert (server.data_dir / "broker-url").read_text().strip().endswith(f":{port}/0"), "same port"
    rec = server.wait_for(asset_id, timeout=90)
    assert rec["status"] == "ready", rec["error"]
    assert worker_pids(server) == workers, "the workers reconnected by themselves (none was restarted)"

    log = server.log.read_text()
    delays = [int(d) for d in re.findall(r"embedded Redis \(pid \d+\) ended: killed by SIGKILL; "
                                         r"restarting it in (\d+) s", log)]
    assert delays == [1, 2, 4, 8, 16], log[-3000:]
    assert len(re.findall(r"WARNING mam\.serve: embedded Redis restarted", log)) == 5
    assert still_down, f"the upload (accepted in {accepted_in:.1f} s) was meant to land while Redis was down"


def test_killed_workers_are_restarted_and_the_next_upload_is_ready(server, small_clip, tmp_path):
    before = wait_until("both worker pools run", lambda: (p := worker_pids(server)).keys() >= {"interactive",
                        "heavy"} and p, 30, server)
    pool_children = {pid: list(child_processes(pid)) for pid in before.values()}
    assert all(pool_children.values()), "each pool runs prefork children"
    for pid in before.values():
        os.kill(pid, signal.SIGKILL)
    after = wait_until("both pools are restarted", lambda: (p := worker_pids(server)).keys() >= {"interactive",
                       "heavy"} and not set(p.values()) & set(before.values()) and p, 30, server)
    assert after.keys() == before.keys()
    orphans = [c for kids in pool_children.values() for c in kids]
    wait_until("the killed pools' children are gone", lambda: not any(is_running(c) for c in orphans), 20, server)
    log = server.log.read_text()
    for name in ("interactive", "heavy"):
        assert re.search(rf"{name} worker pool \(pid {before[name]}\) ended: killed by SIGKILL", log), log[-3000:]
        assert f"{name} worker pool restarted (pid {after[name]}" in log

    clip = make_clip(tmp_path / "after-kill.mp4", seconds=3, size="640x360", extra=["-metadata", "title=x"])
    rec = server.wait_analysis(upload(server, clip, "after-the-workers-died.mp4"), timeout=120)
    assert rec["status"] == "ready", rec["error"]
    assert rec["analysis"]["status"] == "done", rec["analysis"]  # the heavy pool works again too


def test_serve_starts_an_interactive_and_a_heavy_pool(server):
    cmds = {name: child_processes(server.process.pid)[pid] for name, pid in worker_pids(server).items()}
    assert cmds.keys() == {"interactive", "heavy"}
    assert " -Q ingest " in cmds["interactive"] and " -Q transcode,analyze,export " in cmds["heavy"]
    assert all(" -c 1 " in c and " -O fair " in c for c in cmds.values())
    assert all(re.search(r" -n (interactive|heavy)-\d+@%h ", c) for c in cmds.values())
    text = server.log.read_text()
    assert "interactive pool: 1 on ingest" in text and "heavy pool: 1 on transcode,analyze,export" in text


@pytest.fixture(scope="module")
def long_clips(tmp_path_factory) -> list[Path]:
    need_ffmpeg()
    d = tmp_path_factory.mktemp("long")
    return [make_clip(d / f"long{i}.mp4", seconds=60, size="1280x720", extra=["-metadata", f"title=long {i}"])
            for i in (1, 2)]


def test_small_clip_is_ready_before_long_ones_uploaded_first(tmp_path, long_clips, small_clip):
    srv = start_server(tmp_path / "var", {"MAM_WORKERS": "2", "MAM_INTERACTIVE_MAX_S": "20",
                                          "MAM_DISPATCH_INTERVAL_S": "1"})
    try:
        longs = [upload(srv, p, p.name) for p in long_clips]
        small = upload(srv, small_clip, "small-after-long-ones.mp4")
        c = srv.client()
        order: list[str] = []
        deadline = time.monotonic() + 240
        while len(order) < 3 and time.monotonic() < deadline:
            for asset_id in (small, *longs):
                if asset_id not in order:
                    status = c.get(f"/api/v1/assets/{asset_id}").json()["status"]
                    assert status != "failed", srv.logs()
                    if status == "ready":
                        order.append(asset_id)
            if order and order[0] in longs:
                break  # the ordering is already wrong
            time.sleep(0.2)
        assert order and order[0] == small, f"ready order {order} (small {small}, long {longs})\n{srv.logs()}"
        for asset_id in longs:  # and the long ones still finish
            assert srv.wait_for(asset_id, timeout=240)["status"] == "ready"
        children = list(child_processes(srv.process.pid))
    finally:
        srv.stop()
    # a clean stop: the pools and Redis are gone, Redis wrote its append-only file on the way out
    assert srv.process.returncode == 0
    wait_until("every child stopped", lambda: not any(is_running(c) for c in children), 10, srv)
    redis_log = (srv.data_dir / "redis" / "redis.log").read_text()
    assert "Calling fsync() on the AOF file" in redis_log and "ready to exit" in redis_log
    assert not (srv.data_dir / "broker-url").exists()

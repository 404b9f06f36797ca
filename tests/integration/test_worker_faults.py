"""Real Celery workers (`mam worker`) on a real Redis: a killed worker's task is redelivered and
finishes; a file that kills the worker every time ends FAILED instead of looping."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.bootstrap import build
from config.settings import Settings
from mam import catalog
from mam.db import migrate
from mam.storage import original_key
from pipelines import workflow
from tests.conftest import need_ffmpeg
from tests.support.media import make_clip, probe

_db_index = itertools.count(5)


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def descendants_named(pid: int, name: str) -> list[int]:
    found = []
    for child in children(pid):
        try:
            if Path(f"/proc/{child}/comm").read_text().strip() == name:
                found.append(child)
        except OSError:
            pass
        found += descendants_named(child, name)
    return found


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    need_ffmpeg()
    return make_clip(tmp_path_factory.mktemp("long") / "long.mp4", seconds=40)


@pytest.fixture
def system(tmp_path, redis_url):
    """A catalog, a store, and a `mam worker` process on its own Redis database."""
    base = redis_url.rsplit("/", 1)[0]
    env_vals = {"MAM_DATA_DIR": str(tmp_path / "var"), "MAM_BROKER_URL": f"{base}/{next(_db_index)}",
                "MAM_LOCK_TTL_S": "3"}
    settings = Settings(**{k[4:].lower(): v for k, v in env_vals.items()})
    migrate(settings.database_url)
    procs: list[subprocess.Popen] = []

    def start_worker(**extra: str) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAM_")} | env_vals | extra
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "-c", "1"], env=env,
                                stdout=open(tmp_path / "worker.log", "ab"), stderr=subprocess.STDOUT)
        procs.append(proc)
        return proc

    yield settings, start_worker
    for p in procs:
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


def submit(settings: Settings, clip: Path) -> str:
    """Store an original and start its flow as an upload does (the work item is published after commit)."""
    root = build(settings)
    with root.uow() as s:
        asset = catalog.new_asset(s, original_filename=clip.name, original_key_for=lambda a: original_key(a, "x.mp4"))
        root.storage.put_file(asset.original_key, clip)
        workflow.start(s, root, asset.id)
        return asset.id


def state(settings: Settings, aid: str):
    with build(settings).uow() as s:
        a = catalog.get_asset(s, aid)
        return a.status, a.progress, a.error, [(r.kind, r.key) for r in a.renditions]


def wait_until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _media_pass_ffmpegs(worker_pid: int) -> list[int]:
    """ffmpeg processes under the worker that run the media pass (not a short capability check)."""
    found = []
    for pid in descendants_named(worker_pid, "ffmpeg"):
        try:
            if b"-filter_complex" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def kill_pool_child_mid_transcode(settings, aid, worker) -> None:
    def target():
        if not (state(settings, aid)[0] == "processing" and state(settings, aid)[1] > 0.05):
            return None
        ffmpegs = _media_pass_ffmpegs(worker.pid)
        pool = [c for c in children(worker.pid) if ffmpegs and (ffmpegs[0] in descendants_named(c, "ffmpeg")
                                                                or ffmpegs[0] in children(c))]
        return (ffmpegs, pool[0]) if pool else None

    ffmpegs, pool_child = wait_until(target, 120, "transcode progress")
    os.kill(pool_child, signal.SIGKILL)
    wait_until(lambda: not any(Path(f"/proc/{p}").exists() and "ffmpeg" in Path(f"/proc/{p}/comm").read_text()
                               for p in ffmpegs), 15, "the orphaned ffmpeg to stop")


def test_killed_worker_task_is_redelivered_and_completes_once(system, long_clip):
    settings, start_worker = system
    worker = start_worker()
    aid = submit(settings, long_clip)
    kill_pool_child_mid_transcode(settings, aid, worker)
    status, _, error, rends = wait_until(
        lambda: (st := state(settings, aid))[0] in ("ready", "failed") and st, 240, "asset to finish")
    assert status == "ready", error
    assert sorted(k for k, _ in rends) == ["poster", "proxy", "sprite_001", "thumbnails_vtt", "waveform"]
    proxy = settings.data_dir / "objects" / dict(rends)["proxy"]
    assert float(probe(proxy)["format"]["duration"]) == pytest.approx(40.0, abs=0.1)
    assert worker.poll() is None, "the worker lives on"


@pytest.mark.parametrize("max_attempts", [1, 2])
def test_poison_file_ends_failed_after_max_attempts(system, long_clip, max_attempts):
    """A file that kills its worker on every delivery ends failed by itself; waiting for the dead worker's
    lock (TTL 3 s here) never uses up the attempts."""
    settings, start_worker = system
    worker = start_worker(MAM_MAX_ATTEMPTS=str(max_attempts))
    aid = submit(settings, long_clip)
    for _ in range(max_attempts):
        kill_pool_child_mid_transcode(settings, aid, worker)
    status, _, error, rends = wait_until(
        lambda: (st := state(settings, aid))[0] in ("ready", "failed") and st, 120, "asset to fail")
    assert status == "failed" and f"stopped the worker {max_attempts} times" in error
    assert rends == []
    assert worker.poll() is None, "the worker lives on"
    assert not list((settings.data_dir / "work").glob(f"{aid}-*")), "nothing left behind"


def test_work_directory_of_a_killed_run_is_cleaned_on_redelivery(tmp_path):
    from pipelines.context import step_context

    settings = Settings(data_dir=tmp_path / "var", broker_url="redis://unused:1/0")
    stale = settings.data_dir / "work" / "abc-leftover"
    stale.mkdir(parents=True)
    (stale / "proxy.mp4").write_bytes(b"half")
    services = build(settings, storage=object(), enqueuer=object(), locks=object())  # type: ignore[arg-type]
    with step_context("abc", services) as ctx:
        assert not stale.exists() and ctx.workdir.exists()

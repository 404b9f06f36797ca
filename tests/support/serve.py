"""Run `mam serve` as a real subprocess for end-to-end tests."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from workers.embedded_redis import free_port


@dataclass
class RunningServer:
    process: subprocess.Popen
    url: str
    token: str
    data_dir: Path
    env: dict[str, str]
    log: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        c = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
        self.clients.append(c)
        return c

    def wait_for(self, asset_id: str, timeout: float = 180) -> dict:
        """Poll until the asset is ready or failed."""
        c = self.client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rec = c.get(f"/api/v1/assets/{asset_id}").json()
            if rec["status"] in ("ready", "failed"):
                return rec
            time.sleep(0.5)
        raise AssertionError(f"asset {asset_id} still {rec['status']} after {timeout}s; log:\n{self.logs()}")

    def wait_analysis(self, asset_id: str, timeout: float = 240) -> dict:
        """Poll until the asset is ready and its keyframe analysis has ended (done or failed)."""
        c = self.client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rec = c.get(f"/api/v1/assets/{asset_id}").json()
            if rec["status"] == "failed" or (rec["status"] == "ready" and
                                             rec["analysis"].get("status") in ("done", "failed")):
                return rec
            time.sleep(1)
        raise AssertionError(f"analysis of {asset_id} did not finish: {rec['analysis']}\n{self.logs()}")

    def logs(self) -> str:
        text = self.log.read_text(errors="replace")[-4000:]
        wlog = self.data_dir / "worker.log"
        if wlog.exists():
            text += "\n--- worker ---\n" + wlog.read_text(errors="replace")[-4000:]
        return text

    def stop(self) -> None:
        for c in self.clients:
            c.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def child_processes(pid: int) -> dict[int, str]:
    """The direct children of ``pid`` (from /proc): pid -> command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found[int(stat.parent.name)] = cmdline.strip()
        except (OSError, IndexError, ValueError):
            continue
    return found


def is_running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def server_children(srv: RunningServer) -> dict[int, str]:
    """The live children of a running `mam serve` (Redis, worker pools): pid -> command line."""
    return {pid: cmd for pid, cmd in child_processes(srv.process.pid).items() if is_running(pid)}


def redis_pid(srv: RunningServer) -> int | None:
    """The embedded Redis of a running `mam serve`, or None while it is down."""
    return next((pid for pid, cmd in server_children(srv).items() if "redis-server" in cmd), None)


def worker_pids(srv: RunningServer) -> dict[str, int]:
    """The worker pool processes of a running `mam serve`: pool name (``interactive``, ``heavy``…) -> pid."""
    pools = {}
    for pid, cmd in server_children(srv).items():
        args = cmd.split()
        if "celery" in args and "-n" in args:
            pools[args[args.index("-n") + 1].split("-", 1)[0]] = pid
    return pools


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = 60) -> RunningServer:
    """Start `mam serve` on a free port with ``data_dir``; wait until /health answers ok."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAM_")}
    env.update({"MAM_DATA_DIR": str(data_dir), "MAM_PORT": str(port), "MAM_HOST": "127.0.0.1",
                "MAM_WORKERS": "2", **(extra_env or {})})
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve"], env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mam serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError(f"mam serve did not become healthy:\n{log.read_text()}")
    token = env.get("MAM_ADMIN_TOKEN") or (data_dir / "admin-token").read_text().strip()
    return RunningServer(proc, url, token, data_dir, env, log)


def send_parts(s: RunningServer, sess: dict, path: Path, order=None, client: httpx.Client | None = None) -> None:
    """PUT every part an upload session lists from ``path``, each with its X-Part-SHA256."""
    data = path.read_bytes()
    http = client or s.client()
    for p in (order or (lambda x: x))(sess["parts"]):
        n = p["part_number"]
        body = data[(n - 1) * sess["part_size"]: n * sess["part_size"]]
        r = http.put(p["url"], content=body, headers={"X-Part-SHA256": hashlib.sha256(body).hexdigest()})
        assert r.status_code == 200, r.text

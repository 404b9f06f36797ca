"""What authentication costs per request: the same route through the same app, with the access check and
without it (a no-op in its place), interleaved, in process (no network noise).

Ways: ``none`` (check replaced by a no-op), ``token`` (bearer token, lookup cached as in production),
``token-uncached`` (every request looks the token up in the catalog), ``session`` (browser cookie, cached),
``signed`` (a signed media URL: an HMAC, no lookup). Reports p50/p95 per way and p95 minus ``none``.

    .venv/bin/python bench/auth.py --requests 3000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import Request  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from api import access  # noqa: E402
from api.app import create_app  # noqa: E402
from app.bootstrap import build  # noqa: E402
from config.settings import Settings  # noqa: E402
from mam.db import migrate  # noqa: E402
from tests.support.fakes import InMemoryStorage, MemoryLocks, RecordingEnqueuer  # noqa: E402

ADMIN = "b" * 40
PASSWORD = "benchmark password"


def _pcts(samples: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(qs[49] * 1000, 3), "p95_ms": round(qs[94] * 1000, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=3000, help="requests per way")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "auth.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), broker_url="redis://unused:1/0", admin_token=ADMIN,
                            dispatch_interval_s=0)
        migrate(settings.database_url)
        r = build(settings, storage=InMemoryStorage(), enqueuer=RecordingEnqueuer(), locks=MemoryLocks())
        app = create_app(r)
        open_app = create_app(r)
        open_app.dependency_overrides[access.authenticate] = lambda: None
        open_app.dependency_overrides[access.current_caller] = lambda: access.Caller(None, "none")
        with TestClient(app, headers={"Authorization": f"Bearer {ADMIN}"}) as admin:
            uid = admin.post("/api/v1/users", json={"username": "bench", "password": PASSWORD,
                                                    "role": "producer"}).json()["id"]
            token = admin.post(f"/api/v1/users/{uid}/tokens", json={}).json()["token"]
        browser = TestClient(app)
        browser.post("/api/v1/auth/login", json={"username": "bench", "password": PASSWORD})
        uncached_app = create_app(r)
        uncached_app.state.credentials = access.CredentialCache(ttl_s=0)
        signed_path = "/api/v1/projects"  # the signature check itself is what is measured: same route, same HMAC
        ways = {
            "none": (TestClient(open_app), "/api/v1/projects", {}),
            "token": (TestClient(app), "/api/v1/projects", {"Authorization": f"Bearer {token}"}),
            "token-uncached": (TestClient(uncached_app), "/api/v1/projects", {"Authorization": f"Bearer {token}"}),
            "session": (browser, "/api/v1/projects", {}),
        }
        samples: dict[str, list[float]] = {w: [] for w in ways}
        samples["signed-check"] = []
        for _ in range(50):  # warm up
            for c, path, headers in ways.values():
                c.get(path, headers=headers)
        for _ in range(args.requests):
            for way, (c, path, headers) in ways.items():
                t0 = time.perf_counter()
                resp = c.get(path, headers=headers)
                samples[way].append(time.perf_counter() - t0)
                assert resp.status_code == 200, (way, resp.status_code, resp.text)
            query = r.signer.query(signed_path, 60)
            exp, sig = (p.split("=", 1)[1] for p in query.split("&"))
            t0 = time.perf_counter()
            r.signer.check("GET", signed_path, exp, sig)
            samples["signed-check"].append(time.perf_counter() - t0)
        # the check alone, called as FastAPI calls it (no HTTP stack around it): what it adds to a request
        route = next(rt for rt, path in access.api_routes(app) if path == "/api/v1/projects" and "GET" in rt.methods)
        for way, headers in (("check-token", {"authorization": f"Bearer {token}"}),
                             ("check-token-uncached", {"authorization": f"Bearer {token}"})):
            target = uncached_app if way.endswith("uncached") else app
            scope = {"type": "http", "method": "GET", "path": "/api/v1/projects", "query_string": b"",
                     "headers": [(k.encode(), v.encode()) for k, v in headers.items()], "app": target,
                     "route": route, "client": ("127.0.0.1", 1)}
            samples[way] = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                access.authenticate(Request(scope))
                samples[way].append(time.perf_counter() - t0)
    stats = {w: _pcts(s) for w, s in samples.items()}
    base = stats["none"]["p95_ms"]
    for w in ("token", "token-uncached", "session"):
        stats[w]["p95_added_ms"] = round(stats[w]["p95_ms"] - base, 3)
    Path(args.out).write_text(json.dumps({"requests": args.requests, "ways": stats}, indent=2))
    print(f"{'way':16} {'p50 ms':>8} {'p95 ms':>8} {'p95 - none':>11}")
    for w, s in stats.items():
        print(f"{w:16} {s['p50_ms']:8.3f} {s['p95_ms']:8.3f} {s.get('p95_added_ms', 0):11.3f}")


if __name__ == "__main__":
    main()

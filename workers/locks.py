"""A per-asset, per-step lock in Redis with a short TTL kept alive while the step runs.

A task redelivered while the first run is alive finds the lock taken and comes back later; a
worker that was killed stops renewing, so its lock frees itself within ``ttl_s``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis


@contextmanager
def held_lock(broker_url: str, name: str, ttl_s: int = 60) -> Iterator[bool]:
    """Yield True with the lock held (renewed every ttl/3), or False if another run holds it."""
    client = redis.Redis.from_url(broker_url)
    lock = client.lock(f"mam:lock:{name}", timeout=ttl_s, blocking=False)
    if not lock.acquire():
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl_s / 3):
            try:
                lock.reacquire()
            except Exception:  # lost the lock or the broker; the step goes on, a rerun is idempotent
                return

    keeper = threading.Thread(target=renew, daemon=True)
    keeper.start()
    try:
        yield True
    finally:
        stop.set()
        try:
            lock.release()
        except Exception:
            pass
        client.close()

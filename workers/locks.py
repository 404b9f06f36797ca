"""Named locks in Redis with a short TTL kept alive while the holder runs.

A task redelivered while the first run is alive finds the lock taken and comes back later; a worker
that was killed stops renewing, so its lock frees itself within ``ttl_s``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis


class RedisLocks:
    """The ``Locks`` of the flow, on the broker's Redis."""

    def __init__(self, url: str, ttl_s: int = 60) -> None:
        self.url, self.ttl_s = url, ttl_s
        self._client: redis.Redis | None = None

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(self.url)
        return self._client

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        """Yield True with the lock held (renewed every ttl/3), or False if another run holds it."""
        lock = self.client.lock(f"mam:lock:{name}", timeout=self.ttl_s, blocking=False)
        if not lock.acquire():
            yield False
            return
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.ttl_s / 3):
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

    def is_held(self, name: str) -> bool:
        """Whether anyone holds ``name`` now."""
        return bool(self.client.exists(f"mam:lock:{name}"))

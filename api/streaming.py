"""A blocking file-like view of a request body, for sync routes that hand the bytes to storage.

Sync routes run in a worker thread; each ``read`` pulls the next chunk from the event loop, so a
part is written to the store as it arrives and never held whole in memory.
"""

from __future__ import annotations

import anyio.from_thread
from starlette.requests import Request


class RequestBodyReader:
    def __init__(self, request: Request) -> None:
        self._chunks = request.stream().__aiter__()
        self._buf = bytearray()
        self._done = False

    async def _fill(self, want: int) -> bytes:
        """Gather chunks up to ``want`` bytes in one trip to the event loop (one thread hop per MiB)."""
        got: list[bytes] = []
        size = 0
        while size < want:
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._done = True
                break
            got.append(chunk)
            size += len(chunk)
        return b"".join(got)

    def read(self, n: int = -1) -> bytes:
        limit = 1024 * 1024 if n is None or n < 0 else n
        if not self._done and len(self._buf) < limit:
            self._buf += anyio.from_thread.run(self._fill, limit - len(self._buf))
        data = bytes(self._buf[:limit])
        del self._buf[:limit]
        return data

"""Media URLs that play anywhere: every link the API hands out for a stored object works without a header.

* On S3 an object's link is presigned by the store (one object, ``MAM_URL_TTL_S``).
* On the local store it is the API route with ``?exp=&sig=`` (``mam.url_signing``), checked by
  ``api.access`` for the routes marked ``signed``.
* Text files that name other files (HLS playlists, the thumbnails WebVTT) are always served through the API
  and rewritten on the way out: each relative reference becomes that object's own signed or presigned link,
  so a player that follows them needs no header either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from mam.storage import Storage

REWRITTEN_SUFFIXES = (".m3u8", ".vtt")
_URI_ATTR = re.compile(r'URI="([^"]+)"')


class MediaLinks:
    """Builds the links of one response (base URL from the request, TTL from the settings)."""

    def __init__(self, request: Request, storage: Storage, signer, ttl_s: int) -> None:
        self._base = str(request.base_url).rstrip("/")
        self._storage, self._signer, self.ttl_s = storage, signer, ttl_s

    def api(self, path: str) -> str:
        """The API route ``path`` (unquoted, starting ``/api/v1``) with a signature for GET."""
        return f"{self._base}{quote(path)}?{self._signer.query(path, self.ttl_s)}"

    def stored(self, key: str, api_path: str, *, filename: str | None = None, attachment: bool = False,
               content_type: str | None = None) -> str:
        """The link of a stored object: presigned by the store when it can (and the file names no others),
        else the signed API route that serves it."""
        if not key.endswith(REWRITTEN_SUFFIXES):
            url = self._storage.presigned_get(key, self.ttl_s, filename, attachment=attachment,
                                              content_type=content_type)
            if url:
                return url
        return self.api(api_path)


def rewrite_references(text: str, kind: str, resolve: Callable[[str], str | None]) -> str:
    """``text`` of an HLS playlist (``kind`` "m3u8") or a WebVTT (``vtt``) with each relative reference
    replaced by ``resolve(reference)`` (kept as it is when that returns None). Absolute URLs are kept."""

    def one(ref: str) -> str:
        if "://" in ref or ref.startswith("/") or ref.startswith("data:"):
            return ref
        path, sep, frag = ref.partition("#")
        return (resolve(path) or path) + sep + frag

    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        if kind == "m3u8":
            if stripped.startswith("#"):
                line = _URI_ATTR.sub(lambda m: f'URI="{one(m.group(1))}"', line)
            elif stripped:
                line = one(stripped)
        elif kind == "vtt" and "#xywh=" in stripped and "-->" not in stripped:
            line = one(stripped)
        out.append(line)
    return "\n".join(out)


def get_links(request: Request) -> MediaLinks:
    r = request.app.state.root
    return MediaLinks(request, r.storage, r.signer, r.settings.url_ttl_s)


LinksDep = Annotated[MediaLinks, Depends(get_links)]

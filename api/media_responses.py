"""Download responses for stored objects: served media and sidecars are never pages.

Every response carries ``X-Content-Type-Options: nosniff``, ``Content-Security-Policy: default-src 'none';
sandbox`` (a stored file opened as a document can run nothing and reach nothing) and a ``Content-Disposition``:
``attachment`` for originals and sidecars (they download), ``inline`` for renditions and shot images (the UI
plays and shows them). The Content-Type never comes from the client that uploaded the file:

* original -- what the stored bytes are (``mam.sniff.sniff_content_type`` on the first 4 KiB, more when
  ``mam.sniff.sniff_bytes_needed`` asks for it: ID3 tags before an MP3's first frame);
* rendition -- the type the product recorded when it made the rendition;
* shot image -- ``image/jpeg`` (the product makes them);
* sidecar -- ``text/plain; charset=utf-8`` for text kinds whose bytes are UTF-8, else ``application/octet-stream``.

A type a browser would run as a document or script (HTML, XML, SVG, JavaScript...) is never sent: it becomes
``application/octet-stream``. Local files are served by ``FileResponse`` (HTTP Range works); other stores
stream the object.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from typing import BinaryIO, Literal
from urllib.parse import quote

from fastapi.responses import FileResponse, Response, StreamingResponse

from mam.errors import NotFound
from mam.storage import Storage

__all__ = ["Role", "content_disposition", "media_response", "read_text", "text_response", "SECURITY_HEADERS"]

Role = Literal["original", "rendition", "shot_image", "sidecar"]
OCTET = "application/octet-stream"
TEXT_UTF8 = "text/plain; charset=utf-8"
SNIFF_BYTES = 4096
CHUNK = 1024 * 1024
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}
_DISPOSITION: dict[str, str] = {"original": "attachment", "sidecar": "attachment", "rendition": "inline",
                                "shot_image": "inline"}
TEXT_SIDECAR_KINDS = frozenset({"srt", "subtitle", "transcript", "flight_log", "gpx", "kml", "xmp"})
# Types a browser renders as a document or runs as script: never sent, whoever says so.
_ACTIVE_TYPES = ("text/html", "application/xhtml", "image/svg", "text/xml", "application/xml", "text/javascript",
                 "application/javascript", "application/ecmascript", "text/ecmascript", "application/x-javascript",
                 "text/xsl", "application/xslt", "application/pdf", "application/x-shockwave-flash",
                 "multipart/", "message/", "text/cache-manifest")


def content_disposition(disposition: str, filename: str) -> str:
    """``attachment; filename="plain.mp4"; filename*=UTF-8''%E4%BA%AC.mp4``: an ASCII fallback without quotes,
    backslashes, percent signs, control or non-ASCII characters, and the exact name per RFC 5987/6266."""
    plain = "".join(c for c in filename if 32 <= ord(c) < 127 and c not in '"\\%').strip()
    if not plain.strip(". ") or plain.startswith("."):  # nothing ASCII left of the name but its extension
        ext = "".join(c for c in filename.rsplit(".", 1)[-1] if c.isascii() and c.isalnum()) if "." in filename else ""
        plain = f"download.{ext}" if ext else "download"
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _safe_type(content_type: str | None) -> str:
    """The type as given, unless it is missing, malformed or one a browser would run: then octet-stream."""
    ct = (content_type or "").strip()
    main = ct.split(";", 1)[0].strip().lower()
    if not main or "/" not in main or any(c in ct for c in "\r\n\x00") or "+xml" in main:
        return OCTET
    if main.startswith(_ACTIVE_TYPES):
        return OCTET
    return ct


def _read_head(read: Callable[[int], bytes], sniffing: bool) -> bytes:
    """The first 4 KiB, or as many bytes as the sniffer says it needs (bounded by ``mam.sniff``)."""
    head = read(SNIFF_BYTES)
    if not sniffing or len(head) < SNIFF_BYTES:
        return head
    try:
        from mam.sniff import sniff_bytes_needed
    except ImportError:
        return head
    needed = sniff_bytes_needed(head)
    parts = [head]
    have = len(head)
    while have < needed and (chunk := read(min(CHUNK, needed - have))):
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


def _sniffed_type(head: bytes) -> str:
    try:
        from mam.sniff import sniff_content_type
    except ImportError:  # older mam.sniff without a MIME mapping: say nothing about the bytes
        return OCTET
    try:
        return sniff_content_type(head) or OCTET
    except Exception:
        return OCTET


def _sidecar_type(kind: str | None, head: bytes) -> str:
    if kind not in TEXT_SIDECAR_KINDS:
        return OCTET
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return OCTET
    return TEXT_UTF8


def _chunks(head: bytes, body: BinaryIO) -> Iterator[bytes]:
    try:
        if head:
            yield head
        while chunk := body.read(CHUNK):
            yield chunk
    finally:
        body.close()


def media_response(storage: Storage, key: str, *, role: Role, filename: str,
                   content_type: str | None = None, sidecar_kind: str | None = None) -> Response:
    """The download response for the stored object ``key``.

    ``role`` decides the disposition and where the Content-Type comes from (see the module docstring);
    ``content_type`` is used for renditions only (the type the product recorded), ``sidecar_kind`` for sidecars
    only. ``filename`` is what the browser saves it as. Raises ``NotFound`` when the object is missing.
    """
    needs_head = role in ("original", "sidecar")
    local = storage.local_path(key)
    body: BinaryIO | None = None
    head = b""
    if local is not None:
        if not local.is_file():
            raise NotFound(key)
        if needs_head:
            with open(local, "rb") as fh:
                head = _read_head(fh.read, role == "original")
    else:
        body = storage.open_read(key)
        if needs_head:
            try:
                head = _read_head(body.read, role == "original")
            except BaseException:
                body.close()
                raise
    if role == "original":
        media_type = _safe_type(_sniffed_type(head))
    elif role == "sidecar":
        media_type = _sidecar_type(sidecar_kind, head)
    elif role == "shot_image":
        media_type = "image/jpeg"
    else:
        media_type = _safe_type(content_type)
    headers = {**SECURITY_HEADERS, "Content-Disposition": content_disposition(_DISPOSITION[role], filename)}
    if body is None:
        return FileResponse(local, media_type=media_type, headers=headers)
    return StreamingResponse(_chunks(head, body), media_type=media_type, headers=headers)


MAX_TEXT = 16 * 1024 * 1024  # playlists and WebVTT files the API rewrites are small; refuse absurd ones


def read_text(storage: Storage, key: str) -> str:
    """A small stored text file (a playlist, a WebVTT) as UTF-8 text."""
    fh = storage.open_read(key)
    try:
        data = fh.read(MAX_TEXT + 1)
    finally:
        fh.close()
    if len(data) > MAX_TEXT:
        raise NotFound(f"{key} is too large to serve rewritten")
    return data.decode("utf-8", errors="replace")


def text_response(text: str, content_type: str) -> Response:
    """Text the API wrote for this request (a rewritten playlist or WebVTT), inline, never cached."""
    return Response(text.encode("utf-8"), media_type=_safe_type(content_type),
                    headers={**SECURITY_HEADERS, "Cache-Control": "private, no-store"})

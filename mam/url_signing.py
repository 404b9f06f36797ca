"""Signed URLs for media served by the API (local store): ``?exp=<unix s>&sig=<hex>`` where ``sig`` is
HMAC-SHA256 over the method, the path and the expiry with a server secret kept in the data dir.

A signature covers one path (one object), one method (GET; HEAD is checked as GET) and one expiry; a
tampered, expired or borrowed signature is refused. On S3 the store presigns instead.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from mam.errors import Forbidden


class UrlSigner:
    """Signs and checks URLs with one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the URL signing secret needs at least 32 bytes")
        self._secret = secret

    @classmethod
    def from_file(cls, path: Path) -> UrlSigner:
        """The signer whose secret is in ``path``; the file is created (0600, 256 random bits) on first use."""
        try:
            return cls(bytes.fromhex(path.read_text().strip()))
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                return cls(bytes.fromhex(path.read_text().strip()))
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            return cls(bytes.fromhex(path.read_text().strip()))

    def _mac(self, method: str, path: str, exp: int) -> str:
        method = "GET" if method.upper() == "HEAD" else method.upper()
        msg = f"{method}\n{path}\n{exp}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def query(self, path: str, ttl_s: int, method: str = "GET", *, now: float | None = None) -> str:
        """The query string (``exp=…&sig=…``) that lets ``method`` on ``path`` work for ``ttl_s`` seconds."""
        exp = int((time.time() if now is None else now) + ttl_s)
        return urlencode({"exp": exp, "sig": self._mac(method, path, exp)})

    def url(self, base: str, path: str, ttl_s: int) -> str:
        """``base + path`` with a signature for GET."""
        return f"{base.rstrip('/')}{path}?{self.query(path, ttl_s)}"

    def check(self, method: str, path: str, exp: str | None, sig: str | None, *, now: float | None = None) -> None:
        """Nothing when the signature is good for this method, path and time; else ``Forbidden``."""
        try:
            exp_i = int(exp or "")
        except ValueError:
            raise Forbidden("bad signed URL: no expiry") from None
        if not sig or not hmac.compare_digest(sig.encode(), self._mac(method, path, exp_i).encode()):
            raise Forbidden("bad signed URL: the signature does not match this object")
        if exp_i < (time.time() if now is None else now):
            raise Forbidden("signed URL expired")

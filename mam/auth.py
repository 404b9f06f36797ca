"""Bearer tokens: made here, stored as sha256 only, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mam.models import ApiToken


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random token (URL-safe, 256 bits)."""
    return "mam_" + secrets.token_urlsafe(32)


def find_token(session: Session, token: str, admin_token: str | None = None) -> ApiToken | None:
    """The token record for ``token``; the configured admin token counts as an admin."""
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return ApiToken(name="admin (MAM_ADMIN_TOKEN)", role="admin", token_sha256=hash_token(token))
    return session.scalar(select(ApiToken).where(ApiToken.token_sha256 == hash_token(token)))


def ensure_admin_token(session: Session, token_file: Path) -> str | None:
    """On first start, create an admin token, store its hash and write it to ``token_file`` (0600).

    Returns the new token (to print once), or ``None`` when an admin token already exists.
    """
    if session.scalar(select(ApiToken).where(ApiToken.role == "admin").limit(1)) is not None:
        return None
    token = new_token()
    session.add(ApiToken(name="admin", role="admin", token_sha256=hash_token(token)))
    session.flush()
    token_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token

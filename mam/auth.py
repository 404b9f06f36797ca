"""Credentials: bearer tokens, browser sessions and sign-in. Secrets are stored as sha256 only.

A credential resolves to an ``Actor`` (``mam.users``) or to nothing: a revoked or expired token, an
expired session, or one whose user is disabled, resolves to nothing at once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mam import audit
from mam.errors import NotFound, TooManyAttempts
from mam.models import ApiToken, AuthSession, User, utcnow
from mam.users import Actor, create_user, find_user, password_matches
from mam.utc import aware_utc

BOOTSTRAP_ADMIN = "admin"  # the actor name of the bootstrap admin token (MAM_ADMIN_TOKEN / var/admin-token)


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random token (URL-safe, 256 bits)."""
    return "mam_" + secrets.token_urlsafe(32)


def _user_actor(session: Session, user_id: str) -> Actor | None:
    user = session.get(User, user_id)
    if user is None or user.disabled:
        return None
    return Actor(username=user.username, role=user.role, user_id=user.id)


def actor_for_token(session: Session, token: str, admin_token: str | None = None) -> Actor | None:
    """Who ``token`` belongs to, or None (unknown, revoked, expired, or its user disabled).
    The configured ``MAM_ADMIN_TOKEN`` is the bootstrap admin."""
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Actor(username=BOOTSTRAP_ADMIN, role="admin")
    rec = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == hash_token(token)))
    if rec is None or rec.revoked_at is not None:
        return None
    if rec.expires_at is not None and aware_utc(rec.expires_at) <= utcnow():
        return None
    if rec.user_id is None:
        return Actor(username=BOOTSTRAP_ADMIN if rec.role == "admin" else rec.name, role=rec.role)
    return _user_actor(session, rec.user_id)


def create_token(session: Session, user: User, name: str | None = None,
                 expires_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the record and the token itself (shown once, never stored)."""
    token = new_token()
    rec = ApiToken(name=name or f"{user.username} token", role=user.role, token_sha256=hash_token(token),
                   user_id=user.id,
                   expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None)
    session.add(rec)
    session.flush()
    return rec, token


def get_token(session: Session, token_id: int) -> ApiToken:
    """The token record with this id, else ``NotFound``."""
    rec = session.get(ApiToken, token_id)
    if rec is None:
        raise NotFound(f"no token {token_id}")
    return rec


def revoke_token(session: Session, rec: ApiToken) -> None:
    """Stop ``rec`` working from now on (the record stays, for the audit trail)."""
    if rec.revoked_at is None:
        rec.revoked_at = utcnow()
        session.flush()


def ensure_admin_token(session: Session, token_file: Path) -> str | None:
    """On first start, create an admin token, store its hash and write it to ``token_file`` (0600).

    Returns the new token (to print once), or ``None`` when an admin token already exists.
    """
    if session.scalar(select(ApiToken).where(ApiToken.role == "admin", ApiToken.user_id.is_(None)).limit(1)):
        return None
    token = new_token()
    session.add(ApiToken(name="admin", role="admin", token_sha256=hash_token(token)))
    session.flush()
    _write_secret(token_file, token)
    return token


def ensure_first_user(session: Session, password_file: Path, username: str = "admin") -> str | None:
    """On first start with no users, add the ``admin`` user (role admin) with a random password written to
    ``password_file`` (0600), so someone can sign in to the web UI. Returns the password (to print once)."""
    if session.scalar(select(User.id).limit(1)):
        return None
    password = secrets.token_urlsafe(12)
    create_user(session, username, password, "admin", "管理员")
    _write_secret(password_file, password)
    return password


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")


# -- browser sessions ------------------------------------------------------------------------------------

def start_session(session: Session, user: User, ttl_s: int) -> tuple[str, str]:
    """A new sign-in for ``user``: returns the cookie value and the CSRF token."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(AuthSession(id=hash_token(cookie), user_id=user.id, csrf_token=csrf,
                            expires_at=utcnow() + timedelta(seconds=ttl_s)))
    session.execute(delete(AuthSession).where(AuthSession.expires_at < utcnow()))  # tidy old ones
    session.flush()
    return cookie, csrf


def actor_for_session(session: Session, cookie: str) -> tuple[Actor, str] | None:
    """The signed-in actor and the session's CSRF token, or None (unknown, expired, user disabled)."""
    rec = session.get(AuthSession, hash_token(cookie))
    if rec is None or aware_utc(rec.expires_at) <= utcnow():
        return None
    actor = _user_actor(session, rec.user_id)
    return (actor, rec.csrf_token) if actor else None


def end_session(session: Session, cookie: str) -> None:
    """Sign out: the cookie stops working."""
    session.execute(delete(AuthSession).where(AuthSession.id == hash_token(cookie)))


def end_user_sessions(session: Session, user_id: str) -> None:
    """Sign a user out everywhere (disabled, or password changed)."""
    session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


def check_login(session: Session, username: str, password: str, *, max_failures: int,
                window_s: int) -> User | None:
    """The user when the name and password match, else None. ``TooManyAttempts`` when the name has
    ``max_failures`` failed sign-ins (``auth.failed`` audit entries) within the last ``window_s``."""
    since = utcnow() - timedelta(seconds=window_s)
    failures, oldest = audit.count_since(session, "auth.failed", username, since)
    if failures >= max_failures:
        retry = int(window_s - (utcnow() - aware_utc(oldest)).total_seconds()) + 1 if oldest else window_s
        raise TooManyAttempts(f"too many failed sign-ins for {username!r}; try again later", max(1, retry))
    user = find_user(session, username)
    if not password_matches(user, password) or user is None or user.disabled:
        return None
    return user

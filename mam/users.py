"""People: roles in rank order, user records, passwords (argon2id, via argon2-cffi).

Roles are cumulative: each one may do everything the roles before it may.
``viewer`` searches, watches and downloads proxies; ``videographer`` uploads, edits the metadata of its own
uploads and comments; ``editor`` edits any asset, collections, the trash; ``producer`` exports and records
deliveries; ``admin`` manages users, reads the audit log and purges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mam.errors import Conflict, InvalidInput, NotFound
from mam.models import User

ROLES: tuple[str, ...] = ("viewer", "videographer", "editor", "producer", "admin")
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[\w.@-]{2,64}$")
_hasher = PasswordHasher()
# verified against when the name is unknown, so an unknown name costs as much time as a wrong password
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, or the bootstrap admin token (``user_id`` None)."""

    username: str
    role: str
    user_id: str | None = None

    def reaches(self, role: str) -> bool:
        """True when this actor's role is ``role`` or above."""
        return role_rank(self.role) >= role_rank(role)


def role_rank(role: str) -> int:
    """The position of ``role`` in ``ROLES`` (an unknown role ranks below every known one)."""
    return ROLES.index(role) if role in ROLES else -1


def check_role(role: str) -> str:
    """``role`` if it is one of ``ROLES``, else ``InvalidInput``."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    """A password long enough to keep (``MIN_PASSWORD`` characters), else ``InvalidInput``."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password too short: at least {MIN_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """True when ``password`` is the user's; costs the same whether or not the user exists."""
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and user is not None and bool(user.password_hash)


def create_user(session: Session, username: str, password: str, role: str,
                display_name: str | None = None) -> User:
    """A new user; ``Conflict`` when the name is taken, ``InvalidInput`` for a bad name, role or password."""
    if not _USERNAME.match(username):
        raise InvalidInput("username: 2-64 letters, digits, '.', '_', '@' or '-'")
    check_role(role)
    check_password(password)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken")
    user = User(username=username, role=role, display_name=display_name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: str) -> User:
    """The user with this id, else ``NotFound``."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def find_user(session: Session, username: str) -> User | None:
    """The user with this name, if any."""
    return session.scalar(select(User).where(User.username == username))


def update_user(session: Session, user: User, *, role: str | None = None, disabled: bool | None = None,
                password: str | None = None, display_name: str | None = None) -> dict[str, list]:
    """Apply the given changes; returns ``{field: [before, after]}`` of what changed (passwords as ``***``)."""
    changes: dict[str, list] = {}
    if role is not None and role != user.role:
        changes["role"] = [user.role, check_role(role)]
        user.role = role
    if disabled is not None and disabled != user.disabled:
        changes["disabled"] = [user.disabled, disabled]
        user.disabled = disabled
    if display_name is not None and display_name != user.display_name:
        changes["display_name"] = [user.display_name, display_name]
        user.display_name = display_name
    if password is not None:
        user.password_hash = hash_password(check_password(password))
        changes["password"] = ["***", "***"]
    session.flush()
    return changes


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.username)))

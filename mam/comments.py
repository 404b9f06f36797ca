"""Time-coded comments on an asset or an export, with replies. Callers own the session (unit of work).

A comment may point at a moment (``t_s``) or a span (``t_s`` … ``t_end_s``) in seconds of the subject's media;
untimed comments are about the whole piece. A reply names its parent, which must be a comment on the same
subject. Threads are listed in time order: timed comments by ``t_s`` then ``created_at``, then untimed ones by
``created_at``; replies under their parent, oldest first.

An asset's comment text is part of its search document (``mam.search.index`` re-indexes the asset whenever one
of its comments is added, edited or deleted, in the same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from mam.errors import Forbidden, InvalidInput, NotFound
from mam.models import Asset, Comment, Export, User, utcnow
from mam.users import Actor
from mam.utc import aware_utc

SUBJECTS = ("asset", "export")
MAX_TEXT_CHARS = 5000
_UNSET: Any = object()


@dataclass
class Thread:
    """A comment with its author's display name and its replies (each a ``Thread``)."""

    comment: Comment
    author_display: str | None = None
    replies: list[Thread] = field(default_factory=list)


def clean_text(text: str | None) -> str:
    """The comment text stripped; ``InvalidInput`` when empty or over ``MAX_TEXT_CHARS``."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("a comment needs some text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"a comment has at most {MAX_TEXT_CHARS} characters (this one has {len(text)})")
    return text


def subject_duration(session: Session, subject_type: str, subject_id: str) -> float | None:
    """Seconds of the subject's media when known; ``NotFound`` for an unknown asset or export.
    An export of a range lasts that range; otherwise it lasts as long as its asset."""
    if subject_type == "asset":
        asset = session.get(Asset, subject_id)
        if asset is None:
            raise NotFound(f"asset {subject_id} not found")
        return asset.technical_facts.duration_s
    if subject_type == "export":
        export = session.get(Export, subject_id)
        if export is None:
            raise NotFound(f"export {subject_id} not found")
        start = export.start_s or 0.0
        if export.end_s is not None:
            return max(0.0, export.end_s - start)
        asset = session.get(Asset, export.asset_id)
        whole = asset.technical_facts.duration_s if asset is not None else None
        return max(0.0, whole - start) if whole is not None else None
    raise InvalidInput(f"comments are on one of {', '.join(SUBJECTS)}, not {subject_type!r}")


def check_times(t_s: float | None, t_end_s: float | None, duration_s: float | None) -> None:
    """``InvalidInput`` unless 0 ≤ t_s ≤ t_end_s ≤ duration (when known); an end needs a start."""
    if t_s is None:
        if t_end_s is not None:
            raise InvalidInput("t_end_s needs a t_s")
        return
    if t_s < 0:
        raise InvalidInput("t_s must be 0 or more seconds")
    if t_end_s is not None and t_end_s < t_s:
        raise InvalidInput(f"t_end_s ({t_end_s:g}) is before t_s ({t_s:g})")
    last = t_end_s if t_end_s is not None else t_s
    if duration_s is not None and last > duration_s + 1e-6:
        raise InvalidInput(f"{'t_end_s' if t_end_s is not None else 't_s'} ({last:g} s) is past the end of the "
                           f"media ({duration_s:g} s)")


def add_comment(session: Session, actor: Actor, subject_type: str, subject_id: str, text: str, *,
                t_s: float | None = None, t_end_s: float | None = None, parent_id: str | None = None) -> Comment:
    """A new comment by ``actor``. ``NotFound`` for an unknown subject or parent; ``InvalidInput`` for a parent
    on another subject, bad times or bad text."""
    duration = subject_duration(session, subject_type, subject_id)
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None:
            raise NotFound(f"comment {parent_id} not found")
        if (parent.subject_type, parent.subject_id) != (subject_type, subject_id):
            raise InvalidInput(f"comment {parent_id} is on another {parent.subject_type}: a reply stays in its "
                               "thread's subject")
    check_times(t_s, t_end_s, duration)
    comment = Comment(subject_type=subject_type, subject_id=subject_id, parent_id=parent_id,
                      author_id=actor.user_id, author=actor.username, text=clean_text(text), t_s=t_s,
                      t_end_s=t_end_s, resolved=False)
    session.add(comment)
    session.flush()
    return comment


def get_comment(session: Session, comment_id: str) -> Comment:
    """The comment; ``NotFound`` when there is none."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"comment {comment_id} not found")
    return comment


def is_author(comment: Comment, actor: Actor) -> bool:
    """True when ``actor`` wrote ``comment`` (by user id; the bootstrap admin by name)."""
    if comment.author_id is not None or actor.user_id is not None:
        return comment.author_id == actor.user_id
    return comment.author == actor.username


def update_comment(session: Session, actor: Actor, comment: Comment, *, resolved: bool | None = _UNSET,
                   text: str | None = _UNSET) -> dict[str, list]:
    """Resolve or reopen (anyone who may comment) and edit the text (its author only: ``Forbidden``
    otherwise). Returns ``{field: [before, after]}`` of what changed."""
    changes: dict[str, list] = {}
    if text is not _UNSET and text is not None:
        new = clean_text(text)
        if new != comment.text:
            if not is_author(comment, actor):
                raise Forbidden(f"only its author ({comment.author}) may edit a comment's text")
            changes["text"] = [comment.text, new]
            comment.text = new
    if resolved is not _UNSET and resolved is not None and bool(resolved) != comment.resolved:
        changes["resolved"] = [comment.resolved, bool(resolved)]
        comment.resolved = bool(resolved)
    if changes:
        comment.updated_at = utcnow()
        session.flush()
    return changes


def display_name(session: Session, user_id: str | None) -> str | None:
    """The display name of a comment's author (None for the bootstrap admin or a user without one)."""
    return session.scalar(select(User.display_name).where(User.id == user_id)) if user_id else None


def subject_exists(session: Session, subject_type: str, subject_id: str) -> None:
    """``NotFound`` unless the asset or export exists."""
    subject_duration(session, subject_type, subject_id)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _created(c: Comment) -> datetime:
    return aware_utc(c.created_at) if c.created_at else _NEVER


def _time_key(c: Comment) -> tuple:
    return (c.t_s is None, c.t_s if c.t_s is not None else 0.0, _created(c), c.id)


def list_threads(session: Session, subject_type: str, subject_id: str) -> list[Thread]:
    """The subject's comments as threads in time order (see the module's doc); ``NotFound`` for an unknown
    subject."""
    subject_exists(session, subject_type, subject_id)
    rows = list(session.scalars(select(Comment).where(Comment.subject_type == subject_type,
                                                      Comment.subject_id == subject_id)))
    author_ids = {c.author_id for c in rows if c.author_id}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(author_ids))).all()) \
        if author_ids else {}
    threads = {c.id: Thread(c, names.get(c.author_id) if c.author_id else None) for c in rows}
    top: list[Thread] = []
    for c in sorted(rows, key=lambda c: (_created(c), c.id)):
        parent = threads.get(c.parent_id) if c.parent_id else None
        (parent.replies if parent is not None else top).append(threads[c.id])
    return sorted(top, key=lambda t: _time_key(t.comment))


def delete_for_asset(session: Session, asset_id: str) -> int:
    """Delete the comments on an asset and on its exports (a purge; call it before the exports go).
    Returns how many were deleted."""
    exports = select(Export.id).where(Export.asset_id == asset_id)
    result = session.execute(delete(Comment).where(or_(
        and_(Comment.subject_type == "asset", Comment.subject_id == asset_id),
        and_(Comment.subject_type == "export", Comment.subject_id.in_(exports)))))
    return result.rowcount or 0


def comment_texts(session_or_conn: Any, asset_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The comments of these assets as search reads them: ``asset id → [{text, start_s, end_s}]`` in time order
    (works on a session or a connection)."""
    if not asset_ids:
        return {}
    c = Comment.__table__.c
    rows = session_or_conn.execute(
        select(c.subject_id, c.text, c.t_s, c.t_end_s, c.created_at)
        .where(c.subject_type == "asset", c.subject_id.in_(list(asset_ids)))).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for sid, text, t_s, t_end, _created in sorted(rows, key=lambda r: (r[2] is None, r[2] or 0.0, r[4])):
        out.setdefault(sid, []).append({"text": text, "start_s": t_s, "end_s": t_end})
    return out

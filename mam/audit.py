"""The append-only audit log: who did what to which record, from where.

Entries are written in the same transaction as the change they describe, so a change and its entry land
together or not at all. Actions are dotted names (``asset.update``, ``export.create``, ``auth.failed``).
Nothing in the product updates or deletes a row of this table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mam.models import AuditEntry
from mam.users import Actor


def record(session: Session, actor: Actor | None, action: str, target_type: str | None = None,
           target_id: str | None = None, changes: dict[str, Any] | None = None, ip: str | None = None,
           *, actor_name: str | None = None) -> AuditEntry:
    """Append one entry (flushed with the caller's transaction). ``actor_name`` names an actor that is
    not signed in (a failed sign-in's username)."""
    entry = AuditEntry(actor=actor.username if actor else actor_name, actor_id=actor.user_id if actor else None,
                       action=action, target_type=target_type, target_id=target_id, changes=changes or {}, ip=ip)
    session.add(entry)
    session.flush()
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def count_since(session: Session, action: str, target_id: str, since: datetime) -> tuple[int, datetime | None]:
    """How many ``action`` entries ``target_id`` has since ``since``, and the oldest one's time."""
    row = session.execute(select(func.count(), func.min(AuditEntry.at)).where(
        AuditEntry.action == action, AuditEntry.target_id == target_id, AuditEntry.at >= since)).one()
    return int(row[0]), row[1]


def query(session: Session, *, actor: str | None = None, action: str | None = None, target_id: str | None = None,
          since: datetime | None = None, until: datetime | None = None, limit: int = 100,
          offset: int = 0) -> tuple[int, list[AuditEntry]]:
    """Entries matching every given filter, newest first, and how many match in all.
    ``action`` ending in ``.`` or naming a prefix (``asset``) matches every action under it."""
    conds = []
    if actor:
        conds.append(AuditEntry.actor == actor)
    if action:
        conds.append(AuditEntry.action.like(f"{action.rstrip('.')}.%") if "." not in action.rstrip(".")
                     else AuditEntry.action == action)
    if target_id:
        conds.append(AuditEntry.target_id == target_id)
    if since:
        conds.append(AuditEntry.at >= since)
    if until:
        conds.append(AuditEntry.at <= until)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conds)) or 0
    rows = session.scalars(select(AuditEntry).where(*conds).order_by(AuditEntry.id.desc())
                           .limit(limit).offset(offset))
    return int(total), list(rows)

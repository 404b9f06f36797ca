"""Review and sign-off (三审): the levels an export passes before it may go where review is needed.

The policy (``config/review.yaml``, or the file ``MAM_REVIEW_FILE`` names) lists the levels in order, each
with the role a reviewer needs (default 初审 editor, 复审 producer, 终审 admin), the delivery platforms
that need review (default ``xuexi``) and the presets whose exports need it for any platform (default
``broadcast-hd``).

Rounds: every decision is one ``Review`` row (round, level). Reviews go in level order; the next review
signs the first level not yet approved in the current round. One person signs at most one level of a
round. A reject ends the round, keeping its note; the next review starts a new round at the first level (a
newsroom re-submits after fixing what the note asked for). An approved round is final: nothing more to sign.

States of an export: ``approved`` (every level approved in the current round), ``rejected`` (the current
round ended with a reject), ``pending`` (a round is open, or the export's preset needs review),
``not_required`` (its preset needs no review and nobody has reviewed it; a delivery to a platform that
needs review still needs the round).

Only a ready export can be reviewed. Reviews of one export are serialised by writing the export row first
(a row lock on PostgreSQL, the write lock on SQLite), so two reviewers at once never sign the same level.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import config
from mam.errors import Conflict, Forbidden, InvalidInput, NotFound
from mam.models import Export, ExportStatus, Review, utcnow
from mam.users import ROLES, Actor
from mam.utc import aware_utc

REVIEW_FILE: Path = Path(config.__file__).parent / "review.yaml"
DECISIONS = ("approve", "reject")
MAX_NOTE_CHARS = 4000


class ReviewPolicyError(Exception):
    """A review policy file that cannot be used: ``str()`` names the file, the field and the reason."""

    def __init__(self, file: Path | str, field: str, reason: str) -> None:
        self.file, self.field, self.reason = str(file), field, reason
        super().__init__(f"{file}: {field}: {reason}")


class ReviewLevel(BaseModel):
    """One level of the round: its name (初审) and the least role that may sign it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    role: str

    @field_validator("role")
    @classmethod
    def _known_role(cls, v: str) -> str:
        if v not in ROLES:
            raise ValueError(f"unknown role {v!r}: one of {', '.join(ROLES)}")
        return v


class ReviewPolicy(BaseModel):
    """The levels in order, and what needs them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[ReviewLevel, ...] = Field(min_length=1)
    platforms: frozenset[str] = frozenset()  # deliveries to these need every level approved
    presets: frozenset[str] = frozenset()  # exports of these need every level approved for any delivery
    reject_needs_note: bool = True

    @field_validator("levels")
    @classmethod
    def _distinct(cls, levels: tuple[ReviewLevel, ...]) -> tuple[ReviewLevel, ...]:
        names = [lv.name for lv in levels]
        if len(set(names)) != len(names):
            raise ValueError(f"level names must differ: {', '.join(names)}")
        return levels

    def needs_review(self, preset: str, platform: str | None = None) -> bool:
        """Whether an export of ``preset`` (delivered to ``platform``, if given) needs the round."""
        return preset in self.presets or (platform is not None and platform in self.platforms)

    def level(self, number: int) -> dict[str, Any]:
        """Level ``number`` (1-based) as ``{level, name, role}``."""
        lv = self.levels[number - 1]
        return {"level": number, "name": lv.name, "role": lv.role}


def load_policy(path: Path | None = None, presets: Iterable[str] | None = None) -> ReviewPolicy:
    """The policy in ``path`` (default :data:`REVIEW_FILE`), validated; with ``presets`` (the known preset
    names) a policy naming an unknown preset is refused too, so a typo cannot switch review off.

    Raises:
        ReviewPolicyError: unreadable file or YAML, a field missing, unknown or bad (file, field, reason).
    """
    path = REVIEW_FILE if path is None else path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ReviewPolicyError(path, "(file)", f"cannot be read as YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise ReviewPolicyError(path, "(policy)", "the file must hold one mapping: levels, platforms, presets")
    try:
        policy = ReviewPolicy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "(policy)"
        raise ReviewPolicyError(path, where, str(err.get("msg", "invalid")).removeprefix("Value error, ")) from exc
    if presets is not None:
        known = set(presets)
        unknown = sorted(policy.presets - known)
        if unknown:
            raise ReviewPolicyError(path, "presets", f"no preset {unknown[0]!r}; known: {', '.join(sorted(known))}")
    return policy


# --- state ---------------------------------------------------------------------------------------------------

def _rows(session: Session, export_id: str) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.export_id == export_id)
                                .order_by(Review.round, Review.level, Review.id)))


def _round(rows: list[Review]) -> tuple[int, list[Review]]:
    """The current round's number and its rows (round 1 and none before any review)."""
    current = max((r.round for r in rows), default=1)
    return current, [r for r in rows if r.round == current]


def _open_level(policy: ReviewPolicy, in_round: list[Review]) -> int | None:
    """The first level not approved in the round (None: every level approved)."""
    approved = {r.level for r in in_round if r.decision == "approve"}
    return next((n for n in range(1, len(policy.levels) + 1) if n not in approved), None)


def _step(r: Review) -> dict[str, Any]:
    return {"round": r.round, "level": r.level, "name": r.name, "user": r.username, "decision": r.decision,
            "note": r.note, "at": aware_utc(r.at)}


def review_state(session: Session, export: Export, policy: ReviewPolicy) -> dict[str, Any]:
    """``{state, round, steps, next_level, required_for}``: the state of the current round, every step of
    every round (oldest first, rejects keep their notes), the level the next review signs (``{level, name,
    role}``, None once approved) and the platforms whose deliveries need the round (``["*"]``: every one)."""
    rows = _rows(session, export.id)
    number, in_round = _round(rows)
    open_level = _open_level(policy, in_round)
    if any(r.decision == "reject" for r in in_round):
        state, open_level = "rejected", 1
    elif open_level is None:
        state = "approved"
    elif rows or policy.needs_review(export.preset):
        state = "pending"
    else:
        state = "not_required"
    return {"state": state, "round": number, "steps": [_step(r) for r in rows],
            "next_level": policy.level(open_level) if open_level else None,
            "required_for": ["*"] if policy.needs_review(export.preset) else sorted(policy.platforms)}


def _same_person(r: Review, actor: Actor) -> bool:
    if actor.user_id or r.user_id:
        return r.user_id == actor.user_id
    return r.username == actor.username  # the bootstrap admin has no user id


def record_review(session: Session, export: Export, actor: Actor, decision: str, note: str | None,
                  policy: ReviewPolicy) -> Review:
    """Record ``actor``'s decision on the next level of ``export``'s round (a new round after a reject).

    Raises:
        InvalidInput: a decision other than approve or reject; a reject without a note (when the policy
            says so); a note over :data:`MAX_NOTE_CHARS`.
        Conflict: the export is not ready; its round is already approved; ``actor`` already signed a level
            of this round.
        Forbidden: ``actor``'s role does not reach the level's role (the message names it).
    """
    if decision not in DECISIONS:
        raise InvalidInput(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}")
    note = (note or "").strip() or None
    if decision == "reject" and note is None and policy.reject_needs_note:
        raise InvalidInput("note: a reject must say what to fix")
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"note: at most {MAX_NOTE_CHARS} characters")
    # write the export row first: concurrent reviews of one export wait here and then see each other
    if not session.execute(update(Export).where(Export.id == export.id).values(updated_at=utcnow())).rowcount:
        raise NotFound(f"export {export.id} not found")
    session.refresh(export)
    if export.status != ExportStatus.READY:
        raise Conflict(f"export {export.id} is {export.status}; only a ready export can be reviewed")
    number, in_round = _round(_rows(session, export.id))
    level = _open_level(policy, in_round)
    if any(r.decision == "reject" for r in in_round):
        number, in_round, level = number + 1, [], 1
    elif level is None:
        names = ", ".join(lv.name for lv in policy.levels)
        raise Conflict(f"export {export.id} is already approved (round {number}: {names}); nothing is left to sign")
    lv = policy.levels[level - 1]
    if not actor.reaches(lv.role):
        raise Forbidden(f"{lv.name} (level {level}) needs the role {lv.role!r} (you are {actor.role!r})")
    signed = next((r for r in in_round if _same_person(r, actor)), None)
    if signed is not None:
        raise Conflict(f"{actor.username} already signed {signed.name} of round {number}; "
                       f"{lv.name} needs another reviewer")
    row = Review(export_id=export.id, round=number, level=level, name=lv.name, user_id=actor.user_id,
                 username=actor.username, decision=decision, note=note, at=utcnow())
    session.add(row)
    session.flush()
    return row


def require_approved(session: Session, export: Export, platform: str, policy: ReviewPolicy) -> None:
    """Nothing when a delivery of ``export`` to ``platform`` may be recorded; ``Conflict`` naming the missing
    level when the platform or the export's preset needs review and the current round is not approved."""
    if not policy.needs_review(export.preset, platform):
        return
    state = review_state(session, export, policy)
    if state["state"] == "approved":
        return
    nxt = state["next_level"]
    why = f"delivery to {platform}" if platform in policy.platforms else f"any delivery of a {export.preset} export"
    msg = f"export {export.id} needs {nxt['name']} ({nxt['role']}) before {why}"
    if state["state"] == "rejected":
        last = state["steps"][-1]
        msg += (f": round {state['round']} was rejected at {last['name']} by {last['user']}"
                f" ({last['note'] or 'no note'})")
    raise Conflict(msg)

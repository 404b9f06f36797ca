"""Catalog tables (SQLAlchemy 2 declarative). The same models run on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from mam.facts import Capture, Loudness, Qc, Shot, Technical, Telemetry, shots_from_json


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A new opaque record id (UUID4, hex)."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class AssetStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Asset(Base):
    """One original file and everything derived from it."""

    __tablename__ = "assets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), default=AssetStatus.PENDING, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    project: Mapped[str | None] = mapped_column(String(200), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    original_filename: Mapped[str] = mapped_column(Text)
    original_key: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    kind: Mapped[str | None] = mapped_column(String(16))
    technical: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    capture: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    captured_at: Mapped[datetime | None] = mapped_column(index=True)
    telemetry: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    places: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    shots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    loudness: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    qc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    auto_tags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ocr: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[float] = mapped_column(default=0.0)
    eta_s: Mapped[float | None] = mapped_column()  # seconds the running step expects to need still
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(32), index=True)  # the user who uploaded it
    trashed_at: Mapped[datetime | None] = mapped_column(index=True)  # in the trash since (files kept)
    trashed_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="Rendition.kind"
    )
    sidecars: Mapped[list[Sidecar]] = relationship(cascade="all, delete-orphan", order_by="Sidecar.filename")
    exports: Mapped[list[Export]] = relationship(viewonly=True, order_by="Export.created_at.desc()")

    # typed views of the JSON facts (``mam.facts``): read through their one JSON mapping; write ``.to_json()``
    @property
    def technical_facts(self) -> Technical:
        return Technical.from_json(self.technical)

    @property
    def capture_facts(self) -> Capture:
        return Capture.from_json(self.capture)

    @property
    def telemetry_facts(self) -> Telemetry:
        return Telemetry.from_json(self.telemetry)

    @property
    def shot_facts(self) -> tuple[Shot, ...]:
        return shots_from_json(self.shots)

    @property
    def loudness_facts(self) -> Loudness:
        return Loudness.from_json(self.loudness)

    @property
    def qc_facts(self) -> Qc:
        return Qc.from_json(self.qc)


class Rendition(Base):
    """A derivative of an asset: proxy, poster, … One row per (asset, kind)."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("asset_id", "kind", name="uq_rendition_asset_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="renditions")


class Project(Base):
    """A programme or project (京雄城际铁路, 河北新闻联播, …) that assets belong to, by name."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in. The password is stored as an argon2 hash only."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A bearer token. Only its sha256 is stored. ``user_id`` is empty for the bootstrap admin token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32), default="admin")
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthSession(Base):
    """A browser sign-in: the cookie's sha256 and the CSRF token unsafe requests must echo."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One row of the append-only audit log: who did what to which record, from where."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(64), index=True)  # username (or the token's name)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


class Review(Base):
    """One reviewer's decision on one level of an export's sign-off round (三审)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    export_id: Mapped[str] = mapped_column(ForeignKey("exports.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(Base):
    """A time-coded comment on an asset or an export; replies name their parent."""

    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subject_type: Mapped[str] = mapped_column(String(16))  # asset | export
    subject_id: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str | None] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    t_s: Mapped[float | None] = mapped_column()
    t_end_s: Mapped[float | None] = mapped_column()
    resolved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Collection(Base):
    """A named, hand-picked set of assets."""

    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CollectionAsset(Base):
    """An asset's membership of a collection."""

    __tablename__ = "collection_assets"

    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class UploadStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    ABORTED = "aborted"
    EXPIRED = "expired"


class UploadSession(Base):
    """A resumable multipart upload of one original (and its sidecars) before it becomes an asset."""

    __tablename__ = "upload_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), default=UploadStatus.OPEN, index=True)
    asset_id: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    declared_sha256: Mapped[str | None] = mapped_column(String(64))
    content_type: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    project: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    sidecars: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    key: Mapped[str] = mapped_column(Text)
    store_upload_id: Mapped[str] = mapped_column(Text)
    part_size: Mapped[int] = mapped_column(BigInteger)
    part_count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parts: Mapped[list[UploadPart]] = relationship(cascade="all, delete-orphan", order_by="UploadPart.number")


class UploadPart(Base):
    """A part the API received (local store); ``receipts`` counts how often it arrived whole."""

    __tablename__ = "upload_parts"
    __table_args__ = (UniqueConstraint("session_id", "number", name="uq_upload_part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("upload_sessions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    etag: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    receipts: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sidecar(Base):
    """A file that travels with an asset: DJI .SRT telemetry, .LRF low-res, .THM, .XMP, subtitles."""

    __tablename__ = "sidecars"
    __table_args__ = (UniqueConstraint("asset_id", "filename", name="uq_sidecar_asset_filename"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkState(enum.StrEnum):
    QUEUED = "queued"  # written with the change that asked for it; not yet handed to the broker
    SENT = "sent"  # handed to the broker
    RUNNING = "running"  # a delivery is working on it
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # superseded by a newer submission for the same asset


OPEN_WORK = (WorkState.QUEUED, WorkState.SENT, WorkState.RUNNING)


class WorkItem(Base):
    """One submitted pipeline step of one asset: the catalog, not the queue, holds what is pending.

    Written in the same transaction as the change that asked for it (a transactional outbox); the dispatcher
    hands queued rows to the broker and hands again any that were lost."""

    __tablename__ = "work_items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    asset_id: Mapped[str] = mapped_column(String(32), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(32))  # what else the step works on: an export batch
    step: Mapped[str] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=WorkState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    FAILED_QC = "failed_qc"  # made, but an output missed its preset: never offered as deliverable
    CANCELLED = "cancelled"


OPEN_EXPORTS = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class Export(Base):
    """One preset rendered from one asset. Exports requested together for one asset share a ``batch_id``
    and are made from one read of the original."""

    __tablename__ = "exports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(String(32), index=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    preset: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.QUEUED, index=True)
    start_s: Mapped[float | None] = mapped_column()
    end_s: Mapped[float | None] = mapped_column()
    loudness_target: Mapped[float | None] = mapped_column()
    progress: Mapped[float] = mapped_column(default=0.0)
    eta_s: Mapped[float | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    qc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: what the request asked beyond the preset (logo, caption, subtitles, reframe, fades, speed, sequence),
    #: checked and resolved (brand asset ids, sequence pieces): ``mam.export_finishing.FinishingIn`` as JSON
    finishing: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    deliveries: Mapped[list[Delivery]] = relationship(cascade="all, delete-orphan", order_by="Delivery.created_at")


class BrandAsset(Base):
    """A station logo (PNG with alpha) exports may put over the picture, found by id or by name."""

    __tablename__ = "brand_assets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    ADOPTED = "adopted"
    REJECTED = "rejected"


class Delivery(Base):
    """What went where: an export submitted to (and later published, adopted or rejected by) a platform."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    export_id: Mapped[str] = mapped_column(ForeignKey("exports.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

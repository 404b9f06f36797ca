"""Resumable upload sessions: plan the parts, receive or presign them, complete, dedup, expire.

Nothing becomes visible in the catalog until ``complete`` has verified every part, the total size
and the sha256; aborting or expiring frees the store. The one-request upload (``upload_whole``) is a session
too, fed by the API, so every way in makes the same checks. Each function owns its transactions through
the unit of work it is given.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from mam import catalog
from mam.db import UnitOfWork
from mam.errors import ChecksumRequired, Conflict, Gone, InvalidInput, NotFound, TooLarge, UnsupportedMedia
from mam.models import Asset, AssetStatus, Sidecar, UploadPart, UploadSession, UploadStatus, new_id, utcnow
from mam.names import check_filename, stem_and_ext
from mam.sidecar_check import HEAD_BYTES, check_sidecar
from mam.sniff import sniff, sniff_bytes_needed
from mam.storage import Storage
from mam.storage.base import PartInfo
from mam.storage.keys import original_key, originals_prefix, sidecar_key
from mam.utc import aware_utc

MiB = 1024 * 1024
MIN_PART = 5 * MiB  # S3: every part but the last is at least 5 MiB
MAX_PART = 5 * 1024 * MiB  # S3: at most 5 GiB a part
MAX_PARTS = 10_000  # S3: at most 10,000 parts
MAX_OBJECT = 5 * 1024 * 1024 * MiB  # S3: 5 TiB
DEFAULT_PART = 16 * MiB
SIDECAR_KINDS = {"srt": "srt", "lrf": "lrf", "lrv": "lrf", "thm": "thm", "xmp": "xmp", "vtt": "subtitle",
                 "ass": "subtitle", "ssa": "subtitle", "txt": "transcript", "gpx": "gpx", "csv": "flight_log",
                 "kml": "kml"}
MAX_SIDECAR = 4 * 1024 * MiB
MAX_SIDECARS = 16


def plan_parts(size: int, preferred: int = DEFAULT_PART) -> tuple[int, int]:
    """(part_size, part_count) within S3's rules for an object of ``size`` bytes (0 < size <= 5 TiB)."""
    if size <= 0:
        raise InvalidInput("size_bytes must be at least 1 (an empty file is not media)")
    if size > MAX_OBJECT:
        raise TooLarge(f"size_bytes {size} is over the 5 TiB object limit")
    part = max(MIN_PART, preferred, math.ceil(size / MAX_PARTS / MiB) * MiB)
    part = min(part, MAX_PART)
    return part, max(1, math.ceil(size / part))


def expected_part_size(sess: UploadSession, number: int) -> int:
    """The exact size part ``number`` must have (only the last one may be shorter)."""
    if not 1 <= number <= sess.part_count:
        raise InvalidInput(f"part number {number} is out of range 1..{sess.part_count}")
    if number < sess.part_count:
        return sess.part_size
    return sess.size_bytes - sess.part_size * (sess.part_count - 1)


def _check_sidecars(raw: list[dict[str, Any]] | None, main_name: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in raw or []:
        name = check_filename(item.get("filename"))
        ext = stem_and_ext(name)[1]
        if ext not in SIDECAR_KINDS:
            raise InvalidInput(f"sidecar {name!r}: .{ext} is not a sidecar type we keep "
                               f"({', '.join(sorted(SIDECAR_KINDS))})")
        size = int(item.get("size_bytes") or 0)
        if not 0 < size <= MAX_SIDECAR:
            raise InvalidInput(f"sidecar {name!r}: size_bytes must be 1..{MAX_SIDECAR}")
        if name == main_name or name in (s["filename"] for s in out):
            raise InvalidInput(f"sidecar {name!r} is listed twice")
        out.append({"filename": name, "size_bytes": size, "kind": SIDECAR_KINDS[ext]})
    if len(out) > MAX_SIDECARS:
        raise InvalidInput(f"at most {MAX_SIDECARS} sidecars per file")
    return out


def find_duplicate(session: Session, sha256: str) -> Asset | None:
    """An asset (not failed) whose original has this sha256."""
    return session.scalar(select(Asset).where(Asset.sha256 == sha256, Asset.status != AssetStatus.FAILED).limit(1))


@dataclass
class Limits:
    max_upload_bytes: int
    ttl_s: int
    allowed_kinds: frozenset[str]
    part_size: int = DEFAULT_PART


@dataclass
class Opened:
    """A new session's id, or the asset that already holds the declared sha256."""

    upload_id: str | None = None
    duplicate_of: str | None = None
    duplicate_in_trash: bool = False  # the duplicate is in the trash: offer its restore


def create_session(uow: UnitOfWork, storage: Storage, limits: Limits, *, filename: str, size_bytes: int,
                   sha256: str | None = None, content_type: str | None = None, title: str | None = None,
                   project: str | None = None, tags: list[str] | None = None,
                   sidecars: list[dict[str, Any]] | None = None, part_size: int | None = None,
                   created_by: str | None = None) -> Opened:
    """Open an upload session, or name the asset that already holds ``sha256``.

    ``part_size`` forces the part size (the one-request upload sends the file as one part when it can)."""
    with uow() as session:
        return _create(session, storage, limits, filename=filename, size_bytes=size_bytes, sha256=sha256,
                       content_type=content_type, title=title, project=project, tags=tags, sidecars=sidecars,
                       part_size=part_size, created_by=created_by)


def _create(session: Session, storage: Storage, limits: Limits, *, filename: str, size_bytes: int,
            sha256: str | None, content_type: str | None, title: str | None, project: str | None,
            tags: list[str] | None, sidecars: list[dict[str, Any]] | None, part_size: int | None,
            created_by: str | None = None) -> Opened:
    name = check_filename(filename)
    if size_bytes > limits.max_upload_bytes:
        raise TooLarge(f"size_bytes {size_bytes} is over the {limits.max_upload_bytes}-byte upload limit")
    part_size, count = plan_parts(size_bytes, part_size or limits.part_size)
    if sha256 is not None:
        sha256 = sha256.lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise InvalidInput("sha256 must be 64 hex digits")
        dup = find_duplicate(session, sha256)
        if dup is not None:
            return Opened(duplicate_of=dup.id, duplicate_in_trash=dup.trashed_at is not None)
    side = _check_sidecars(sidecars, name)
    asset_id = new_id()
    key = original_key(asset_id, name)
    for i, sc in enumerate(side):
        sc["key"] = sidecar_key(asset_id, i, sc["filename"])
    sess = UploadSession(
        id=new_id(), status=UploadStatus.OPEN, asset_id=asset_id, filename=name, size_bytes=size_bytes,
        declared_sha256=sha256, content_type=content_type, title=title, project=project,
        tags=sorted(set(tags or [])), sidecars=side, key=key, store_upload_id=storage.create_multipart(key),
        part_size=part_size, part_count=count, expires_at=utcnow() + timedelta(seconds=limits.ttl_s),
        created_by=created_by,
    )
    session.add(sess)
    session.flush()
    return Opened(upload_id=sess.id)


def get_open(session: Session, upload_id: str) -> UploadSession:
    """The session if it is still open; ``NotFound`` or ``Gone`` otherwise."""
    sess = session.get(UploadSession, upload_id)
    if sess is None:
        raise NotFound(f"upload {upload_id} not found")
    if sess.status == UploadStatus.OPEN and aware_utc(sess.expires_at, keep_offset=True) < utcnow():
        raise Gone(f"upload {upload_id} expired at {sess.expires_at.isoformat()}")
    if sess.status != UploadStatus.OPEN:
        raise Gone(f"upload {upload_id} is {sess.status}")
    return sess


class HashingReader:
    """Wraps a stream: sha256 (and MD5 on request) and a byte count of everything read through it.

    A read without a size returns at most 1 MiB, so no caller slurps a whole upload by accident."""

    def __init__(self, stream: BinaryIO, md5: bool = False) -> None:
        self.stream, self.sha, self.size = stream, hashlib.sha256(), 0
        self.md5 = hashlib.md5(usedforsecurity=False) if md5 else None

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(MiB if n is None or n < 0 else n)
        self.sha.update(data)
        if self.md5 is not None:
            self.md5.update(data)
        self.size += len(data)
        return data


@dataclass
class Received:
    number: int
    size: int
    etag: str
    receipts: int


def receive_part(uow: UnitOfWork, storage: Storage, upload_id: str, number: int, stream: BinaryIO,
                 *, content_length: int | None, sha256: str | None = None, md5: str | None = None,
                 require_checksum: bool = True) -> Received:
    """Store one part streamed through the API, checking its size and checksum (no transaction is open
    while the bytes flow). A part from a client must carry a checksum (``ChecksumRequired`` otherwise);
    the API's own one-request upload passes ``require_checksum=False`` (the whole file is re-hashed)."""
    with uow() as session:
        sess = get_open(session, upload_id)
        size = expected_part_size(sess, number)
        key, store_id, offset = sess.key, sess.store_upload_id, (number - 1) * sess.part_size
    if content_length is not None and content_length != size:
        raise InvalidInput(f"part {number} must be exactly {size} bytes, got Content-Length {content_length}")
    if require_checksum and not (sha256 or md5):
        raise ChecksumRequired(f"part {number} was sent without a checksum: send Content-MD5 (base64) or "
                               "X-Part-SHA256 (hex) with every part")
    checking = bool(sha256 or md5)  # hashing costs CPU: only when the client sent a checksum to compare
    hashing = HashingReader(stream, md5=bool(md5)) if checking else stream
    try:
        info = storage.upload_part(key, store_id, number, hashing, size, offset=offset)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    digest = hashing.sha.hexdigest() if checking else None
    if checking and ((sha256 and sha256.lower() != digest) or (md5 and md5.lower() != hashing.md5.hexdigest())):
        storage.discard_part(key, store_id, number)
        raise InvalidInput(f"part {number} checksum does not match what was sent; send it again")
    with uow() as session:
        sess = get_open(session, upload_id)
        part = next((p for p in sess.parts if p.number == number), None)
        if part is None:
            part = UploadPart(session_id=sess.id, number=number, size=info.size, etag=info.etag, sha256=digest,
                              receipts=1)
            sess.parts.append(part)
        else:
            part.size, part.etag, part.sha256, part.receipts = info.size, info.etag, digest, part.receipts + 1
            part.received_at = utcnow()
        session.flush()
        return Received(part.number, part.size, part.etag, part.receipts)


def received_parts(storage: Storage, sess: UploadSession) -> list[PartInfo]:
    """What the store holds for this session (parts that went straight to S3 included)."""
    return storage.list_parts(sess.key, sess.store_upload_id)


def _free(storage: Storage, sess: UploadSession) -> None:
    storage.abort_multipart(sess.key, sess.store_upload_id)
    storage.delete_prefix(originals_prefix(sess.asset_id))


def abort(uow: UnitOfWork, storage: Storage, upload_id: str, status: str = UploadStatus.ABORTED) -> None:
    """Abort an open session and free everything it stored."""
    with uow() as session:
        sess = session.get(UploadSession, upload_id)
        if sess is None:
            raise NotFound(f"upload {upload_id} not found")
        if sess.status == UploadStatus.COMPLETED:
            raise Gone(f"upload {upload_id} is already completed")
        _free(storage, sess)
        sess.status = status


def expire_sessions(uow: UnitOfWork, storage: Storage) -> int:
    """Abort every open session past its ``expires_at``; return how many."""
    with uow() as session:
        stale = session.scalars(select(UploadSession).where(UploadSession.status == UploadStatus.OPEN,
                                                            UploadSession.expires_at < utcnow())).all()
        for sess in stale:
            _free(storage, sess)
            sess.status = UploadStatus.EXPIRED
        return len(stale)


@dataclass
class Completed:
    asset_id: str
    duplicate_of: str | None
    duplicate_in_trash: bool = False


StartFlow = Callable[[Session, str], object]


def complete(uow: UnitOfWork, storage: Storage, limits: Limits, upload_id: str, sha256: str | None = None, *,
             start_flow: StartFlow) -> Completed:
    """Verify parts, size, sidecars and sha256 (streamed), then create the asset (or find its duplicate).

    ``start_flow(session, asset_id)`` submits the new asset's processing in the same transaction."""
    problem: InvalidInput | None = None
    with uow() as session:
        done = _complete(session, storage, limits, upload_id, sha256, start_flow)
        if isinstance(done, InvalidInput):
            problem = done  # the session is marked aborted by this commit, then the reason is raised
    if problem is not None:
        raise problem
    return done


def _complete(session: Session, storage: Storage, limits: Limits, upload_id: str, sha256: str | None,
              start_flow: StartFlow) -> Completed | InvalidInput:
    sess = get_open(session, upload_id)
    parts = {p.number: p for p in received_parts(storage, sess)}
    missing = [n for n in range(1, sess.part_count + 1) if n not in parts]
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (" …" if len(missing) > 20 else "")
        raise Conflict(f"cannot complete: {len(missing)} part(s) missing: {shown}")
    for n, p in parts.items():
        if p.size != expected_part_size(sess, n):
            raise Conflict(f"cannot complete: part {n} has {p.size} bytes, expected {expected_part_size(sess, n)}")
    for sc in sess.sidecars:
        try:
            got = storage.size(sc["key"])
        except NotFound:
            raise Conflict(f"cannot complete: sidecar {sc['filename']!r} was not uploaded") from None
        if got != sc["size_bytes"]:
            raise Conflict(f"cannot complete: sidecar {sc['filename']!r} has {got} bytes, expected {sc['size_bytes']}")
        if reason := _sidecar_problem(storage, sc):
            storage.delete_prefix(originals_prefix(sess.asset_id))
            storage.abort_multipart(sess.key, sess.store_upload_id)
            sess.status = UploadStatus.ABORTED
            return UnsupportedMedia(f"sidecar {sc['filename']!r} is not what .{stem_and_ext(sc['filename'])[1]} "
                                    f"says: {reason}; the upload was discarded")
    storage.complete_multipart(sess.key, sess.store_upload_id, list(parts.values()))
    digest, head, total = _hash_object(storage, sess.key)
    wanted = (sha256 or sess.declared_sha256 or "").lower() or None
    problem = None
    if total != sess.size_bytes:
        problem = InvalidInput(f"stored {total} bytes, expected {sess.size_bytes}")
    elif wanted and wanted != digest:
        problem = InvalidInput(f"sha256 mismatch: the file received hashes to {digest}, not {wanted}; "
                               "it was discarded, upload it again")
    else:
        kind = sniff(head)
        if kind not in limits.allowed_kinds:
            what = {"text": "text", "playlist": "a playlist", "archive": "an archive"}.get(kind or "",
                                                                                     "an unknown format")
            problem = UnsupportedMedia(f"not a media file: {sess.filename!r} looks like {what}; "
                                       f"accepted: {', '.join(sorted(limits.allowed_kinds))}")
    if problem is not None:
        storage.delete_prefix(originals_prefix(sess.asset_id))
        sess.status = UploadStatus.ABORTED
        return problem
    dup = find_duplicate(session, digest)
    sess.status = UploadStatus.COMPLETED
    if dup is not None:
        storage.delete_prefix(originals_prefix(sess.asset_id))
        return Completed(dup.id, dup.id, dup.trashed_at is not None)
    asset = catalog.new_asset(session, original_filename=sess.filename, original_key_for=lambda _: sess.key,
                              content_type=sess.content_type, title=sess.title, project=sess.project,
                              tags=list(sess.tags or []), asset_id=sess.asset_id)
    asset.sha256, asset.size_bytes, asset.created_by = digest, total, sess.created_by
    for sc in sess.sidecars:
        asset.sidecars.append(Sidecar(kind=sc["kind"], filename=sc["filename"], key=sc["key"],
                                      size_bytes=sc["size_bytes"]))
    session.flush()
    start_flow(session, asset.id)
    return Completed(asset.id, None)


def upload_whole(uow: UnitOfWork, storage: Storage, limits: Limits, stream: BinaryIO, *, size_bytes: int,
                 filename: str, content_type: str | None = None, title: str | None = None,
                 project: str | None = None, tags: list[str] | None = None, start_flow: StartFlow,
                 created_by: str | None = None) -> Completed:
    """The one-request upload: a session the API feeds itself (one part up to 5 GiB, else parts in order),
    completed with the same checks as any other."""
    opened = create_session(uow, storage, limits, filename=filename, size_bytes=size_bytes,
                            content_type=content_type, title=title, project=project, tags=tags,
                            part_size=min(max(size_bytes, MIN_PART), MAX_PART), created_by=created_by)
    assert opened.upload_id is not None  # no sha256 declared: never a duplicate at this point
    try:
        with uow() as session:
            sess = get_open(session, opened.upload_id)
            sizes = [expected_part_size(sess, n) for n in range(1, sess.part_count + 1)]
        for number, size in enumerate(sizes, start=1):
            receive_part(uow, storage, opened.upload_id, number, _Exactly(stream, size), content_length=size,
                         require_checksum=False)
        return complete(uow, storage, limits, opened.upload_id, start_flow=start_flow)
    except BaseException:
        try:
            abort(uow, storage, opened.upload_id)
        except (Gone, NotFound):
            pass
        raise


class _Exactly:
    """At most ``size`` bytes of a stream."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream, self.left = stream, size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.stream.read(n) if n else b""
        self.left -= len(data)
        return data


def _sidecar_problem(storage: Storage, sc: dict[str, Any]) -> str | None:
    """Why a stored sidecar's content does not fit its extension, or None."""
    body = storage.open_read(sc["key"])
    try:
        head = body.read(HEAD_BYTES)
    finally:
        body.close()
    return check_sidecar(sc["kind"], head, ext=stem_and_ext(sc["filename"])[1])


def _hash_object(storage: Storage, key: str) -> tuple[str, bytes, int]:
    """sha256, the head the content check needs (past long ID3 tags, up to 16 MiB) and size of a stored
    object, read as a stream in 1 MiB chunks."""
    sha = hashlib.sha256()
    head = b""
    total = 0
    body = storage.open_read(key)
    try:
        while chunk := body.read(MiB):
            if len(head) < (want := sniff_bytes_needed(head or chunk)):
                head += chunk[: want - len(head)]
            sha.update(chunk)
            total += len(chunk)
    finally:
        body.close()
    return sha.hexdigest(), head, total

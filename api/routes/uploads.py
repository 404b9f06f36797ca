"""Resumable upload sessions (multipart): create, send parts, resume, complete, abort."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from pydantic import BaseModel, Field

from api.access import Caller, CallerDep
from api.deps import RootDep, SessionDep, SettingsDep, StorageDep
from api.streaming import RequestBodyReader
from app.bootstrap import Root
from mam import uploads
from mam.card_groups import ORPHAN_SIDECAR, group_files
from mam.errors import InvalidInput, NotFound
from mam.models import UploadSession
from mam.names import check_filename, stem_and_ext
from mam.sidecar_check import HEAD_BYTES, check_sidecar
from pipelines import workflow

log = logging.getLogger(__name__)
router = APIRouter(prefix="/uploads", tags=["uploads"])


class SidecarIn(BaseModel):
    filename: str
    size_bytes: int


class UploadCreate(BaseModel):
    filename: str
    size_bytes: int
    sha256: str | None = Field(None, description="hex; when known, a duplicate is answered without any upload")
    content_type: str | None = None
    title: str | None = None
    project: str | None = None
    tags: list[str] = []
    sidecars: list[SidecarIn] = Field([], description="files that travel with this one (.SRT, .LRF, .THM, …)")


class PartUrl(BaseModel):
    part_number: int
    url: str = Field(description="the API's part route: PUT the bytes with Content-MD5 or X-Part-SHA256")
    method: str = "PUT"
    presign: str | None = Field(None, description="S3: POST {content_md5} here for a URL straight to the store, "
                                "signed for that checksum")


class PresignIn(BaseModel):
    content_md5: str = Field(description="base64 MD5 of the part, as the Content-MD5 header carries it")


class PresignedPart(BaseModel):
    part_number: int
    url: str
    method: str = "PUT"
    headers: dict[str, str] = Field(description="send exactly these headers with the part")


class SidecarUrl(BaseModel):
    index: int
    filename: str
    kind: str
    size_bytes: int
    url: str
    method: str = "PUT"
    received: bool = False


class PartOut(BaseModel):
    part_number: int
    size: int
    etag: str
    receipts: int | None = Field(None, description="how often this part arrived whole (parts sent through the API)")


class UploadOut(BaseModel):
    upload_id: str | None = None
    status: str
    filename: str | None = None
    size_bytes: int | None = None
    part_size: int | None = None
    part_count: int | None = None
    expires_at: datetime | None = None
    parts: list[PartUrl] = Field([], description="where to send each part still missing")
    received: list[PartOut] = []
    sidecars: list[SidecarUrl] = []
    duplicate_of: str | None = None
    duplicate_in_trash: bool = Field(False, description="the duplicate is in the trash: "
                                     "`POST /api/v1/assets/{duplicate_of}/restore` brings it back")
    asset_id: str | None = None


class CompleteIn(BaseModel):
    sha256: str | None = None


class CompleteOut(BaseModel):
    asset_id: str
    duplicate_of: str | None = None
    duplicate_in_trash: bool = Field(False, description="the duplicate is in the trash: "
                                     "`POST /api/v1/assets/{duplicate_of}/restore` brings it back")


class PlanFile(BaseModel):
    path: str = Field(max_length=4096, description="where the file sits in what was dropped, '/'-separated "
                      "(`DCIM/100MEDIA/DJI_0001.MP4`); only the name and its folder matter")
    size: int = Field(ge=0)
    head: str | None = Field(None, max_length=90_000, description="base64 of the file's first 64 KiB: a sidecar "
                             "whose content does not fit its extension is then left out, as `mam ingest` does")


class PlanIn(BaseModel):
    files: list[PlanFile] = Field(max_length=20_000)


class PlanGroup(BaseModel):
    clip: str = Field(description="the clip's path as sent")
    size: int
    part_size: int = Field(description="the part size its upload session will have")
    part_count: int
    sidecars: list[str] = Field(description="paths of the files that travel with the clip")


class PlanSkip(BaseModel):
    path: str
    code: str = Field(description="hidden | empty | bad_path | bad_name | too_large | not_media | lone_sidecar | "
                      "bad_sidecar")
    reason: str


class PlanOut(BaseModel):
    groups: list[PlanGroup]
    skipped: list[PlanSkip] = Field(description="what will not be uploaded, and why")


def limits(settings) -> uploads.Limits:
    """The upload limits the settings give."""
    return uploads.Limits(settings.max_upload_bytes, settings.upload_ttl_s, settings.allowed_kinds,
                          settings.upload_part_mb * uploads.MiB)


def _describe(sess: UploadSession, storage, request: Request, ttl: int) -> UploadOut:
    base = str(request.base_url).rstrip("/") + f"/api/v1/uploads/{sess.id}"
    got = {p.number: p for p in uploads.received_parts(storage, sess)}
    receipts = {p.number: p.receipts for p in sess.parts}
    urls = []
    direct = storage.presign_part(sess.key, sess.store_upload_id, 1, ttl) is not None  # S3: parts may skip the API
    for n in range(1, sess.part_count + 1):
        if n not in got:
            urls.append(PartUrl(part_number=n, url=f"{base}/parts/{n}",
                                presign=f"{base}/parts/{n}/presign" if direct else None))
    side = []
    for i, sc in enumerate(sess.sidecars):
        url = storage.presigned_put(sc["key"], ttl) or f"{base}/sidecars/{i}"
        side.append(SidecarUrl(index=i, filename=sc["filename"], kind=sc["kind"], size_bytes=sc["size_bytes"],
                               url=url, received=storage.exists(sc["key"])))
    return UploadOut(
        upload_id=sess.id, status=sess.status, filename=sess.filename, size_bytes=sess.size_bytes,
        part_size=sess.part_size, part_count=sess.part_count, expires_at=sess.expires_at, parts=urls,
        received=[PartOut(part_number=p.number, size=p.size, etag=p.etag, receipts=receipts.get(p.number))
                  for p in sorted(got.values(), key=lambda p: p.number)],
        sidecars=side,
    )


@router.post("", response_model=UploadOut, status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "already stored: `duplicate_of` names the asset"},
                        413: {"description": "over the size limit"}, 422: {"description": "bad name or size"}})
def create_upload(body: UploadCreate, me: CallerDep, r: RootDep, session: SessionDep, request: Request,
                  response: Response) -> UploadOut:
    """Open a session; the answer lists every part's URL (presigned on S3, this API on the local store)."""
    opened = uploads.create_session(
        r.uow, r.storage, limits(r.settings), filename=body.filename, size_bytes=body.size_bytes,
        sha256=body.sha256, content_type=body.content_type, title=body.title, project=body.project, tags=body.tags,
        sidecars=[s.model_dump() for s in body.sidecars], created_by=me.actor.user_id if me.actor else None)
    if opened.duplicate_of is not None:
        response.status_code = status.HTTP_200_OK
        return UploadOut(status="duplicate", duplicate_of=opened.duplicate_of, asset_id=opened.duplicate_of,
                         duplicate_in_trash=opened.duplicate_in_trash)
    return _describe(uploads.get_open(session, opened.upload_id), r.storage, request, r.settings.upload_ttl_s)


@router.post("/plan", response_model=PlanOut)
def plan_upload(body: PlanIn, _: CallerDep, settings: SettingsDep) -> PlanOut:
    """Group dropped files as `mam ingest` groups a card: each clip with its sidecars (.SRT, .LRF, .THM,
    subtitles, .xmp … of the same folder and name), and what is left out with its reason. Nothing is stored."""
    lim = limits(settings)
    sizes: dict[PurePosixPath, int] = {}
    sent: dict[PurePosixPath, PlanFile] = {}
    skipped: list[PlanSkip] = []
    for f in body.files:
        p = PurePosixPath(f.path.replace("\\", "/").lstrip("/"))
        if not p.parts or ".." in p.parts:
            skipped.append(PlanSkip(path=f.path, code="bad_path", reason="not a file path"))
        elif any(part.startswith(".") for part in p.parts):
            skipped.append(PlanSkip(path=f.path, code="hidden", reason="hidden file"))
        elif f.size == 0:
            skipped.append(PlanSkip(path=f.path, code="empty", reason="empty file"))
        else:
            sizes[p], sent[p] = f.size, f
    grouped = group_files(sizes)
    groups = []
    for g in grouped.groups:
        clip = sent[g.clip]
        try:
            check_filename(g.clip.name)
        except InvalidInput as exc:
            skipped.append(PlanSkip(path=clip.path, code="bad_name", reason=str(exc)))
            continue
        if clip.size > lim.max_upload_bytes:
            skipped.append(PlanSkip(path=clip.path, code="too_large",
                                    reason=f"larger than the upload limit of {lim.max_upload_bytes} bytes"))
            continue
        kept = []
        for sc in g.sidecars:
            if reason := _sidecar_left_out(sent[sc], sc.name, g.clip.name, len(kept)):
                skipped.append(PlanSkip(path=sent[sc].path, code="bad_sidecar", reason=reason))
            else:
                kept.append(sent[sc].path)
        part_size, count = uploads.plan_parts(clip.size, lim.part_size)
        groups.append(PlanGroup(clip=clip.path, size=clip.size, part_size=part_size, part_count=count,
                                sidecars=kept))
    skipped += [PlanSkip(path=sent[p].path, code="lone_sidecar" if why == ORPHAN_SIDECAR else "not_media", reason=why)
                for p, why in grouped.left_out]
    return PlanOut(groups=groups, skipped=skipped)


def _sidecar_left_out(f: PlanFile, name: str, clip_name: str, kept: int) -> str | None:
    """Why this sidecar will not travel with its clip, or None."""
    try:
        check_filename(name)
    except InvalidInput as exc:
        return str(exc)
    if f.size > uploads.MAX_SIDECAR:
        return f"sidecar larger than {uploads.MAX_SIDECAR} bytes; {clip_name} is uploaded without it"
    if kept >= uploads.MAX_SIDECARS:
        return f"more than {uploads.MAX_SIDECARS} sidecars; {clip_name} is uploaded without this one"
    if f.head is not None:
        try:
            head = base64.b64decode(f.head, validate=True)[:HEAD_BYTES]
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(f"head of {f.path!r} must be base64") from exc
        ext = stem_and_ext(name)[1]
        if reason := check_sidecar(uploads.SIDECAR_KINDS[ext], head, ext=ext):
            return f"not a valid .{ext} sidecar ({reason}); {clip_name} is uploaded without it"
    return None


@router.get("/{upload_id}", response_model=UploadOut)
def get_upload(upload_id: str, _: CallerDep, session: SessionDep, settings: SettingsDep, storage: StorageDep,
               request: Request) -> UploadOut:
    """Parts already received (number, size, etag) and fresh URLs for the rest: resume from here."""
    sess = uploads.get_open(session, upload_id)
    return _describe(sess, storage, request, settings.upload_ttl_s)


def _b64_md5(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=True).hex()
    except ValueError as exc:
        raise InvalidInput("Content-MD5 must be base64") from exc


@router.put("/{upload_id}/parts/{part_number}", response_model=PartOut,
            responses={410: {"description": "expired/aborted"}, 422: {"description": "wrong size or checksum"},
                       428: {"description": "sent without Content-MD5 or X-Part-SHA256"}})
def put_part(upload_id: str, part_number: int, request: Request, _: CallerDep, r: RootDep,
             content_length: Annotated[int | None, Header()] = None,
             content_md5: Annotated[str | None, Header()] = None,
             x_part_sha256: Annotated[str | None, Header(description="hex sha256 of this part")] = None) -> PartOut:
    """Stream one part to the local store (on S3 the part URLs go to the store instead)."""
    part = uploads.receive_part(r.uow, r.storage, upload_id, part_number, RequestBodyReader(request),
                                content_length=content_length, sha256=x_part_sha256, md5=_b64_md5(content_md5))
    return PartOut(part_number=part.number, size=part.size, etag=part.etag, receipts=part.receipts)


@router.post("/{upload_id}/parts/{part_number}/presign", response_model=PresignedPart,
             responses={410: {"description": "expired/aborted"}, 422: {"description": "bad checksum or part number"}})
def presign_part(upload_id: str, part_number: int, body: PresignIn, _: CallerDep, session: SessionDep,
                 settings: SettingsDep, storage: StorageDep, request: Request) -> PresignedPart:
    """A URL straight to the store for one part, signed for its checksum: the store refuses the part without
    that Content-MD5, and bytes that do not match it. (On the local store the part goes through the API.)"""
    sess = uploads.get_open(session, upload_id)
    uploads.expected_part_size(sess, part_number)
    if len(_b64_md5(body.content_md5) or "") != 32:
        raise InvalidInput("content_md5 must be the base64 of a 16-byte MD5")
    url = storage.presign_part(sess.key, sess.store_upload_id, part_number, settings.upload_ttl_s,
                               content_md5=body.content_md5)
    if url is None:
        url = str(request.base_url).rstrip("/") + f"/api/v1/uploads/{upload_id}/parts/{part_number}"
    return PresignedPart(part_number=part_number, url=url, headers={"Content-MD5": body.content_md5})


@router.put("/{upload_id}/sidecars/{index}", status_code=status.HTTP_204_NO_CONTENT)
def put_sidecar(upload_id: str, index: int, request: Request, _: CallerDep, session: SessionDep,
                storage: StorageDep, content_length: Annotated[int | None, Header()] = None) -> Response:
    """Stream one sidecar file to the local store."""
    sess = uploads.get_open(session, upload_id)
    if not 0 <= index < len(sess.sidecars):
        raise NotFound(f"upload {upload_id} has no sidecar {index}")
    sc = sess.sidecars[index]
    if content_length is not None and content_length != sc["size_bytes"]:
        raise InvalidInput(f"sidecar {sc['filename']!r} must be {sc['size_bytes']} bytes")
    size = storage.put_stream(sc["key"], RequestBodyReader(request))
    if size != sc["size_bytes"]:
        storage.delete_prefix(sc["key"])
        raise InvalidInput(f"sidecar {sc['filename']!r} has {size} bytes, expected {sc['size_bytes']}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{upload_id}/complete", response_model=CompleteOut,
             responses={409: {"description": "parts missing"}, 410: {"description": "expired/aborted"},
                        415: {"description": "not media, or a sidecar is not what its extension says"},
                        422: {"description": "sha256 mismatch"}})
def complete_upload(upload_id: str, me: CallerDep, r: RootDep, body: CompleteIn | None = None) -> CompleteOut:
    """Verify every part, the size and the sha256 (recomputed by streaming), create the asset, queue ingest."""
    done = uploads.complete(r.uow, r.storage, limits(r.settings), upload_id, body.sha256 if body else None,
                            start_flow=workflow.starter(r))
    audit_upload(r, me, done)
    return CompleteOut(asset_id=done.asset_id, duplicate_of=done.duplicate_of,
                       duplicate_in_trash=done.duplicate_in_trash)


def audit_upload(r: Root, me: Caller, done: uploads.Completed) -> None:
    """One ``asset.upload`` entry for a new asset (a duplicate adds nothing to the catalog)."""
    if done.duplicate_of is None:
        with r.uow() as s:
            me.audit(s, "asset.upload", "asset", done.asset_id)


@router.delete("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT)
def abort_upload(upload_id: str, _: CallerDep, r: RootDep) -> Response:
    """Abort the session and free everything it stored."""
    uploads.abort(r.uow, r.storage, upload_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Time-coded comments on assets and exports, with replies; resolving and editing them."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.access import CallerDep
from api.deps import SessionDep, UowDep
from api.schemas import CommentIn, CommentList, CommentPatch, CommentPublic
from mam import comments
from mam.models import Comment

router = APIRouter(tags=["comments"])

_ERRORS = {404: {"description": "no such asset, export or parent comment"},
           422: {"description": "empty or too long text, t_end_s before t_s, a time past the media's end, or a "
                 "parent on another subject"}}


def comment_public(c: Comment, author_display: str | None = None,
                   replies: list[CommentPublic] | None = None) -> CommentPublic:
    return CommentPublic(id=c.id, subject_type=c.subject_type, subject_id=c.subject_id, parent_id=c.parent_id,
                         author=c.author, author_display=author_display, text=c.text, t_s=c.t_s, t_end_s=c.t_end_s,
                         resolved=c.resolved, created_at=c.created_at, updated_at=c.updated_at,
                         replies=replies or [])


def _thread_public(t: comments.Thread) -> CommentPublic:
    return comment_public(t.comment, t.author_display, [_thread_public(r) for r in t.replies])


def _listing(threads: list[comments.Thread]) -> CommentList:
    def walk(ts: list[comments.Thread]):
        for t in ts:
            yield t.comment
            yield from walk(t.replies)

    every = list(walk(threads))
    return CommentList(total=len(every), open=sum(1 for c in every if not c.resolved),
                       items=[_thread_public(t) for t in threads])


def _create(me: CallerDep, uow: UowDep, subject_type: str, subject_id: str, body: CommentIn) -> CommentPublic:
    with uow() as session:
        c = comments.add_comment(session, me.actor, subject_type, subject_id, body.text, t_s=body.t_s,
                                 t_end_s=body.t_end_s, parent_id=body.parent_id)
        me.audit(session, "comment.create", "comment", c.id,
                 {"subject_type": subject_type, "subject_id": subject_id, "parent_id": c.parent_id,
                  "t_s": c.t_s, "t_end_s": c.t_end_s, "text": c.text})
        return comment_public(c, comments.display_name(session, c.author_id))


@router.get("/assets/{asset_id}/comments", response_model=CommentList,
            responses={404: {"description": "no such asset"}})
def list_asset_comments(_: CallerDep, asset_id: str, session: SessionDep) -> CommentList:
    """The asset's comments as threads in time order (timed ones by t_s, then untimed ones), replies nested."""
    return _listing(comments.list_threads(session, "asset", asset_id))


@router.post("/assets/{asset_id}/comments", response_model=CommentPublic, status_code=status.HTTP_201_CREATED,
             responses=_ERRORS)
def comment_on_asset(me: CallerDep, asset_id: str, body: CommentIn, uow: UowDep) -> CommentPublic:
    """Comment on an asset, at a moment (t_s), over a span (t_s … t_end_s) or on the whole; or reply
    (parent_id). The text becomes searchable with the asset."""
    return _create(me, uow, "asset", asset_id, body)


@router.get("/exports/{export_id}/comments", response_model=CommentList,
            responses={404: {"description": "no such export"}})
def list_export_comments(_: CallerDep, export_id: str, session: SessionDep) -> CommentList:
    """The export's comments as threads in time order (seconds into the export), replies nested."""
    return _listing(comments.list_threads(session, "export", export_id))


@router.post("/exports/{export_id}/comments", response_model=CommentPublic, status_code=status.HTTP_201_CREATED,
             responses=_ERRORS)
def comment_on_export(me: CallerDep, export_id: str, body: CommentIn, uow: UowDep) -> CommentPublic:
    """Comment on an export (times are seconds into the export), or reply (parent_id)."""
    return _create(me, uow, "export", export_id, body)


@router.patch("/comments/{comment_id}", response_model=CommentPublic,
              responses={403: {"description": "editing the text of someone else's comment"},
                         404: {"description": "no such comment"}, 422: {"description": "empty or too long text"}})
def update_comment(me: CallerDep, comment_id: str, body: CommentPatch, uow: UowDep) -> CommentPublic:
    """Resolve or reopen a comment (anyone who may comment), or edit its text (its author only)."""
    fields = body.model_dump(exclude_unset=True)
    with uow() as session:
        c = comments.get_comment(session, comment_id)
        changes = comments.update_comment(session, me.actor, c, **fields)
        if changes:
            me.audit(session, "comment.update", "comment", c.id, changes)
        return comment_public(c, comments.display_name(session, c.author_id))

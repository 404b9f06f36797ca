"""Review and sign-off (三审) of exports: each level's decision, in order, by a reviewer of that level's role."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.access import CallerDep
from api.deps import RootDep
from api.schemas import ReviewIn, ReviewPublic
from mam import export_jobs, reviews

router = APIRouter(tags=["exports"])


@router.post("/exports/{export_id}/reviews", response_model=ReviewPublic, status_code=status.HTTP_201_CREATED,
             responses={403: {"description": "your role does not reach the level's (the message names it)"},
                        404: {"description": "no such export"},
                        409: {"description": "the export is not ready, its round is already approved, or you "
                              "signed another level of this round"},
                        422: {"description": "a reject without a note"}})
def create_review(me: CallerDep, export_id: str, body: ReviewIn, r: RootDep) -> ReviewPublic:
    """Sign the next level of the export's review round (初审, 复审, 终审 by default): approve, or reject with a
    note that ends the round (the next review starts a new round at the first level). Returns the review state."""
    with r.uow() as s:
        export = export_jobs.get(s, export_id)
        row = reviews.record_review(s, export, me.actor, body.decision, body.note, r.review)
        me.audit(s, "review.create", "export", export_id,
                 {"round": row.round, "level": row.level, "name": row.name, "decision": row.decision,
                  "note": row.note})
        return ReviewPublic(**reviews.review_state(s, export, r.review))

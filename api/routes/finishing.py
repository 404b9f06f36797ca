"""What exports finish with: brand assets (station logos) and an asset's subtitles as files."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile, status
from pydantic import BaseModel, Field

from api.access import CallerDep
from api.deps import RootDep, SessionDep
from api.media_responses import text_response
from mam import brand, catalog
from mam.errors import InvalidInput
from mam.subtitles import subtitle_file

router = APIRouter(tags=["exports"])


class BrandAssetPublic(BaseModel):
    id: str
    name: str = Field(description="what `watermark.logo` and a preset's `finishing.logo` may name it by")
    width: int
    height: int
    size_bytes: int
    created_at: datetime | None = None
    shipped: bool = Field(False, description="a logo shipped in config/logos (no id of its own)")


@router.post("/brand-assets", response_model=BrandAssetPublic, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "the name is taken"},
                        422: {"description": "not a PNG, no alpha channel, too large, or a bad name"}})
def create_brand_asset(me: CallerDep, r: RootDep, file: Annotated[UploadFile, File(description="a PNG with alpha")],
                       name: Annotated[str, Form(description="lower-case name, e.g. station-2026")]
                       ) -> BrandAssetPublic:
    """Store a station logo (a PNG with transparency, at most 4096 px a side and 8 MiB) for export watermarks."""
    data = file.file.read(brand.MAX_BYTES + 1)
    if len(data) > brand.MAX_BYTES:
        raise InvalidInput(f"file: larger than {brand.MAX_BYTES} bytes")
    with r.uow() as s:
        row = brand.create(s, r.storage, name=name, data=data)
        me.audit(s, "brand_asset.create", "brand_asset", row.id, {"name": row.name})
        return BrandAssetPublic(id=row.id, name=row.name, width=row.width, height=row.height,
                                size_bytes=row.size_bytes, created_at=row.created_at)


@router.get("/brand-assets", response_model=list[BrandAssetPublic])
def list_brand_assets(_: CallerDep, session: SessionDep) -> list[BrandAssetPublic]:
    """Every logo an export may name: the uploaded brand assets, then the shipped ones."""
    rows = [BrandAssetPublic(id=b.id, name=b.name, width=b.width, height=b.height, size_bytes=b.size_bytes,
                             created_at=b.created_at) for b in brand.list_all(session)]
    taken = {b.name for b in rows}
    for name, path in brand.shipped().items():
        if name not in taken:
            logo = brand.resolve(session, name)
            rows.append(BrandAssetPublic(id=name, name=name, width=logo.width, height=logo.height,
                                         size_bytes=path.stat().st_size, shipped=True))
    return rows


@router.get("/assets/{asset_id}/subtitles.{fmt}", responses={404: {"description": "no such asset"},
                                                            422: {"description": "the asset has no subtitles"}})
def get_subtitles(_: CallerDep, asset_id: str, fmt: Literal["srt", "vtt"], session: SessionDep, request: Request,
                  start_s: Annotated[float | None, Query(ge=0, description="a subclip's start: cues from here, "
                                                         "timed from it")] = None,
                  end_s: Annotated[float | None, Query(gt=0, description="a subclip's end")] = None):
    """The asset's subtitles (its subtitle sidecar, else its timed transcript) as SubRip or WebVTT; with
    ``start_s``/``end_s`` only the cues of that range, shifted to start at 0 (for a subclip export)."""
    asset = catalog.get_asset(session, asset_id)
    text = subtitle_file(asset, fmt, start_s=start_s, end_s=end_s)
    return text_response(text, "application/x-subrip; charset=utf-8" if fmt == "srt" else "text/vtt; charset=utf-8")

"""What the web UI needs to know about this installation before anyone signs in."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import SettingsDep
from api.routes.health import VERSION

router = APIRouter(tags=["ui"])


class MapConfig(BaseModel):
    tiles_url: str | None = Field(None, description="raster tile URL template ({z}/{x}/{y}); none: draw tracks "
                                  "over the offline base map the app serves (country and province outlines)")
    attribution: str | None = None


class UiConfig(BaseModel):
    version: str
    map: MapConfig
    languages: list[str] = ["zh-CN", "en"]


@router.get("/ui/config", response_model=UiConfig)
def ui_config(settings: SettingsDep) -> UiConfig:
    """Map tiles (``MAM_MAP_TILES_URL``) and the product version, for the web UI."""
    return UiConfig(version=VERSION, map=MapConfig(tiles_url=settings.map_tiles_url or None,
                                                   attribution=settings.map_tiles_attribution or None))

"""Every object key the product writes, made in one place from ids (a user's filename gives only a
sanitised extension)."""

from __future__ import annotations

import re

_EXT = re.compile(r"^[a-z0-9]{1,8}$")


def safe_extension(filename: str) -> str:
    """The lower-cased extension of a user's filename if it is plain (``mp4``), else ``bin``."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext if _EXT.match(ext) else "bin"


def originals_prefix(asset_id: str) -> str:
    """Everything uploaded for an asset: the original and its sidecars."""
    return f"originals/{asset_id}/"


def original_key(asset_id: str, filename: str) -> str:
    """Key of an asset's original. Only a sanitised extension of the user's name is used."""
    return f"{originals_prefix(asset_id)}source.{safe_extension(filename)}"


def sidecar_key(asset_id: str, index: int, filename: str) -> str:
    """Key of an asset's ``index``-th sidecar; only its extension comes from the user's name."""
    return f"{originals_prefix(asset_id)}sidecars/{index:02d}.{safe_extension(filename)}"


def derivative_key(asset_id: str, name: str) -> str:
    """Key of a derivative such as ``proxy.mp4`` or ``poster.jpg``."""
    if "/" in name or name.startswith("."):
        raise ValueError(f"bad derivative name {name!r}")
    return f"derivatives/{asset_id}/{name}"


def shot_image_key(asset_id: str, name: str) -> str:
    """Key of a shot's keyframe image."""
    if "/" in name or name.startswith("."):
        raise ValueError(f"bad shot image name {name!r}")
    return f"derivatives/{asset_id}/shots/{name}"


def export_key(export_id: str, name: str) -> str:
    """Key of one file an export made (``master.m3u8``, ``720p/seg_00001.m4s``…); ``name`` is product-made."""
    parts = name.split("/")
    if not name or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ValueError(f"bad export file name {name!r}")
    return f"exports/{export_id}/{name}"


def brand_key(brand_id: str) -> str:
    """Key of a brand asset (a station logo PNG); ``brand_id`` is product-made."""
    return f"brand/{brand_id}.png"

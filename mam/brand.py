"""Brand assets: station logos (PNG with alpha) that exports put over the picture.

A logo is named in an export request (``watermark.logo``) or a preset (``finishing.logo``) by a brand asset's id
or name (uploaded with ``POST /api/v1/brand-assets``), or by the name of a PNG shipped in ``config/logos/``
(``station``). Every logo is checked when it is stored: a PNG (by its bytes, not its name), with an alpha channel,
at most :data:`MAX_SIDE` pixels a side and :data:`MAX_BYTES`.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import config
from mam.errors import Conflict, InvalidInput
from mam.models import BrandAsset, new_id
from mam.storage import Storage
from mam.storage.keys import brand_key

LOGOS_DIR = Path(config.__file__).parent / "logos"
MAX_SIDE = 4096
MAX_BYTES = 8 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Logo:
    """A resolved logo: where its bytes are (a store key, or a shipped file) and its pixel size."""

    name: str
    width: int
    height: int
    key: str | None = None
    path: Path | None = None

    def fetch(self, storage: Storage, dest: Path) -> Path:
        """The logo as a local file (copied from the store under ``dest``)."""
        if self.path is not None:
            return self.path
        assert self.key is not None
        storage.get_to_path(self.key, dest)
        return dest


def check_png(data: bytes, what: str = "logo") -> tuple[int, int]:
    """(width, height) of a PNG with an alpha channel; ``InvalidInput`` naming ``what`` otherwise."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{what}: {len(data)} bytes, at most {MAX_BYTES}")
    if not data.startswith(PNG_MAGIC):
        raise InvalidInput(f"{what}: not a PNG (a logo is a PNG with transparency)")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            size, mode, has_trns = img.size, img.mode, "transparency" in img.info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(f"{what}: not a readable PNG ({exc})") from None
    if max(size) > MAX_SIDE or min(size) < 2:
        raise InvalidInput(f"{what}: {size[0]}x{size[1]} px; a logo is 2 to {MAX_SIDE} px a side")
    if mode not in ("RGBA", "LA", "PA") and not has_trns:
        raise InvalidInput(f"{what}: the PNG has no alpha channel ({mode}); a logo needs transparency")
    return size


def create(session: Session, storage: Storage, *, name: str, data: bytes) -> BrandAsset:
    """Check and store a logo; ``Conflict`` when the name is taken."""
    name = (name or "").strip().lower()
    if not _NAME.match(name):
        raise InvalidInput("name: lower-case letters, digits, '.', '_' and '-', at most 64 (e.g. station-2026)")
    if session.scalar(select(BrandAsset).where(BrandAsset.name == name)) is not None:
        raise Conflict(f"name: a brand asset named {name!r} exists")
    width, height = check_png(data, "file")
    row = BrandAsset(id=new_id(), name=name, width=width, height=height, size_bytes=len(data),
                     sha256=hashlib.sha256(data).hexdigest())
    row.key = brand_key(row.id)
    storage.put_stream(row.key, io.BytesIO(data), "image/png")
    session.add(row)
    session.flush()
    return row


def list_all(session: Session) -> list[BrandAsset]:
    return list(session.scalars(select(BrandAsset).order_by(BrandAsset.name)))


def shipped() -> dict[str, Path]:
    """The logos shipped in ``config/logos`` by name (file stem)."""
    return {p.stem: p for p in sorted(LOGOS_DIR.glob("*.png"))} if LOGOS_DIR.is_dir() else {}


def resolve(session: Session, ref: str, field: str = "watermark.logo") -> Logo:
    """A brand asset (id or name) or a shipped logo; ``InvalidInput`` naming ``field`` when there is none."""
    row = session.scalar(select(BrandAsset).where(or_(BrandAsset.id == ref, BrandAsset.name == ref)))
    if row is not None:
        return Logo(row.name, row.width, row.height, key=row.key)
    path = shipped().get(ref)
    if path is not None:
        width, height = check_png(path.read_bytes(), f"{field} {ref!r}")
        return Logo(ref, width, height, path=path)
    known = sorted({b.name for b in list_all(session)} | set(shipped()))
    raise InvalidInput(f"{field}: no brand asset or shipped logo {ref!r}; known: {', '.join(known) or 'none'}")

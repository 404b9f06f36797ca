"""What the index holds for one asset: its searchable text by field, filter values, tags, shot hashes, area.

``build_document`` reads plain asset values (a mapping with ``mam.models.Asset`` attribute names), so the
same code indexes a catalog row and a bulk-loaded record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from mam.facts import Capture, Technical, Telemetry, shots_from_json
from mam.numbers import as_float
from mam.search.geo import track_blob
from mam.search.tokenize import index_terms
from mam.tags import MAX_TAG_CHARS
from mam.utc import aware_utc

FIELDS = (
    "id", "status", "kind", "title", "description", "project", "tags", "auto_tags", "original_filename",
    "technical", "capture", "captured_at", "created_at", "telemetry", "places", "ocr", "transcript", "shots",
)  # fmt: skip
"""Asset attributes a document is built from: a change to any of them re-indexes the asset."""

TIMED_FIELDS = ("ocr", "transcript", "comments")
"""Lists of ``{start_s, end_s, text}``; ``comments`` is not an asset column: the index and the hits add the
asset's comments (``mam.comments.comment_texts``) to the values they read."""
PLACE_KEYS = ("country", "country_zh", "admin1", "admin1_zh", "admin2", "admin2_zh", "city", "city_zh", "area_zh")


SHOWN_FIELDS = tuple(f for f in FIELDS if f not in ("telemetry", "shots"))
"""What hits and result titles read (an asset's track is large and not needed for them)."""


def asset_values(asset: Any) -> dict[str, Any]:
    """What hits and titles read of an ORM asset (``SHOWN_FIELDS``), as a plain mapping."""
    return {name: getattr(asset, name) for name in SHOWN_FIELDS}


def display_title(values: Mapping[str, Any]) -> str:
    """The title, or the original file's name without its extension."""
    return (values.get("title") or "").strip() or PurePosixPath(values.get("original_filename") or "").stem


def tag_names(values: Mapping[str, Any]) -> list[str]:
    """User tags, then metadata and analysis tag names, once each."""
    names = list(values.get("tags") or []) + [t.get("name", "") for t in values.get("auto_tags") or []]
    return list(dict.fromkeys(n.strip()[:MAX_TAG_CHARS] for n in names if n and n.strip()))


def place_names(values: Mapping[str, Any]) -> list[str]:
    """Every name of every place of the asset, once each."""
    names = [p.get(k) for p in values.get("places") or [] for k in PLACE_KEYS]
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n))


def field_texts(values: Mapping[str, Any]) -> dict[str, str]:
    """The asset's untimed searchable text by field name (the names the API reports in hits)."""
    filename = values.get("original_filename") or ""
    texts = {
        "title": display_title(values),
        "description": values.get("description") or "",
        "project": values.get("project") or "",
        "tags": " ".join(tag_names(values)),
        "filename": f"{filename} {PurePosixPath(filename).stem}" if filename else "",
        "places": " ".join(place_names(values)),
        "camera": Capture.from_json(values.get("capture")).device or "",
    }
    return {k: v for k, v in texts.items() if v}


def timed_texts(values: Mapping[str, Any]) -> list[tuple[str, float | None, float | None, str]]:
    """``(field, start_s, end_s, text)`` of on-screen text (``ocr``), subtitle / transcript cues and comments
    (untimed comments have no seconds)."""
    out: list[tuple[str, float | None, float | None, str]] = []
    for name in TIMED_FIELDS:
        for seg in values.get(name) or []:
            text = (seg.get("text") or "").strip()
            if text:
                out.append((seg.get("source") or name, seg.get("start_s"), seg.get("end_s"), text))
    return out


def phash_int(value: str) -> int | None:
    """A 16-hex-digit perceptual hash as a signed 64-bit integer (how BIGINT columns hold it)."""
    try:
        n = int(value, 16)
    except (TypeError, ValueError):
        return None
    if not 0 <= n < 1 << 64:
        return None
    return n - (1 << 64) if n >= 1 << 63 else n


def _aware(dt: Any) -> datetime | None:
    """A datetime or ISO 8601 text as an aware UTC datetime (naive taken as UTC); None for anything else."""
    if isinstance(dt, str):
        try:
            dt = datetime.fromisoformat(dt)
        except ValueError:
            return None
    if not isinstance(dt, datetime):
        return None
    return aware_utc(dt)


@dataclass
class SearchDocument:
    """One asset as the index stores it."""

    asset_id: str
    row: dict[str, Any]
    title_terms: list[str]
    body_terms: list[str]
    timed_terms: list[str]
    tags: list[str] = field(default_factory=list)
    shots: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        r = self.row
        if r["geo_w"] is None:
            return None
        return r["geo_w"], r["geo_s"], r["geo_e"], r["geo_n"]


def _geo(capture: Capture, tel: Telemetry) -> dict[str, Any]:
    loc = capture.location
    lat, lon = (as_float(loc.lat), as_float(loc.lon)) if loc else (None, None)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    bbox = tel.bbox if tel.encoded else None
    geo: dict[str, Any] = {"lat": lat, "lon": lon, "geo_w": None, "geo_s": None, "geo_e": None,
                                    "geo_n": None, "track_t0": None, "track_t1": None,
                                    "track_pts": None}
    if bbox and len(bbox) == 4 and all(as_float(v) is not None for v in bbox):
        geo.update(zip(("geo_w", "geo_s", "geo_e", "geo_n"), (float(v) for v in bbox), strict=True))
        geo["track_t0"] = as_float(tel.start.t_s) if tel.start else None
        geo["track_t1"] = as_float(tel.end.t_s) if tel.end else None
        geo["track_pts"] = track_blob(tel.encoded)
    elif lat is not None and lon is not None:
        geo.update(geo_w=lon, geo_s=lat, geo_e=lon, geo_n=lat)
    return geo


def build_document(values: Mapping[str, Any]) -> SearchDocument:
    """The index document of an asset (see ``FIELDS`` for what it reads)."""
    texts = field_texts(values)
    body = " ".join(texts[k] for k in ("description", "project", "tags", "filename", "places", "camera") if k in texts)
    timed = " ".join(t for _, _, _, t in timed_texts(values))
    tech = Technical.from_json(values.get("technical"))
    capture = Capture.from_json(values.get("capture"))
    captured = _aware(values.get("captured_at"))
    height = tech.shown_height
    row = {
        "asset_id": values["id"],
        "kind": values.get("kind"),
        "status": str(values.get("status") or "") or None,
        "project": values.get("project") or None,
        "camera": capture.device or None,
        "captured_at": captured,
        "year": captured.year if captured else None,
        "duration_s": as_float(tech.duration_s),
        "height": int(height) if isinstance(height, int | float) and height > 0 else None,
        "created_at": _aware(values.get("created_at")),
        **_geo(capture, Telemetry.from_json(values.get("telemetry"))),
    }
    if row["camera"]:
        row["camera"] = str(row["camera"])[:200]
    shots = []
    for sh in shots_from_json(values.get("shots")):
        ph = phash_int(sh.phash) if sh.phash else None
        if ph is not None and isinstance(sh.index, int):
            shots.append({"shot_index": sh.index, "start_s": as_float(sh.start_s),
                          "end_s": as_float(sh.end_s), "phash": ph})
    return SearchDocument(
        asset_id=values["id"], row=row, title_terms=index_terms(texts.get("title", "")),
        body_terms=index_terms(body), timed_terms=index_terms(timed), tags=tag_names(values), shots=shots,
    )

"""Finishing options of an export request: their shape (the API's request fields), their checks against the
catalog (every refusal names the item), and their resolution into :class:`mam.exports.finishing.Finishing` for
the export step (logos fetched, subtitles read, follow crop paths made once and cached, sequence pieces fetched).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from mam import brand
from mam.errors import Conflict, InvalidInput
from mam.exports.finishing import (
    MAX_SPEED,
    POSITIONS,
    Caption,
    Finishing,
    Piece,
    Position,
    Subtitles,
    Watermark,
)
from mam.exports.geometry import plan_frame, source_display
from mam.models import Asset, AssetStatus, Rendition
from mam.presets import Preset
from mam.subtitles import require_cues

MAX_CAPTION_CHARS = 200  # a caption is a line or two on the picture, not a paragraph
MAX_CAPTION_LINES = 4
MAX_PIECES = 50


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WatermarkIn(_In):
    logo: str = Field(description="a brand asset's id or name (POST /api/v1/brand-assets), or a logo shipped in "
                      "config/logos (e.g. `station`)")
    position: Position = Field("top-right", description=f"one of {', '.join(POSITIONS)}")
    margin: float = Field(0.04, ge=0, le=0.25, description="distance from the edges, a fraction of the picture's "
                          "height")
    opacity: float = Field(1.0, gt=0, le=1, description="0..1 (multiplies the PNG's own alpha)")
    scale: float | None = Field(None, gt=0.01, le=1, description="the logo's width as a fraction of the picture's "
                                "width; null: its own pixels as drawn for 1080 lines, scaled with the picture")


class CaptionIn(_In):
    text: str = Field(min_length=1, description=f"shown literally (quotes, colons, %, backslashes, newlines, "
                      f"Chinese); at most {MAX_CAPTION_CHARS} characters and {MAX_CAPTION_LINES} lines")
    position: Position = Field("bottom", description=f"one of {', '.join(POSITIONS)}")
    start_s: float | None = Field(None, ge=0, description="from this second of the output (default: its start)")
    end_s: float | None = Field(None, gt=0, description="until this second of the output (default: its end)")
    style: Literal["lower-third", "title", "plain"] = Field(
        "lower-third", description="lower-third: on a translucent band; title: larger; plain: outlined text only. "
        "Size, outline and safe area come from the preset's `finishing.caption`")


class SubtitlesIn(_In):
    mode: Literal["burn", "soft"] = Field("burn", description="burn: drawn into the picture in the CJK font, "
                                          "styled by the preset; soft: a mov_text track (MP4/MOV) or a WebVTT "
                                          "SUBTITLES rendition (HLS)")
    source: Literal["subtitle", "transcript"] | None = Field(
        None, description="the asset's subtitle sidecar (.srt/.vtt/.ass) or its timed transcript; default: "
        "subtitles, else the transcript")
    language: str = Field("chi", pattern=r"^[a-z]{3}$", description="ISO 639-2 code of the track (soft)")


class ReframeIn(_In):
    mode: Literal["follow", "center", "blur-pad"] = Field(
        description="for fixed rasters of another shape (9:16, 1:1): follow keeps the subject in the window "
        "(a smoothed crop path from the proxy, made once per asset and cached); center cuts the middle; "
        "blur-pad fits the whole picture over a blurred, enlarged copy of itself")


class PieceIn(_In):
    asset_id: str
    start_s: float = Field(ge=0, description="seconds on the asset's timeline")
    end_s: float = Field(gt=0, description="after start_s, within the asset")


class FinishingIn(_In):
    """What an export asks beyond its presets. Everything is applied inside the one ffmpeg graph."""

    sequence: list[PieceIn] | None = Field(None, max_length=MAX_PIECES, description="pieces of ready assets made "
                                           "into ONE output per preset, in order (instead of asset_ids); frame "
                                           "rates, sizes and sample rates are normalised to the first piece; "
                                           "loudness is corrected on the whole")
    transition: Literal["cut", "dissolve"] = Field("cut", description="between sequence pieces (dissolve: 0.5 s)")
    watermark: WatermarkIn | None = Field(None, description="a logo over the picture (a preset may name a default)")
    caption: CaptionIn | None = None
    subtitles: SubtitlesIn | None = None
    reframe: ReframeIn | None = None
    fade_in_s: float = Field(0.0, ge=0, le=10, description="picture from black and sound from silence")
    fade_out_s: float = Field(0.0, ge=0, le=10, description="picture to black and sound to silence")
    speed: float = Field(1.0, ge=1, le=MAX_SPEED, description="time-lapse: 2 to 16 times faster")
    speed_audio: Literal["drop", "pitch"] = Field("drop", description="with a speed change: silence, or the "
                                                  "sound sped up with its pitch kept")

    @model_validator(mode="after")
    def _caption(self) -> FinishingIn:
        cap = self.caption
        if cap is not None:
            if len(cap.text) > MAX_CAPTION_CHARS:
                raise ValueError(f"caption.text: {len(cap.text)} characters, at most {MAX_CAPTION_CHARS}")
            if cap.text.count("\n") >= MAX_CAPTION_LINES:
                raise ValueError(f"caption.text: at most {MAX_CAPTION_LINES} lines")
            if any(ord(c) < 32 and c not in "\n\t" for c in cap.text):
                raise ValueError("caption.text: holds control characters")
            if cap.start_s is not None and cap.end_s is not None and cap.end_s <= cap.start_s:
                raise ValueError("caption.end_s: must be after caption.start_s")
        return self

    def asks(self) -> bool:
        return self != FinishingIn()


def check(session: Session, finishing: FinishingIn, assets: Sequence[Asset], presets: Sequence[Preset],
          *, start_s: float | None, end_s: float | None) -> dict[str, Any] | None:
    """Refuse what cannot be made (a clear ``InvalidInput`` naming the item); the JSON to store, or None."""
    if not finishing.asks():
        return None
    pictures = [p for p in presets if p.kind in ("video", "hls")]
    if finishing.watermark is not None or any(p.finishing.logo for p in pictures):
        for p in pictures:
            ref = finishing.watermark.logo if finishing.watermark is not None else p.finishing.logo
            field = "watermark.logo" if finishing.watermark is not None else f"presets: {p.name}'s finishing.logo"
            logo = brand.resolve(session, ref or "", field)
            wm = _watermark(finishing, Path("."), logo, ref or "")
            for asset in assets:
                for w, h in _rasters(p, asset):
                    lw, lh = wm.placed_size(w, h)
                    margin = round(h * wm.margin)
                    if lw + 2 * margin > w or lh + 2 * margin > h:
                        raise InvalidInput(f"{field}: the {logo.width}x{logo.height} px logo {ref!r} placed at "
                                           f"{lw}x{lh} with its margin is larger than the {w}x{h} picture of "
                                           f"{p.name}")
    if finishing.subtitles is not None:
        for asset in assets:
            require_cues(asset, finishing.subtitles.source)
        if finishing.subtitles.mode == "soft":
            for p in presets:
                if p.container not in ("mp4", "mov", "hls", "wav", "png", "jpeg"):
                    raise InvalidInput(f"subtitles: mode soft is carried by MP4, MOV and HLS presets; {p.name} is "
                                       f"{p.container} (burn them instead)")
    if finishing.reframe is not None and finishing.reframe.mode == "follow":
        for asset in assets:
            if _proxy(session, asset) is None:
                raise InvalidInput(f"reframe: asset {asset.id} has no proxy to follow its subject in")
    if finishing.sequence is None and finishing.transition != "cut":
        raise InvalidInput("transition: only between the pieces of a sequence")
    if finishing.caption is not None and finishing.caption.start_s is not None:
        length = (end_s or 0) - (start_s or 0)
        if end_s is not None and finishing.caption.start_s >= length / finishing.speed:
            raise InvalidInput(f"caption.start_s: {finishing.caption.start_s:g} s is past the output's end")
    return finishing.model_dump(mode="json", exclude_defaults=True)


def check_sequence(session: Session, pieces: Sequence[PieceIn]) -> list[Asset]:
    """Every piece names a ready asset and a range inside it; the assets in order."""
    if not pieces:
        raise InvalidInput("sequence: name at least one piece")
    assets = []
    for i, piece in enumerate(pieces):
        asset = session.get(Asset, piece.asset_id)
        name = f"sequence[{i}]"
        if asset is None:
            raise InvalidInput(f"{name}: asset {piece.asset_id} not found")
        if asset.status != AssetStatus.READY:
            raise Conflict(f"{name}: asset {piece.asset_id} is {asset.status}, not ready")
        if asset.kind != "video":
            raise InvalidInput(f"{name}: asset {piece.asset_id} is {asset.kind or 'not media'}, a sequence is of "
                               "video clips")
        duration = asset.technical_facts.duration_s or 0.0
        fps = asset.technical_facts.fps or 25.0
        if piece.end_s - piece.start_s < 1 / fps:
            raise InvalidInput(f"{name}: the range {piece.start_s:g}..{piece.end_s:g} s of asset {piece.asset_id} "
                               "is empty (end_s must be at least one frame after start_s)")
        if duration and (piece.start_s >= duration or piece.end_s > duration + 1 / fps):
            raise InvalidInput(f"{name}: the range {piece.start_s:g}..{piece.end_s:g} s is outside asset "
                               f"{piece.asset_id} ({duration:.3f} s)")
        assets.append(asset)
    return assets


def _rasters(preset: Preset, asset: Asset) -> list[tuple[int, int]]:
    tech = dict(asset.technical or {})
    if not tech.get("width"):
        return []
    dw, dh = source_display(tech)
    if preset.kind == "hls":
        from mam.exports.geometry import plan_ladder

        return [(r.width, r.height) for r in plan_ladder(preset.hls, dw, dh)]  # type: ignore[arg-type]
    frame = plan_frame(preset.video.size, dw, dh)  # type: ignore[union-attr]
    return [(frame.width, frame.height)]


def _proxy(session: Session, asset: Asset) -> Rendition | None:
    from sqlalchemy import select

    return session.scalar(select(Rendition).where(Rendition.asset_id == asset.id, Rendition.kind == "proxy"))


def _watermark(fin: FinishingIn, path: Path, logo: brand.Logo, ref: str) -> Watermark:
    w = fin.watermark or WatermarkIn(logo=ref)
    return Watermark(path, (logo.width, logo.height), w.position, w.margin, w.opacity, w.scale)


# --- the export step's side ---------------------------------------------------------------------------------

def resolve(session: Session, stored: Mapping[str, Any] | None, asset: Asset, presets: Sequence[Preset], *,
            storage: Any, workdir: Path, fetch: Callable[[str, Path], Path],
            follow: Callable[[Asset, Rendition, float], Any] | None = None) -> Finishing:
    """The stored options made into what the planner takes: files fetched into ``workdir``, cues read, the
    follow crop path from ``follow(asset, proxy, aspect)``, sequence pieces from ``fetch(original_key, dest)``."""
    fin = FinishingIn.model_validate(dict(stored or {}))
    out: dict[str, Any] = {}
    logos: dict[str, Watermark] = {}
    for p in presets:
        ref = fin.watermark.logo if fin.watermark is not None else p.finishing.logo
        if ref and p.kind in ("video", "hls"):
            if ref not in logos:
                logo = brand.resolve(session, ref)
                path = logo.fetch(storage, workdir / f"logo-{len(logos)}.png")
                logos[ref] = _watermark(fin, path, logo, ref)
            out.setdefault("preset_logos", {})[p.name] = logos[ref]
    if fin.caption is not None:
        c = fin.caption
        out["caption"] = Caption(c.text, c.position, c.start_s, c.end_s, c.style)
    if fin.reframe is not None:
        out["reframe"] = fin.reframe.mode
    pieces: list[Piece] = []
    if fin.sequence:
        for i, piece in enumerate(fin.sequence):
            a = session.get(Asset, piece.asset_id)
            if a is None:
                raise InvalidInput(f"sequence[{i}]: asset {piece.asset_id} not found")
            src = fetch(a.original_key, workdir / f"piece-{i}{Path(a.original_key).suffix}")
            pieces.append(Piece(src, dict(a.technical or {}), piece.start_s, piece.end_s, a.id))
        out["sequence"] = tuple(pieces)
        out["transition"] = fin.transition
    if fin.subtitles is not None:
        s = fin.subtitles
        if pieces:
            from mam.exports.finishing import shift_cues

            cues, offset = [], 0.0
            for piece, spec in zip(pieces, fin.sequence or [], strict=True):
                a = session.get(Asset, spec.asset_id)
                cues += shift_cues(require_cues(a, s.source), piece.start_s, piece.end_s, fin.speed, offset)
                offset += (piece.end_s - piece.start_s) / fin.speed
        else:
            cues = require_cues(asset, s.source)
        out["subtitles"] = Subtitles(tuple(cues), s.mode, s.language)
    if fin.reframe is not None and fin.reframe.mode == "follow" and follow is not None:
        proxy = _proxy(session, asset)
        aspects = {p.video.size.width / p.video.size.height for p in presets  # type: ignore[union-attr,operator]
                   if p.kind == "video" and p.video and p.video.size.width and p.video.size.aspect != "fit"}
        if proxy is not None and aspects:
            out["crop_path"] = follow(asset, proxy, sorted(aspects)[0])
    return Finishing(fade_in_s=fin.fade_in_s, fade_out_s=fin.fade_out_s, speed=fin.speed,
                     speed_audio=fin.speed_audio, **out)

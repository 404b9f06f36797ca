"""The analysis step (its own queue, after the asset is ready): OCR, tags and hashes from shot keyframes.

It never fails the asset: the workflow marks ``analysis.status`` (running, done, failed with the reason).
A shot whose keyframe could not be read or whose text could not be read counts as a failed item; when every
shot fails, the step fails.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from mam import catalog
from mam.facts.shots import ANALYSED, Shot, shots_to_json
from mam.media import media_pass
from mam.media.runner import run_media_command
from mam.tags import replace_source
from pipelines.context import StepContext, StepResult
from pipelines.ingest import fetch_original

log = logging.getLogger(__name__)
OCR_FRAME_WIDTH = 640  # OCR frames from the proxy: 320-px thumbnails garble Chinese captions, 640 px reads them


def _ocr_frames(ctx: StepContext, proxy: Path, shots: tuple[Shot, ...]) -> list[Path | None]:
    """Proxy-sized keyframes per shot for OCR (the 320-px shot thumbnails are too small for captions)."""
    shot_objs = [media_pass.res.Shot(s.start_s, s.end_s) for s in shots]
    plan = media_pass.plan_shot_keyframes(proxy, ctx.workdir / "ocr", shot_objs, width=OCR_FRAME_WIDTH)
    if plan is None:
        return [None] * len(shots)
    (ctx.workdir / "ocr").mkdir(exist_ok=True)
    run_media_command(plan.cmd, timeout_s=ctx.settings.ffmpeg_timeout_s)
    return [p if p is not None and p.is_file() else None for p in plan.images]


def analysis_tags(shots: list[Shot], aerial_known: bool) -> list[str]:
    """Tags for the whole asset from its shots: day/night, main colours, camera motion, faces, aerial look."""
    if not shots:
        return []
    tags: list[str] = []
    light = Counter(s.day_night for s in shots if s.day_night)
    if light:
        tags.append(light.most_common(1)[0][0])
    colours = Counter()
    for s in shots:
        for c in s.colours or []:
            colours[c["name"]] += c.get("share", 0)
    tags += [name for name, _ in colours.most_common(2)]
    tags += sorted({s.motion for s in shots if s.motion and s.motion != "static"})
    if any((s.faces or 0) > 0 for s in shots):
        tags.append("faces")
    scores = [s.aerial_score for s in shots if s.aerial_score is not None]
    if not aerial_known and scores and sum(scores) / len(scores) >= 0.6:
        tags.append("aerial")
    return tags


_ITEM_PARTS = ("keyframe", "ocr")  # a shot failed when one of these could not be done


def analysis_step(ctx: StepContext) -> StepResult:
    """Analyse every shot's keyframe and the proxy; record per-shot facts, OCR lines and tags."""
    from mam.analysis.ocr import TextLine, merge_ocr_over_shots
    from mam.analysis.shots import analyse_shot

    with ctx.uow() as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        shots = asset.shot_facts
        proxy = next((r.key for r in asset.renditions if r.kind == "proxy" and r.key.endswith(".mp4")), None)
        aerial_known = any(t["name"] == "aerial" for t in asset.auto_tags or [])
    if proxy is None or not shots:
        return StepResult()
    result = StepResult(items=len(shots))
    proxy_path = fetch_original(ctx, proxy)
    big = _ocr_frames(ctx, proxy_path, shots)
    per_shot_text = []
    analysed: list[Shot] = []
    for shot, frame in zip(shots, big, strict=True):
        thumb = fetch_original(ctx, shot.image_key) if shot.image_key else None
        image = thumb or frame
        if image is None:
            result.failed_items += 1
            result.first_failure = result.first_failure or f"shot {shot.index}: no keyframe"
            analysed.append(shot)
            continue
        found = analyse_shot(image, proxy_path, shot.start_s, shot.end_s, ocr_image=frame)
        problems = [w for w in found.get("warnings") or [] if w.split(":", 1)[0] in _ITEM_PARTS]
        if problems:
            result.failed_items += 1
            result.first_failure = result.first_failure or f"shot {shot.index}: {problems[0]}"
        result.warnings += [f"analysis of shot {shot.index}: {w}" for w in found.get("warnings") or []]
        analysed.append(shot.with_(**{k: found.get(k) for k in ANALYSED}))
        lines = [TextLine(d["text"], d["score"], tuple(tuple(pt) for pt in d.get("box") or ()))
                 for d in found.get("ocr") or []]
        per_shot_text.append((shot.start_s, shot.end_s, lines))
    ocr = merge_ocr_over_shots(per_shot_text)
    with ctx.uow() as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        asset.shots, asset.ocr = shots_to_json(analysed), ocr
        asset.auto_tags = replace_source(asset.auto_tags or [], "analysis", analysis_tags(analysed, aerial_known))
    return result

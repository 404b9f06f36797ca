"""The ingest pipeline: probe (with its gate), then the renditions. Each step is idempotent."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from mam import catalog
from mam.db import unit_of_work
from mam.errors import MediaProcessingError, NotFound, StorageUnavailable
from mam.media import renditions as rplan
from mam.media.probe import gate, normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.models import AssetStatus
from mam.storage import derivative_key
from pipelines.context import StepContext

log = logging.getLogger(__name__)

CONTENT_TYPES = {".mp4": "video/mp4", ".m4a": "audio/mp4", ".jpg": "image/jpeg"}


def fetch_original(ctx: StepContext, key: str) -> Path:
    """A local path to the original: the stored file itself on the local backend, else a download."""
    local = ctx.storage.local_path(key)
    if local is not None:
        if not local.is_file():
            raise StorageUnavailable(f"original {key} is not in the store (yet)")
        return local
    dest = ctx.workdir / ("source" + Path(key).suffix)
    try:
        ctx.storage.get_to_path(key, dest)
    except NotFound as exc:  # a store that is briefly inconsistent right after an upload: retried later
        raise StorageUnavailable(f"original {key} is not visible in the store yet") from exc
    return dest


def probe_step(ctx: StepContext, with_raw: bool = False):
    """Probe the original, refuse what the gate refuses, record ``technical`` and ``kind``.

    Returns ``technical`` (and the raw ffprobe JSON with ``with_raw``).

    Raises:
        InvalidMedia: the file is not media we accept; the caller fails the asset with the message.
    """
    with unit_of_work(ctx.db_url) as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        key = asset.original_key
        catalog.set_status(asset, AssetStatus.PROCESSING)
    src = fetch_original(ctx, key)
    raw = run_ffprobe(src, ctx.settings.ffprobe_timeout_s)
    tech = normalise(raw)
    gate(tech, max_pixels=ctx.settings.max_pixels, max_streams=ctx.settings.max_streams,
         max_duration_s=ctx.settings.max_duration_s)
    with unit_of_work(ctx.db_url) as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        asset.technical = tech
        asset.kind = tech["kind"]
    return (tech, raw) if with_raw else tech


def renditions_step(ctx: StepContext) -> list[str]:
    """Make the proxy and poster in one ffmpeg run, store them, record them, mark the asset ready."""
    with unit_of_work(ctx.db_url) as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        key, tech = asset.original_key, dict(asset.technical or {})
    if not tech.get("kind"):
        tech = probe_step(ctx)
    src = fetch_original(ctx, key)
    kind = tech["kind"]
    if kind == "video":
        plan = rplan.plan_video(src, ctx.workdir, tech)
    elif kind == "image":
        plan = rplan.plan_image(src, ctx.workdir, tech)
    else:
        plan = rplan.plan_audio(src, ctx.workdir)
    try:
        run_media_command(plan.cmd, timeout_s=ctx.settings.ffmpeg_timeout_s,
                          on_progress_line=_progress_reporter(ctx, float(tech.get("duration_s") or 0)))
    except MediaProcessingError as exc:
        raise MediaProcessingError(f"could not decode the file (damaged or truncated?): {exc}") from exc
    if plan.poster is not None and not plan.poster.is_file():
        run_media_command(rplan.plan_poster_fallback(src, ctx.workdir, tech),
                          timeout_s=ctx.settings.ffmpeg_timeout_s)
    outputs = [("proxy", plan.proxy, plan.proxy_size)]
    if plan.poster is not None:
        outputs.append(("poster", plan.poster, plan.poster_size))
    stored = []
    for kind_name, path, size in outputs:
        if not path.is_file() or path.stat().st_size == 0:
            raise MediaProcessingError(f"ffmpeg finished but wrote no {kind_name}; the file may be damaged")
        dkey = derivative_key(ctx.asset_id, path.name)
        ctype = CONTENT_TYPES[path.suffix]
        nbytes = ctx.storage.put_file(dkey, path, ctype)
        stored.append((kind_name, dkey, ctype, size, nbytes))
    with unit_of_work(ctx.db_url) as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        for kind_name, dkey, ctype, size, nbytes in stored:
            catalog.upsert_rendition(s, asset, kind=kind_name, key=dkey, content_type=ctype,
                                     width=size[0] if size else None, height=size[1] if size else None,
                                     size_bytes=nbytes)
        catalog.set_status(asset, AssetStatus.READY)
        asset.attempts = 0
    return [k for k, *_ in stored]


def _progress_reporter(ctx: StepContext, duration_s: float):
    """A callback that turns ffmpeg ``-progress`` lines into catalog progress, at most once a second."""
    last = [0.0]

    def report(line: str) -> None:
        done = rplan.progress_seconds(line)
        now = time.monotonic()
        if done is None or duration_s <= 0 or now - last[0] < 1.0:
            return
        last[0] = now
        with unit_of_work(ctx.db_url) as s:
            asset = catalog.get_asset(s, ctx.asset_id)
            asset.progress = round(min(0.99, done / duration_s), 3)

    return report


def fail_asset(db_url: str, asset_id: str, reason: str) -> None:
    """Mark an asset failed with a reason a person can act on."""
    with unit_of_work(db_url) as s:
        catalog.set_status(catalog.get_asset(s, asset_id), AssetStatus.FAILED, reason)

"""The ingest pipeline: probe (with its gate), then the renditions. Each step is idempotent."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import NamedTuple

from mam import catalog
from mam.errors import MediaProcessingError, NotFound, StorageUnavailable
from mam.facts import Interval, Loudness, Qc, Shot, Technical, shots_to_json
from mam.media import media_pass
from mam.media import renditions as rplan
from mam.media.probe import gate, normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.storage.keys import derivative_key, shot_image_key
from pipelines.context import StepContext, StepResult
from pipelines.progress import progress_reporter

log = logging.getLogger(__name__)

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
    with ctx.uow() as s:
        key = catalog.get_asset(s, ctx.asset_id).original_key
    src = fetch_original(ctx, key)
    raw = run_ffprobe(src, ctx.settings.ffprobe_timeout_s)
    tech = normalise(raw)
    gate(tech, max_pixels=ctx.settings.max_pixels, max_streams=ctx.settings.max_streams,
         max_duration_s=ctx.settings.max_duration_s)
    facts = Technical.from_json(tech)
    with ctx.uow() as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        asset.technical = facts.to_json()
        asset.kind = facts.kind
    return (tech, raw) if with_raw else tech


CONTENT_TYPES = {".mp4": "video/mp4", ".m4a": "audio/mp4", ".jpg": "image/jpeg", ".vtt": "text/vtt",
                 ".json": "application/json"}


@functools.lru_cache(maxsize=1)
def _has_zscale() -> bool:
    return media_pass.ffmpeg_has_filter("zscale")


def _intervals(items) -> tuple[Interval, ...]:
    return tuple(Interval(start_s=round(i.start_s, 3), end_s=round(i.end_s, 3)) for i in items)


class MediaFindings(NamedTuple):
    """What the media pass found besides files: nothing for a still."""

    shots: tuple[Shot, ...] = ()
    loudness: Loudness = Loudness.empty()
    qc: Qc = Qc.empty()


def renditions_step(ctx: StepContext) -> StepResult:
    """The media pass: one ffmpeg run makes proxy, poster, sprites + WebVTT, shots, loudness, QC intervals
    and a waveform; shot keyframes come from the proxy. Outputs are stored and recorded (the workflow then
    makes the asset ready). Stills get an oriented JPEG proxy and poster instead."""
    with ctx.uow() as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        key, tech = asset.original_key, asset.technical_facts
    if not tech.kind:
        tech = Technical.from_json(probe_step(ctx))
    src = fetch_original(ctx, key)
    report = _progress_reporter(ctx, float(tech.duration_s or 0))
    outputs: list[tuple[str, Path, tuple[int, int] | None]] = []
    found = MediaFindings()
    try:
        if tech.kind == "image":
            plan = rplan.plan_image(src, ctx.workdir, tech.to_json())
            run_media_command(plan.cmd, timeout_s=ctx.settings.ffmpeg_timeout_s)
            outputs += [("proxy", plan.proxy, plan.proxy_size), ("poster", plan.poster, plan.poster_size)]
        else:
            plan = media_pass.plan_media_pass(src, ctx.workdir, tech.to_json(), zscale=_has_zscale())
            run_media_command(plan.cmd, timeout_s=ctx.settings.ffmpeg_timeout_s, on_progress=report,
                              progress_file=plan.progress_file)
            outputs, found = _media_pass_outputs(ctx, src, tech, plan)
    except MediaProcessingError as exc:
        raise MediaProcessingError(f"could not decode the file (damaged or truncated?): {exc}") from exc
    stored = []
    for kind_name, path, size in outputs:
        if not path.is_file() or path.stat().st_size == 0:
            raise MediaProcessingError(f"ffmpeg finished but wrote no {kind_name}; the file may be damaged")
        dkey = shot_image_key(ctx.asset_id, path.name) if kind_name.startswith("shot_") \
            else derivative_key(ctx.asset_id, path.name)
        ctype = CONTENT_TYPES[path.suffix]
        nbytes = ctx.storage.put_file(dkey, path, ctype)
        stored.append((kind_name, dkey, ctype, size, nbytes))
    shot_keys = {k: dkey for k, dkey, *_ in stored if k.startswith("shot_")}
    shots = [shot.with_(image_key=shot_keys.get(f"shot_{i + 1:04d}")) for i, shot in enumerate(found.shots)]
    with ctx.uow() as s:
        asset = catalog.get_asset(s, ctx.asset_id)
        keep = {k for k, *_ in stored if not k.startswith("shot_")}
        for rend in [r for r in asset.renditions if r.kind not in keep]:
            asset.renditions.remove(rend)  # a rerun replaces outputs, it never leaves stale ones
        for kind_name, dkey, ctype, size, nbytes in stored:
            if kind_name.startswith("shot_"):
                continue  # shot keyframes are listed with their shots, not as renditions
            catalog.upsert_rendition(s, asset, kind=kind_name, key=dkey, content_type=ctype,
                                     width=size[0] if size else None, height=size[1] if size else None,
                                     size_bytes=nbytes)
        asset.shots, asset.loudness, asset.qc = shots_to_json(shots), found.loudness.to_json(), found.qc.to_json()
    return StepResult()


def _media_pass_outputs(ctx: StepContext, src: Path, tech: Technical, plan) -> tuple[list, MediaFindings]:
    """Collect what the media pass wrote: files to store and findings to record."""
    results = media_pass.collect(plan)
    outputs: list[tuple[str, Path, tuple[int, int] | None]] = [("proxy", plan.proxy, plan.proxy_size)]
    if plan.kind == "video":
        poster = results.poster
        if poster is None:  # every sample was black, blurred or flat: take the middle frame
            run_media_command(rplan.plan_poster_fallback(src, ctx.workdir, tech.to_json()),
                              timeout_s=ctx.settings.ffmpeg_timeout_s)
            poster = ctx.workdir / "poster.jpg"
        outputs.append(("poster", poster, plan.proxy_size))
        for sheet in results.sprite_sheets:
            outputs.append((sheet.stem, sheet, None))
        if results.thumbnails_vtt:
            outputs.append(("thumbnails_vtt", results.thumbnails_vtt, None))
        keyframes = media_pass.plan_shot_keyframes(plan.proxy, ctx.workdir, results.shots)
        if keyframes is not None:
            run_media_command(keyframes.cmd, timeout_s=ctx.settings.ffmpeg_timeout_s)
            for i, image in enumerate(keyframes.images):
                if image is not None and image.is_file():
                    outputs.append((f"shot_{i + 1:04d}", image, None))
    if results.waveform_json:
        outputs.append(("waveform", results.waveform_json, None))
    loud = results.loudness
    found = MediaFindings(
        shots=tuple(Shot(index=i + 1, start_s=round(sh.start_s, 3), end_s=round(sh.end_s, 3))
                    for i, sh in enumerate(results.shots)),
        loudness=Loudness(integrated_lufs=loud.integrated_lufs, lra_lu=loud.lra_lu,
                          true_peak_dbtp=loud.true_peak_dbtp) if loud else Loudness.empty(),
        qc=Qc(black=_intervals(results.black), freeze=_intervals(results.freezes),
              silence=_intervals(results.silences)),
    )
    return outputs, found


def _progress_reporter(ctx: StepContext, duration_s: float):
    """The asset's ``progress`` and ``eta_s`` from the media pass."""
    def write(fraction: float, eta_s: float | None) -> None:
        with ctx.uow() as s:
            asset = catalog.get_asset(s, ctx.asset_id)
            asset.progress, asset.eta_s = fraction, eta_s

    return progress_reporter(duration_s, write)

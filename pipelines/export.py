"""The export step: every preset of a batch made from one read of the original, measured, checked, stored.

Loudness is measured first (an audio-only pass) for presets with a target; then one ffmpeg command makes
every video, ladder and audio output; stills are taken from the original at the requested second. Each
output is checked against its preset (``check_output``) and stored only when it passes; the workflow then
marks each export ready or failed_qc. Cancelling every export of the batch stops ffmpeg at once.
"""

from __future__ import annotations

import io
import logging
from dataclasses import asdict
from pathlib import Path

from mam import catalog, export_finishing, export_jobs
from mam.exports import (
    ExportRequest,
    PlannedOutput,
    check_output,
    content_type_for,
    measure_loudness,
    plan_export,
    plan_still,
    write_still_metadata,
)
from mam.exports.finishing import NONE
from mam.exports.plan import plan_sequence_audio, sequence_layout
from mam.media.runner import run_media_command
from mam.storage.keys import export_key
from pipelines.context import StepContext, StepResult
from pipelines.ingest import fetch_original
from pipelines.progress import progress_reporter

log = logging.getLogger(__name__)


def _fetch(ctx: StepContext, key: str, dest: Path) -> Path:
    """A sequence piece's original: the stored file itself on the local backend, else a download to ``dest``."""
    local = ctx.storage.local_path(key)
    if local is not None and local.is_file():
        return local
    ctx.storage.get_to_path(key, dest)
    return dest


def _still_meta(asset) -> dict[str, str]:
    """What a newspaper still carries in its metadata: caption, credit, date, place."""
    cap = asset.capture or {}
    places = asset.places or []
    place = " ".join(str(places[0].get(k)) for k in ("province", "city", "county", "name")
                     if places and places[0].get(k)) if places else ""
    return {k: v for k, v in {"caption": asset.title or asset.original_filename, "credit": asset.project or "",
                              "date": str(cap.get("time") or ""), "place": place}.items() if v}


def _reporter(ctx: StepContext, duration_s: float):
    """Every export of the batch shows the progress and ETA of the one ffmpeg making them."""
    def write(fraction: float, eta_s: float | None) -> None:
        with ctx.uow() as s:
            export_jobs.set_progress(s, ctx.subject_id or "", fraction, eta_s)

    return progress_reporter(duration_s, write)


def _cancelled(ctx: StepContext):
    def ask() -> bool:
        with ctx.uow() as s:
            return export_jobs.all_cancelled(s, ctx.subject_id or "")

    return ask


def _store(ctx: StepContext, export_id: str, out: PlannedOutput) -> list[dict]:
    """Upload every file of an output under ``exports/{id}/``, named relative to the main file (so an HLS
    master playlist's relative names resolve to the stored rung playlists and segments); the main file first."""
    base = out.main.parent
    stored = []
    for path in sorted(out.files, key=lambda p: p != out.main):
        name = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
        ctype = out.content_type if path == out.main else content_type_for(path)
        size = ctx.storage.put_file(export_key(export_id, name), path, ctype)
        stored.append({"name": name, "key": export_key(export_id, name), "size_bytes": size,
                       "content_type": ctype, "main": path == out.main})
    return stored


def _follow(ctx: StepContext):
    """The follow crop path of an asset's proxy for an aspect: read from the store, or made once and kept there."""
    def path_for(asset, proxy, aspect: float):
        from mam.exports import reframe  # OpenCV and SciPy: loaded only when a follow reframe is asked

        key = reframe.cache_key(asset.id, proxy.key, aspect)
        if ctx.storage.exists(key):
            with ctx.storage.open_read(key) as fh:
                cached = reframe.CropPath.from_json(fh.read())
            if cached is not None:
                return cached
        local = ctx.workdir / "proxy.mp4"
        ctx.storage.get_to_path(proxy.key, local)
        w, h = reframe_source_size(asset)
        path = reframe.follow_crop(local, w, h, aspect, timeout_s=ctx.settings.ffmpeg_timeout_s)
        ctx.storage.put_stream(key, io.BytesIO(path.to_json().encode()), "application/json")
        return path

    return path_for


def reframe_source_size(asset) -> tuple[int, int]:
    from mam.exports.geometry import source_display

    return source_display(dict(asset.technical or {}))


def export_step(ctx: StepContext) -> StepResult:
    """Make, check and store every live export of the batch ``ctx.subject_id``."""
    with ctx.uow() as s:
        live = export_jobs.live(s, ctx.subject_id or "")
        exports = [(e.id, e.preset, e.start_s, e.end_s, e.loudness_target) for e in live]
        asset = catalog.get_asset(s, ctx.asset_id)
        key, tech, meta = asset.original_key, dict(asset.technical or {}), _still_meta(asset)
        finishing = export_finishing.resolve(
            s, live[0].finishing if live else None, asset, [ctx.presets[e[1]] for e in exports],
            storage=ctx.storage, workdir=ctx.workdir, fetch=lambda k, dest: _fetch(ctx, k, dest),
            follow=_follow(ctx)) if live else None
    if not exports:
        return StepResult()
    start_s, end_s = exports[0][2], exports[0][3]
    if finishing is not None and finishing.sequence:  # the pieces' sound made one first, the pictures follow
        cmd, src = plan_sequence_audio(finishing, ctx.workdir)
        run_media_command(cmd, timeout_s=ctx.settings.ffmpeg_timeout_s)
        tech, start_s, end_s = sequence_layout(finishing).tech(), None, None
    else:
        src = fetch_original(ctx, key)
    full = float(tech.get("duration_s") or 0)
    want = (end_s if end_s is not None else full) - (start_s or 0)
    requests = {eid: ExportRequest(ctx.presets[name], start_s, end_s, target) for eid, name, _, _, target in exports}
    media = {eid: r for eid, r in requests.items() if r.preset.kind != "still"}
    planned: dict[str, PlannedOutput] = {}
    if media:
        measured = None
        if tech.get("audio_codec") and any(r.effective_preset().loudness for r in media.values()):
            measured = measure_loudness(src, start_s=start_s, end_s=end_s, timeout_s=ctx.settings.ffmpeg_timeout_s,
                                        tech=tech)
        out_dir = ctx.workdir / "out"
        out_dir.mkdir()
        plan = plan_export(src, tech, list(media.values()), out_dir, measured=measured,
                           timeout_s=ctx.settings.ffmpeg_timeout_s, finishing=finishing or NONE)
        want = plan.duration_s  # the output's length (a speed change or a sequence makes it differ)
        run_media_command(plan.cmd, timeout_s=ctx.settings.ffmpeg_timeout_s, on_progress=_reporter(ctx, want),
                          progress_file=plan.progress_file, should_stop=_cancelled(ctx))
        for eid, r in media.items():
            planned[eid] = plan.outputs[r.preset.name]
    for eid, r in requests.items():
        if r.preset.kind == "still":
            still_dir = ctx.workdir / f"still-{eid}"
            still_dir.mkdir()
            cmd, path = plan_still(src, tech, r.preset, start_s or 0.0, still_dir, meta)
            run_media_command(cmd, timeout_s=ctx.settings.ffmpeg_timeout_s)
            write_still_metadata(path, meta)
            planned[eid] = PlannedOutput(r.preset.name, path, [path], r.preset.content_type())
    with ctx.uow() as s:
        still_wanted = {e.id for e in export_jobs.live(s, ctx.subject_id or "")}
    for eid, out in planned.items():
        if eid not in still_wanted:  # cancelled while its batch was made: nothing of it is kept
            continue
        report = check_output(requests[eid].effective_preset(), out, want_duration_s=want,
                              timeout_s=ctx.settings.ffprobe_timeout_s * 4)
        outputs = _store(ctx, eid, out) if report.passed else []
        qc = {"passed": report.passed, "checks": [asdict(c) for c in report.checks]}
        with ctx.uow() as s:
            export_jobs.record(s, eid, outputs=outputs, qc=qc)
    return StepResult()

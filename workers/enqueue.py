"""Enqueueing by task name: the only part of the workers the API imports."""

from __future__ import annotations

from workers.app import app

PROBE = "mam.ingest.probe"
RENDITIONS = "mam.transcode.renditions"
ANALYZE = "mam.analyze.shots"


def enqueue_ingest(asset_id: str) -> None:
    """Start the ingest pipeline for an asset (call after the asset row is committed)."""
    app.send_task(PROBE, args=[asset_id])


def enqueue_renditions(asset_id: str) -> None:
    """Queue the rendition step (the transcode queue)."""
    app.send_task(RENDITIONS, args=[asset_id])


def enqueue_analysis(asset_id: str) -> None:
    """Queue the keyframe analysis (the analyze queue; never delays the proxy)."""
    app.send_task(ANALYZE, args=[asset_id])

"""Exports: presets made from one original in one ffmpeg run, loudness to target, and a QC gate.

Pure functions of files: no catalog, no Celery. The export job (elsewhere) measures the loudness
(:func:`measure_loudness`), plans the run (:func:`plan_export`), runs ``plan.cmd`` through the media runner with
``plan.progress_file``, and checks every output (:func:`check_output`) before offering it. Stills are separate
(:func:`plan_still`, then :func:`write_still_metadata`).
"""

from mam.exports.loudness import measure_loudness
from mam.exports.model import (
    ExportPlan,
    ExportRequest,
    LoudnessMeasure,
    PlannedOutput,
    QcCheck,
    QcReport,
    content_type_for,
)
from mam.exports.plan import plan_export
from mam.exports.qc import check_output
from mam.exports.still import plan_still, write_still_metadata

__all__ = [
    "ExportPlan", "ExportRequest", "LoudnessMeasure", "PlannedOutput", "QcCheck", "QcReport", "check_output",
    "content_type_for", "measure_loudness", "plan_export", "plan_still", "write_still_metadata",
]  # fmt: skip

"""The exports' value types: what is asked, what one ffmpeg run will write, and what QC found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mam.presets import Preset, with_loudness_target

#: file suffix -> MIME type, for every file an export stores (HLS pieces included)
_SUFFIX_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".mxf": "application/mxf",
    ".wav": "audio/wav",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def content_type_for(path: Path) -> str:
    """The MIME type to store ``path`` with (HLS segments, init segments and playlists included)."""
    return _SUFFIX_TYPES.get(path.suffix.lower(), "application/octet-stream")


@dataclass(frozen=True)
class ExportRequest:
    """One preset asked of one source, optionally over ``start_s``..``end_s`` and to a loudness target that
    replaces the preset's."""

    preset: Preset
    start_s: float | None = None
    end_s: float | None = None
    loudness_target: float | None = None

    def effective_preset(self) -> Preset:
        """The preset as this request makes it (its loudness target replaced): what QC must check against."""
        return with_loudness_target(self.preset, self.loudness_target)


@dataclass(frozen=True)
class LoudnessMeasure:
    """BS.1770 measurement of a source range as the exports will carry it (stereo, 48 kHz), in loudnorm's
    terms: integrated loudness (LUFS), true peak (dBTP), loudness range (LU), the relative gate threshold
    (LUFS) and the offset pass 2 starts from (LU)."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float
    rated: bool = True  # False: shorter than one 400-ms gating block (input_i means nothing; input_tp holds)


@dataclass
class PlannedOutput:
    """One preset's output: ``main`` is what a user opens (the master playlist for HLS); ``files`` is everything
    to store. For HLS, ``files`` is the expected list at plan time and the list the playlists actually name once
    :func:`mam.exports.check_output` has read them (master, media playlists, init segments, segments)."""

    preset: str
    main: Path
    files: list[Path]
    content_type: str
    #: the original and the range (on its timeline) this output was made from: QC compares each output stream
    #: with what the source's stream holds over the range. None: QC compares with ``want_duration_s`` alone.
    source: Path | None = None
    start_s: float = 0.0
    end_s: float | None = None


@dataclass
class ExportPlan:
    """The one ffmpeg command, its outputs by preset name, the per-second tick file, and the range's length."""

    cmd: list[str]
    outputs: dict[str, PlannedOutput]
    progress_file: Path | None
    duration_s: float


@dataclass(frozen=True)
class QcCheck:
    name: str
    want: str
    got: str
    passed: bool


@dataclass(frozen=True)
class QcReport:
    passed: bool
    checks: list[QcCheck]

    def failed(self) -> list[QcCheck]:
        return [c for c in self.checks if not c.passed]

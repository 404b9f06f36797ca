"""Loudness measured, not guessed: pass 1 reads the audio only; pass 2 is a filter in the export graph.

Pass 1 is an ``ebur128`` (ITU-R BS.1770 / EBU R128) run over the requested range, on the audio the exports
carry (stereo, 48 kHz), whose per-frame metadata is printed to a file: loudnorm's own pass 1 prints its JSON on
stderr, which the media runner does not hand back. Its numbers are what loudnorm's would be: integrated
loudness, true peak, loudness range, and the relative gate (integrated - 10 LU).

Pass 2 (:func:`correction_filter`) is linear where the range allows: a plain gain (``volume``) when the
measured true peak plus that gain stays under the ceiling with a margin for the codec; otherwise ``loudnorm``
fed the measured values (it then limits the peaks dynamically). Outputs are measured again, independently, by
QC (:func:`measure_file`).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mam.errors import MediaProcessingError
from mam.exports.graph import escape_value
from mam.exports.model import LoudnessMeasure
from mam.media.media_pass_results import parse_metadata
from mam.media.runner import run_media_command

SILENCE_LUFS = -70.0  # BS.1770 absolute gate: an integrated value at or below it means no programme audio
LOSSY_MARGIN_DB = 1.0  # true-peak headroom kept for AAC's overshoot
PCM_MARGIN_DB = 0.3


@dataclass(frozen=True)
class Measured:
    """An independent ebur128 reading of a file (QC) or a source range (pass 1)."""

    integrated_lufs: float
    true_peak_dbtp: float | None  # None: digital silence
    lra_lu: float

    @property
    def silent(self) -> bool:
        return self.integrated_lufs <= SILENCE_LUFS + 0.5


def stereo_source(tech: dict) -> str:
    """The filter-graph fragment that yields the source's programme audio in stereo at 48 kHz.

    Two or more mono tracks (camera MXF, broadcast files) are joined as left and right; anything else takes
    the first audio stream, up- or down-mixed by ffmpeg's standard matrix."""
    if int(tech.get("audio_streams") or 0) >= 2 and int(tech.get("audio_channels") or 0) == 1:
        head = "[0:a:0][0:a:1]amerge=inputs=2,"
    else:
        head = "[0:a:0]"
    return f"{head}aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"


def _ebur128_chain(report: Path, duration_s: float) -> str:
    tail = max(0.0, duration_s - 1.5)
    return (f"ebur128=peak=true:metadata=1,aselect='gte(t\\,{tail:.3f})+not(mod(n\\,100))',"
            f"ametadata=mode=print:file={escape_value(str(report))}")


def parse_ebur128(text: str) -> Measured | None:
    """The last printed frame's running I and LRA and the highest true peak (linear in the print, dBTP out)."""
    last: dict[str, str] | None = None
    peak = 0.0
    for _, meta in parse_metadata(text):
        if "lavfi.r128.I" in meta:
            last = meta
        for key, value in meta.items():
            if key.startswith("lavfi.r128.true_peak"):
                try:
                    peak = max(peak, float(value))
                except ValueError:
                    pass
    if last is None:
        return None
    try:
        integrated = float(last["lavfi.r128.I"])
        lra = float(last.get("lavfi.r128.LRA", "0") or 0)
    except ValueError:
        return None
    if not math.isfinite(integrated):
        integrated = SILENCE_LUFS
    return Measured(round(integrated, 2), round(20 * math.log10(peak), 2) if peak > 0 else None, round(lra, 2))


def _run_ebur128(cmd_head: list[str], duration_s: float, timeout_s: float, tech: dict | None) -> Measured | None:
    with tempfile.TemporaryDirectory(prefix="mam-loud-") as tmp:
        report = Path(tmp) / "ebur128.txt"
        head = stereo_source(tech) if tech is not None else \
            "[0:a:0]aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000"
        graph = f"{head},{_ebur128_chain(report, duration_s)}[loud]"
        cmd = [*cmd_head, "-filter_complex", graph, "-map", "[loud]", "-vn", "-sn", "-dn",
               "-f", "null", "-"]
        run_media_command(cmd, timeout_s=timeout_s)
        text = report.read_text(encoding="utf-8", errors="replace") if report.exists() else ""
    return parse_ebur128(text)


def measure_loudness(src: Path, *, start_s: float | None, end_s: float | None, timeout_s: float,
                     tech: dict | None = None) -> LoudnessMeasure | None:
    """Pass 1 over ``start_s``..``end_s`` of ``src``: audio only (``-vn``, the video is never decoded).

    ``tech`` (the stored technical record, optional) says whether two mono tracks make the stereo pair, as
    the export graph does. Returns None for a source without audio.

    Raises:
        MediaProcessingError, MediaTimeout: ffmpeg failed or ran too long.
    """
    head = ["ffmpeg", "-nostats", "-loglevel", "error", "-vn", "-sn", "-dn"]
    if start_s:
        head += ["-ss", f"{start_s:.6f}"]
    if end_s is not None:
        head += ["-t", f"{end_s - (start_s or 0.0):.6f}"]
    head += ["-i", f"file:{src}"]
    if tech is not None and not tech.get("audio_codec"):
        return None
    duration = (end_s - (start_s or 0.0)) if end_s is not None else float((tech or {}).get("duration_s") or 0.0)
    try:
        m = _run_ebur128(head, duration, timeout_s, tech if tech is not None else {})
    except MediaProcessingError as exc:  # no audio stream at all: ffmpeg refuses the [0:a:0] label
        if "matches no streams" in str(exc):
            return None
        raise
    if m is None:
        return None
    tp = m.true_peak_dbtp if m.true_peak_dbtp is not None else -99.0
    return LoudnessMeasure(input_i=m.integrated_lufs, input_tp=tp, input_lra=m.lra_lu,
                           input_thresh=round(m.integrated_lufs - 10.0, 2), target_offset=0.0)


def measure_file(path: Path, *, duration_s: float, timeout_s: float) -> Measured | None:
    """An independent ebur128 reading of an output's first audio stream (QC)."""
    head = ["ffmpeg", "-nostats", "-loglevel", "error", "-vn", "-i", f"file:{path}"]
    return _run_ebur128(head, duration_s, timeout_s, None)


def correction_filter(measured: LoudnessMeasure | None, target_lufs: float, true_peak_dbtp: float, *,
                      lossy: bool) -> str | None:
    """Pass 2 for one target: ``volume`` (linear) when the peaks allow, else ``loudnorm`` with the measured
    values; None when nothing is to be done (silence, or no measurement)."""
    if measured is None or measured.input_i <= SILENCE_LUFS + 0.5:
        return None
    gain = target_lufs - measured.input_i
    margin = LOSSY_MARGIN_DB if lossy else PCM_MARGIN_DB
    if measured.input_tp + gain <= true_peak_dbtp - margin:
        return f"volume={gain:.2f}dB:precision=double"
    lra = min(50.0, max(7.0, measured.input_lra + 1.0))
    return (f"loudnorm=I={target_lufs:.1f}:TP={true_peak_dbtp - margin:.1f}:LRA={lra:.1f}"
            f":measured_I={measured.input_i:.2f}:measured_TP={measured.input_tp:.2f}"
            f":measured_LRA={max(0.01, measured.input_lra):.2f}:measured_thresh={measured.input_thresh:.2f}"
            f":offset={measured.target_offset:.2f}:linear=true:print_format=none,aresample=48000")

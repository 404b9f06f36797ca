"""Loudness measured, not guessed: pass 1 reads the audio only; pass 2 is a filter in the export graph.

Pass 1 is an ``ebur128`` (ITU-R BS.1770 / EBU R128) run over the requested range, on the audio the exports
carry (stereo, 48 kHz), whose per-frame metadata is printed to a file: loudnorm's own pass 1 prints its JSON on
stderr, which the media runner does not hand back. Its numbers are what loudnorm's would be: integrated
loudness, true peak, loudness range, and the relative gate (integrated - 10 LU).

Pass 2 (:func:`correction_filter`) is linear where the range allows: a plain gain (``volume``) when the
measured true peak plus that gain stays under the ceiling with a margin for the codec. Otherwise it is a gain
followed by a true-peak limiter (``alimiter`` run 4x oversampled, as BS.1770 measures true peak, with its
delay compensated). ``loudnorm``'s dynamic mode is not used: it needs 3 s of audio (shorter clips came out
20 dB quieter) and its gain cannot follow sources whose peaks sit 20 dB above their loudness (test tones, wind
rumble, clipped camera audio), which stayed 7 dB short. Limiting costs loudness, so the gain that lands on the
target is found by audio-only trial runs of the same chain (:func:`fit_limited_gain`, a few seconds of
decoding). Where even the largest allowed gain stays short, the output is made as loud as the ceiling allows and
QC says why it is short. Outputs are measured again, independently, by QC (:func:`measure_file`).
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
LOSSY_MARGIN_DB = 1.5  # true-peak headroom kept for AAC's overshoot (64 kb/s rungs overshoot by over 1 dB)
PCM_MARGIN_DB = 0.3
LIMITER_MARGIN_DB = 0.3  # the limiter's ceiling under the headroom above: resampling back to 48 kHz overshoots
MAX_GAIN_DB = 36.0  # the most gain a correction may apply (beyond it the target is reported unreachable)
GATE_BLOCK_S = 0.4  # BS.1770's gating block: shorter audio has no integrated loudness
_OVERSAMPLE = 192000


@dataclass(frozen=True)
class Measured:
    """An independent ebur128 reading of a file (QC) or a source range (pass 1)."""

    integrated_lufs: float
    true_peak_dbtp: float | None  # None: digital silence
    lra_lu: float
    rated: bool = True  # False: too short for one gating block, integrated_lufs means nothing

    @property
    def silent(self) -> bool:
        return self.rated and self.integrated_lufs <= SILENCE_LUFS + 0.5


def stereo_source(tech: dict, index: int = 0) -> str:
    """The filter-graph fragment that yields the source's (input ``index``) programme audio in stereo at 48 kHz.

    Two or more mono tracks (camera MXF, broadcast files) are joined as left and right; anything else takes
    the first audio stream, up- or down-mixed by ffmpeg's standard matrix."""
    if int(tech.get("audio_streams") or 0) >= 2 and int(tech.get("audio_channels") or 0) == 1:
        head = f"[{index}:a:0][{index}:a:1]amerge=inputs=2,"
    else:
        head = f"[{index}:a:0]"
    # async: gaps in the source's timestamps (AMR with silence suppression, damaged captures) become silence
    # instead of being closed up, so the track lasts as long as the source plays it and stays in sync. Any gap
    # over 10 ms is filled (the default 100 ms left AMR's 80-ms gaps to add up, the last ones never filled)
    return (f"{head}aresample=48000:async=1:min_hard_comp=0.01,"
            "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo")


def _ebur128_chain(report: Path, duration_s: float) -> str:
    tail = max(0.0, duration_s - 1.5)
    # ffmpeg's ebur128 leaves out the gating blocks still open at the end of the stream: a clip whose last
    # 400 ms are its loudest measured 3.4 dB quieter as a WAV than as an MXF padded with silence. 0.4 s of
    # silence closes them (silence is gated out), so every measurement counts the end.
    return (f"apad=pad_dur={GATE_BLOCK_S},ebur128=peak=true:metadata=1,aselect='gte(t\\,{tail:.3f})+not(mod(n\\,100))',"
            f"ametadata=mode=print:file={escape_value(str(report))}")


def parse_ebur128(text: str, *, duration_s: float | None = None) -> Measured | None:
    """The last printed frame's running I and LRA and the highest true peak (linear in the print, dBTP out).

    Audio shorter than one 400-ms gating block (``duration_s``, or the last printed time) has no integrated
    loudness: it comes back with ``rated=False`` and its true peak."""
    last: dict[str, str] | None = None
    peak = 0.0
    last_t = 0.0
    for t, meta in parse_metadata(text):
        last_t = max(last_t, float(t or 0.0))
        if "lavfi.r128.I" in meta:
            last = meta
        for key, value in meta.items():
            if key.startswith("lavfi.r128.true_peak"):
                try:
                    peak = max(peak, float(value))
                except ValueError:
                    pass
    span = duration_s if duration_s is not None else last_t - (GATE_BLOCK_S if last_t >= GATE_BLOCK_S else 0.0)
    short = span < GATE_BLOCK_S - 0.05 and peak > 0
    if last is None:
        return Measured(SILENCE_LUFS, round(20 * math.log10(peak), 2), 0.0, rated=False) if short else None
    try:
        integrated = float(last["lavfi.r128.I"])
        lra = float(last.get("lavfi.r128.LRA", "0") or 0)
    except ValueError:
        return None
    if not math.isfinite(integrated):
        integrated = SILENCE_LUFS
    if short and integrated <= SILENCE_LUFS + 0.5:  # not silence: no 400-ms block to gate
        return Measured(SILENCE_LUFS, round(20 * math.log10(peak), 2), 0.0, rated=False)
    return Measured(round(integrated, 2), round(20 * math.log10(peak), 2) if peak > 0 else None, round(lra, 2))


def _run_ebur128(cmd_head: list[str], duration_s: float, timeout_s: float, tech: dict | None,
                 known_length: bool = False) -> Measured | None:
    with tempfile.TemporaryDirectory(prefix="mam-loud-") as tmp:
        report = Path(tmp) / "ebur128.txt"
        head = stereo_source(tech) if tech is not None else \
            "[0:a:0]aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000"
        graph = f"{head},{_ebur128_chain(report, duration_s)}[loud]"
        cmd = [*cmd_head, "-filter_complex", graph, "-map", "[loud]", "-vn", "-sn", "-dn",
               "-f", "null", "-"]
        run_media_command(cmd, timeout_s=timeout_s)
        text = report.read_text(encoding="utf-8", errors="replace") if report.exists() else ""
    return parse_ebur128(text, duration_s=duration_s if known_length and duration_s > 0 else None)


def _range_head(src: Path, start_s: float | None, end_s: float | None) -> list[str]:
    """The input side of an audio-only read of ``start_s``..``end_s`` of ``src`` (the video is never decoded)."""
    head = ["ffmpeg", "-nostats", "-loglevel", "error", "-vn", "-sn", "-dn"]
    if start_s:
        head += ["-ss", f"{start_s:.6f}"]
    if end_s is not None:
        head += ["-t", f"{end_s - (start_s or 0.0):.6f}"]
    return [*head, "-i", f"file:{src}"]


def _range_duration(tech: dict | None, start_s: float | None, end_s: float | None) -> float:
    """Seconds of the range read (to the end of the file when ``end_s`` is None), not the whole file."""
    full = float((tech or {}).get("duration_s") or 0.0)
    return (end_s if end_s is not None else full) - (start_s or 0.0)


def measure_loudness(src: Path, *, start_s: float | None, end_s: float | None, timeout_s: float,
                     tech: dict | None = None) -> LoudnessMeasure | None:
    """Pass 1 over ``start_s``..``end_s`` of ``src``: audio only (``-vn``, the video is never decoded).

    ``tech`` (the stored technical record, optional) says whether two mono tracks make the stereo pair, as
    the export graph does. Returns None for a source without audio.

    Raises:
        MediaProcessingError, MediaTimeout: ffmpeg failed or ran too long.
    """
    head = _range_head(src, start_s, end_s)
    if tech is not None and not tech.get("audio_codec"):
        return None
    duration = _range_duration(tech, start_s, end_s)
    try:
        m = _run_ebur128(head, duration, timeout_s, tech if tech is not None else {}, known_length=True)
    except MediaProcessingError as exc:  # no audio stream at all: ffmpeg refuses the [0:a:0] label
        if "matches no streams" in str(exc):
            return None
        raise
    if m is None:
        return None
    tp = m.true_peak_dbtp if m.true_peak_dbtp is not None else -99.0
    return LoudnessMeasure(input_i=m.integrated_lufs, input_tp=tp, input_lra=m.lra_lu,
                           input_thresh=round(m.integrated_lufs - 10.0, 2), target_offset=0.0, rated=m.rated)


def measure_file(path: Path, *, duration_s: float, timeout_s: float) -> Measured | None:
    """An independent ebur128 reading of an output's first audio stream (QC)."""
    head = ["ffmpeg", "-nostats", "-loglevel", "error", "-vn", "-i", f"file:{path}"]
    return _run_ebur128(head, duration_s, timeout_s, None)


def _margin(lossy: bool) -> float:
    return LOSSY_MARGIN_DB if lossy else PCM_MARGIN_DB


def needs_limiter(measured: LoudnessMeasure | None, target_lufs: float, true_peak_dbtp: float, *,
                  lossy: bool) -> bool:
    """Whether the linear gain to ``target_lufs`` would push the true peak over the ceiling."""
    if measured is None or not measured.rated or measured.input_i <= SILENCE_LUFS + 0.5:
        return False
    return measured.input_tp + (target_lufs - measured.input_i) > true_peak_dbtp - _margin(lossy)


def _limited(gain_db: float, true_peak_dbtp: float, lossy: bool) -> str:
    ceiling = true_peak_dbtp - _margin(lossy) - LIMITER_MARGIN_DB
    limit = min(1.0, max(0.0625, 10 ** (ceiling / 20)))
    return (f"volume={gain_db:.2f}dB:precision=double,aresample={_OVERSAMPLE},"
            f"alimiter=limit={limit:.5f}:attack=1.5:release=40:level=0:latency=1,aresample=48000")


def correction_filter(measured: LoudnessMeasure | None, target_lufs: float, true_peak_dbtp: float, *,
                      lossy: bool, gain_db: float | None = None) -> str | None:
    """Pass 2 for one target: ``volume`` (linear) when the peaks allow, else the gain then a 4x-oversampled
    true-peak limiter under the ceiling (``gain_db``: the gain :func:`fit_limited_gain` found; without it the
    linear gain, which lands short by what the limiter takes). None when nothing is to be done (silence, or no
    measurement). Audio too short to rate keeps its level, brought under the ceiling if its peaks are over."""
    if measured is None:
        return None
    margin = _margin(lossy)
    if not measured.rated:
        over = measured.input_tp - (true_peak_dbtp - margin)
        return f"volume={-over:.2f}dB:precision=double" if over > 0 else None
    if measured.input_i <= SILENCE_LUFS + 0.5:
        return None
    gain = target_lufs - measured.input_i
    if not needs_limiter(measured, target_lufs, true_peak_dbtp, lossy=lossy):
        return f"volume={gain:.2f}dB:precision=double"
    return _limited(min(MAX_GAIN_DB, gain_db if gain_db is not None else gain), true_peak_dbtp, lossy)


def fit_limited_gain(src: Path, tech: dict, *, start_s: float, end_s: float | None,
                     measured: LoudnessMeasure, target_lufs: float, true_peak_dbtp: float, lossy: bool,
                     timeout_s: float, trials: int = 5) -> tuple[float, float | None]:
    """The gain that, followed by the true-peak limiter, lands the range on ``target_lufs``: audio-only trial
    runs of the export's own chain (secant steps on the measured loudness, at most :data:`MAX_GAIN_DB`).
    Returns ``(gain_db, loudness it reached)``; the loudness is None when no trial could be measured."""
    head = _range_head(src, start_s, end_s)
    duration = _range_duration(tech, start_s, end_s)
    seen: list[tuple[float, float]] = []
    gain = min(MAX_GAIN_DB, target_lufs - measured.input_i)
    for _ in range(trials):
        with tempfile.TemporaryDirectory(prefix="mam-loud-") as tmp:
            report = Path(tmp) / "ebur128.txt"
            graph = (f"{stereo_source(tech)},{_limited(gain, true_peak_dbtp, lossy)},"
                     f"{_ebur128_chain(report, duration)}[loud]")
            run_media_command([*head, "-filter_complex", graph, "-map", "[loud]", "-f", "null", "-"],
                              timeout_s=timeout_s)
            m = parse_ebur128(report.read_text(encoding="utf-8", errors="replace") if report.exists() else "")
        if m is None or not m.rated:
            break
        seen.append((gain, m.integrated_lufs))
        miss = target_lufs - m.integrated_lufs
        if abs(miss) <= 0.2 or (miss > 0 and gain >= MAX_GAIN_DB):
            break
        if len(seen) >= 2 and abs(seen[-1][0] - seen[-2][0]) > 1e-3:
            slope = (seen[-1][1] - seen[-2][1]) / (seen[-1][0] - seen[-2][0])
        else:
            slope = 0.5  # a limiter working hard gives back about half of each dB
        slope = min(1.0, max(0.1, slope))
        gain = min(MAX_GAIN_DB, max(-60.0, gain + miss / slope))
    if not seen:
        return gain, None
    best = min(seen, key=lambda gm: abs(target_lufs - gm[1]))
    return best

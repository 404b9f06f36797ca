"""The QC gate: every output probed and measured against its preset; each check names what it wanted and got.

Video, audio and HLS outputs are read with ffprobe (format, streams and every packet's time, size and key
flag: keyframe intervals and bitrates come from the packets, nothing is decoded) and their audio is measured
again by an independent ``ebur128`` run. An HLS variant is read as its init segment followed by its segments
(a valid fragmented MP4 or transport stream), so the product's runner never opens a playlist.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from mam.errors import MamError
from mam.exports.hls import (
    OVERHEAD,
    avc1_from_probe,
    parse_master,
    parse_media,
    playlist_files,
    restate_master_rates,
)
from mam.exports.loudness import (
    GATE_BLOCK_S,
    LOSSY_MARGIN_DB,
    MAX_GAIN_DB,
    SILENCE_LUFS,
    Measured,
    measure_file,
    measure_loudness,
)
from mam.exports.model import PlannedOutput, QcCheck, QcReport
from mam.media.runner import run_media_command
from mam.presets import Preset, VideoSpec

_PROFILE_NAMES = {
    ("h264", "baseline"): {"Baseline", "Constrained Baseline"}, ("h264", "main"): {"Main"},
    ("h264", "high"): {"High"}, ("h264", "high422"): {"High 4:2:2"},
    ("mpeg2video", "422"): {"4:2:2"}, ("mpeg2video", "main"): {"Main"},
    ("prores", "proxy"): {"Proxy"}, ("prores", "lt"): {"LT"}, ("prores", "standard"): {"Standard"},
    ("prores", "hq"): {"HQ"}, ("prores", "4444"): {"4444"},
    ("dnxhd", "dnxhr_lb"): {"DNXHR LB"}, ("dnxhd", "dnxhr_sq"): {"DNXHR SQ"}, ("dnxhd", "dnxhr_hq"): {"DNXHR HQ"},
    ("dnxhd", "dnxhr_hqx"): {"DNXHR HQX"},
}
_MPEG2_LEVELS = {("422", "high"): 2, ("422", "main"): 5, ("main", "high"): 4, ("main", "main"): 8}
_OP1A = "060e2b34.04010101.0d010201.0101"
_AAC_FRAME_S = 1024 / 48000
_AAC_RESERVOIR_BITS = 6144  # the AAC decoder's input buffer per channel: what an encoder may borrow


class _Checks:
    def __init__(self) -> None:
        self.items: list[QcCheck] = []

    def add(self, name: str, want: str, got: str, passed: bool) -> None:
        self.items.append(QcCheck(name, want, got, bool(passed)))

    def report(self) -> QcReport:
        return QcReport(bool(self.items) and all(c.passed for c in self.items), list(self.items))


def _probe(path: Path, timeout_s: float) -> dict[str, Any]:
    cmd = ["ffprobe", "-v", "error", "-print_format", "json",
           "-show_entries", "format:stream:packet=stream_index,pts_time,dts_time,duration_time,size,flags",
           "-i", f"file:{path}"]
    return json.loads(run_media_command(cmd, timeout_s=timeout_s) or "{}")


def _f(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _rate(text: str | None) -> Fraction | None:
    try:
        r = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return None
    return r if r > 0 else None


class _Stream:
    """One stream of a probed file with its packets."""

    def __init__(self, info: dict[str, Any], packets: list[dict[str, Any]]) -> None:
        self.info = info
        self.packets = [p for p in packets if p.get("stream_index") == info.get("index")]
        # a packet flagged D (discard) lies outside the edit list: demuxed, never shown (an MP4 whose edit ends
        # one frame before its last sample plays 2.100 s, not the 2.133 s its packets reach)
        shown = [p for p in self.packets if "D" not in str(p.get("flags", ""))]
        times = [(t, _f(p.get("duration_time")) or 0.0) for p in shown
                 if (t := _f(p.get("pts_time")) if _f(p.get("pts_time")) is not None else _f(p.get("dts_time")))
                 is not None]
        self.start = min((t for t, _ in times), default=0.0)
        self.end = max((t + d for t, d in times), default=0.0)
        self.bytes = sum(int(p.get("size") or 0) for p in self.packets)
        self.keyframes = sorted(t for p in self.packets if "K" in str(p.get("flags", ""))
                                and (t := _f(p.get("pts_time"))) is not None)

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    def kbps(self) -> float:
        return self.bytes * 8 / self.duration / 1000 if self.duration > 0 else 0.0

    def peak_kbps(self, window_s: float = 1.0) -> float:
        """Highest bitrate over any ``window_s`` starting at a packet (by decode order times)."""
        pts = sorted(((_f(p.get("dts_time")) if _f(p.get("dts_time")) is not None else _f(p.get("pts_time"))) or 0.0,
                      int(p.get("size") or 0)) for p in self.packets)
        best, j, acc = 0.0, 0, 0
        for i in range(len(pts)):
            while j < len(pts) and pts[j][0] < pts[i][0] + window_s:
                acc += pts[j][1]
                j += 1
            best = max(best, acc * 8 / window_s / 1000)
            acc -= pts[i][1]
        return best


def _streams(info: dict[str, Any], kind: str) -> list[_Stream]:
    packets = info.get("packets") or []
    return [_Stream(s, packets) for s in info.get("streams") or [] if s.get("codec_type") == kind
            and not (s.get("disposition") or {}).get("attached_pic")]


# --- what the source holds over the range -------------------------------------------------------------------

class _Want:
    """What each output stream should last: the source stream over the requested range, either held from the
    range's start (a late first frame repeated, late audio padded) or from the stream's own first moment."""

    def __init__(self, length: float, video: tuple[float, float] | None, audio: tuple[float, float] | None,
                 exact: bool) -> None:
        self.length = length  # the requested range (or the container's duration for a whole export)
        self.video = video  # (held from the range start, from its own start); None: no such source stream
        self.audio = audio
        self.exact = exact  # False: no source to compare with, the range length is all there is
        self.source_i: Callable[[], float | None] | None = None  # the source's loudness over the range

    @staticmethod
    def plain(want_s: float) -> _Want:
        return _Want(want_s, (want_s, want_s), (want_s, want_s), False)

    def of(self, kind: str) -> tuple[float, float]:
        span = self.video if kind == "video" else self.audio
        if span is None:  # a stream the export made (silence under a silent source's picture)
            if kind == "audio" and self.video is not None:
                return self.video
            return (self.length, self.length)
        return span

    def text(self, kind: str) -> str:
        hi, lo = self.of(kind)
        return f"{hi:.3f}" if abs(hi - lo) < 1e-3 else f"{lo:.3f}-{hi:.3f}"


def _source_want(src: Path, start_s: float, end_s: float | None, want_s: float, timeout_s: float) -> _Want:
    """Probe the source's first video and audio streams (the ones the export graph reads) for where they start
    and end on the timeline: the packets of the first seconds and of the last ten before the range's end."""
    if end_s is not None:  # a range: the caller's length is what was asked
        end_s = start_s + want_s
    head = _probe_head(src, timeout_s)
    fmt_dur = _f((head.get("format") or {}).get("duration")) or 0.0
    tail = max(0.0, (end_s if end_s is not None else fmt_dur) - 10.0)
    cmd = ["ffprobe", "-v", "error", "-print_format", "json", "-read_intervals", f"%+5,{tail:.3f}%",
           "-show_entries", "stream=index,codec_type:stream_disposition=attached_pic:"
           "packet=stream_index,pts_time,dts_time,duration_time,flags", "-i", f"file:{src}"]
    info = json.loads(run_media_command(cmd, timeout_s=timeout_s) or "{}")
    spans: dict[str, tuple[float, float] | None] = {}
    for kind in ("video", "audio"):
        streams = _streams(info, kind)
        if not streams or not streams[0].packets:
            spans[kind] = None
            continue
        st = streams[0]
        first, last = max(start_s, st.start), st.end if end_s is None else min(end_s, st.end)
        spans[kind] = (max(0.0, last - start_s), max(0.0, last - first))
    return _Want(want_s, spans["video"], spans["audio"], True)


def _source_loudness(src: Path, start_s: float, end_s: float | None,
                     timeout_s: float) -> Callable[[], float | None]:
    def read() -> float | None:
        try:
            m = measure_loudness(src, start_s=start_s or None, end_s=end_s, timeout_s=timeout_s)
        except (MamError, ValueError, OSError):
            return None
        return m.input_i if m is not None and m.rated else None
    return read


def _probe_head(path: Path, timeout_s: float) -> dict[str, Any]:
    cmd = ["ffprobe", "-v", "error", "-print_format", "json", "-show_entries", "format=duration",
           "-i", f"file:{path}"]
    return json.loads(run_media_command(cmd, timeout_s=timeout_s) or "{}")


def _stream_ok(got: float, span: tuple[float, float], tol: float) -> bool:
    hi, lo = span
    return lo - tol <= got <= hi + tol


# --- shared checks -------------------------------------------------------------------------------------------

def _want_profile(video: VideoSpec) -> str:
    parts = [video.codec]
    if video.profile:
        parts.append(sorted(_PROFILE_NAMES.get((video.codec, video.profile), {video.profile}))[0])
    if video.level:
        parts.append(f"level {video.level}")
    return " ".join(parts)


def _check_codec(c: _Checks, video: VideoSpec, v: _Stream, name: str = "video_codec") -> None:
    got_codec = v.info.get("codec_name")
    got_profile = v.info.get("profile")
    got_level = v.info.get("level")
    ok = got_codec == video.codec
    if video.profile:
        ok = ok and got_profile in _PROFILE_NAMES.get((video.codec, video.profile), {video.profile})
    if video.level and video.codec == "h264":
        major, _, minor = video.level.partition(".")
        ok = ok and got_level == int(major) * 10 + int(minor or 0)
    elif video.level and video.codec == "mpeg2video":
        ok = ok and got_level == _MPEG2_LEVELS.get((video.profile or "main", video.level))
    got = f"{got_codec} {got_profile}" + (f" level {got_level}" if got_level not in (None, -99) else "")
    c.add(name, _want_profile(video), got, ok)


def _check_picture(c: _Checks, preset: Preset, video: VideoSpec, v: _Stream, boxes: list[tuple[int, int]]) -> None:
    w, h = int(v.info.get("width") or 0), int(v.info.get("height") or 0)
    c.add("pix_fmt", video.pix_fmt, str(v.info.get("pix_fmt")), v.info.get("pix_fmt") == video.pix_fmt)
    size = video.size
    if boxes:
        big = max(boxes, key=lambda b: b[0] * b[1])
        want = f"within a ladder rung (at most {max(big)}x{min(big)} or {min(big)}x{max(big)})"
        ok = any(w <= bw and h <= bh for bw, bh in boxes) and w % 2 == 0 and h % 2 == 0
    elif size.width is None:
        want, ok = "the source's size (even)", w > 0 and h > 0 and w % 2 == 0 and h % 2 == 0
    else:
        bw, bh = size.width, size.height
        assert bh is not None
        if size.orientation == "source" and h > w and bw > bh:
            bw, bh = bh, bw
        if size.aspect == "fit":
            want = f"within {bw}x{bh}" + (" (turned for portrait)" if size.orientation == "source" else "")
            ok = 0 < w <= bw and 0 < h <= bh and w % 2 == 0 and h % 2 == 0
        else:
            want, ok = f"{bw}x{bh}", (w, h) == (bw, bh)
    c.add("size", want, f"{w}x{h}", ok)
    lim = preset.limits.min_short_side
    if lim:
        c.add("min_short_side", f">= {lim}", str(min(w, h)), min(w, h) >= lim)
    sar = str(v.info.get("sample_aspect_ratio") or "1:1")
    sar = "1:1" if sar in ("N/A", "0:1") else sar
    dar = str(v.info.get("display_aspect_ratio") or "")
    if dar in ("", "N/A", "0:1"):
        dar = f"{Fraction(w, h).numerator}:{Fraction(w, h).denominator}" if w and h else "?"
    want_dar = Fraction(w, h) if w and h else None
    got_dar = _rate(dar.replace(":", "/"))
    c.add("aspect", f"SAR 1:1, DAR {want_dar.numerator}:{want_dar.denominator}" if want_dar else "SAR 1:1",
          f"SAR {sar}, DAR {dar}", sar == "1:1" and want_dar is not None and got_dar == want_dar)


def _check_rate_scan(c: _Checks, video: VideoSpec, v: _Stream) -> Fraction | None:
    real = _rate(v.info.get("r_frame_rate"))
    avg = _rate(v.info.get("avg_frame_rate")) or real
    got = f"{float(real):.3f}" if real else "unknown"
    if avg and real and abs(float(avg) - float(real)) / float(real) > 0.01:
        got += f" (average {float(avg):.3f}: not constant)"
    constant = bool(real and avg and abs(float(avg) - float(real)) / float(real) <= 0.01)
    if video.fps != "source":
        want = f"{float(video.fps):g} constant"
        ok = constant and real is not None and abs(float(real) - float(video.fps)) < 0.01
    else:
        want = "the source's rate, constant" + (f", <= {video.max_fps:g}" if video.max_fps else "")
        ok = constant and real is not None and (not video.max_fps or float(real) <= video.max_fps * 1.001)
    c.add("fps", want, got, ok)
    order = str(v.info.get("field_order") or "unknown")
    if video.scan == "interlaced_tff":
        c.add("scan", "interlaced, top field first (tt)", order, order == "tt")
    else:
        c.add("scan", "progressive", order, order in ("progressive", "unknown"))
    return real


def _check_keyframes(c: _Checks, video: VideoSpec, v: _Stream, rate: Fraction | None) -> None:
    if video.gop_s is None:  # intra-only codecs
        frames = len(v.packets)
        keys = len(v.keyframes)
        c.add("keyframes", "every frame (intra-only)", f"{keys} of {frames}", frames > 0 and keys == frames)
        return
    frame = 1 / float(rate) if rate else 0.04
    keys = v.keyframes
    gaps = [b - a for a, b in zip(keys, keys[1:], strict=False)]
    tail = v.end - (keys[-1] if keys else v.start)
    worst = max([*gaps, tail - frame], default=0.0)
    first_ok = bool(keys) and abs(keys[0] - v.start) < frame / 2
    c.add("keyframes", f"first frame, then at most every {video.gop_s:g} s",
          f"{len(keys)} keyframes, longest gap {worst:.3f} s" + ("" if first_ok else ", first frame not a keyframe"),
          first_ok and worst <= video.gop_s + frame / 2)


def vbv_allowance_kbps(maxrate_kbps: float, bufsize_kbps: float, duration_s: float) -> float:
    """The highest average a VBV-constrained encode can reach over ``duration_s``: the channel rate plus a full
    buffer spent on top of it (the encoder may start with the buffer full)."""
    return maxrate_kbps + bufsize_kbps / duration_s


def too_short_to_rate(duration_s: float, gop_s: float | None) -> bool:
    """An average over less than two GOPs says nothing about rate control (one keyframe dominates it)."""
    return duration_s < 2 * (gop_s or 2.0) - 1e-6


def _check_bitrate(c: _Checks, preset: Preset, video: VideoSpec, v: _Stream) -> None:
    br = video.bitrate
    got = v.kbps()
    dur = v.duration
    short = too_short_to_rate(dur, video.gop_s)
    unrated = f"{got:.0f} kb/s over {dur:.3f} s: not rated (shorter than two GOPs, {2 * (video.gop_s or 2):g} s)"
    if br is not None and br.mode == "cbr" and br.kbps:
        want = f"{br.kbps} kb/s ±{br.tolerance:.0%} (average, outputs of two GOPs or more)"
        c.add("video_bitrate", want, unrated if short else f"{got:.0f} kb/s",
              short or abs(got - br.kbps) <= br.kbps * br.tolerance)
    elif br is not None and br.maxrate_kbps:
        buf = br.bufsize_kbps or br.maxrate_kbps * 2
        want = (f"average <= {br.maxrate_kbps} kb/s maxrate + {buf} kb VBV buffer over the duration"
                f" (outputs of two GOPs or more)")
        if short:
            c.add("video_bitrate", want, unrated, True)
        else:
            cap = vbv_allowance_kbps(br.maxrate_kbps, buf, dur)
            target = f", target {br.kbps} kb/s" if br.kbps else ""
            c.add("video_bitrate", want, f"{got:.0f} kb/s (at most {cap:.0f} over {dur:.3f} s{target})",
                  got <= cap * 1.01)
    if preset.limits.max_video_kbps:
        peak = v.peak_kbps()
        c.add("video_peak_bitrate", f"<= {preset.limits.max_video_kbps} kb/s over 1 s", f"{peak:.0f} kb/s",
              peak <= preset.limits.max_video_kbps)


def _check_audio(c: _Checks, preset: Preset, a: _Stream | None) -> None:
    spec = preset.audio
    if spec is None:
        return
    want = f"{spec.codec} {spec.sample_rate} Hz {spec.channels} ch" + (f" {spec.depth}-bit" if spec.depth else "")
    if a is None:
        c.add("audio", want, "no audio stream", False)
        return
    info = a.info
    depth = int(info.get("bits_per_raw_sample") or 0) or int(info.get("bits_per_sample") or 0) or None
    got = (f"{info.get('codec_name')} {info.get('sample_rate')} Hz {info.get('channels')} ch"
           + (f" {depth}-bit" if depth and spec.depth else "") + f" ({info.get('channel_layout') or 'no layout'})")
    ok = (info.get("codec_name") == spec.codec and int(info.get("sample_rate") or 0) == spec.sample_rate
          and int(info.get("channels") or 0) == spec.channels and (spec.depth is None or depth == spec.depth))
    c.add("audio", want, got, ok)


def _check_audio_rate(c: _Checks, kbps: int | None, a: _Stream | None, name: str = "audio_bitrate") -> None:
    """The average against the nominal rate, plus what AAC's bit reservoir (6144 bits a channel, ISO/IEC 14496-3)
    lets the encoder spend on top of it: on a clip of a third of a second one loud onset, paid back over the
    following frames on a longer track, put a 64-kb/s rung at 81 kb/s."""
    if kbps is None or a is None:
        return
    got = a.kbps()
    channels = int(a.info.get("channels") or 2)
    reservoir = _AAC_RESERVOIR_BITS * channels / 1000 / a.duration if a.duration > 0 else 0.0
    if a.info.get("codec_name") != "aac":
        reservoir = 0.0
    cap = kbps * 1.15 + reservoir
    want = f"<= {kbps} kb/s +15%" + (" + the AAC bit reservoir over the duration" if reservoir else "")
    c.add(name, want, f"{got:.0f} kb/s" + (f" (at most {cap:.0f} over {a.duration:.3f} s)" if reservoir else ""),
          got <= cap)


def _check_loudness(c: _Checks, preset: Preset, path: Path, duration_s: float, timeout_s: float,
                    audio_s: float | None = None, source_i: Callable[[], float | None] | None = None) -> None:
    """``source_i``: the source's integrated loudness over the range (read only when the output is short of the
    target, to say why)."""
    loud = preset.loudness
    if loud is None:
        return
    m: Measured | None = measure_file(path, duration_s=duration_s, timeout_s=timeout_s)
    want_i = (f"{loud.target_lufs:g} LUFS ±{loud.tolerance_lu:g} LU (or digital silence; audio under one 400-ms"
              " gating block is not rated)")
    if m is None and audio_s is not None and audio_s < GATE_BLOCK_S:
        c.add("loudness", want_i, f"not rated: {audio_s:.3f} s of audio, under one 400-ms gating block", True)
        return
    if m is None:
        c.add("loudness", want_i, "not measurable", False)
        return
    if m.silent and (audio_s is None or audio_s >= GATE_BLOCK_S):
        c.add("loudness", want_i, "digital silence", True)
        c.add("true_peak", f"<= {loud.true_peak_dbtp:g} dBTP", "digital silence", True)
        return
    if not m.rated or (audio_s is not None and audio_s < GATE_BLOCK_S):
        c.add("loudness", want_i, f"not rated: {audio_s or 0:.3f} s of audio, under one 400-ms gating block", True)
    else:
        miss = m.integrated_lufs - loud.target_lufs
        got = f"{m.integrated_lufs:.1f} LUFS"
        src_i = source_i() if source_i is not None and miss < -(loud.tolerance_lu + 0.05) else None
        if src_i is not None and src_i > SILENCE_LUFS + 0.5 \
                and loud.target_lufs - src_i > MAX_GAIN_DB + loud.tolerance_lu:
            got += (f": the source's audio is {src_i:.1f} LUFS over the range, {loud.target_lufs - src_i:.1f} dB"
                    f" under the target, more than the {MAX_GAIN_DB:g} dB of gain an export may apply (it would"
                    f" raise the noise with it): ask for a loudness_target of {math.floor(src_i + MAX_GAIN_DB):d}"
                    f" or lower, or use a source whose audio was recorded louder")
        elif miss < -(loud.tolerance_lu + 0.05) and m.true_peak_dbtp is not None \
                and m.true_peak_dbtp >= loud.true_peak_dbtp - LOSSY_MARGIN_DB - 1.0:
            got += (f": short of the target with its peaks already limited to {m.true_peak_dbtp:.1f} dBTP (the"
                    f" source's peaks stand far above its loudness, and more than {MAX_GAIN_DB:g} dB of gain"
                    f" would be needed): ask for a lower loudness_target (e.g. {loud.target_lufs - 9:g}) or"
                    f" treat the source's audio (rumble, clipping, tones)")
        c.add("loudness", want_i, got, abs(miss) <= loud.tolerance_lu + 0.05)
    tp = m.true_peak_dbtp if m.true_peak_dbtp is not None else -99.0
    c.add("true_peak", f"<= {loud.true_peak_dbtp:g} dBTP", f"{tp:.1f} dBTP", tp <= loud.true_peak_dbtp + 0.05)


def _check_duration(c: _Checks, want: _Want, got_video: float | None, got_audio: float | None,
                    frame_s: float, ends_together: bool = False) -> None:
    """Each stream as long as the source's stream over the range, within one frame (audio: one AAC frame more);
    audio may also run on in silence to the end of the picture (MXF ends every track together)."""
    parts, ok, wants = [], True, []
    if got_video is not None:
        parts.append(f"video {got_video:.3f} s")
        wants.append(f"video {want.text('video')} s")
        ok = ok and _stream_ok(got_video, want.of("video"), frame_s + 1e-3)
    if got_audio is not None:
        parts.append(f"audio {got_audio:.3f} s")
        wants.append(f"audio {want.text('audio')} s")
        hi, lo = want.of("audio")
        if got_video is not None:
            hi = max(hi, want.of("video")[0])
            if ends_together:  # MXF: every track ends with the picture
                lo = min(lo, got_video)
        ok = ok and _stream_ok(got_audio, (hi, lo), frame_s + _AAC_FRAME_S + 1e-3)
    if want.exact:
        text = ", ".join(wants) + f" (the source's streams over the range) within one frame ({frame_s * 1000:.0f} ms)"
    else:
        text = f"{want.length:.3f} s within one frame ({frame_s * 1000:.0f} ms)"
    c.add("duration", text, ", ".join(parts) or "none", ok and bool(parts))


def _check_limits(c: _Checks, preset: Preset, files: list[Path], duration_s: float | None) -> None:
    lim = preset.limits
    if lim.max_size_bytes:
        total = sum(p.stat().st_size for p in files if p.exists())
        c.add("size_limit", f"<= {lim.max_size_bytes} bytes" + (" (unconfirmed)" if "max_size_bytes" in
                                                                 lim.unconfirmed else ""),
              f"{total} bytes", total <= lim.max_size_bytes)
    if lim.max_duration_s and duration_s is not None:
        c.add("duration_limit", f"<= {lim.max_duration_s:g} s" + (" (unconfirmed)" if "max_duration_s" in
                                                                   lim.unconfirmed else ""),
              f"{duration_s:.3f} s", duration_s <= lim.max_duration_s)


def _faststart(path: Path) -> bool:
    with open(path, "rb") as fh:
        pos = 0
        size = path.stat().st_size
        while pos + 8 <= size:
            fh.seek(pos)
            head = fh.read(16)
            n = int.from_bytes(head[:4], "big")
            kind = head[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if n == 1:
                n = int.from_bytes(head[8:16], "big")
            if n < 8:
                return False
            pos += n
    return False


def _has_bext(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
        if head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return False
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return False
            if chunk[:4] == b"bext":
                return True
            if chunk[:4] == b"data":
                return False
            n = int.from_bytes(chunk[4:8], "little")
            fh.seek(n + (n & 1), 1)


# --- kinds ---------------------------------------------------------------------------------------------------

def _container(c: _Checks, preset: Preset, info: dict[str, Any], path: Path) -> None:
    fmt = info.get("format") or {}
    names = str(fmt.get("format_name") or "")
    brand = str((fmt.get("tags") or {}).get("major_brand") or "").strip()
    if preset.container == "mp4":
        ok = "mp4" in names.split(",") and brand != "qt"
        got = f"{names} ({brand or 'no brand'})"
    elif preset.container == "mov":
        ok, got = "mov" in names.split(",") and brand in ("qt", ""), f"{names} ({brand or 'no brand'})"
    else:
        ok, got = preset.container in names.split(","), names
    c.add("container", preset.container, got, ok)
    if preset.container == "mxf":
        op = str((fmt.get("tags") or {}).get("operational_pattern_ul") or "")
        c.add("op1a", "MXF OP1a", op or "no operational pattern", op.startswith(_OP1A))
    if preset.container == "wav":
        c.add("bwf", "a bext chunk (Broadcast WAV)", "bext" if _has_bext(path) else "no bext chunk", _has_bext(path))
    if preset.faststart:
        fs = _faststart(path)
        c.add("faststart", "index (moov) before the media", "moov first" if fs else "mdat first", fs)


def _check_file(c: _Checks, preset: Preset, out: PlannedOutput, want: _Want, timeout_s: float) -> None:
    path = out.main
    info = _probe(path, timeout_s)
    _container(c, preset, info, path)
    vs, aus = _streams(info, "video"), _streams(info, "audio")
    a = aus[0] if aus else None
    frame_s = 1 / 25
    got_v = None
    if preset.video is not None:
        if not vs:
            c.add("video_codec", _want_profile(preset.video), "no video stream", False)
        else:
            v = vs[0]
            _check_codec(c, preset.video, v)
            _check_picture(c, preset, preset.video, v, [])
            rate = _check_rate_scan(c, preset.video, v)
            if rate:
                frame_s = 1 / float(rate)
            _check_keyframes(c, preset.video, v, rate)
            _check_bitrate(c, preset, preset.video, v)
            got_v = v.duration
    _check_audio(c, preset, a)
    if preset.audio is not None:
        _check_audio_rate(c, preset.audio.kbps, a)
    _check_duration(c, want, got_v, a.duration if a else None, frame_s, preset.container == "mxf")
    if a is not None:
        _check_loudness(c, preset, path, want.length, timeout_s, a.duration, want.source_i)
    total = max(got_v or 0.0, a.duration if a else 0.0)
    _check_limits(c, preset, out.files, total)


def _join(files: list[Path], dest: Path) -> Path:
    with open(dest, "wb") as fh:
        for f in files:
            fh.write(f.read_bytes())
    return dest


def _check_hls(c: _Checks, preset: Preset, out: PlannedOutput, want: _Want, timeout_s: float) -> None:
    hls, video, audio = preset.hls, preset.video, preset.audio
    assert hls is not None and video is not None and audio is not None
    master = out.main
    files = playlist_files(master)
    missing = [p.name for p in files if not p.exists()]
    c.add("files", "every playlist, init segment and segment present", f"{len(files)} files" +
          (f", missing {', '.join(missing[:3])}" if missing else ""), not missing)
    if missing:
        return
    restate_master_rates(master)  # the master states what the segments hold
    variants = parse_master(master.read_text(encoding="utf-8"))
    out.files = files
    needed = ("BANDWIDTH", "AVERAGE-BANDWIDTH", "RESOLUTION", "CODECS", "FRAME-RATE")
    absent = sorted({k for v in variants for k in needed if k not in v.attrs})
    c.add("master_tags", ", ".join(needed) + " on every variant",
          f"{len(variants)} variants" + (f", missing {', '.join(absent)}" if absent else ""),
          bool(variants) and not absent)
    boxes = sorted({(r.width, r.height) for r in hls.rungs} | {(r.height, r.width) for r in hls.rungs})
    frame_s = 1 / 25
    results: dict[str, list[tuple[str, str, bool]]] = {}

    def note(name: str, text: str, ok: bool, want: str) -> None:
        results.setdefault(name, []).append((want, text, ok))

    keyframe_sets: list[list[float]] = []
    top: tuple[int, Path, float | None] | None = None  # the largest rung: its pixels, file, audio duration
    with tempfile.TemporaryDirectory(prefix="mam-qc-") as tmp:
        for k, var in enumerate(variants):
            media_path = master.parent / var.uri
            media = parse_media(media_path.read_text(encoding="utf-8"))
            tag = var.uri.split("/")[0]
            seg_paths = [media_path.parent / uri for uri, _ in media.segments]
            durations = [d for _, d in media.segments]
            pl_ok = (media.playlist_type == "VOD" and media.endlist and media.target_duration is not None
                     and media.target_duration >= round(max(durations, default=0)))
            note("media_playlists", f"{tag}: VOD, ENDLIST, TARGETDURATION {media.target_duration}", pl_ok,
                 "VOD playlists with ENDLIST and a target duration >= every segment")
            joined = _join(([media_path.parent / media.init] if media.init else []) + seg_paths,
                           Path(tmp) / f"v{k}.{'mp4' if media.init else 'ts'}")
            info = _probe(joined, timeout_s)
            vs, aus = _streams(info, "video"), _streams(info, "audio")
            if not vs:
                note("video_codec", f"{tag}: no video", False, _want_profile(video))
                continue
            v, a = vs[0], (aus[0] if aus else None)
            sub = _Checks()
            _check_codec(sub, video, v)
            _check_picture(sub, preset, video, v, boxes)
            rate = _check_rate_scan(sub, video, v)
            _check_keyframes(sub, video, v, rate)
            _check_audio(sub, preset, a)
            w, h = int(v.info.get("width") or 0), int(v.info.get("height") or 0)
            fitting = [r for r in hls.rungs if (w <= r.width and h <= r.height) or (w <= r.height and h <= r.width)]
            rung = min(fitting, key=lambda r: r.width * r.height) if fitting else None
            _check_audio_rate(sub, rung.audio_kbps if rung else audio.kbps, a)
            for chk in sub.items:
                note(chk.name, f"{tag}: {chk.got}", chk.passed, chk.want)
            if rate:
                frame_s = 1 / float(rate)
            # tags against the stream
            note("resolution_tag", f"{tag}: {var.attrs.get('RESOLUTION')} for {w}x{h}",
                 var.attrs.get("RESOLUTION") == f"{w}x{h}", "RESOLUTION = the stream's size")
            probed = avc1_from_probe(v.info.get("profile"), v.info.get("level"))
            tag_codecs = var.attrs.get("CODECS", "")
            note("codecs_tag", f"{tag}: {tag_codecs} for {probed}",
                 probed is not None and tag_codecs.split(",")[0] == probed
                 and (a is None or "mp4a.40.2" in tag_codecs), "CODECS = the streams' profile and level")
            # the stream's rate: ffprobe's r_frame_rate is a guess from the first timestamps (a 9-frame clip at
            # 11.111 fps reads 133/12 = 11.083); its average (frames over duration) is the other reading
            fr = _f(var.attrs.get("FRAME-RATE"))
            avg = _rate(v.info.get("avg_frame_rate"))
            readings = [float(x) for x in (rate, avg) if x]
            seen = f"{float(rate or 0):.3f}" + (f" (average {float(avg):.3f})" if avg and avg != rate else "")
            note("frame_rate_tag", f"{tag}: {var.attrs.get('FRAME-RATE')} for {seen}",
                 fr is not None and any(abs(fr - x) < 0.002 for x in readings),
                 "FRAME-RATE = the stream's rate")
            # segments
            tol = frame_s + 0.01
            bad = [d for d in durations[:-1] if abs(d - hls.segment_s) > tol]
            last_ok = bool(durations) and durations[-1] <= hls.segment_s + tol
            note("segments", f"{tag}: {len(durations)} segments, "
                 f"{', '.join(f'{d:.3f}' for d in durations[:4])}{'…' if len(durations) > 4 else ''} s",
                 not bad and last_ok, f"{hls.segment_s:g} s each (the last up to {hls.segment_s:g} s)")
            starts = [sum(durations[:i]) for i in range(len(durations))]
            keys = [t - v.start for t in v.keyframes]
            unkeyed = [s for s in starts if not any(abs(s - t) <= frame_s / 2 for t in keys)]
            note("segment_starts", f"{tag}: {len(starts) - len(unkeyed)} of {len(starts)} on keyframes",
                 not unkeyed, "every segment starts on a keyframe")
            keyframe_sets.append([round(t, 3) for t in keys])
            # bandwidth, measured per segment (segments under half the target length are too short to rate, and
            # so is a whole variant under two GOPs: one keyframe is most of it)
            rates = [seg.stat().st_size * 8 / d for seg, d in zip(seg_paths, durations, strict=True) if d > 0]
            full = [r for r, d in zip(rates, durations, strict=False) if d >= hls.segment_s / 2]
            peak = max(full, default=0.0)
            total = sum(durations)
            avg = (sum(p.stat().st_size for p in seg_paths) * 8 / total) if total else 0.0
            declared, declared_avg = _f(var.attrs.get("BANDWIDTH")) or 0, _f(var.attrs.get("AVERAGE-BANDWIDTH")) or 0
            short = too_short_to_rate(total, video.gop_s)
            if not full or short:
                note("bandwidth", f"{tag}: not rated ({len(durations)} segment(s), {total:.3f} s: none of half "
                     f"the {hls.segment_s:g}-s length / under two GOPs)", True,
                     "measured peak segment rate <= BANDWIDTH +10% (segments of half the target length or more)")
            else:
                note("bandwidth", f"{tag}: peak {peak / 1000:.0f} kb/s, BANDWIDTH {declared / 1000:.0f}",
                     peak <= declared * 1.1,
                     "measured peak segment rate <= BANDWIDTH +10% (segments of half the target length or more)")
            avg_want = ("measured average within 10% of AVERAGE-BANDWIDTH, and under maxrate + VBV buffer over the "
                        "duration (variants of two GOPs or more)")
            if short:
                note("average_bandwidth", f"{tag}: {avg / 1000:.0f} kb/s over {total:.3f} s: not rated (shorter "
                     f"than two GOPs)", True, avg_want)
            else:
                cap = 0.0
                if rung is not None:
                    ovh = OVERHEAD[hls.segment_type]
                    cap = (vbv_allowance_kbps(rung.maxrate_kbps, rung.maxrate_kbps, total) + rung.audio_kbps) \
                        * 1000 * ovh
                ok = abs(avg - declared_avg) <= declared_avg * 0.1 and (rung is None or avg <= cap * 1.01)
                note("average_bandwidth", f"{tag}: {avg / 1000:.0f} kb/s, AVERAGE-BANDWIDTH {declared_avg / 1000:.0f}"
                     + (f", cap {cap / 1000:.0f}" if rung is not None else ""), ok, avg_want)
            vhi, vlo = want.of("video")
            note("duration", f"{tag}: playlist {total:.3f} s, video {v.duration:.3f} s",
                 _stream_ok(total, (vhi, vlo), frame_s + 1e-3) and _stream_ok(v.duration, (vhi, vlo), frame_s + 1e-3),
                 f"video {want.text('video')} s" + (" (the source's video over the range)" if want.exact else "")
                 + " within one frame")
            pixels = w * h
            if top is None or pixels > top[0]:
                top = (pixels, joined, a.duration if a is not None else None)
        for name, rows in results.items():
            c.add(name, rows[0][0], "; ".join(t for _, t, _ in rows), all(ok for _, _, ok in rows))
        aligned = len({tuple(ks) for ks in keyframe_sets}) <= 1
        c.add("keyframe_alignment", "the same keyframe times on every rung",
              "aligned" if aligned else "; ".join(f"{len(ks)} keyframes" for ks in keyframe_sets), aligned)
        if top is not None:
            _check_loudness(c, preset, top[1], want.length, timeout_s, top[2], want.source_i)
    _check_limits(c, preset, files, want.length)


def _check_still(c: _Checks, preset: Preset, out: PlannedOutput, timeout_s: float) -> None:
    from mam.exports.still import read_still_metadata

    still = preset.still
    assert still is not None
    info = _probe(out.main, timeout_s)
    vs = _streams(info, "video")
    codec = vs[0].info.get("codec_name") if vs else None
    want_codec = "png" if still.format == "png" else "mjpeg"
    c.add("container", still.format, str(codec), codec == want_codec)
    if vs:
        w, h = int(vs[0].info.get("width") or 0), int(vs[0].info.get("height") or 0)
        c.add("size", "a picture (the source's full resolution)", f"{w}x{h}", w > 0 and h > 0)
    found = read_still_metadata(out.main)
    wanted = list(still.metadata_fields)
    have = [k for k in wanted if k in found]
    c.add("metadata", "XMP with " + ", ".join(wanted), ", ".join(have) or "none", have == wanted)


def check_output(preset: Preset, out: PlannedOutput, *, want_duration_s: float, timeout_s: float,
                 source: Path | None = None) -> QcReport:
    """Probe and measure ``out`` against ``preset``; every check names what it wanted and what it got.

    Pass the preset as the request made it (:meth:`ExportRequest.effective_preset`: a request's loudness target
    replaces the preset's). Durations: each output stream is compared with what the source's stream holds over
    the range (a stream may be shorter or longer than the container says), read from ``source`` or, by default,
    from the original the plan recorded in ``out.source`` (``out.start_s``..``out.end_s``); without either, with
    ``want_duration_s``. For HLS, ``out.files`` is replaced by the files the playlists actually name. A file
    that cannot be read fails the ``readable`` check instead of raising.
    """
    c = _Checks()
    want = _Want.plain(want_duration_s)
    src = source or out.source
    if src is not None and preset.kind != "still" and src.is_file():
        try:
            want = _source_want(src, out.start_s, out.end_s, want_duration_s, timeout_s)
        except (MamError, ValueError, OSError) as exc:
            c.add("source", "the original readable for its streams' durations", str(exc)[:300], False)
        want.source_i = _source_loudness(src, out.start_s, out.end_s, timeout_s)
    runners: dict[str, Callable[[], None]] = {
        "hls": lambda: _check_hls(c, preset, out, want, timeout_s),
        "still": lambda: _check_still(c, preset, out, timeout_s),
    }
    try:
        if not out.main.exists():
            c.add("readable", "the output file", f"{out.main.name} is missing", False)
        else:
            runners.get(preset.kind, lambda: _check_file(c, preset, out, want, timeout_s))()
    except (MamError, ValueError, OSError, KeyError) as exc:
        c.add("readable", "an output ffprobe and the playlist reader can read", str(exc)[:300], False)
    return c.report()

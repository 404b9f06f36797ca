"""ONE ffmpeg command for every preset requested of one source: one decode, split and scaled per output.

Video graph (the original decoded once, trimmed to the requested range by the input's accurate seek)::

    0:v ─[bwdif, field rate: 50i -> 50p][fps for VFR][HDR -> SDR]─ split
      ├─ per MP4/MOV/MXF output: [trim][fps][scale + pad|crop] setsar=1, format  ─ encoder
      │      broadcast (1080i25): fps=50 … interlace=scan=tff (a 1080i25 TFF source keeps its own fields)
      ├─ per HLS preset: [trim][fps] split ─ per rung: scale, setsar=1, format ─ libx264 ─┐ one hls muxer,
      │                                                                                   │ var_stream_map
      └─ tick: fps=1, metadata print (direct=1) -> progress file, one line a second of video
    0:a ─ stereo 48 kHz ─ asplit per (range, loudness target)
           └─ [atrim] loudness pass 2 (volume, or loudnorm with the measured values) ─ asplit per output

Keyframes: ``-force_key_frames expr:gte(t,n_forced*2)``, ``-sc_threshold 0`` and a closed GOP on every H.264
output, so every rung has its keyframes on the same frames and every 6-s segment starts on one. The HLS master
playlist is written by the planner (see :mod:`mam.exports.hls`).

Builders return arguments only; :func:`mam.media.runner.run_media_command` adds the safety flags.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from mam.exports.finishing import (
    EDGE_FADE_S,
    MAX_SPEED,
    NONE,
    Finishing,
    Pending,
    Piece,
    Watermark,
    ass_text,
    audio_finish,
    geometry,
    logo_input,
    overlays,
    shift_cues,
    srt_text,
    vtt_text,
)
from mam.exports.geometry import (
    Frame,
    PlannedRung,
    keyframe_expr,
    motion_rate,
    output_rate,
    plan_frame,
    plan_ladder,
    rate_text,
    source_display,
)
from mam.exports.graph import Graph, escape_value
from mam.exports.hls import master_playlist
from mam.exports.loudness import correction_filter, fit_limited_gain, needs_limiter, stereo_source
from mam.exports.model import ExportPlan, ExportRequest, LoudnessMeasure, PlannedOutput
from mam.presets import AudioSpec, Preset, VideoSpec

_TRANSFER_IN = {"HLG": "arib-std-b67", "PQ": "smpte2084"}
_MUXERS = {"mp4": "mp4", "mov": "mov", "mxf": "mxf", "wav": "wav"}
_PRORES = {"proxy": 0, "lt": 1, "standard": 2, "hq": 3, "4444": 4}
#: (profile, level) -> ffmpeg's mpeg2video profile and level numbers (4:2:2P@HL = 0 / 2)
_MPEG2_PROFILE = {"422": 0, "main": 4}
_MPEG2_LEVEL = {("422", "high"): 2, ("422", "main"): 5, ("main", "high"): 4, ("main", "main"): 8}
_XDCAM_VBV_BITS = 17825792
PAD_OVER_S = 0.25  # MXF audio is padded this far past the range (a picture may outrun its container a little)
RANGE_SLACK_S = 0.05  # an end this far past the stored duration is still "the end"
SEEK_PREROLL_S = 6.0  # unindexed containers are sought this far before a range (see _seek_base)
_INDEXED = {"mov", "mp4", "matroska", "webm"}


@dataclass
class _Job:
    """One requested preset, resolved against the source."""

    req: ExportRequest
    preset: Preset  # loudness target applied
    start: float
    end: float
    outdir: Path


def _ranges(requests: list[ExportRequest], duration: float) -> list[tuple[float, float]]:
    out = []
    for req in requests:
        start = float(req.start_s or 0.0)
        end = float(req.end_s) if req.end_s is not None else duration
        if start < 0:
            raise ValueError(f"{req.preset.name}: start_s {start} is before the start")
        if end <= start:
            raise ValueError(f"{req.preset.name}: end_s {end} is not after start_s {start}")
        if end > duration + RANGE_SLACK_S:
            raise ValueError(f"{req.preset.name}: end_s {end} is past the end ({duration:.3f} s)")
        out.append((start, min(end, duration)))
    return out


def _range_end(job: _Job, duration: float) -> float | None:
    """The job's end on the source's timeline; None for "to the end" (streams may run past the container)."""
    return job.end if job.end < duration - 1e-6 else None


def _check_requests(requests: list[ExportRequest], tech: dict[str, Any]) -> None:
    if not requests:
        raise ValueError("no presets requested")
    names = [r.preset.name for r in requests]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"preset {dup[0]} is requested twice in one plan")
    has_video = tech.get("kind") == "video" and bool(tech.get("width"))
    for r in requests:
        if r.preset.kind == "still":
            raise ValueError(f"{r.preset.name} is a still: plan it with plan_still")
        if r.preset.kind in ("video", "hls") and not has_video:
            raise ValueError(f"{r.preset.name} needs a video source; this one is {tech.get('kind')}")
        if r.preset.kind == "audio" and not tech.get("audio_codec"):
            raise ValueError(f"{r.preset.name} needs a source with audio; this one has none")


def _seek_base(tech: dict[str, Any], start: float) -> float:
    """Where the input is sought to for a range starting at ``start``: a little before it, so the trim in the
    graph (not the demuxer) picks the first frame. Indexed containers seek exactly (two frames of margin);
    MPEG-TS/PS and other unindexed streams may land on the keyframe after the target, so they are sought
    :data:`SEEK_PREROLL_S` earlier (a long-GOP broadcast stream's GOP is well under that)."""
    if start <= 0:
        return 0.0
    names = set(str(tech.get("container") or "").split(","))
    preroll = 2.0 / float(tech.get("fps") or 25.0) if names & _INDEXED else SEEK_PREROLL_S
    return max(0.0, start - preroll)


def _trim(start: float, end: float, base: float, duration: float, *, audio: bool = False,
          half: float = 0.0) -> list[str]:
    """The range ``start``..``end`` (source seconds) out of an input sought to ``base``, starting at 0. Pictures
    are picked by the frame nearest each edge (``half``: half a frame), so the first and last frames are the
    ones shown at ``start`` and just before ``end``; a stream starting later than ``start`` keeps its offset."""
    opts = []
    if start - base > 1e-6:
        opts.append(f"start={max(0.0, start - base - half):.6f}")
    if end < duration - 1e-6:
        opts.append(f"end={end - base - half:.6f}")
    if not opts:
        return []
    if audio:  # audio starting after the range's start is padded with silence from 0 (kept in sync)
        return [f"atrim={':'.join(opts)}", f"asetpts=PTS-{start - base:.6f}/TB", "aresample=async=1:first_pts=0"]
    # the first frame picked is at 0 exactly; a picture that starts later than the range keeps its delay
    return [f"trim={':'.join(opts)}", f"setpts=PTS-STARTPTS+max(0\\,STARTPTS-{start - base + half:.6f}/TB)"]


def _tone_map(tech: dict[str, Any]) -> list[str]:
    """HLG/PQ sources tone-mapped to 8-bit BT.709 SDR once, at source size (zscale + hable)."""
    tin = _TRANSFER_IN.get(str(tech.get("dynamic_range") or "SDR"))
    if tin is None:
        return []
    from mam.media.media_pass import ffmpeg_has_filter  # runs `ffmpeg -filters` once, only for HDR sources

    if not ffmpeg_has_filter("zscale"):
        return ["colorspace=all=bt709:iall=bt2020:format=yuv420p"]
    return [f"zscale=tin={tin}:pin=bt2020:min=bt2020nc:t=linear:npl=100", "format=gbrpf32le", "zscale=p=bt709",
            "tonemap=tonemap=hable:desat=0", "zscale=t=bt709:m=bt709:r=tv", "format=yuv420p"]


def _keeps_fields(tech: dict[str, Any], video: VideoSpec) -> bool:
    """A 1080i25 source going to a 1080i25 output keeps its own fields (no deinterlace / re-interlace)."""
    return (video.scan == "interlaced_tff" and bool(tech.get("interlaced"))
            and tech.get("field_order") in ("tt", "bb")
            and abs(float(tech.get("fps") or 0) - float(video.fps)) < 0.01  # type: ignore[arg-type]
            and (tech.get("width"), tech.get("height")) == (video.size.width, video.size.height)
            and abs(float(tech.get("sample_aspect_ratio") or 1.0) - 1.0) < 0.01
            and int(tech.get("rotation") or 0) == 0)


def _rate_filters(video: VideoSpec, motion: Fraction, rate: Fraction, speed: float = 1.0) -> list[str]:
    """From the shared progressive motion stream (trimmed) to the output's rate: sped up first (time-lapse drops
    frames), then the picture rate (the field rate for an interlaced output)."""
    want = rate * 2 if video.scan == "interlaced_tff" else rate
    if speed != 1.0:  # each output slot shows the frame at its time (round up: the last frame into a slot wins)
        return [f"setpts=PTS/{speed:g}", f"fps={rate_text(want)}:round=up"]
    return [f"fps={rate_text(want)}"] if want != motion else []


def _tail_filters(video: VideoSpec) -> list[str]:
    chain = [f"format={video.pix_fmt}"]
    if video.scan == "interlaced_tff":
        chain.append("interlace=scan=tff:lowpass=linear")
    return chain


def _field_filters(tech: dict[str, Any], video: VideoSpec) -> list[str]:
    chain = ["fieldorder=tff"] if tech.get("field_order") == "bb" else []
    return chain + [f"scale={video.size.width}:{video.size.height}:interl=1:out_range=tv", f"format={video.pix_fmt}",
                    "setsar=1", "setfield=tff"]


def _h264_args(video: VideoSpec, rate: Fraction, s: str, *, kbps: int | None = None, maxrate: int | None = None,
               bufsize: int | None = None, interlaced: bool = False) -> list[str]:
    gop_s = video.gop_s or 2.0
    gop = max(1, round(float(rate) * gop_s))
    args = [f"-c{s}", "libx264", f"-preset{s}", video.speed, f"-color_range{s}", "tv"]
    if video.profile:
        args += [f"-profile{s}", video.profile]
    if video.level:
        args += [f"-level{s}", video.level]
    args += [f"-g{s}", str(gop), f"-sc_threshold{s}", "0", f"-force_key_frames{s}", keyframe_expr(gop_s)]
    if video.closed_gop:
        args += [f"-flags{s}", "+cgop"]
    if video.b_frames is not None:
        args += [f"-bf{s}", str(video.b_frames)]
    params = []
    br = video.bitrate
    if kbps is not None:  # an HLS rung
        args += [f"-b{s}", f"{kbps}k", f"-maxrate{s}", f"{maxrate}k", f"-bufsize{s}", f"{bufsize}k"]
    elif br is not None and br.mode == "crf":
        args += [f"-crf{s}", str(br.crf)]
        if br.maxrate_kbps:
            args += [f"-maxrate{s}", f"{br.maxrate_kbps}k", f"-bufsize{s}",
                     f"{br.bufsize_kbps or br.maxrate_kbps * 2}k"]
    elif br is not None and br.mode == "vbr":
        args += [f"-b{s}", f"{br.kbps}k"]
        if br.maxrate_kbps:
            args += [f"-maxrate{s}", f"{br.maxrate_kbps}k", f"-bufsize{s}",
                     f"{br.bufsize_kbps or br.maxrate_kbps * 2}k"]
    elif br is not None:  # cbr
        args += [f"-b{s}", f"{br.kbps}k", f"-minrate{s}", f"{br.kbps}k", f"-maxrate{s}", f"{br.kbps}k",
                 f"-bufsize{s}", f"{br.bufsize_kbps or br.kbps}k"]
        params.append("nal-hrd=cbr")
    if interlaced:
        params += ["interlaced=1", "tff=1"]
    if params:
        args += [f"-x264-params{s}", ":".join(params)]
    return args


def _mpeg2_args(video: VideoSpec, rate: Fraction, s: str) -> list[str]:
    br = video.bitrate
    assert br is not None and br.kbps is not None
    profile = video.profile or "main"
    level = video.level or "high"
    gop = max(1, round(float(rate) * (video.gop_s or 0.48)))
    bits = br.kbps * 1000
    vbv = br.bufsize_kbps * 1000 if br.bufsize_kbps else min(_XDCAM_VBV_BITS, int(bits * 0.36))
    args = [f"-c{s}", "mpeg2video", f"-profile{s}", str(_MPEG2_PROFILE[profile]),
            f"-level{s}", str(_MPEG2_LEVEL[(profile, level)]), f"-b{s}", f"{br.kbps}k",
            f"-maxrate{s}", f"{br.maxrate_kbps or br.kbps}k", f"-bufsize{s}", str(vbv),
            f"-g{s}", str(gop), f"-bf{s}", str(video.b_frames if video.b_frames is not None else 2),
            f"-sc_threshold{s}", "1000000000", f"-dc{s}", "10", f"-intra_vlc{s}", "1",
            f"-non_linear_quant{s}", "1", f"-qmin{s}", "1", f"-qmax{s}", "12",
            f"-color_range{s}", "tv", f"-color_primaries{s}", "bt709", f"-color_trc{s}", "bt709",
            f"-colorspace{s}", "bt709"]
    if br.mode == "cbr":
        args += [f"-minrate{s}", f"{br.kbps}k", f"-rc_init_occupancy{s}", str(vbv)]
    flags = "+cgop" if video.closed_gop else ""
    if video.scan == "interlaced_tff":
        flags += "+ilme+ildct"
        args += [f"-top{s}", "1"]
    if flags:
        args += [f"-flags{s}", flags]
    return args


def _video_args(video: VideoSpec, rate: Fraction, s: str = ":v:0") -> list[str]:
    if video.codec == "h264":
        return _h264_args(video, rate, s, interlaced=video.scan == "interlaced_tff")
    if video.codec == "mpeg2video":
        return _mpeg2_args(video, rate, s)
    if video.codec == "prores":
        return [f"-c{s}", "prores_ks", f"-profile{s}", str(_PRORES[video.profile or "hq"]), f"-vendor{s}", "apl0",
                f"-color_range{s}", "tv"]
    return [f"-c{s}", "dnxhd", f"-profile{s}", video.profile or "dnxhr_hq", f"-color_range{s}", "tv"]


def _audio_args(audio: AudioSpec, s: str = ":a:0", kbps: int | None = None) -> list[str]:
    args = [f"-c{s}", audio.codec, f"-ar{s}", str(audio.sample_rate), f"-ac{s}", str(audio.channels)]
    if audio.codec == "aac":
        args += [f"-b{s}", f"{kbps or audio.kbps}k"]
    return args


def _predicted_hls_files(outdir: Path, rungs: list[PlannedRung], segments: int, fmp4: bool) -> list[Path]:
    files = [outdir / "master.m3u8"]
    for i, rung in enumerate(rungs):
        d = outdir / rung.name
        files.append(d / "index.m3u8")
        if fmp4:
            files.append(d / f"init_{i}.mp4")
        files += [d / f"seg_{k:05d}.{'m4s' if fmp4 else 'ts'}" for k in range(segments)]
    return files


@dataclass
class _Texts:
    """The files the graph reads: the caption's text, the subtitles per raster, the soft subtitle track."""

    workdir: Path
    finishing: Finishing
    caption: Path | None = None
    soft_srt: Path | None = None

    def __post_init__(self) -> None:
        if self.finishing.caption is not None:
            self.caption = self.workdir / "caption.txt"
            self.caption.write_text(self.finishing.caption.text, encoding="utf-8")

    def cues(self, start: float, end: float) -> list:
        subs = self.finishing.subtitles
        if subs is None:
            return []
        if self.finishing.sequence:  # already on the sequence's timeline
            return list(subs.cues)
        return shift_cues(subs.cues, start, end, self.finishing.speed)

    def burned(self, preset: Preset, start: float, end: float, w: int, h: int) -> Path | None:
        subs = self.finishing.subtitles
        if subs is None or subs.mode != "burn":
            return None
        path = self.workdir / f"subtitles-{preset.name}-{w}x{h}.ass"
        path.write_text(ass_text(self.cues(start, end), preset.finishing.subtitles, w, h), encoding="utf-8")
        return path

    def soft(self, start: float, end: float) -> Path | None:
        subs = self.finishing.subtitles
        if subs is None or subs.mode != "soft":
            return None
        if self.soft_srt is None:
            self.soft_srt = self.workdir / "subtitles.srt"
            self.soft_srt.write_text(srt_text(self.cues(start, end)), encoding="utf-8")
        return self.soft_srt


def _soft_hls(outdir: Path, cues: list, length: float, language: str) -> tuple[str, list[Path]]:
    """A WebVTT rendition for an HLS ladder: one cue file and its media playlist under ``subs/``; returns the
    master's ``EXT-X-MEDIA`` line and the files."""
    d = outdir / "subs"
    d.mkdir(exist_ok=True)
    (d / "subs.vtt").write_text(vtt_text(cues), encoding="utf-8")
    target = max(1, math.ceil(length))
    (d / "index.m3u8").write_text("\n".join([
        "#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD", f"#EXTINF:{length:.3f},", "subs.vtt", "#EXT-X-ENDLIST"]) + "\n", encoding="utf-8")
    media = (f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="{language}",LANGUAGE="{language}",'
             f'DEFAULT=YES,AUTOSELECT=YES,URI="subs/index.m3u8"')
    return media, [d / "index.m3u8", d / "subs.vtt"]


def plan_export(src: Path, tech: dict, requests: list[ExportRequest], workdir: Path, *,
                measured: LoudnessMeasure | None = None, timeout_s: float = 600.0,
                finishing: Finishing = NONE) -> ExportPlan:
    """The one ffmpeg command that makes every requested video, HLS and audio preset of ``src``.

    ``tech`` is the stored technical record (:func:`mam.media.probe.normalise`). ``measured`` is pass 1 of the
    loudness correction (:func:`mam.exports.measure_loudness`) over the requested range; it is required when a
    requested preset has a loudness target and the source has audio. Where a target needs more than linear gain
    (the peaks would pass the ceiling), the gain in front of the true-peak limiter is found by audio-only trial
    runs on ``src`` (each within ``timeout_s``; skipped when ``src`` is not a file). Each preset writes under
    ``workdir/<preset name>/``; the HLS master playlist is written now (its tags come from the plan).
    ``finishing`` (logo, caption, subtitles, reframing, fades, speed) is applied on every output's branch.

    Raises:
        ValueError: no or duplicate presets, a still, a preset the source cannot feed (video from audio, audio
            from a silent source), a range outside the source, or a loudness target without a measurement.
    """
    requests = list(requests)
    _check_requests(requests, tech)
    duration = float(tech.get("duration_s") or 0.0)
    if duration <= 0:
        raise ValueError("the source has no duration")
    ranges = _ranges(requests, duration)
    u0, u1 = min(s for s, _ in ranges), max(e for _, e in ranges)
    length = u1 - u0
    speed = finishing.speed
    if not 1.0 <= speed <= MAX_SPEED:
        raise ValueError(f"speed {speed:g} is outside 1..{MAX_SPEED:g}")
    has_audio = bool(tech.get("audio_codec"))
    jobs = []
    for req, (start, end) in zip(requests, ranges, strict=True):
        preset = req.effective_preset()
        if preset.loudness is not None and has_audio and measured is None:
            raise ValueError(f"{preset.name} has a loudness target: measure the source first (measure_loudness)")
        outdir = workdir / preset.name
        outdir.mkdir(parents=True, exist_ok=True)
        jobs.append(_Job(req, preset, start, end, outdir))
    texts = _Texts(workdir, finishing)

    g = Graph()
    cmd = ["ffmpeg", "-y", "-nostats", "-loglevel", "error", "-progress", "pipe:1"]
    base = _seek_base(tech, u0)
    if base > 0:
        cmd += ["-ss", f"{base:.6f}"]
    if u1 < duration - 1e-6:
        cmd += ["-t", f"{u1 - base:.6f}"]
    cmd += ["-i", f"file:{src}"]
    extra_inputs: list[str] = []
    inputs = 1
    video_in = "0:v:0"
    if finishing.sequence:  # src is the sequence's rendered sound (plan_sequence_audio), the pictures follow
        video_in, piece_args = _sequence_video(g, finishing, sequence_layout(finishing), 1)
        cmd += piece_args
        inputs += len(finishing.sequence)
    drop_audio = speed != 1.0 and finishing.speed_audio == "drop"

    # --- audio: one stereo 48 kHz stream, one branch per (range, correction), one leaf per output ---------
    audio_users: list[tuple[_Job, str | None]] = []  # (job, rung name) in output order
    for job in jobs:
        if job.preset.audio is None:
            continue
        if job.preset.kind == "hls":
            frame_w, frame_h = source_display(tech)
            audio_users += [(job, r.name) for r in plan_ladder(job.preset.hls, frame_w, frame_h)]  # type: ignore[arg-type]
        else:
            audio_users.append((job, None))
    audio_leaf: dict[tuple[str, str | None], str] = {}
    groups: dict[tuple[float, float, str | None, bool], list[tuple[_Job, str | None]]] = {}
    fitted: dict[tuple[float, float, float, float, bool], float] = {}
    for job, rung in audio_users:
        loud = job.preset.loudness
        corr = None
        if loud is not None and not drop_audio:
            lossy = job.preset.audio is not None and job.preset.audio.codec == "aac"
            gain = None
            if measured is not None and has_audio and src.is_file() and needs_limiter(
                    measured, loud.target_lufs, loud.true_peak_dbtp, lossy=lossy):
                key = (job.start, job.end, loud.target_lufs, loud.true_peak_dbtp, lossy)
                if key not in fitted:
                    fitted[key] = fit_limited_gain(
                        src, tech, start_s=job.start, end_s=job.end if job.end < duration - 1e-6 else None,
                        measured=measured, target_lufs=loud.target_lufs, true_peak_dbtp=loud.true_peak_dbtp,
                        lossy=lossy, timeout_s=timeout_s)[0]
                gain = fitted[key]
            corr = correction_filter(measured, loud.target_lufs, loud.true_peak_dbtp, lossy=lossy, gain_db=gain)
        pad = job.preset.container == "mxf"  # MXF ends every track with the shortest: silence under the picture
        groups.setdefault((job.start, job.end, corr, pad), []).append((job, rung))
    if groups:
        heads: list[str] = []
        if has_audio and not drop_audio:
            g.raw(stereo_source(tech) + "[a_src]")
            heads = g.split("a_src", len(groups), audio=True)
        for k, ((start, end, corr, pad), users) in enumerate(groups.items()):
            out_len = finishing.out_length(end - start)
            if has_audio and not drop_audio:
                chain = _trim(start, end, base, duration, audio=True)
                chain += audio_finish(finishing, length_s=end - start, cut_in=start > 1e-6,
                                      cut_out=end < duration - 1e-6)
                if pad:  # bounded (the picture may run past the container's duration); -shortest cuts it.
                    # Before the correction: the limiter's delay line flushes unlimited at its end of stream
                    chain.append(f"apad=whole_dur={out_len + PAD_OVER_S:.6f}")
                chain += [corr] if corr else []
                leaf = g.chain(heads[k], chain) if chain else heads[k]
            else:  # a silent video source, or a time-lapse without its sound: (silent) audio tracks still
                leaf = g.label("sil")
                g.raw(f"anullsrc=r=48000:cl=stereo,atrim=duration={out_len:.6f}[{leaf}]")
            for (job, rung), label in zip(users, g.split(leaf, len(users), audio=True), strict=True):
                audio_leaf[(job.preset.name, rung)] = label

    # --- video: one decode, one progressive motion stream, a branch per output ---------------------------
    video_jobs = [j for j in jobs if j.preset.kind in ("video", "hls")]
    progress_file: Path | None = None
    video_leaf: dict[tuple[str, str | None], str] = {}
    motion = motion_rate(tech) if video_jobs else Fraction(25)
    dw, dh = source_display(tech) if video_jobs else (0, 0)
    rasters: dict[tuple[str, str | None], tuple[int, int]] = {}
    for job in video_jobs:
        if job.preset.kind == "hls":
            for rung in plan_ladder(job.preset.hls, dw, dh):  # type: ignore[arg-type]
                rasters[(job.preset.name, rung.name)] = (rung.width, rung.height)
        else:
            frame = plan_frame(job.preset.video.size, dw, dh)  # type: ignore[union-attr]
            rasters[(job.preset.name, None)] = (frame.width, frame.height)
    logos: dict[tuple[str, str | None], tuple[str, Watermark]] = {}
    by_logo: dict[Path, list[tuple[str, str | None]]] = {}
    for key in rasters:
        wm = finishing.logo_for(key[0])
        if wm is not None:
            by_logo.setdefault(wm.logo, []).append(key)
    for keys in by_logo.values():  # one input per logo file, sized once per raster
        wm = finishing.logo_for(keys[0][0])
        assert wm is not None
        index, inputs = inputs, inputs + 1
        extra_inputs += ["-f", "png_pipe", "-i", f"file:{wm.logo}"]
        labels = logo_input(g, index, wm, [rasters[k] for k in keys])
        logos.update({k: (label, wm) for k, label in zip(keys, labels, strict=True)})
    half = 0.5 / float(motion)

    def finish(job: _Job, pending: Pending, key: tuple[str, str | None], frame: Frame, tail: list[str]) -> str:
        reframe = finishing if job.preset.kind == "video" else replace(finishing, reframe=None)
        if reframe.reframe is None and job.preset.finishing.reframe:
            reframe = replace(reframe, reframe=job.preset.finishing.reframe)
        pending = geometry(g, pending, frame, reframe, src_size=(dw, dh), workdir=workdir, start_s=job.start)
        out_len = finishing.out_length(job.end - job.start)
        label, chain = overlays(g, pending, frame, finishing, job.preset.finishing.caption, logo=logos.get(key),
                                caption_file=texts.caption,
                                subtitle_file=texts.burned(job.preset, job.start, job.end, frame.width, frame.height),
                                out_length_s=out_len)
        return g.chain(label, chain + tail)

    if video_jobs:
        field_jobs = [j for j in video_jobs if j.preset.kind == "video" and _keeps_fields(tech, j.preset.video)  # type: ignore[arg-type]
                      and finishing == NONE]
        motion_jobs = [j for j in video_jobs if j not in field_jobs]
        heads = g.split(video_in, 2, audio=False) if field_jobs and motion_jobs else [video_in]
        raw_head, motion_head = heads[0], heads[-1]
        if motion_jobs:
            pre: list[str] = []
            if tech.get("interlaced"):
                pre.append("bwdif=mode=send_field:parity=auto:deint=all")
            # a variable rate, or an average off the standard rate it is snapped to (29.986 -> 30 while the
            # timestamps run at 29.97): the motion stream is made exactly the rate the plan declares and encodes
            if tech.get("vfr") or abs(float(tech.get("fps") or 0) * (2 if tech.get("interlaced") else 1)
                                      - float(motion)) > 0.001:
                pre.append(f"fps={rate_text(motion)}")
                if u1 < duration - 1e-6:  # fps holds the last frame past the range's end: cut it exactly
                    pre.append(f"trim=end={u1 - base:.6f}")
            pre += _tone_map(tech)
            m = g.chain(motion_head, pre, "motion") if pre else motion_head
            branches = g.split(m, len(motion_jobs) + 1)
            progress_file = workdir / "progress.txt"
            g.chain(branches[-1], ["fps=1", "metadata=mode=add:key=lavfi.mam.tick:value=1",
                                   f"metadata=mode=print:file={escape_value(str(progress_file))}:direct=1"], "tick")
            for job, branch in zip(motion_jobs, branches[:-1], strict=True):
                video = job.preset.video
                assert video is not None
                rate = output_rate(video, motion)
                pre_out = _trim(job.start, job.end, base, duration, half=half) + _rate_filters(
                    video, motion, rate, speed)
                if job.preset.kind == "hls":
                    hls = job.preset.hls
                    assert hls is not None
                    rungs = plan_ladder(hls, dw, dh)
                    head = g.chain(branch, pre_out) if pre_out else branch
                    for rung, label in zip(rungs, g.split(head, len(rungs)), strict=True):
                        key = (job.preset.name, rung.name)
                        frame = Frame(rung.width, rung.height, (rung.width, rung.height), "fit")
                        video_leaf[key] = finish(job, (label, []), key, frame, [f"format={video.pix_fmt}"])
                else:
                    key = (job.preset.name, None)
                    frame = plan_frame(video.size, dw, dh)
                    video_leaf[key] = finish(job, (branch, pre_out), key, frame, _tail_filters(video))
        if field_jobs:
            for job, branch in zip(field_jobs, g.split(raw_head, len(field_jobs)), strict=True):
                assert job.preset.video is not None
                trim = _trim(job.start, job.end, base, duration, half=half)
                video_leaf[(job.preset.name, None)] = g.chain(branch, trim + _field_filters(tech, job.preset.video))

    soft_index = None
    for job in jobs:
        if job.preset.kind == "video" and job.preset.container in ("mp4", "mov") and soft_index is None:
            srt = texts.soft(job.start, job.end)
            if srt is not None:
                soft_index, inputs = inputs, inputs + 1
                extra_inputs += ["-f", "srt", "-i", f"file:{srt}"]
    cmd += extra_inputs
    cmd += ["-filter_complex", g.text()]
    if progress_file is not None:
        cmd += ["-map", "[tick]", "-f", "null", "-"]

    # --- outputs ----------------------------------------------------------------------------------------
    outputs: dict[str, PlannedOutput] = {}
    out_length = finishing.out_length(length)
    retimed = speed != 1.0 or bool(finishing.sequence)  # QC: the output against its own length
    for job in jobs:
        p = job.preset
        queue = ["-max_muxing_queue_size", "4096"]
        src_of = None if retimed else src
        if p.kind == "hls":
            hls, video, audio = p.hls, p.video, p.audio
            assert hls is not None and video is not None and audio is not None
            rate = output_rate(video, motion)
            rungs = plan_ladder(hls, dw, dh)
            fmp4 = hls.segment_type == "fmp4"
            for rung in rungs:
                cmd += ["-map", f"[{video_leaf[(p.name, rung.name)]}]",
                        "-map", f"[{audio_leaf[(p.name, rung.name)]}]"]
            for i, rung in enumerate(rungs):
                r = rung.rung
                cmd += _h264_args(video, rate, f":v:{i}", kbps=r.video_kbps, maxrate=r.maxrate_kbps,
                                  bufsize=r.maxrate_kbps)
                cmd += _audio_args(audio, f":a:{i}", kbps=r.audio_kbps)
                (job.outdir / rung.name).mkdir(exist_ok=True)
            ext = "m4s" if fmp4 else "ts"
            cmd += ["-map_metadata", "-1", "-map_chapters", "-1", *queue, "-f", "hls",
                    "-hls_time", f"{hls.segment_s:g}", "-hls_playlist_type", "vod",
                    "-hls_segment_type", hls.segment_type, "-hls_flags", "independent_segments",
                    "-hls_list_size", "0"]
            if fmp4:
                cmd += ["-hls_fmp4_init_filename", "init.mp4"]
            cmd += ["-hls_segment_filename", f"file:{job.outdir}/%v/seg_%05d.{ext}",
                    "-var_stream_map", " ".join(f"v:{i},a:{i},name:{r.name}" for i, r in enumerate(rungs)),
                    f"file:{job.outdir}/%v/index.m3u8"]
            media_lines: list[str] = []
            sub_files: list[Path] = []
            subs = finishing.subtitles
            if subs is not None and subs.mode == "soft":
                line, sub_files = _soft_hls(job.outdir, texts.cues(job.start, job.end),
                                            finishing.out_length(job.end - job.start), subs.language)
                media_lines.append(line)
            master = job.outdir / "master.m3u8"
            master.write_text(master_playlist(rungs, rate=rate, profile=video.profile or "high",
                                              level=video.level or "4.2", segment_s=hls.segment_s,
                                              segment_type=hls.segment_type, media=media_lines), encoding="utf-8")
            segments = max(1, math.ceil(finishing.out_length(job.end - job.start) / hls.segment_s - 1e-6))
            files = _predicted_hls_files(job.outdir, rungs, segments, fmp4) + sub_files
            outputs[p.name] = PlannedOutput(p.name, master, files, p.content_type(), src_of, job.start,
                                            _range_end(job, duration))
            continue
        path = job.outdir / f"{p.name}.{p.extension}"
        if p.kind == "video":
            assert p.video is not None
            cmd += ["-map", f"[{video_leaf[(p.name, None)]}]"]
            if p.audio is not None:
                cmd += ["-map", f"[{audio_leaf[(p.name, None)]}]"]
            if soft_index is not None and p.container in ("mp4", "mov"):
                cmd += ["-map", f"{soft_index}:s:0", "-c:s:0", "mov_text",
                        "-metadata:s:s:0", f"language={finishing.subtitles.language}"]  # type: ignore[union-attr]
            cmd += _video_args(p.video, output_rate(p.video, motion))
        else:
            cmd += ["-map", f"[{audio_leaf[(p.name, None)]}]"]
        if p.audio is not None:
            cmd += _audio_args(p.audio)
        cmd += ["-map_metadata", "-1", "-map_chapters", "-1", *queue]
        if p.faststart:
            cmd += ["-movflags", "+faststart"]
        if p.container == "mxf" and p.audio is not None:
            cmd += ["-shortest"]
        if p.container == "wav":
            cmd += ["-write_bext", "1", "-rf64", "auto"]
        cmd += ["-f", _MUXERS[p.container], f"file:{path}"]
        outputs[p.name] = PlannedOutput(p.name, path, [path], p.content_type(), src_of, job.start,
                                        _range_end(job, duration))
    return ExportPlan(cmd, outputs, progress_file, round(out_length, 6))


# --- sequences: pieces of several originals made one programme ----------------------------------------------

@dataclass(frozen=True)
class SequenceLayout:
    """The common picture of a sequence (the first piece's size and motion rate), each piece's length (whole
    frames of that rate) and the dissolve between pieces (0 for cuts)."""

    width: int
    height: int
    rate: Fraction
    lengths: tuple[float, ...]
    dissolve_s: float

    @property
    def duration_s(self) -> float:
        return sum(self.lengths) - self.dissolve_s * (len(self.lengths) - 1)

    def tech(self) -> dict[str, Any]:
        """The sequence as the planner sees one source: its picture, and its sound (the rendered WAV)."""
        return {"kind": "video", "width": self.width, "height": self.height, "fps": float(self.rate),
                "duration_s": round(self.duration_s, 6), "audio_codec": "pcm_f32le", "audio_channels": 2,
                "audio_streams": 1, "interlaced": False, "vfr": False, "dynamic_range": "SDR",
                "sample_aspect_ratio": 1.0, "rotation": 0, "container": "wav"}


def sequence_layout(finishing: Finishing) -> SequenceLayout:
    pieces = finishing.sequence
    if not pieces:
        raise ValueError("no sequence")
    first = pieces[0].tech
    w, h = source_display(first)
    rate = motion_rate(first)
    lengths = tuple(max(1, round((p.end_s - p.start_s) * float(rate))) / float(rate) for p in pieces)
    dissolve = min(finishing.dissolve_s, min(lengths) / 2) if finishing.transition == "dissolve" else 0.0
    return SequenceLayout(w - w % 2, h - h % 2, rate, lengths, dissolve)


def _piece_input(piece: Piece, length: float) -> tuple[list[str], float]:
    base = _seek_base(piece.tech, piece.start_s)
    args = ["-ss", f"{base:.6f}"] if base > 0 else []
    return args + ["-t", f"{piece.start_s + length - base + 0.5:.6f}", "-i", f"file:{piece.src}"], base


def plan_sequence_audio(finishing: Finishing, workdir: Path) -> tuple[list[str], Path]:
    """The sequence's sound, pieces cut (10-ms fades at each cut), joined (or cross-faded) and written as one
    48-kHz stereo WAV: what the loudness is measured on and the export's audio input (one correction for the
    whole)."""
    lay = sequence_layout(finishing)
    g = Graph()
    cmd = ["ffmpeg", "-y", "-nostats", "-loglevel", "error"]
    labels = []
    for i, (piece, length) in enumerate(zip(finishing.sequence, lay.lengths, strict=True)):
        args, base = _piece_input(piece, length)
        cmd += args
        label = g.label("pa")
        if piece.tech.get("audio_codec"):
            chain = _trim(piece.start_s, piece.start_s + length, base, float("inf"), audio=True)
            g.raw(stereo_source(piece.tech, i) + "," + ",".join(
                chain + [f"apad=whole_dur={length:.6f}", f"atrim=duration={length:.6f}",
                         f"afade=t=in:st=0:d={EDGE_FADE_S}",
                         f"afade=t=out:st={length - EDGE_FADE_S:.6f}:d={EDGE_FADE_S}"]) + f"[{label}]")
        else:
            g.raw(f"anullsrc=r=48000:cl=stereo,atrim=duration={length:.6f}[{label}]")
        labels.append(label)
    if lay.dissolve_s:
        head = labels[0]
        for label in labels[1:]:
            head = g.chain(f"{head}][{label}", [f"acrossfade=d={lay.dissolve_s:.6f}:c1=tri:c2=tri"])
    else:
        head = g.label("seqa")
        g.raw("".join(f"[{x}]" for x in labels) + f"concat=n={len(labels)}:v=0:a=1[{head}]")
    wav = workdir / "sequence-audio.wav"
    cmd += ["-filter_complex", g.text(), "-map", f"[{head}]", "-c:a", "pcm_f32le", "-ar", "48000", "-ac", "2",
            "-f", "wav", f"file:{wav}"]
    return cmd, wav


def _sequence_video(g: Graph, finishing: Finishing, lay: SequenceLayout, first_index: int) -> tuple[str, list[str]]:
    """Every piece's picture cut to its frames, made the sequence's size (fitted, padded) and rate, joined; returns
    the label and the input arguments."""
    args: list[str] = []
    labels = []
    w, h, rate = lay.width, lay.height, lay.rate
    for i, (piece, length) in enumerate(zip(finishing.sequence, lay.lengths, strict=True)):
        a, base = _piece_input(piece, length)
        args += a
        pre = ["bwdif=mode=send_field:parity=auto:deint=all"] if piece.tech.get("interlaced") else []
        pre += _tone_map(piece.tech)
        half = 0.5 / float(motion_rate(piece.tech))
        pre += _trim(piece.start_s, piece.start_s + length, base, float("inf"), half=half)
        frames = round(length * float(rate))
        labels.append(g.chain(f"{first_index + i}:v:0", pre + [
            f"fps={rate_text(rate)}", f"trim=end_frame={frames}",
            f"scale={w}:{h}:force_original_aspect_ratio=decrease:out_range=tv", f"pad={w}:{h}:-1:-1:color=black",
            "setsar=1", "format=yuv420p", "setpts=PTS-STARTPTS"]))
    if lay.dissolve_s:
        head, at = labels[0], 0.0
        for label, length in zip(labels[1:], lay.lengths[:-1], strict=True):
            at += length - lay.dissolve_s
            head = g.chain(f"{head}][{label}", [f"xfade=transition=fade:duration={lay.dissolve_s:.6f}:offset={at:.6f}"])
        # xfade holds the last picture a frame or two past the programme: cut it to the sound's length
        return g.chain(head, [f"trim=end_frame={round(lay.duration_s * float(rate))}", "setpts=N/FRAME_RATE/TB"]), args
    out = g.label("seqv")
    g.raw("".join(f"[{x}]" for x in labels) + f"concat=n={len(labels)}:v=1:a=0[{out}]")
    return out, args

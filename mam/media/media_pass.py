"""The media pass: ONE ffmpeg process per original writes every product (pure command builders).

Video graph (one decode; everything after the first scale works on proxy-sized frames)::

    0:v ─[yadif]─ scale to proxy size ─[HLG/PQ → SDR BT.709 tone map]─ setsar=1,yuv420p ─ split
      ├─ proxy.mp4 (libx264, keyframe every 1 s, +faststart; with the AAC branch of 0:a)
      ├─ poster:  fps=~12 samples, signalstats + drop black, blurdetect + drop blurred, thumbnail → poster.jpg
      ├─ sprites: fps=1/N, scale=160:h, metadata print (tile times) → tile=10x10 → sprite_%03d.jpg
      └─ small (short side 108): split
           ├─ select=gt(scene,floor) → metadata print → scenes.txt         (→ null)
           └─ blackdetect, freezedetect → metadata print → video_events.txt (→ null)
    0:a ─ asplit
      ├─ proxy audio (AAC 128k stereo 48 kHz)
      ├─ ebur128=peak=true:metadata=1, aselect ~1/s + the last 1.5 s → loudness.txt      (→ null)
      ├─ silencedetect → ametadata print → silence.txt                                  (→ null)
      └─ aformat=fltp, asetnsamples=duration/1000, astats Min/Max → waveform.txt          (→ null)

Audio-only originals get the asplit part with an AAC ``proxy.m4a``. The printed files are read by
:func:`collect` (parsers in ``media_pass_results``), which also writes ``thumbnails.vtt`` and
``waveform.json``. Keyframe images per shot come from a second, cheap step on the proxy
(:func:`plan_shot_keyframes`, keyframes only).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ffmpeg

from mam.errors import MamError
from mam.media import media_pass_results as res
from mam.media.renditions import PROXY_MAX, display_size, even, fit_within
from mam.media.runner import run_media_command

POSTER_SAMPLES = 12
POSTER_MIN_LUMA = 28  # mean 8-bit luma; darker samples are "black"
POSTER_MAX_BLUR = 25  # blurdetect edge width at poster size; sharp footage is ~4-10, sigma-8 blur ~20-30
SPRITE_WIDTH, SPRITE_COLS, SPRITE_ROWS = 160, 10, 10
SPRITE_STEPS = (1, 2, 5, 10)  # seconds between tiles; the first keeping <= SPRITE_MAX_TILES, else the last
SPRITE_MAX_TILES = 400
ANALYSIS_SHORT_SIDE = 108
SCENE_FLOOR = 0.1  # scores below this are not written (keeps scenes.txt small); thresholds must be above
SCENE_THRESHOLD = 0.3
MIN_SHOT_S = 0.5
BLACK_MIN_S = 0.5
WAVEFORM_BUCKETS = 1000
SHOT_IMAGE_WIDTH = 320
_TRANSFER_IN = {"HLG": "arib-std-b67", "PQ": "smpte2084"}


@dataclass(frozen=True)
class MediaPassPlan:
    """What the one ffmpeg run writes. ``reports`` are the filters' metadata print files."""

    cmd: list[str]
    kind: str  # "video" or "audio"
    duration_s: float
    proxy: Path
    proxy_size: tuple[int, int] | None = None
    poster: Path | None = None
    sprites: Path | None = None  # image2 pattern: sprite_%03d.jpg
    sprite_interval_s: int | None = None
    sprite_tile: tuple[int, int] | None = None
    thumbnails_vtt: Path | None = None
    waveform_json: Path | None = None
    waveform_bucket_s: float | None = None
    reports: dict[str, Path] = field(default_factory=dict)
    progress_file: Path | None = None  # one ``pts_time`` line per second of video, written as decoded


@dataclass(frozen=True)
class MediaPassResults:
    shots: list[res.Shot]
    black: list[res.Interval]
    freezes: list[res.Interval]
    silences: list[res.Interval]
    loudness: res.Loudness | None
    poster: Path | None  # None: every sample was black or blurred (use a fallback frame)
    sprite_sheets: list[Path]
    thumbnails_vtt: Path | None
    waveform_json: Path | None


def sprite_interval(duration: float) -> int:
    """Seconds between sprite tiles: 1 s up to 400 s (so always under 2 min), then 2, 5, at most 10 s."""
    for step in SPRITE_STEPS:
        if math.ceil(duration / step) <= SPRITE_MAX_TILES:
            return step
    return SPRITE_STEPS[-1]


def _compile(*outputs: Any) -> list[str]:
    """Arguments only: :func:`mam.media.runner.run_media_command` adds the safety flags."""
    return ffmpeg.merge_outputs(*outputs).global_args(
        "-progress", "pipe:1", "-nostats", "-loglevel", "error").overwrite_output().compile()


def _print(stream: Any, path: Path, audio: bool = False, key: str | None = None, direct: bool = False) -> Any:
    opts: dict[str, Any] = {"mode": "print", "file": str(path.absolute())}
    if key:
        opts["key"] = key
    if direct:
        opts["direct"] = 1  # unbuffered: lines appear as frames are decoded
    return stream.filter("ametadata" if audio else "metadata", **opts)


def _null(stream: Any) -> Any:
    return ffmpeg.output(stream, "-", f="null")


@functools.cache
def ffmpeg_has_filter(name: str) -> bool:
    """Whether this ffmpeg build has filter ``name`` (runs ``ffmpeg -filters`` once per name; not pure)."""
    try:
        out = run_media_command(["ffmpeg", "-filters"], timeout_s=20)
    except MamError:
        return False
    return any(line.split()[1:2] == [name] for line in out.splitlines())


def _to_sdr_size(v: Any, tech: dict[str, Any], size: tuple[int, int], zscale: bool) -> Any:
    """Scale to ``size``; HLG/PQ sources are tone-mapped (zscale + tonemap=hable) to 8-bit BT.709 on the way.

    Without zscale, HDR gets a BT.2020 -> BT.709 primaries/matrix conversion only (``colorspace``; no tone map).
    """
    w, h = size
    tin = _TRANSFER_IN.get(str(tech.get("dynamic_range") or "SDR"))
    if tin is None:
        return v.filter("scale", w, h)
    if not zscale:
        return v.filter("scale", w, h).filter("colorspace", all="bt709", iall="bt2020", format="yuv420p")
    return (
        v.filter("zscale", w=w, h=h, tin=tin, pin="bt2020", t="linear", npl=100, **{"min": "bt2020nc"})
        .filter("format", "gbrpf32le")
        .filter("zscale", p="bt709")
        .filter("tonemap", tonemap="hable", desat=0)
        .filter("zscale", t="bt709", m="bt709", r="tv")
    )


def _audio_branches(a: Any, workdir: Path, duration: float, tech: dict[str, Any]) -> tuple[Any, list[Any], float]:
    """Split audio into (proxy stream, analysis outputs, waveform bucket seconds)."""
    reports = _report_paths(workdir)
    b = a.filter_multi_output("asplit")
    loud = b[1].filter("ebur128", peak="true", metadata=1).filter(
        "aselect", f"not(mod(n,10))+gte(t,{max(0.0, duration - 1.5):.3f})")
    silence = b[2].filter("silencedetect", n="-50dB", d=1)
    rate = int(tech.get("audio_sample_rate") or 48000)
    per_bucket = max(1, math.ceil(duration * rate / WAVEFORM_BUCKETS))
    wave = (b[3].filter("aformat", sample_fmts="fltp", sample_rates=rate)
            .filter("asetnsamples", n=per_bucket, p=1)
            .filter("astats", metadata=1, reset=1, measure_perchannel="none", measure_overall="Min_level+Max_level"))
    outs = [_null(_print(loud, reports["loudness"], audio=True)),
            _null(_print(silence, reports["silence"], audio=True)),
            _null(_print(wave, reports["waveform"], audio=True))]
    return b[0], outs, per_bucket / rate


def _report_paths(workdir: Path) -> dict[str, Path]:
    names = ("scenes", "video_events", "sprite_times", "loudness", "silence", "waveform")
    return {n: workdir / f"{n}.txt" for n in names}


_AUDIO_PROXY = {"acodec": "aac", "audio_bitrate": "128k", "ac": 2, "ar": 48000}


def plan_media_pass(src: Path, workdir: Path, tech: dict[str, Any], *, zscale: bool = True) -> MediaPassPlan:
    """The one ffmpeg command for ``src`` (``tech`` from :func:`mam.media.probe.normalise`) and what it writes.

    ``zscale``: whether the build has the zscale filter (``ffmpeg_has_filter("zscale")``) for HDR tone mapping.
    """
    kind = tech.get("kind")
    duration = float(tech.get("duration_s") or 1.0)
    inp = ffmpeg.input(f"file:{src}")
    reports = _report_paths(workdir)
    if kind == "audio":
        proxy = workdir / "proxy.m4a"
        pa, outs, bucket_s = _audio_branches(inp.audio, workdir, duration, tech)
        proxy_out = ffmpeg.output(pa, f"file:{proxy}", movflags="+faststart", map_metadata=-1, f="mp4",
                                  **_AUDIO_PROXY)
        keep = {k: reports[k] for k in ("loudness", "silence", "waveform")}
        return MediaPassPlan(_compile(proxy_out, *outs), "audio", duration, proxy,
                             waveform_json=workdir / "waveform.json", waveform_bucket_s=bucket_s, reports=keep)
    if kind != "video":
        raise ValueError(f"the media pass is for video and audio, not {kind!r}")
    return _plan_video(inp, workdir, tech, duration, reports, zscale)


def _plan_video(inp: Any, workdir: Path, tech: dict[str, Any], duration: float,
                reports: dict[str, Path], zscale: bool) -> MediaPassPlan:
    proxy, poster, sprites = workdir / "proxy.mp4", workdir / "poster.jpg", workdir / "sprite_%03d.jpg"
    pw, ph = fit_within(*display_size(tech), PROXY_MAX)
    fps = float(tech.get("fps") or 25.0)
    v = inp.video
    if tech.get("interlaced"):
        v = v.filter("yadif", mode="send_frame", parity="auto", deint="all")
    v = _to_sdr_size(v, tech, (pw, ph), zscale).filter("setsar", 1).filter("format", "yuv420p")
    br = v.filter_multi_output("split")

    sample_rate = min(fps, POSTER_SAMPLES / max(duration, 0.1))
    pv = (br[1].filter("fps", fps=f"{sample_rate:.6f}").filter("signalstats")
          .filter("metadata", mode="select", key="lavfi.signalstats.YAVG", value=POSTER_MIN_LUMA, function="greater")
          .filter("blurdetect")
          .filter("metadata", mode="select", key="lavfi.blur", value=POSTER_MAX_BLUR, function="less")
          .filter("thumbnail", n=POSTER_SAMPLES))
    step = sprite_interval(duration)
    tile = (SPRITE_WIDTH, even(SPRITE_WIDTH * ph / pw))
    sv = br[2].filter("fps", fps=f"1/{step}").filter("scale", *tile)
    sv = _print(sv.filter("metadata", mode="add", key="lavfi.mam.tile", value=1), reports["sprite_times"])
    sv = sv.filter("tile", layout=f"{SPRITE_COLS}x{SPRITE_ROWS}")
    small = br[3].filter("scale", *fit_within(pw, ph, ANALYSIS_SHORT_SIDE)).filter_multi_output("split")
    # ffmpeg's own -progress stays silent until every output has written its header (the poster and the
    # sprite sheets only do at the end), so the pass prints one unbuffered line per second of video itself.
    progress_file = workdir / "progress.txt"
    ticks = _print(small[2].filter("fps", fps=1).filter("metadata", mode="add", key="lavfi.mam.tick", value=1),
                   progress_file, direct=True)
    scenes = _print(small[0].filter("select", f"gt(scene,{SCENE_FLOOR})"), reports["scenes"],
                    key="lavfi.scene_score")
    events = _print(small[1].filter("blackdetect", d=BLACK_MIN_S, pix_th=0.10)
                    .filter("freezedetect", n="-60dB", d=2), reports["video_events"])

    streams, outs, audio_args, bucket_s = [br[0]], [], {"an": None}, None
    if tech.get("audio_codec"):
        pa, outs, bucket_s = _audio_branches(inp.audio, workdir, duration, tech)
        streams.append(pa)
        audio_args = dict(_AUDIO_PROXY)
    color = {}
    if tech.get("dynamic_range") in _TRANSFER_IN:
        color = {"color_primaries": "bt709", "color_trc": "bt709", "colorspace": "bt709"}
    proxy_out = ffmpeg.output(
        *streams, f"file:{proxy}",
        vcodec="libx264", preset="veryfast", crf=23, profile="high", pix_fmt="yuv420p",
        g=max(1, round(fps * 2)), force_key_frames="expr:gte(t,n_forced*1)",
        movflags="+faststart", map_metadata=-1, map_chapters=-1, f="mp4", **color, **audio_args,
    )
    image = {"f": "image2", "fps_mode": "passthrough"}
    cmd = _compile(
        proxy_out,
        ffmpeg.output(pv, f"file:{poster}", vframes=1, update=1, **{"q:v": 3}, **image),
        ffmpeg.output(sv, f"file:{sprites}", **{"q:v": 5}, **image),
        _null(scenes), _null(events), _null(ticks), *outs,
    )
    if not tech.get("audio_codec"):
        reports = {k: p for k, p in reports.items() if k not in ("loudness", "silence", "waveform")}
    return MediaPassPlan(
        cmd, "video", duration, proxy, (pw, ph), poster, sprites, step, tile, workdir / "thumbnails.vtt",
        workdir / "waveform.json" if bucket_s else None, bucket_s, reports, progress_file,
    )


def collect(plan: MediaPassPlan, *, scene_threshold: float = SCENE_THRESHOLD,
            min_shot_s: float = MIN_SHOT_S) -> MediaPassResults:
    """Read what the pass printed, write ``thumbnails.vtt`` and ``waveform.json``, return the findings."""
    def read(name: str) -> str | None:
        path = plan.reports.get(name)
        return path.read_text(encoding="utf-8", errors="replace") if path and path.exists() else None

    d = plan.duration_s
    scenes, events, times = read("scenes"), read("video_events"), read("sprite_times")
    loud, silence, wave = read("loudness"), read("silence"), read("waveform")
    shots = res.shots_from_scores(res.parse_scene_scores(scenes), d, scene_threshold, min_shot_s) \
        if scenes is not None else []
    vtt = None
    if times is not None and plan.thumbnails_vtt and plan.sprite_tile:
        vtt = res.write_thumbnails_vtt(plan.thumbnails_vtt, res.parse_frame_times(times), d, tile=plan.sprite_tile,
                                       cols=SPRITE_COLS, rows=SPRITE_ROWS)
    wave_json = None
    if wave is not None and plan.waveform_json and plan.waveform_bucket_s:
        wave_json = res.write_waveform_json(plan.waveform_json, res.waveform_peaks(wave), plan.waveform_bucket_s)
    ev = events or ""
    return MediaPassResults(
        shots=shots,
        black=res.parse_intervals(ev, "lavfi.black_start", "lavfi.black_end", duration=d, min_duration=BLACK_MIN_S),
        freezes=res.parse_intervals(ev, "lavfi.freezedetect.freeze_start", "lavfi.freezedetect.freeze_end",
                                    duration=d),
        silences=res.parse_intervals(silence or "", "lavfi.silence_start", "lavfi.silence_end", duration=d),
        loudness=res.parse_loudness(loud) if loud is not None else None,
        poster=plan.poster if plan.poster and plan.poster.exists() else None,
        sprite_sheets=sorted(plan.sprites.parent.glob("sprite_*.jpg")) if plan.sprites else [],
        thumbnails_vtt=vtt,
        waveform_json=wave_json,
    )


def shot_target(shot: res.Shot) -> int | None:
    """The whole second nearest the middle of ``shot`` (the proxy has a keyframe at the first frame of every
    whole second), or None for a shot with no whole second inside it."""
    first, last = math.ceil(shot.start_s - 1e-6), math.ceil(shot.end_s - 1e-6) - 1
    if first > last:
        return None
    return min(max(round((shot.start_s + shot.end_s) / 2), first), last)


@dataclass(frozen=True)
class ShotKeyframesPlan:
    cmd: list[str]
    images: list[Path | None]  # one per shot, in shot order; None: the shot has no whole second


def plan_shot_keyframes(proxy: Path, workdir: Path, shots: Sequence[res.Shot],
                        width: int = SHOT_IMAGE_WIDTH) -> ShotKeyframesPlan | None:
    """One image per shot from the proxy, decoding its keyframes only (``-skip_frame nokey``).

    Each shot gets the proxy keyframe at its target second (:func:`shot_target`); the targets are distinct whole
    seconds, so the n-th image written is the n-th target's.
    """
    targets = [shot_target(s) for s in shots]
    wanted = [k for k in targets if k is not None]
    if not wanted:
        return None
    expr = "+".join(f"gte(t,{k})*not(gte(prev_t,{k}))" for k in wanted)
    v = (ffmpeg.input(f"file:{proxy}", skip_frame="nokey").video
         .filter("select", expr).filter("scale", f"min(iw,{width})", -2))
    out = ffmpeg.output(v, f"file:{workdir / 'shot_%04d.jpg'}", f="image2", fps_mode="passthrough",
                        **{"q:v": 4})
    cmd = out.global_args("-nostats", "-loglevel", "error").overwrite_output().compile()
    images: list[Path | None] = []
    n = 0
    for k in targets:
        if k is None:
            images.append(None)
        else:
            n += 1
            images.append(workdir / f"shot_{n:04d}.jpg")
    return ShotKeyframesPlan(cmd, images)

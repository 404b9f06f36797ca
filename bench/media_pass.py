"""Media pass benchmark: every product from ONE ffmpeg process, against a bare proxy and one run per product.

For a generated clip of each kind (testsrc2 + 440 Hz tone, encoded at -preset ultrafast):
  bare      plain ffmpeg proxy transcode with the media pass's encoder settings (the floor)
  pass      the product's plan (mam/media/media_pass.py) + collect() (parsers, thumbnails.vtt, waveform.json)
  separate  the MediaCMS way: one ffmpeg run per product, each reading the original
            (proxy, poster, sprites, scenes, black+freeze, loudness, silence, waveform)
The per-shot keyframe images (a second small step on the proxy) are timed on their own.
Ways are interleaved (order rotated each repeat); medians of N repeats and the ratios pass/bare and
pass/separate go to bench/results/media_pass.json.
Usage: python bench/media_pass.py [--repeats 2] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from mam.media.media_pass import (
    POSTER_MAX_BLUR,
    POSTER_MIN_LUMA,
    POSTER_SAMPLES,
    SCENE_FLOOR,
    collect,
    plan_media_pass,
    plan_shot_keyframes,
)
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import safe_media_command

CLIPS = {
    "1080p_h264": ("1920x1080", ["-c:v", "libx264", "-preset", "ultrafast"]),
    "4k_hevc": ("3840x2160", ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
                            "-x265-params", "log-level=error"]),
}
FF = ["ffmpeg", "-nostdin", "-y", "-loglevel", "error"]


def make(path: Path, spec: tuple[str, list[str]], seconds: int) -> None:
    size, codec = spec
    subprocess.run([*FF, "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                    *codec, "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)], check=True)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def separate_commands(src: Path, work: Path, tech: dict, plan) -> dict[str, list[str]]:
    """One ffmpeg per product, each reading the original, with the same filters as the pass."""
    w, h = plan.proxy_size
    d, fps = tech["duration_s"], tech["fps"]
    tw, th = plan.sprite_tile
    i = [*FF, "-i", str(src)]
    proxy = [*i, "-vf", f"scale={w}:{h},setsar=1,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast",
             "-crf", "23", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", str(round(2 * fps)),
             "-force_key_frames", "expr:gte(t,n_forced*1)", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
             "-ar", "48000", "-movflags", "+faststart", str(work / "sep_proxy.mp4")]

    def meta(name: str) -> str:
        return f"metadata=print:file={work / name}"

    def ameta(name: str) -> str:
        return f"ametadata=print:file={work / name}"

    return {
        "proxy": proxy,
        "poster": [*i, "-an", "-vf", f"fps={min(fps, POSTER_SAMPLES / d):.6f},scale={w}:{h},setsar=1,signalstats,"
                   f"metadata=select:key=lavfi.signalstats.YAVG:value={POSTER_MIN_LUMA}:function=greater,blurdetect,"
                   f"metadata=select:key=lavfi.blur:value={POSTER_MAX_BLUR}:function=less,thumbnail=n=12",
                   "-frames:v", "1", "-update", "1", str(work / "sep_poster.jpg")],
        "sprites": [*i, "-an", "-vf", f"fps=1/{plan.sprite_interval_s},scale={tw}:{th},tile=10x10",
                    "-fps_mode", "passthrough", str(work / "sep_sprite_%03d.jpg")],
        "scenes": [*i, "-an", "-vf", f"scale=192:108,select=gt(scene\\,{SCENE_FLOOR}),"
                   f"{meta('sep_scenes.txt')}:key=lavfi.scene_score", "-f", "null", "-"],
        "black_freeze": [*i, "-an", "-vf", "scale=192:108,blackdetect=d=0.5:pix_th=0.10,freezedetect=n=-60dB:d=2,"
                         f"{meta('sep_events.txt')}", "-f", "null", "-"],
        "loudness": [*i, "-vn", "-af", f"ebur128=peak=true:metadata=1,{ameta('sep_loud.txt')}", "-f", "null", "-"],
        "silence": [*i, "-vn", "-af", f"silencedetect=n=-50dB:d=1,{ameta('sep_silence.txt')}", "-f", "null", "-"],
        "waveform": [*i, "-vn", "-af", f"aformat=sample_fmts=fltp,asetnsamples=n={round(d * 48)}:p=1,"
                     "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Min_level+Max_level,"
                     f"{ameta('sep_wave.txt')}", "-f", "null", "-"],
    }


def bench_clip(src: Path, work: Path, repeats: int) -> dict:
    tech = normalise(run_ffprobe(src, 60))
    out = work / "pass"
    out.mkdir(exist_ok=True)
    plan = plan_media_pass(src, out, tech)
    sep = separate_commands(src, work, tech, plan)

    def run_pass() -> float:
        start = time.perf_counter()
        subprocess.run(safe_media_command(plan.cmd), check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        collect(plan)
        return time.perf_counter() - start

    times: dict[str, list[float]] = {"bare": [], "pass": [], "separate": []}
    per_product: dict[str, list[float]] = {k: [] for k in sep}

    def run_separate() -> float:
        total = 0.0
        for name, cmd in sep.items():
            t = timed(cmd)
            per_product[name].append(t)
            total += t
        return total

    ways = {"bare": lambda: timed(sep["proxy"]), "pass": run_pass, "separate": run_separate}
    order = list(ways)
    for r in range(repeats):
        for way in order[r % 3:] + order[:r % 3]:  # interleaved, order rotated so drift hits every way alike
            times[way].append(ways[way]())
    shots = collect(plan).shots
    kp = plan_shot_keyframes(plan.proxy, out, shots)
    keyframes_s = timed(safe_media_command(kp.cmd)) if kp else 0.0
    analysis_s = time_analysis(plan.proxy, out, shots, kp)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "seconds": tech["duration_s"], "size": f"{tech['width']}x{tech['height']}", "codec": tech["video_codec"],
        "repeats": repeats, "median_s": med, "runs_s": times,
        "separate_median_s": {k: statistics.median(v) for k, v in per_product.items()},
        "shot_keyframes_s": keyframes_s,
        "shots": len(shots),
        "analysis_s": analysis_s,
        "pass_vs_bare": med["pass"] / med["bare"],
        "ingest_with_analysis_vs_bare": (med["pass"] + keyframes_s + analysis_s) / med["bare"],
        "pass_vs_separate": med["pass"] / med["separate"],
    }


def time_analysis(proxy: Path, out: Path, shots, kp) -> float:
    """The analyze queue's work for this clip: 640-px OCR frames from the proxy, then every shot analysed
    (OCR, looks, motion, hash). The OCR engine is loaded before timing, as it stays loaded in a worker."""
    from mam.analysis import ocr
    from mam.analysis.shots import analyse_shot

    if kp is None:
        return 0.0
    ocr._get_engine()
    (out / "ocr").mkdir(exist_ok=True)
    big = plan_shot_keyframes(proxy, out / "ocr", shots, width=640)
    start = time.perf_counter()
    subprocess.run(safe_media_command(big.cmd), check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    for shot, thumb, frame in zip(shots, kp.images, big.images, strict=True):
        if thumb is not None:
            analyse_shot(thumb, proxy, shot.start_s, shot.end_s, ocr_image=frame)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "media_pass.json")
    args = ap.parse_args()
    results = {"machine": platform.platform(), "cores": os.cpu_count(), "clips": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in CLIPS.items():
            work = Path(tmp) / name
            work.mkdir()
            src = work / f"{name}.mp4"
            make(src, spec, args.seconds)
            res = bench_clip(src, work, args.repeats)
            results["clips"][name] = res
            print(f"{name}: pass/bare = {res['pass_vs_bare']:.3f}  pass/separate = {res['pass_vs_separate']:.3f}  "
                  f"with analysis/bare = {res['ingest_with_analysis_vs_bare']:.3f}  "
                  f"(medians {json.dumps({k: round(v, 2) for k, v in res['median_s'].items()})}, "
                  f"shot keyframes {res['shot_keyframes_s']:.2f} s)", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()

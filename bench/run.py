"""Ingest renditions benchmark: our one-decode proxy+poster pass against plain ffmpeg, in one run.

Measures, for generated clips, three ways of making the same products:
  bare      plain ffmpeg proxy transcode with the same encoder settings (the floor)
  one_pass  the product's plan: proxy + poster from ONE decode (split)
  separate  the MediaCMS way: a proxy run, then a second full decode for the poster
Reports median wall time of N repeats and the ratios one_pass/bare and one_pass/separate.
Usage: python bench/run.py [--repeats 3] [--seconds 30]
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

from mam.media.probe import normalise, run_ffprobe
from mam.media.renditions import plan_video

CLIPS = {
    "1080p_h264": ("1920x1080", ["-c:v", "libx264", "-preset", "veryfast"]),
    "4k_hevc": ("3840x2160", ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
                            "-x265-params", "log-level=error"]),
}


def make(path: Path, spec: tuple[str, list[str]], seconds: int) -> None:
    size, codec = spec
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                    *codec, "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)], check=True)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def commands(src: Path, work: Path) -> dict[str, list[list[str]]]:
    tech = normalise(run_ffprobe(src, 60))
    plan = plan_video(src, work, tech)
    w, h = plan.proxy_size
    bare = ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(src), "-vf", f"scale={w}:{h},setsar=1",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-profile:v", "high", "-pix_fmt", "yuv420p",
            "-g", str(round(2 * tech["fps"])), "-force_key_frames", "expr:gte(t,n_forced*1)", "-c:a", "aac",
            "-b:a", "128k", "-ac", "2", "-ar", "48000", "-movflags", "+faststart", str(work / "bare.mp4")]
    poster = ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(src), "-vf",
              f"fps={12 / tech['duration_s']:.6f},scale=-2:720,thumbnail=n=12", "-frames:v", "1",
              str(work / "sep_poster.jpg")]
    return {"bare": [bare], "one_pass": [plan.cmd], "separate": [bare, poster]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=30)
    args = ap.parse_args()
    results = {"machine": platform.platform(), "cores": os.cpu_count(), "clips": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, spec in CLIPS.items():
            src = work / f"{name}.mp4"
            make(src, spec, args.seconds)
            cmds = commands(src, work)
            times: dict[str, list[float]] = {k: [] for k in cmds}
            for _ in range(args.repeats):
                for way, runs in cmds.items():  # interleaved so drift hits every way alike
                    times[way].append(sum(timed(c) for c in runs))
            med = {k: statistics.median(v) for k, v in times.items()}
            results["clips"][name] = {
                "seconds": args.seconds, "median_s": med,
                "one_pass_vs_bare": med["one_pass"] / med["bare"],
                "one_pass_vs_separate": med["one_pass"] / med["separate"],
            }
            print(f"{name}: one_pass/bare = {med['one_pass'] / med['bare']:.3f}  "
                  f"one_pass/separate = {med['one_pass'] / med['separate']:.3f}  (medians {med})")
    out = Path(__file__).parent / "results" / "renditions.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()

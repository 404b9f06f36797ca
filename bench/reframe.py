"""Follow-reframe benchmark: the crop-path analysis against the encode of the 9:16 export it drives.

On a generated 1080p25 clip (a white square wandering over a grainy dark picture: still, pans of several speeds,
a jump; a tone for the audio) and its 640-px proxy (as the media pass makes it):
  analysis   ``follow_crop`` on the proxy, 9:16 (modules loaded, as in a worker)
  encode     the product's douyin-9x16 export of the source (its plan: libx264 at the preset's speed, VBR, AAC,
             loudness correction) with its fit-and-pad picture replaced by the follow crop
             (``crop@reframe`` with the path's expression, then scaled to 1080x1920)
Both run ``--repeats`` times, interleaved; medians and the ratio (target <= 0.3) go to bench/results/reframe.json.
Usage: python bench/reframe.py [--repeats 1] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from mam.exports import ExportRequest, measure_loudness, plan_export
from mam.exports.reframe import follow_crop
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.presets import load_presets

#: the square's left edge (fraction of the width) over a 12-s cycle: still, slow pan, still, fast pan back, jump
PATH_X = ("1920*(0.15+0.55*clip((mod(t,12)-1)/4,0,1)-0.55*clip((mod(t,12)-6)/1.5,0,1)"
          "+0.5*gte(mod(t,12),9))-60")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", *args], check=True)


def make(src: Path, proxy: Path, seconds: int) -> None:
    graph = (f"color=c=0x202020:s=1920x1080:r=25:d={seconds},noise=alls=20:allf=t+u[bg];"
             f"color=c=white:s=120x120:r=25:d={seconds}[sq];[bg][sq]overlay=x='{PATH_X}':y=480:shortest=1")
    ffmpeg("-f", "lavfi", "-i", graph, "-f", "lavfi", "-i", f"sine=f=440:r=48000:d={seconds}",
           "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "192k", "-ac", "2", "-shortest", str(src))
    ffmpeg("-i", str(src), "-vf", "scale=640:-2", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-an",
           str(proxy))


def with_follow_crop(cmd: list[str], crop: str) -> list[str]:
    """The export command with its fit-and-pad picture replaced by ``crop`` then a scale to the full raster."""
    out, done = [], False
    for arg in cmd:
        new = re.sub(r"scale=(\d+):\d+:out_range=tv,pad=(\d+):(\d+):[^,\[;]*",
                     lambda m: f"{crop},scale={m.group(2)}:{m.group(3)}:out_range=tv", arg)
        done = done or new != arg
        out.append(new)
    if not done:
        raise SystemExit("the douyin-9x16 plan has no fit-and-pad chain to replace: update bench/reframe.py")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    preset = load_presets()["douyin-9x16"]
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                                  "clip": f"1080p25 moving square over grain, {args.seconds} s; proxy 640x360",
                                  "repeats": args.repeats}
    with tempfile.TemporaryDirectory(prefix="mam-bench-reframe-") as tmp:
        base = Path(tmp)
        src, proxy = base / "src.mp4", base / "proxy.mp4"
        make(src, proxy, args.seconds)
        tech = normalise(run_ffprobe(src, 60))
        measured = measure_loudness(src, start_s=None, end_s=None, timeout_s=600, tech=tech)
        path = follow_crop(proxy, 1920, 1080, 9 / 16)  # warm-up: cascade and solver loaded, files cached

        def analysis() -> float:
            start = time.perf_counter()
            follow_crop(proxy, 1920, 1080, 9 / 16)
            return time.perf_counter() - start

        def encode() -> float:
            work = base / "w"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            plan = plan_export(src, tech, [ExportRequest(preset)], work, measured=measured)
            cmd = with_follow_crop(plan.cmd, path.crop_filter())
            start = time.perf_counter()
            run_media_command(cmd, timeout_s=7200)
            return time.perf_counter() - start

        ways = {"analysis": analysis, "encode": encode}
        times: dict[str, list[float]] = {k: [] for k in ways}
        order = list(ways)
        for rep in range(args.repeats):
            for name in order[rep % 2:] + order[:rep % 2]:
                times[name].append(ways[name]())
                print(f"{name}: {times[name][-1]:.2f} s", flush=True)
    med = {k: round(statistics.median(v), 2) for k, v in times.items()}
    results["seconds"] = med
    results["ratio_analysis_over_encode"] = round(med["analysis"] / med["encode"], 3)
    results["path"] = {"keyframes": len(path.keyframes), "crop_filter_chars": len(path.crop_filter()),
                       "source": path.source, **path.extra}
    out = Path(__file__).parent / "results" / "reframe.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

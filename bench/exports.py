"""Exports benchmark: one decode for many outputs vs one ffmpeg per output, and the loudness pass's cost.

On a generated 1080p25 clip (testsrc2 with grain, so the encoders have work; a tone with a louder passage):
  ladder_one     the 5-rung app-hls ladder from ONE decode (the product's plan)
  ladder_each    one ffmpeg per rung (the same plan code with a one-rung ladder), each reading the original
  four_together  app-hls + web-mp4 + douyin-9x16 + broadcast-hd in ONE plan
  four_each      the four presets as four exports, one after another
  measure        the loudness measuring pass (audio only) over the whole clip
Every command runs through the media runner (its safety rewrite included). Ways are interleaved (order rotated
each repeat); medians of N repeats and the ratios go to bench/results/exports.json.
With ``--long-seconds N`` it also times app-hls on an N-second 1080p25 clip and reports the realtime factor.
Usage: python bench/exports.py [--repeats 1] [--seconds 12] [--long-seconds 0]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from mam.exports import ExportRequest, measure_loudness, plan_export
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.presets import load_presets

FOUR = ["app-hls", "web-mp4", "douyin-9x16", "broadcast-hd"]


def make(path: Path, seconds: int) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error",
                    "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={seconds},noise=alls=12:allf=t",
                    "-f", "lavfi", "-i", f"sine=f=440:r=48000:d={seconds},volume=enable='gt(mod(t,10),6)':volume=3",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "192k", "-ac", "2", "-shortest", str(path)], check=True)


def run_plan(src: Path, tech: dict, requests: list[ExportRequest], work: Path, measured) -> float:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    plan = plan_export(src, tech, requests, work, measured=measured)
    start = time.perf_counter()
    run_media_command(plan.cmd, timeout_s=7200)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=12)
    ap.add_argument("--long-seconds", type=int, default=0)
    args = ap.parse_args()
    presets = load_presets()
    hls = presets["app-hls"]
    one_rung = [hls.model_copy(update={"hls": hls.hls.model_copy(update={"rungs": [r]})}) for r in hls.hls.rungs]
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                                  "clip": f"1080p25 testsrc2+grain, {args.seconds} s", "repeats": args.repeats}
    with tempfile.TemporaryDirectory(prefix="mam-bench-exports-") as tmp:
        base = Path(tmp)
        src = base / "src.mp4"
        make(src, args.seconds)
        tech = normalise(run_ffprobe(src, 60))
        measured = measure_loudness(src, start_s=None, end_s=None, timeout_s=600, tech=tech)

        def measure() -> float:
            start = time.perf_counter()
            measure_loudness(src, start_s=None, end_s=None, timeout_s=600, tech=tech)
            return time.perf_counter() - start

        ways = {
            "ladder_one": lambda: run_plan(src, tech, [ExportRequest(hls)], base / "w", measured),
            "ladder_each": lambda: sum(run_plan(src, tech, [ExportRequest(p)], base / "w", measured)
                                       for p in one_rung),
            "four_together": lambda: run_plan(src, tech, [ExportRequest(presets[n]) for n in FOUR], base / "w",
                                              measured),
            "four_each": lambda: sum(run_plan(src, tech, [ExportRequest(presets[n])], base / "w", measured)
                                     for n in FOUR),
            "measure": measure,
        }
        times: dict[str, list[float]] = {k: [] for k in ways}
        order = list(ways)
        for rep in range(args.repeats):
            for name in order[rep % len(order):] + order[:rep % len(order)]:
                times[name].append(ways[name]())
                print(f"{name}: {times[name][-1]:.2f} s", flush=True)
        med = {k: round(statistics.median(v), 2) for k, v in times.items()}
        results["seconds"] = med
        results["ratios"] = {
            "ladder_each_over_one": round(med["ladder_each"] / med["ladder_one"], 2),
            "four_each_over_together": round(med["four_each"] / med["four_together"], 2),
            "measure_over_ladder_encode": round(med["measure"] / med["ladder_one"], 3),
            "measure_over_four_encode": round(med["measure"] / med["four_together"], 3),
            "ladder_realtime_factor": round(args.seconds / med["ladder_one"], 2),
        }
        if args.long_seconds:
            long_src = base / "long.mp4"
            make(long_src, args.long_seconds)
            long_tech = normalise(run_ffprobe(long_src, 60))
            m = measure_loudness(long_src, start_s=None, end_s=None, timeout_s=7200, tech=long_tech)
            t = run_plan(long_src, long_tech, [ExportRequest(hls)], base / "long", m)
            results["long"] = {"seconds": args.long_seconds, "encode_s": round(t, 1),
                               "realtime_factor": round(args.long_seconds / t, 2)}
    out = Path(__file__).parent / "results" / "exports.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Finishing benchmark: a 10-s subclip from the middle of a long source vs encoding a 10-s clip on its own.

The subclip is sought (``-ss`` before the input, a couple of frames early; the graph's trim picks the frames),
so it should cost about what the 10-s clip alone costs, not a decode from the start. Both are made the way the
export step makes them: the loudness measurement of the range, then the one-graph plan for ``web-mp4`` (with a
logo and a caption, so the finishing filters are in the timing), through the media runner. Ways are interleaved;
medians of N repeats and the ratio go to bench/results/finishing.json (target: ratio <= 1.3).
Usage: python bench/finishing.py [--repeats 3] [--source-seconds 600] [--clip-seconds 10]
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

from mam.exports import ExportRequest, measure_loudness, plan_export
from mam.exports.finishing import Caption, Finishing, Watermark
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.presets import load_presets

LOGO = Path(__file__).resolve().parent.parent / "config" / "logos" / "station.png"


def make(path: Path, seconds: float, offset: float = 0.0) -> None:
    """720p25 test pattern with grain and a tone (H.264, 2-s GOP, like a camera file), from ``offset``."""
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error",
                    "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={offset + seconds},"
                    f"noise=alls=10:allf=t,trim=start={offset},setpts=PTS-STARTPTS",
                    "-f", "lavfi", "-i", f"sine=f=440:r=48000:d={offset + seconds},atrim=start={offset},"
                    "asetpts=PTS-STARTPTS",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-shortest", str(path)], check=True)


def export(src: Path, work: Path, start: float | None, end: float | None) -> float:
    tech = normalise(run_ffprobe(src, 30))
    fin = Finishing(watermark=Watermark(LOGO, (240, 96), scale=0.12), caption=Caption("京雄城际 5:30 %{pts}"))
    t0 = time.perf_counter()
    measured = measure_loudness(src, start_s=start, end_s=end, timeout_s=600, tech=tech)
    plan = plan_export(src, tech, [ExportRequest(load_presets()["web-mp4"], start, end)], work, measured=measured,
                       finishing=fin)
    run_media_command(plan.cmd, timeout_s=1200)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--source-seconds", type=float, default=600.0)
    ap.add_argument("--clip-seconds", type=float, default=10.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        mid = args.source_seconds / 2 - args.clip_seconds / 2
        long_src, clip = d / "long.mp4", d / "clip.mp4"
        make(long_src, args.source_seconds)
        make(clip, args.clip_seconds, offset=mid)
        times: dict[str, list[float]] = {"subclip": [], "alone": []}
        for i in range(args.repeats):
            ways = [("subclip", long_src, mid, mid + args.clip_seconds), ("alone", clip, None, None)]
            for name, src, a, b in ways[i % 2:] + ways[:i % 2]:
                work = d / f"{name}-{i}"
                work.mkdir()
                times[name].append(export(src, work, a, b))
        med = {k: round(statistics.median(v), 3) for k, v in times.items()}
        result = {"source_s": args.source_seconds, "clip_s": args.clip_seconds, "repeats": args.repeats,
                  "median_s": med, "ratio_subclip_vs_alone": round(med["subclip"] / med["alone"], 3),
                  "target_ratio": 1.3, "cpus": os.cpu_count(), "machine": platform.machine(),
                  "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True,
                                           text=True).stdout.split("\n")[0]}
    out = Path(__file__).parent / "results" / "finishing.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

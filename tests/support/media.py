"""Make test media with ffmpeg (lavfi) and measure outputs independently of the product's code."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_clip(path: Path, *, seconds: float = 10, size: str = "1920x1080", rate: int = 25, audio: bool = True,
              extra: list[str] | None = None) -> Path:
    """A test-pattern clip (H.264, optional 440 Hz AAC tone)."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    ffmpeg(*args, *(extra or []), str(path))
    return path


def probe(path: Path) -> dict:
    """ffprobe JSON (format + streams)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                          str(path)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def video_stream(info: dict) -> dict:
    return next(s for s in info["streams"] if s["codec_type"] == "video")


def mean_luma(image: Path) -> float:
    """Mean 8-bit luma of an image, decoded by ffmpeg to raw grey bytes."""
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(image), "-f", "rawvideo",
                          "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout
    return sum(raw) / max(1, len(raw))


def keyframe_times(path: Path) -> list[float]:
    """Presentation times of the video keyframes."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
                          "-show_entries", "frame=pts_time", "-of", "csv=p=0", str(path)],
                         check=True, capture_output=True, text=True).stdout
    return [float(x.strip(",")) for x in out.split() if x.strip(",").strip()]


def faststart(path: Path) -> bool:
    """True when the MP4's moov box comes before mdat."""
    data = path.read_bytes()[:1 << 20]
    moov, mdat = data.find(b"moov"), data.find(b"mdat")
    return moov != -1 and (mdat == -1 or moov < mdat)


#: one frame of DJI telemetry in the SRT layout of the Mavic 3 / Air 2S generation
DJI_SRT = """1
00:00:00,000 --> 00:00:00,033
<font size="28">FrameCnt: 1, DiffTime: 33ms
2023-06-12 10:11:12.123
[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [latitude: 39.0501] [longitude: 115.9802]
[rel_alt: 120.5 abs_alt: 150.2] </font>

"""

"""Test clips whose every frame carries its own number as a pixel pattern, and the reader for it.

The top band of the picture holds :data:`BITS` blocks side by side, block ``k`` white when bit ``k`` of the frame
number is set, dark grey when not (never black: black is padding); the rest is mid grey. The pattern survives
scaling, padding and lossy coding (each block is read at its centre, relative to the picture's width), so an
export's frames can be read back as numbers.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.media import ffmpeg

BITS = 12
BAND = 0.2  # the top fifth of the picture


def counter_filter(width: int, height: int) -> str:
    """A ``geq`` drawing the frame number ``N`` as :data:`BITS` blocks across the top band."""
    block = width / BITS
    band = int(height * BAND)
    lum = f"if(lt(Y\\,{band})\\,80+175*mod(floor(N/pow(2\\,floor(X/{block:.4f})))\\,2)\\,128)"
    return f"geq=lum={lum}:cb=128:cr=128"


def make_counter_clip(path: Path, *, seconds: float = 12, size: str = "320x180", rate: int = 25,
                      video_args: list[str] | None = None, audio: bool = True, audio_offset_s: float = 0.0,
                      beep_every_s: float | None = None) -> Path:
    """A clip of ``seconds`` whose frame ``n`` shows ``n`` (see the module docstring), with a 440 Hz tone (or, with
    ``beep_every_s``, silence and a 1-kHz beep on the frames whose number is a multiple of that many seconds'
    frames), the audio starting ``audio_offset_s`` after the picture."""
    w, h = (int(x) for x in size.split("x"))
    args = ["-f", "lavfi", "-i", f"color=c=gray:size={size}:rate={rate}:duration={seconds},format=yuv420p,"
            + counter_filter(w, h)]
    if audio:
        if beep_every_s:
            expr = f"if(lt(mod(t\\,{beep_every_s})\\,{1 / rate:.6f})\\,0.5*sin(2*PI*1000*t)\\,0)"
            src = f"aevalsrc={expr}:s=48000:d={seconds - audio_offset_s}"
        else:
            src = f"sine=frequency=440:sample_rate=48000:duration={seconds - audio_offset_s}"
        if audio_offset_s:
            args += ["-itsoffset", f"{audio_offset_s}"]
        args += ["-f", "lavfi", "-i", src]
    args += video_args or ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "128k"]
    ffmpeg(*args, str(path))
    return path


def read_frame_numbers(path: Path, *, width: int = 240) -> list[int]:
    """Every frame of ``path``'s picture as the number its pattern shows, in order (decoded at ``width`` wide,
    grey, each block read at its centre). Padding above the picture (a letterbox) is found and skipped."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", str(path)],
                           check=True, capture_output=True, text=True).stdout.split(",")
    sw, sh = int(probe[0]), int(probe[1])
    height = max(2, round(sh * width / sw / 2) * 2)
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v:0",
                          "-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, capture_output=True).stdout
    size = width * height
    out = []
    for k in range(len(raw) // size):
        frame = raw[k * size:(k + 1) * size]
        # the picture's first row: the first row whose middle is not black padding
        top = next((y for y in range(height) if max(frame[y * width:(y + 1) * width]) > 40), 0)
        bottom = next((y for y in range(height - 1, -1, -1) if max(frame[y * width:(y + 1) * width]) > 40), height)
        y = top + max(1, int((bottom - top) * BAND / 2))
        n = 0
        for b in range(BITS):
            x = int((b + 0.5) * width / BITS)
            if frame[y * width + x] > 168:
                n |= 1 << b
        out.append(n)
    return out

"""HLS playlists: the master the planner writes, and readers for QC.

ffmpeg 5.1's HLS muxer writes a master playlist with BANDWIDTH only (its own estimate, the nominal rates + 10 %),
without AVERAGE-BANDWIDTH or FRAME-RATE; the planner writes the master itself, from the rate control it sets:

* ``BANDWIDTH``: the peak a 6-s segment can reach under the VBV (maxrate + bufsize over one segment) plus the
  audio, plus the container's overhead;
* ``AVERAGE-BANDWIDTH``: the target video rate plus the audio, plus overhead;
* ``CODECS`` from the profile and level the encoder is told to write (``avc1.64002a`` = High 4.2, ``mp4a.40.2``
  = AAC-LC), ``RESOLUTION`` and ``FRAME-RATE`` from the plan.

QC then measures every segment and checks the measured peak and average against these declarations.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from mam.exports.geometry import PlannedRung

_H264_PROFILE_IDC = {"baseline": (0x42, 0xC0), "main": (0x4D, 0x40), "high": (0x64, 0x00)}
#: muxing overhead over the elementary streams
OVERHEAD = {"fmp4": 1.03, "mpegts": 1.10}


def avc1_codec(profile: str, level: str) -> str:
    """``avc1.PPCCLL`` for an H.264 profile name and level (``high``, ``4.2`` -> ``avc1.64002a``)."""
    idc, constraints = _H264_PROFILE_IDC[profile]
    major, _, minor = level.partition(".")
    return f"avc1.{idc:02x}{constraints:02x}{int(major) * 10 + int(minor or 0):02x}"


def avc1_from_probe(profile: str | None, level: int | None) -> str | None:
    """The same string from ffprobe's profile name (``High``) and level (``42``)."""
    names = {"constrained baseline": "baseline", "baseline": "baseline", "main": "main", "high": "high"}
    name = names.get((profile or "").lower())
    if name is None or not level:
        return None
    idc, constraints = _H264_PROFILE_IDC[name]
    return f"avc1.{idc:02x}{constraints:02x}{int(level):02x}"


@dataclass(frozen=True)
class Variant:
    uri: str
    attrs: dict[str, str]


def declared_rates(rung: PlannedRung, segment_s: float, segment_type: str) -> tuple[int, int]:
    """(BANDWIDTH, AVERAGE-BANDWIDTH) in bit/s for a rung encoded with bufsize = maxrate."""
    r = rung.rung
    ovh = OVERHEAD[segment_type]
    peak = (r.maxrate_kbps * (1 + 1 / segment_s) + r.audio_kbps) * 1000 * ovh
    avg = (r.video_kbps + r.audio_kbps) * 1000 * ovh
    return int(math.ceil(peak)), int(math.ceil(avg))


def master_playlist(rungs: list[PlannedRung], *, rate: Fraction, profile: str, level: str, segment_s: float,
                    segment_type: str, playlist: str = "index.m3u8", media: list[str] | None = None) -> str:
    """The master playlist text: one ``EXT-X-STREAM-INF`` per rung, lowest first. ``media``: ``EXT-X-MEDIA``
    lines (a WebVTT ``SUBTITLES`` group, ``GROUP-ID="subs"``, which every variant then names)."""
    version = 7 if segment_type == "fmp4" else 3
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}", "#EXT-X-INDEPENDENT-SEGMENTS", *(media or [])]
    subs = ',SUBTITLES="subs"' if any('GROUP-ID="subs"' in m for m in media or []) else ""
    codecs = f"{avc1_codec(profile, level)},mp4a.40.2"
    for rung in rungs:
        peak, avg = declared_rates(rung, segment_s, segment_type)
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={avg},"
                     f"RESOLUTION={rung.width}x{rung.height},FRAME-RATE={float(rate):.3f},CODECS=\"{codecs}\"{subs}")
        lines.append(f"{rung.name}/{playlist}")
    return "\n".join(lines) + "\n"


_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_attrs(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTR.findall(text)}


def parse_master(text: str) -> list[Variant]:
    """The variants of a master playlist (``EXT-X-STREAM-INF`` + the URI line after it).

    Raises:
        ValueError: not a playlist, or a stream tag without its URI.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise ValueError("the master playlist does not start with #EXTM3U")
    out: list[Variant] = []
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            if i + 1 >= len(lines) or lines[i + 1].startswith("#"):
                raise ValueError("an EXT-X-STREAM-INF has no URI after it")
            out.append(Variant(lines[i + 1], parse_attrs(line.split(":", 1)[1])))
    return out


@dataclass
class MediaPlaylist:
    target_duration: int | None = None
    playlist_type: str | None = None
    endlist: bool = False
    init: str | None = None
    segments: list[tuple[str, float]] = field(default_factory=list)  # (uri, EXTINF seconds)


def parse_media(text: str) -> MediaPlaylist:
    """A media playlist's tags and segments.

    Raises:
        ValueError: not a playlist, or an EXTINF without its URI.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise ValueError("the media playlist does not start with #EXTM3U")
    pl = MediaPlaylist()
    pending: float | None = None
    for line in lines[1:]:
        if line.startswith("#EXT-X-TARGETDURATION:"):
            pl.target_duration = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-PLAYLIST-TYPE:"):
            pl.playlist_type = line.split(":", 1)[1]
        elif line == "#EXT-X-ENDLIST":
            pl.endlist = True
        elif line.startswith("#EXT-X-MAP:"):
            pl.init = parse_attrs(line.split(":", 1)[1]).get("URI")
        elif line.startswith("#EXTINF:"):
            pending = float(line.split(":", 1)[1].split(",", 1)[0])
        elif not line.startswith("#"):
            if pending is None:
                raise ValueError(f"segment {line!r} has no EXTINF")
            pl.segments.append((line, pending))
            pending = None
    return pl


def _safe_child(base: Path, uri: str) -> Path:
    """``uri`` resolved under ``base``; a URI that leaves it (``..``, absolute, a scheme) is refused."""
    if "://" in uri or uri.startswith("/") or ".." in Path(uri).parts:
        raise ValueError(f"playlist URI {uri!r} leaves the export's directory")
    return base / uri


def playlist_files(master: Path) -> list[Path]:
    """Every file an HLS export consists of, as its playlists name them: master, media playlists, init
    segments, segments (in that order per variant).

    Raises:
        ValueError: a playlist cannot be parsed or names a path outside the export.
        OSError: a playlist cannot be read.
    """
    files = [master]
    text = master.read_text(encoding="utf-8")
    renditions = [parse_attrs(ln.split(":", 1)[1]).get("URI") for ln in text.splitlines()
                  if ln.startswith("#EXT-X-MEDIA:")]  # e.g. the WebVTT subtitles
    for uri in [v.uri for v in parse_master(text)] + [u for u in renditions if u]:
        media_path = _safe_child(master.parent, uri)
        files.append(media_path)
        media = parse_media(media_path.read_text(encoding="utf-8"))
        if media.init:
            files.append(_safe_child(media_path.parent, media.init))
        files.extend(_safe_child(media_path.parent, uri) for uri, _ in media.segments)
    return files


def restate_master_rates(master: Path) -> None:
    """Rewrite each variant's ``AVERAGE-BANDWIDTH`` with the average its media segments actually hold (RFC 8216
    4.3.4.2: their sizes over the playlist's duration; the init segment is not a media segment, and on a tiny
    variant its ~800 bytes alone put the number 40 % over what QC measures). The planned number is the one-pass
    encode's target, which it lands only roughly on a short programme, and Apple's authoring spec asks for the
    measured one. ``BANDWIDTH`` stays the VBV bound the encoder was given (QC checks the segments against it).

    Raises:
        ValueError, OSError: a playlist cannot be read or names a path outside the export.
    """
    lines = master.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:") and i + 1 < len(lines):
            media_path = _safe_child(master.parent, lines[i + 1].strip())
            media = parse_media(media_path.read_text(encoding="utf-8"))
            total = sum(d for _, d in media.segments)
            sizes = [_safe_child(media_path.parent, uri).stat().st_size for uri, _ in media.segments]
            if total > 0:
                avg = math.ceil(sum(sizes) * 8 / total)
                line = re.sub(r"AVERAGE-BANDWIDTH=\d+", f"AVERAGE-BANDWIDTH={avg}", line)
        out.append(line)
    master.write_text("\n".join(out) + "\n", encoding="utf-8")

"""Subtitle and transcript sidecars (.srt, .vtt, .ass/.ssa, .txt) -> timed plain-text cues for search.

Pure Python; :func:`parse_subtitles` never raises on bad input, it returns what it could read and
human-readable warnings. Cue text is one line of plain text: markup (``<i>``, ``<c.x>``, ``{\\an8}``,
VTT ``<00:00:01.000>`` timestamps) removed, HTML entities decoded, line breaks joined by a space.

DJI drones write their flight telemetry as ``.SRT`` "subtitles" (see :mod:`mam.metadata.dji_srt`);
such a file gives no cues and the warning :data:`TELEMETRY_WARNING`.

A ``.txt`` transcript has no times: each paragraph becomes a cue spanning the whole clip
(``0..duration_s``), so its words are searchable without a position.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mam.text_encoding import BOMS, bomless_utf16, decode_prefix

__all__ = ["Cue", "TELEMETRY_WARNING", "parse_subtitle_file", "parse_subtitles"]

TELEMETRY_WARNING = "looks like drone telemetry, not subtitles"
MAX_TEXT_CHARS = 2000
_RAW_TEXT_LIMIT = 64 * 1024  # raw cue text kept before cleaning (bounds the work on hostile input)


@dataclass(frozen=True)
class Cue:
    """One timed piece of text."""

    start_s: float
    end_s: float
    text: str  # one line of plain text


RawCue = tuple[float, float, str]

# ------------------------------------------------------------------------------------------------ decoding



def _decode(data: bytes, warnings: list[str]) -> str:
    """Bytes -> text: BOM, else UTF-8, else GB18030, else latin-1 (with a warning); newlines normalised."""
    text: str | None = None
    for bom, encoding in BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            text = decode_prefix(body, encoding)
            if text is None:
                text = body.decode(encoding, errors="replace")
                warnings.append(f"invalid {encoding.upper()} bytes replaced")
            break
    if text is None and (utf16 := bomless_utf16(data)) is not None:
        text = decode_prefix(data, utf16)
    if text is None:
        text = decode_prefix(data, "utf-8")
    if text is None:
        text = decode_prefix(data, "gb18030")
    if text is None:
        text = data.decode("latin-1")
        warnings.append("not UTF-8 or GB18030 text; decoded as latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")


# ------------------------------------------------------------------------------------------------ text

_ASS_OVERRIDE = re.compile(r"(\{[^{}]*\})")
_ASS_DRAWING = re.compile(r"\\p(\d+)")
_BRACE_OVERRIDE = re.compile(r"\{\\[^{}]*\}")  # {\an8} and friends, common in .srt
_VTT_TIMESTAMP = re.compile(r"<\d{1,6}(?::\d{1,2}){1,2}(?:[.,]\d{1,9})?>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _clean_markup(text: str) -> str:
    """Remove tags and ``{\\...}`` overrides, decode entities, collapse whitespace (line breaks -> space)."""
    text = _BRACE_OVERRIDE.sub("", text)
    text = _VTT_TIMESTAMP.sub("", text)
    text = _TAG.sub("", text)
    return _clean_plain(html.unescape(text))


def _clean_plain(text: str) -> str:
    """Drop control and bidi/zero-width characters, collapse whitespace to single spaces."""
    return " ".join(_INVISIBLE.sub("", text).split())


def _ass_text(text: str) -> str:
    """ASS dialogue text -> plain: ``{...}`` blocks dropped (and ``\\p1`` drawings), ``\\N``/``\\n`` breaks."""
    kept: list[str] = []
    drawing = False
    for piece in _ASS_OVERRIDE.split(text):
        if piece.startswith("{") and piece.endswith("}"):
            if modes := _ASS_DRAWING.findall(piece):
                drawing = int(modes[-1]) > 0
        elif not drawing:
            kept.append(piece)
    joined = "".join(kept).replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    return _clean_markup(joined)


# ------------------------------------------------------------------------------------------------ times

_TIME = r"(-?)(?:(\d{1,6}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,9}))?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-{{1,2}}>\s*{_TIME}(?:\s.*)?$")


def _seconds(sign: str, hours: str | None, minutes: str, seconds: str, fraction: str | None) -> float:
    """Time fields -> seconds; the fraction is decimal (``,5`` = 0.5 s, ``.50`` = 0.5 s, ``,500`` = 0.5 s)."""
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    return -value if sign else float(value)


def _timing(line: str) -> tuple[float, float] | None:
    """``start --> end [settings]`` -> (start, end) seconds, or None when the line is no timing line."""
    m = _TIMING.match(line)
    if m is None:
        return None
    g = m.groups()
    return _seconds(*g[0:5]), _seconds(*g[5:10])


def _parse_ass_time(value: str) -> float | None:
    m = re.fullmatch(_TIME, value.strip())
    return _seconds(*m.groups()) if m else None


# ------------------------------------------------------------------------------------------------ formats


def _timed_blocks(lines: list[str], *, blank_ends_cue: bool) -> Iterator[tuple[float, float, list[str]]]:
    """Cues of a ``-->`` timed file: the text lines after each timing line.

    Text runs to the next timing line (minus that cue's numeric index line just before it) or, when
    ``blank_ends_cue`` (WebVTT), to the first blank line. SRT keeps text after a stray blank line.
    """
    timings = [(i, t) for i, line in enumerate(lines) if "->" in line and (t := _timing(line)) is not None]
    for k, (i, (start, end)) in enumerate(timings):
        stop = timings[k + 1][0] if k + 1 < len(timings) else len(lines)
        if stop < len(lines) and stop - 1 > i and lines[stop - 1].strip().isdigit():
            stop -= 1  # the next cue's index number
        text_lines = lines[i + 1:stop]
        if blank_ends_cue:
            for j, line in enumerate(text_lines):
                if not line.strip():
                    text_lines = text_lines[:j]
                    break
        yield start, end, text_lines


def _join(text_lines: list[str]) -> str:
    """Cue lines -> one string with newlines, bounded in size before cleaning."""
    out: list[str] = []
    size = 0
    for line in text_lines:
        out.append(line[: _RAW_TEXT_LIMIT - size])
        size += len(out[-1]) + 1
        if size >= _RAW_TEXT_LIMIT:
            break
    return "\n".join(out)


_TELEMETRY_MARKS = re.compile(
    r"FrameCnt|SrtCnt|DiffTime|\[\s*(?:latitude|longt?itude|iso|shutter|fnum|ev|ct|focal_len|rel_alt|altitude)\s*:"
    r"|\b(?:GPS|HOME)\s*\(|BAROMETER\s*:|\bF/\d|\bSS \d|\bISO\s*[: ]\s*\d|\bEV\s*[: ]|\b(?:Fnum|Shutter)\s*:"
)


def _is_telemetry(text: str) -> bool:
    """A DJI telemetry cue carries several camera/GPS fields; a real subtitle rarely has two."""
    return len(_TELEMETRY_MARKS.findall(text)) >= 2


def _parse_srt(text: str, warnings: list[str]) -> list[RawCue]:
    blocks = _timed_blocks(text.split("\n"), blank_ends_cue=False)
    cues = [(s, e, _clean_markup(_join(lines))) for s, e, lines in blocks]
    # Without timing lines (an old DJI dialect has none), judge the blank-line separated blocks instead.
    texts = [t for _, _, t in cues] or [p for p in re.split(r"\n\s*\n", text[: 1024 * 1024]) if p.strip()]
    if texts and sum(map(_is_telemetry, texts)) * 2 > len(texts):
        warnings.append(TELEMETRY_WARNING)
        return []
    return cues


_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")


def _parse_vtt(text: str, warnings: list[str]) -> list[RawCue]:
    lines = text.split("\n")
    first = next((line.strip() for line in lines if line.strip()), "")
    if not _VTT_HEADER.match(first):
        warnings.append("missing WEBVTT header")
    # NOTE/STYLE/REGION blocks hold no timing line and end at a blank line, so _timed_blocks skips them.
    return [(s, e, _clean_markup(_join(ls))) for s, e, ls in _timed_blocks(lines, blank_ends_cue=True)]


_ASS_DEFAULT_FORMAT = ["layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text"]


def _parse_ass(text: str, warnings: list[str]) -> list[RawCue]:
    cues: list[RawCue] = []
    section: str | None = None
    saw_events = False
    fmt: list[str] | None = None
    bad = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
            saw_events = saw_events or section == "events"
            continue
        if section not in (None, "events") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        key = key.strip().lower()
        if key == "format":
            names = [n.strip().lower() for n in value.split(",")]
            if {"start", "end", "text"} <= set(names):
                fmt = names
            else:
                warnings.append("Events Format line lacks Start/End/Text; using the standard column order")
        elif key == "dialogue":
            if fmt is None:
                fmt = _ASS_DEFAULT_FORMAT
                warnings.append("no Events Format line; using the standard column order")
            fields = value.split(",", len(fmt) - 1)
            if len(fields) < len(fmt):
                bad += 1
                continue
            start, end = _parse_ass_time(fields[fmt.index("start")]), _parse_ass_time(fields[fmt.index("end")])
            if start is None or end is None:
                bad += 1
                continue
            cues.append((start, end, _ass_text(fields[fmt.index("text")][:_RAW_TEXT_LIMIT])))
    if not saw_events:
        warnings.append("no [Events] section")
    if bad:
        warnings.append(f"{bad} malformed Dialogue line(s) skipped")
    return cues


def _chunks(text: str, limit: int = MAX_TEXT_CHARS) -> Iterator[str]:
    """Split an over-long paragraph at a sentence end or space so that no piece exceeds ``limit``."""
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind(ch) for ch in "。！？；.!?; ")
        cut = cut + 1 if cut >= limit // 2 else limit
        yield text[:cut].strip()
        text = text[cut:].strip()
    if text:
        yield text


def _parse_txt(text: str, duration_s: float | None, warnings: list[str]) -> list[RawCue]:
    end = duration_s if duration_s is not None and math.isfinite(duration_s) and duration_s > 0 else 0.0
    paragraphs = [_clean_plain(p) for p in re.split(r"\n[ \t\u3000]*\n", text)]
    if any(len(p) > MAX_TEXT_CHARS for p in paragraphs):
        warnings.append(f"paragraph(s) longer than {MAX_TEXT_CHARS} characters split into several cues")
    return [(0.0, end, piece) for paragraph in paragraphs for piece in _chunks(paragraph)]


# ------------------------------------------------------------------------------------------------ API


def _finish(raw: list[RawCue], max_cues: int, warnings: list[str]) -> list[Cue]:
    """Clamp and fix times, drop empty text, cap text length, sort by start, cap the count."""
    cues: list[Cue] = []
    backwards = long_text = 0
    for start, end, text in raw:
        if not text:
            continue
        start, end = max(start, 0.0), max(end, 0.0)
        if end < start:
            backwards += 1
            end = start
        if len(text) > MAX_TEXT_CHARS:
            long_text += 1
            text = text[:MAX_TEXT_CHARS].rstrip()
        cues.append(Cue(start, end, text))
    if backwards:
        warnings.append(f"{backwards} cue(s) end before they start; end set to start")
    if long_text:
        warnings.append(f"{long_text} cue(s) cut to {MAX_TEXT_CHARS} characters")
    cues.sort(key=lambda c: c.start_s)
    if len(cues) > max_cues:
        warnings.append(f"{len(cues)} cues; only the first {max(max_cues, 0)} kept")
        cues = cues[: max(max_cues, 0)]
    return cues


def parse_subtitles(
    data: bytes, suffix: str, *, duration_s: float | None = None, max_cues: int = 20000
) -> tuple[list[Cue], list[str]]:
    """Cues and warnings from a .srt, .vtt, .ass/.ssa or .txt sidecar's bytes. Never raises on bad input."""
    warnings: list[str] = []
    kind = suffix.strip().lower().rsplit(".", 1)[-1]
    if kind not in ("srt", "vtt", "ass", "ssa", "txt"):
        return [], [f"unsupported subtitle format {suffix!r}"]
    try:
        text = _decode(bytes(data), warnings)
        if kind == "srt":
            raw = _parse_srt(text, warnings)
        elif kind == "vtt":
            raw = _parse_vtt(text, warnings)
        elif kind == "txt":
            raw = _parse_txt(text, duration_s, warnings)
        else:
            raw = _parse_ass(text, warnings)
        cues = _finish(raw, max_cues, warnings)
    except Exception as exc:  # a safety net: a bad sidecar must never break ingest
        return [], [*warnings, f"could not parse {kind} sidecar: {type(exc).__name__}: {exc}"]
    if not cues and text.strip() and TELEMETRY_WARNING not in warnings:
        warnings.append(f"no {kind} cues found")
    return cues, warnings


def parse_subtitle_file(
    path: Path, *, duration_s: float | None = None, max_bytes: int = 20 * 1024 * 1024
) -> tuple[list[Cue], list[str]]:
    """Reads at most max_bytes (a warning if the file was longer) and calls parse_subtitles with the path's suffix."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return [], [f"cannot read {str(path)!r}: {exc.strerror or exc}"]
    warnings: list[str] = []
    if len(data) > max_bytes:
        data = data[:max_bytes]
        warnings.append(f"file is longer than {max_bytes} bytes; only the first {max_bytes} were read")
    cues, more = parse_subtitles(data, path.suffix, duration_s=duration_s)
    return cues, warnings + more

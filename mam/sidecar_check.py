"""Does a sidecar hold what its extension says? A content check on the first 64 KiB of the file.

:func:`check_sidecar` returns ``None`` when the content fits the kind (``SIDECAR_KINDS`` values in
:mod:`mam.uploads`), otherwise one sentence a person can read, e.g. ``"no SubRip cue at the start: it
begins 'root:x:0:0:root:/root:/bin/bash'"``. It never raises on bad input and does bounded work.

Rules, by kind:

* ``srt`` -- DJI telemetry or subtitle SubRip text. The first line that is not blank is a cue number
  followed by a timing line (``00:00:00,000 --> 00:00:00,033``) or, in DJI's Mavic 2-style files, by a
  wall-clock line (``2017.08.05 14:11:51,393,525``); or the file starts with the timing line itself.
* ``lrf`` -- an MP4/MOV (DJI low-res proxy, GoPro ``.LRV``): an ISO-BMFF ``ftyp`` box at offset 0 whose
  brand is not a still image or audio one (HEIC, AVIF, CR3, M4A...), or a classic QuickTime top-level atom
  (``moov``, ``mdat``, ``wide``, ``free``, ``skip``, ``pnot``).
* ``thm`` -- a JPEG (``FF D8 FF``).
* ``xmp`` / ``gpx`` / ``kml`` -- XML whose root element is ``xmpmeta`` (or ``xapmeta``) or ``rdf:RDF`` /
  ``gpx`` / ``kml``; no ``DOCTYPE`` or ``ENTITY`` declaration (entity expansion bombs), no XHTML, SVG or
  ``script`` elements in the part read. The XML must be well-formed up to the root element; later syntax
  slips are left to the readers (real cameras write XMP with duplicate attributes, and the product's XMP
  reader falls back to a tolerant scan).
* ``subtitle`` -- ``.vtt``: starts with ``WEBVTT``; ``.ass``/``.ssa``: the first section is
  ``[Script Info]``. Without ``ext`` either is accepted.
* ``transcript`` -- plain text: not binary, not HTML or XML, not blank.
* ``flight_log`` -- CSV text: a header and rows with at least two comma-, semicolon-, tab- or
  pipe-separated columns (an Excel ``sep=`` first line is understood).

Every text kind must decode (BOM-marked UTF-8/16/32, BOM-less UTF-16, UTF-8, then GB18030 and Windows-1252,
the encodings the product's own subtitle and telemetry readers accept) and hold no control characters
(NUL, escape, ...: binary data), and no HTML document or active-content tags (``<script``, ``<iframe``,
``<html`` ...). Subtitle styling tags (``<font>``, ``<i>``, ``<c.x>``) are fine.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET

from mam.text_encoding import BOMS, bomless_utf16, decode_prefix

__all__ = ["HEAD_BYTES", "KINDS", "check_sidecar"]

HEAD_BYTES = 64 * 1024
KINDS = frozenset({"srt", "lrf", "thm", "xmp", "subtitle", "transcript", "gpx", "flight_log", "kml"})
_TEXT_KINDS = frozenset({"srt", "subtitle", "transcript", "flight_log"})

# Known binary formats, for a clearer reason than "binary data".
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x7fELF", 0, "an ELF executable"), (b"MZ", 0, "a Windows executable"),
    (b"\xcf\xfa\xed\xfe", 0, "a Mach-O executable"), (b"\xca\xfe\xba\xbe", 0, "a Mach-O or Java binary"),
    (b"PK\x03\x04", 0, "a ZIP archive"), (b"%PDF", 0, "a PDF document"), (b"\x1f\x8b", 0, "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"), (b"Rar!", 0, "a RAR archive"),
    (b"\xff\xd8\xff", 0, "a JPEG image"), (b"\x89PNG", 0, "a PNG image"), (b"GIF8", 0, "a GIF image"),
    (b"ftyp", 4, "an MP4/MOV file"), (b"\x1a\x45\xdf\xa3", 0, "a Matroska/WebM file"),
    (b"RIFF", 0, "a RIFF (AVI/WAV) file"), (b"SQLite format 3\x00", 0, "an SQLite database"),
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")  # \t \n \v \f \r and DOS EOF (\x1a) are fine
_HTML = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|object|embed|applet|svg|math|style"
    r"|meta|link|base|form|img|video|audio|template)(?=[\s/>])",
    re.IGNORECASE,
)
_SRT_TIMING = re.compile(r"^\d{1,3}:\d{1,2}:\d{1,2}[,.:]\d{1,3}\s*-->")
_DJI_CLOCK = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}[ T]+\d{1,2}:\d{2}:\d{2}")
_XML_HOSTILE = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_ACTIVE = re.compile(r"<\s*(?:[\w.-]+:)?(?:script|iframe|object|embed)(?=[\s/>])|http://www\.w3\.org/(?:1999/xhtml|2000/svg)",
                         re.IGNORECASE)
_XML_ROOTS = {"xmp": ({"xmpmeta", "xapmeta", "RDF"}, "an XMP packet (x:xmpmeta or rdf:RDF)"),
              "gpx": ({"gpx"}, "a GPX document (<gpx>)"), "kml": ({"kml"}, "a KML document (<kml>)")}
_ACTIVE_NS = ("http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg")
_QT_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_DELIMS = ",;\t|"
# ftyp major brands of stills and audio: an ISO-BMFF file, but not the low-res video a .LRF/.LRV is
_NOT_VIDEO_BRANDS = {b"heic": "a HEIF/HEIC image", b"heix": "a HEIF/HEIC image", b"heim": "a HEIF/HEIC image",
                     b"heis": "a HEIF/HEIC image", b"mif1": "a HEIF image", b"msf1": "a HEIF image sequence",
                     b"avif": "an AVIF image", b"avis": "an AVIF image sequence", b"crx ": "a Canon CR3 raw image",
                     b"jp2 ": "a JPEG 2000 image", b"M4A ": "an M4A audio file", b"M4B ": "an M4B audio book",
                     b"M4P ": "an M4P audio file"}


def check_sidecar(kind: str, head: bytes, *, ext: str | None = None, complete: bool | None = None) -> str | None:
    """``None`` when ``head`` (the first :data:`HEAD_BYTES` of a sidecar) is what ``kind`` says, else why not.

    ``ext`` (``"vtt"``, ``"ass"``...) narrows the ``subtitle`` kind to its format. ``complete`` says whether
    ``head`` is the whole file (default: it is when shorter than :data:`HEAD_BYTES`); when it is not, the
    last line of a CSV may be cut and is not judged.
    """
    if kind not in KINDS:
        return f"unknown sidecar kind {kind!r}"
    head = bytes(head[:HEAD_BYTES])
    if not head:
        return "the file is empty"
    if complete is None:
        complete = len(head) < HEAD_BYTES
    try:
        if kind == "lrf":
            return _check_lrf(head)
        if kind == "thm":
            return None if head.startswith(b"\xff\xd8\xff") else f"not a JPEG image: {_describe(head)}"
        if kind in _XML_ROOTS:
            return _check_xml(kind, head)
        text, problem = _text(head)
        if problem:
            return problem
        if kind == "srt":
            return _check_srt(text)
        if kind == "subtitle":
            return _check_subtitle(text, (ext or "").lower().lstrip("."))
        if kind == "transcript":
            return _check_transcript(text)
        return _check_csv(text, complete)
    except Exception as exc:  # a safety net: hostile input must give a refusal, never a crash
        return f"could not be checked ({type(exc).__name__})"


# ------------------------------------------------------------------------------------------------ helpers


def _signature(head: bytes) -> str | None:
    """The name of a known binary format the head starts with."""
    return next((name for magic, offset, name in _SIGNATURES if head[offset:offset + len(magic)] == magic), None)


def _describe(head: bytes) -> str:
    """What the bytes look like, for a reason: a known binary format, HTML, or a quote of the first line."""
    if name := _signature(head):
        return f"it is {name}"
    text = _decode(head)
    if text is not None:
        if _HTML.search(text[:4096]):
            return "it is an HTML page"
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        if first and not _CONTROL.search(first):
            return f"it begins {first[:60]!r}"
    return "it looks like binary data"


def _decode(data: bytes) -> str | None:
    """Text in one of the encodings the product's readers accept, newlines normalised; ``None`` if none fits."""
    text: str | None = None
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = decode_prefix(data[len(bom):], encoding)
            if text is None:
                return None
            break
    else:
        utf16 = bomless_utf16(data)
        candidates = (utf16,) if utf16 else ("utf-8", "gb18030", "cp1252")
        for encoding in candidates:
            text = decode_prefix(data, encoding)
            if text is not None:
                break
    if text is None:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _text(head: bytes) -> tuple[str, str | None]:
    """(text, None), or ("", reason) when the head is not text or is an HTML page."""
    if name := _signature(head):
        return "", f"not text: it is {name}"
    text = _decode(head)
    if text is None:
        return "", "not text: the bytes are not valid UTF-8, UTF-16, GB18030 or Windows-1252"
    bad = _CONTROL.search(text)
    if bad:
        return "", f"not text: it holds binary data (control character 0x{ord(bad.group()):02x})"
    if _HTML.search(text):
        return "", "an HTML page or active-content markup (<script>, <iframe>, <html>...), not a sidecar"
    if not text.strip():
        return "", "the file holds no text"
    return text, None


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n")]


# ------------------------------------------------------------------------------------------------ kinds


def _check_lrf(head: bytes) -> str | None:
    if len(head) >= 16 and head[4:8] == b"ftyp":
        size = int.from_bytes(head[0:4], "big")
        brand = head[8:12]
        if brand in _NOT_VIDEO_BRANDS:
            return f"not an MP4/MOV video: it is {_NOT_VIDEO_BRANDS[brand]}"
        if size >= 16 and all(32 <= b < 127 for b in brand):
            return None
        return "not an MP4/MOV video: its ftyp box is malformed"
    if len(head) >= 8 and head[4:8] in _QT_ATOMS:
        size = int.from_bytes(head[0:4], "big")
        if size in (0, 1) or size >= 8:
            return None
    return f"not an MP4/MOV video (no ftyp box at the start): {_describe(head)}"


def _check_srt(text: str) -> str | None:
    lines = [ln for ln in _lines(text) if ln]
    if not lines:
        return "no SubRip cue: the file holds no text"
    first = lines[0]
    if _SRT_TIMING.match(first):
        return None
    if first.isdigit():
        if len(lines) < 2:
            return "no SubRip cue: a cue number with no timing line after it"
        if _SRT_TIMING.match(lines[1]) or _DJI_CLOCK.match(lines[1]):
            return None
        return f"no SubRip cue: cue {first} is followed by {lines[1][:60]!r}, not a '00:00:00,000 --> ' timing line"
    return (f"no SubRip cue at the start (a cue number, then a '00:00:00,000 --> 00:00:01,000' timing line): "
            f"it begins {first[:60]!r}")


def _check_subtitle(text: str, ext: str) -> str | None:
    body = text.lstrip()
    vtt = body.startswith("WEBVTT") and (len(body) == 6 or body[6] in " \t\n")
    lines = [ln for ln in _lines(text) if ln and not ln.startswith(";")]
    ass = bool(lines) and lines[0].lower() == "[script info]"
    first = next((ln for ln in _lines(text) if ln), "")
    if ext == "vtt":
        return None if vtt else f"not a WebVTT file (it must start with WEBVTT): it begins {first[:60]!r}"
    if ext in ("ass", "ssa"):
        return None if ass else f"not an ASS/SSA script (no [Script Info] section first): it begins {first[:60]!r}"
    if vtt or ass:
        return None
    return f"not a WebVTT or ASS/SSA subtitle file: it begins {first[:60]!r}"


def _check_transcript(text: str) -> str | None:
    body = text.lstrip()
    if body.startswith("<?xml") or body.startswith("<!"):
        return "an XML or markup document, not a plain-text transcript"
    return None


def _check_csv(text: str, complete: bool) -> str | None:
    lines = text.split("\n")
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the 64 KiB head
    rows = [ln for ln in lines if ln.strip()]
    if not rows:
        return "not CSV: the file holds no rows"
    delims = _DELIMS
    m = re.fullmatch(r"\s*sep=(.)\s*", rows[0])
    if m:
        delims, rows = m.group(1), rows[1:]
        if not rows:
            return "not CSV: a sep= line and nothing after it"
    rows = rows[:500]

    def fields(line: str, delim: str) -> int:
        return len(next(csv.reader([line], delimiter=delim), []))

    delim = max(delims, key=lambda d: fields(rows[0], d))
    if fields(rows[0], delim) < 2:
        return f"not CSV: no comma-, semicolon- or tab-separated columns in the first line {rows[0].strip()[:60]!r}"
    wide = sum(fields(r, delim) >= 2 for r in rows)
    if wide < 0.8 * len(rows):
        return f"not CSV: only {wide} of {len(rows)} lines have separated columns"
    return None


def _check_xml(kind: str, head: bytes) -> str | None:
    roots, what = _XML_ROOTS[kind]
    if name := _signature(head):
        return f"not {what}: it is {name}"
    text = _decode(head)
    if text is None:
        return f"not {what}: {_describe(head)}"
    if _XML_HOSTILE.search(text):
        return "XML with a DOCTYPE or ENTITY declaration (refused: entity expansion)"
    bad = _CONTROL.search(text)
    if bad:
        return f"not {what}: it holds binary data (control character 0x{ord(bad.group()):02x})"
    active = _XML_ACTIVE.search(text)
    if active:
        return f"XML carrying active content ({active.group().strip()[:40]}), not {what}"
    parser = ET.XMLPullParser(events=("start",))
    error: ET.ParseError | None = None
    root: str | None = None
    try:  # the pull parser reports a syntax error after the elements that came before it
        parser.feed(text)
        for _, element in parser.read_events():
            ns, _, local = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
            if root is None:
                root = local
                if local not in roots:
                    return f"not {what}: its root element is <{local}>"
            if ns in _ACTIVE_NS or local.lower() in ("script", "iframe", "object", "embed"):
                return f"XML carrying active content (<{local}>), not {what}"
    except ET.ParseError as exc:
        error = exc
    if root is None and error is not None:
        if not text.lstrip().startswith("<"):
            return f"not {what}: {_describe(head)}"
        return f"not {what}: not well-formed XML ({error})"
    if root is None:
        return f"not {what}: no root element in the first {len(head)} bytes"
    return None  # later syntax slips (real cameras write duplicate attributes) are the readers' business

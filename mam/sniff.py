"""Decide what a file is from its first bytes (magic numbers), not from its name.

Three questions, one reading of the bytes:

* :func:`sniff_format` — the format name (``"mp4"``, ``"mov"``, ``"matroska"``, ``"mp3"``, ``"jpeg"``, …,
  ``"hls"``, ``"ffconcat"``, ``"html"``, ``"zip"``, …) or None when unknown;
* :func:`sniff` — its kind: ``"video" | "audio" | "image"`` for media the product accepts, ``"playlist"``
  (HLS / M3U, ffconcat, PLS, DASH MPD, SMIL, ASX, XSPF), ``"archive"`` (zip, gzip, 7z, rar, tar, bzip2, xz, zstd),
  ``"text"`` (HTML, XML, SVG, JSON, scripts, WebVTT, any other text), or None when unknown; only the first three
  are media (:data:`MEDIA_KINDS`);
* :func:`sniff_content_type` — the MIME type to serve the bytes with: a media type for media, otherwise always
  ``application/octet-stream`` (never ``text/html`` or ``image/svg+xml``, whatever the bytes are).

Prefixes are looked through, as ffmpeg's prober does: ID3v2 tags (their size is read from the tag header, so an
``ID3`` tag followed by ``#EXTM3U`` is a playlist, and followed by MPEG audio frames is audio), UTF-8 / UTF-16
byte-order marks, and RIFF headers whose form type is not AVI / WAVE / WEBP. When the prefixes run past the bytes
given (an ID3 tag with a large cover picture), what follows cannot be seen and the answer is None; pass at least
:func:`sniff_bytes_needed` bytes (4 KiB beyond the prefixes, at most :data:`MAX_SNIFF_BYTES`).
"""

from __future__ import annotations

import codecs
import re

__all__ = [
    "FORMATS", "MAX_SNIFF_BYTES", "MEDIA_KINDS", "OCTET_STREAM", "SNIFF_BYTES", "content_type_of", "sniff",
    "sniff_bytes_needed", "sniff_content_type", "sniff_format",
]

#: Bytes to look at after any prefix.
SNIFF_BYTES = 4096
#: The most a caller needs to read: prefixes longer than this leave the file unknown.
MAX_SNIFF_BYTES = 16 * 1024 * 1024
MEDIA_KINDS = frozenset({"video", "audio", "image"})
OCTET_STREAM = "application/octet-stream"

_V, _A, _I, _P, _T, _Z = "video", "audio", "image", "playlist", "text", "archive"
#: format name -> (kind, MIME type)
FORMATS: dict[str, tuple[str, str]] = {
    "mp4": (_V, "video/mp4"), "mov": (_V, "video/quicktime"), "m4v": (_V, "video/x-m4v"),
    "3gp": (_V, "video/3gpp"), "3g2": (_V, "video/3gpp2"), "m4a": (_A, "audio/mp4"),
    "matroska": (_V, "video/x-matroska"), "webm": (_V, "video/webm"), "avi": (_V, "video/x-msvideo"),
    "mpegts": (_V, "video/mp2t"), "m2ts": (_V, "video/mp2t"), "mpeg": (_V, "video/mpeg"),
    "mpegvideo": (_V, "video/mpeg"), "mxf": (_V, "application/mxf"), "flv": (_V, "video/x-flv"),
    "asf": (_V, "video/x-ms-asf"), "dv": (_V, "video/x-dv"), "ogv": (_V, "video/ogg"),
    "mp3": (_A, "audio/mpeg"), "aac": (_A, "audio/aac"), "wav": (_A, "audio/wav"), "flac": (_A, "audio/flac"),
    "ogg": (_A, "audio/ogg"), "aiff": (_A, "audio/aiff"), "caf": (_A, "audio/x-caf"), "amr": (_A, "audio/amr"),
    "amr-wb": (_A, "audio/amr-wb"),
    "jpeg": (_I, "image/jpeg"), "png": (_I, "image/png"), "tiff": (_I, "image/tiff"), "gif": (_I, "image/gif"),
    "bmp": (_I, "image/bmp"), "webp": (_I, "image/webp"), "heic": (_I, "image/heic"),
    "heic-sequence": (_I, "image/heic-sequence"), "heif": (_I, "image/heif"),
    "heif-sequence": (_I, "image/heif-sequence"), "avif": (_I, "image/avif"), "cr3": (_I, "image/x-canon-cr3"),
    "hls": (_P, OCTET_STREAM), "ffconcat": (_P, OCTET_STREAM), "pls": (_P, OCTET_STREAM),
    "dash": (_P, OCTET_STREAM), "smil": (_P, OCTET_STREAM), "asx": (_P, OCTET_STREAM),
    "xspf": (_P, OCTET_STREAM),
    "html": (_T, OCTET_STREAM), "xml": (_T, OCTET_STREAM), "svg": (_T, OCTET_STREAM), "json": (_T, OCTET_STREAM),
    "script": (_T, OCTET_STREAM), "webvtt": (_T, OCTET_STREAM), "text": (_T, OCTET_STREAM),
    "zip": (_Z, OCTET_STREAM), "gzip": (_Z, OCTET_STREAM), "7z": (_Z, OCTET_STREAM), "rar": (_Z, OCTET_STREAM),
    "tar": (_Z, OCTET_STREAM), "bzip2": (_Z, OCTET_STREAM), "xz": (_Z, OCTET_STREAM), "zstd": (_Z, OCTET_STREAM),
}

_HEIF_BRANDS = {b"heic": "heic", b"heix": "heic", b"heim": "heic", b"heis": "heic", b"hevc": "heic-sequence",
                b"hevx": "heic-sequence", b"hevm": "heic-sequence", b"hevs": "heic-sequence", b"mif1": "heif",
                b"msf1": "heif-sequence", b"avif": "avif", b"avis": "avif"}
_QT_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_RIFF_FORMS = {b"AVI ": "avi", b"AVIX": "avi", b"WAVE": "wav", b"WEBP": "webp"}
_ARCHIVES = ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"PK\x07\x08", "zip"), (b"\x1f\x8b", "gzip"),
             (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"), (b"\xfd7zXZ\x00", "xz"),
             (b"\x28\xb5\x2f\xfd", "zstd"))
#: Root elements that name a format; any other markup is "xml" (with an XML declaration) or "html".
_XML_ROOTS = {"html": "html", "svg": "svg", "mpd": "dash", "smil": "smil", "asx": "asx", "playlist": "xspf"}
_XML_PROLOGUE = re.compile(r"\s*<(\?.*?\?>|!--.*?-->|!(?:doctype|DOCTYPE)\s+([\w:.-]+)[^>]*>)", re.S)
_XML_ELEMENT = re.compile(r"\s*<([A-Za-z][\w.-]*:)?([A-Za-z][\w.-]*)")
_MAX_DEPTH = 8


def _id3_end(h: bytes) -> int | None:
    """Where an ID3v2 tag at the start of ``h`` ends (header + size from the header + footer), or None."""
    if len(h) < 10 or not h.startswith(b"ID3") or h[3] == 0xFF or h[4] == 0xFF:
        return None
    size = h[6:10]
    if any(b & 0x80 for b in size):
        return None
    n = (size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3]
    return 10 + n + (10 if h[5] & 0x10 else 0)


def _prefix_end(h: bytes) -> int:
    """Bytes taken by the ID3v2 tags at the start of ``h`` (several may follow each other)."""
    pos = 0
    for _ in range(_MAX_DEPTH):
        end = _id3_end(h[pos:pos + 10])
        if end is None:
            break
        pos += end
    return pos


def sniff_bytes_needed(head: bytes) -> int:
    """How many leading bytes :func:`sniff` needs to see past the ID3 prefixes of ``head`` (at most
    :data:`MAX_SNIFF_BYTES`); a caller holding fewer should read that many and sniff again."""
    return min(MAX_SNIFF_BYTES, _prefix_end(head[:64 * 1024]) + SNIFF_BYTES)


def _mpeg_audio_frame(h: bytes) -> bool:
    """A plausible MPEG-1/2/2.5 audio layer I/II/III frame header."""
    if len(h) < 4 or h[0] != 0xFF or h[1] & 0xE0 != 0xE0:
        return False
    version, layer = (h[1] >> 3) & 3, (h[1] >> 1) & 3
    bitrate, rate = h[2] >> 4, (h[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 0xF and rate != 3


def _adts_frame(h: bytes) -> bool:
    """A plausible AAC ADTS frame header (sync, layer 0, a defined sampling rate)."""
    return len(h) >= 7 and h[0] == 0xFF and h[1] & 0xF6 == 0xF0 and (h[2] >> 2) & 0xF < 13


def _bmp(h: bytes) -> bool:
    return (len(h) >= 18 and h.startswith(b"BM") and h[6:10] == b"\x00\x00\x00\x00"
            and int.from_bytes(h[14:18], "little") in (12, 40, 52, 56, 64, 108, 124))


def _ftyp(h: bytes) -> str:
    brand = h[8:12]
    if brand in (b"mif1", b"msf1"):  # the generic HEIF brands: a compatible brand may say which codec
        compatible = {h[i:i + 4] for i in range(16, min(len(h), int.from_bytes(h[0:4], "big"), 64), 4)}
        for specific in (b"heic", b"heix", b"avif", b"hevc", b"avis"):
            if specific in compatible:
                return _HEIF_BRANDS[specific]
    if brand in _HEIF_BRANDS:
        return _HEIF_BRANDS[brand]
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return "m4a"
    if brand == b"M4V ":
        return "m4v"
    if brand == b"qt  ":
        return "mov"
    if brand == b"crx ":
        return "cr3"
    if brand.startswith(b"3g2"):
        return "3g2"
    if brand.startswith((b"3gp", b"3gg", b"3gs")):
        return "3gp"
    return "mp4"


def _ebml_doctype(h: bytes) -> str:
    i = h.find(b"\x42\x82", 4, 64)
    if i >= 0 and i + 3 < len(h) and h[i + 2] & 0x80:
        n = h[i + 2] & 0x7F
        if h[i + 3:i + 3 + n] == b"webm":
            return "webm"
    return "matroska"


def _binary_format(h: bytes) -> str | None:
    if h[4:8] == b"ftyp":
        return _ftyp(h)
    if h[4:8] in _QT_ATOMS:
        return "mov"
    if h.startswith(b"\x1a\x45\xdf\xa3"):
        return _ebml_doctype(h)
    if h.startswith((b"RF64", b"BW64")) and h[8:12] == b"WAVE":
        return "wav"
    if h.startswith(b"\x06\x0e\x2b\x34"):
        return "mxf"
    if h[0:1] == b"\x47" and len(h) > 376 and h[188:189] == b"\x47" and h[376:377] == b"\x47":
        return "mpegts"
    if len(h) > 388 and h[4:5] == b"\x47" and h[196:197] == b"\x47" and h[388:389] == b"\x47":
        return "m2ts"  # M2TS / AVCHD
    if h.startswith(b"\x00\x00\x01\xba"):
        return "mpeg"
    if h.startswith(b"\x00\x00\x01\xb3"):
        return "mpegvideo"
    if h.startswith(b"FLV\x01"):
        return "flv"
    if h.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "asf"
    if h.startswith((b"\x1f\x07\x00\x3f", b"\x1f\x07\x00\xbf")):
        return "dv"
    if h.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if h.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if h[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if h.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if _bmp(h):
        return "bmp"
    if _adts_frame(h):
        return "aac"
    if _mpeg_audio_frame(h):
        return "mp3"
    if h.startswith(b"fLaC"):
        return "flac"
    if h.startswith(b"OggS"):
        return "ogv" if b"\x80theora" in h[:512] else "ogg"
    if h.startswith(b"FORM") and h[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if h.startswith(b"caff"):
        return "caf"
    if h.startswith(b"#!AMR-WB\n"):
        return "amr-wb"
    if h.startswith(b"#!AMR\n"):
        return "amr"
    for magic, name in _ARCHIVES:
        if h.startswith(magic):
            return name
    if re.match(rb"BZh[1-9]1AY&SY", h):
        return "bzip2"
    if h[257:262] == b"ustar":
        return "tar"
    return None


def _xml_root(text: str) -> str | None:
    """The first element name after the XML declaration, comments, processing instructions and DOCTYPE."""
    pos = 0
    while m := _XML_PROLOGUE.match(text, pos):
        if m.group(2):
            return m.group(2).rsplit(":", 1)[-1].lower()
        pos = m.end()
    m = _XML_ELEMENT.match(text, pos)
    return m.group(2).lower() if m else None


def _text_format(text: str, *, sure: bool) -> str | None:
    """The text format of decoded ``text``; with ``sure`` False only when the text is recognisable or mostly
    printable."""
    s = text.lstrip(" \t\r\n\ufeff")
    upper = s[:16].upper()
    if upper.startswith(("#EXTM3U", "#EXTINF", "#EXT-X-")):
        return "hls"
    if s.startswith("ffconcat"):
        return "ffconcat"
    if upper.startswith("[PLAYLIST]"):
        return "pls"
    if s.startswith("#!"):
        return "script"
    if s.startswith("WEBVTT"):
        return "webvtt"
    if s.startswith(("{", "[")):
        return "json"
    if s.startswith("<"):
        root = _xml_root(s[:4096])
        if root in _XML_ROOTS:
            return _XML_ROOTS[root]
        return "xml" if s.startswith("<?xml") else "html"
    if sure or _mostly_text(s):
        return "text"
    return None


def _mostly_text(text: str) -> bool:
    if not text:
        return False
    printable = sum(1 for c in text if c in "\t\n\r" or (c.isprintable() and c != "\ufffd"))
    return printable / len(text) > 0.97


def _decode_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4:  # a multi-byte character cut at the end is still text
            return data[:exc.start].decode("utf-8", "replace")
        return None


def _format(h: bytes, depth: int) -> str | None:
    if not h or depth > _MAX_DEPTH:
        return None
    if h.startswith(b"ID3") and (end := _prefix_end(h)) > 0:
        rest = h[end:]  # what ffmpeg's prober looks at too
        found = _format(rest, depth + 1)
        unpadded = rest.lstrip(b"\x00")  # padding beyond the declared size, before the first audio frame
        if found is None and unpadded and len(unpadded) < len(rest):
            found = _format(unpadded, depth + 1)
        return found
    if h.startswith(codecs.BOM_UTF8):
        text = _decode_utf8(h[3:])
        return _text_format(text, sure=True) if text is not None else None
    if h[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        text = h[2:len(h) - (len(h) % 2)].decode("utf-16-le" if h[:2] == codecs.BOM_UTF16_LE else "utf-16-be",
                                                  "replace")
        if _mostly_text(text):
            return _text_format(text, sure=True)
    if h.startswith(b"RIFF"):
        if h[8:12] in _RIFF_FORMS:
            return _RIFF_FORMS[h[8:12]]
        # another form type: what it wraps (after the header, or inside the first chunk) is what a prober may
        # see; only refusals are passed on, the most specific first (a playlist inside rather than "text")
        inner = [f for f in (_format(h[20:], depth + 1), _format(h[12:], depth + 1))
                 if f and FORMATS[f][0] not in MEDIA_KINDS]
        return next((f for f in inner if f != "text"), inner[0] if inner else None)
    found = _binary_format(h)
    if found is not None:
        return found
    text = _decode_utf8(h[:SNIFF_BYTES])
    if text is None:  # not UTF-8: still refused if it starts like a playlist or markup (ffmpeg reads bytes)
        text = h[:SNIFF_BYTES].decode("latin-1")
    return _text_format(text, sure=False)


def sniff_format(head: bytes) -> str | None:
    """The format name of a file starting with ``head`` (a key of :data:`FORMATS`), or None when unknown.

    ``head`` should hold at least the first 4 KiB (:func:`sniff_bytes_needed` says how many when ID3 tags come
    first)."""
    return _format(bytes(head[:MAX_SNIFF_BYTES]), 0)


def sniff(head: bytes) -> str | None:
    """``"video" | "audio" | "image"`` for media, ``"playlist" | "archive" | "text"`` for what is refused,
    None when unknown (refuse it too). ``head`` should hold at least the first 4 KiB."""
    fmt = sniff_format(head)
    return FORMATS[fmt][0] if fmt else None


def content_type_of(fmt: str | None) -> str:
    """The MIME type for a format name from :func:`sniff_format`: a media type for media, else
    ``application/octet-stream``."""
    kind, mime = FORMATS.get(fmt or "", ("", OCTET_STREAM))
    return mime if kind in MEDIA_KINDS else OCTET_STREAM


def sniff_content_type(head: bytes) -> str:
    """The ``Content-Type`` to serve a file starting with ``head`` with, from its bytes only (never the name or the
    client's word): ``video/mp4``, ``video/quicktime``, ``audio/mpeg``, ``image/jpeg``, … for media, and
    ``application/octet-stream`` for everything else (text, HTML, SVG, playlists, archives, unknown)."""
    return content_type_of(sniff_format(head))

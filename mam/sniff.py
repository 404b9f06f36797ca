"""Decide what a file is from its first bytes (magic numbers), not from its name."""

from __future__ import annotations

_TEXT_PREFIXES = (b"#EXTM3U", b"ffconcat", b"{", b"[", b"<?xml", b"<", b"#!", b"WEBVTT")


def sniff(head: bytes) -> str | None:
    """``'video' | 'audio' | 'image' | 'container'`` for known media signatures, ``'text'`` for text,
    ``None`` when unknown. ``head`` should hold at least the first 4 KiB."""
    if not head:
        return None
    h = head
    if h[4:8] == b"ftyp":
        brand = h[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"hevc", b"heim", b"heis"):
            return "image"
        if brand in (b"M4A ", b"M4B "):
            return "audio"
        return "video"
    if h[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "video"
    if h.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"  # Matroska / WebM
    if h.startswith(b"RIFF") and h[8:12] in (b"AVI ", b"WAVE", b"WEBP"):
        return {b"AVI ": "video", b"WAVE": "audio", b"WEBP": "image"}[h[8:12]]
    if h.startswith(b"\x06\x0e\x2b\x34"):
        return "video"  # MXF
    if h[0:1] == b"\x47" and len(h) > 376 and h[188:189] == b"\x47" and h[376:377] == b"\x47":
        return "video"  # MPEG-TS
    if len(h) > 388 and h[4:5] == b"\x47" and h[196:197] == b"\x47" and h[388:389] == b"\x47":
        return "video"  # M2TS / AVCHD
    if h.startswith(b"\x00\x00\x01\xba") or h.startswith(b"\x00\x00\x01\xb3"):
        return "video"  # MPEG-PS / MPEG-1/2 video
    if h.startswith(b"FLV"):
        return "video"
    if h.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "video"  # ASF / WMV
    if h.startswith(b"\x1f\x07\x00\x3f") or h.startswith(b"\x1f\x07\x00\xbf"):
        return "video"  # DV
    if h.startswith(b"\xff\xd8\xff") or h.startswith(b"\x89PNG\r\n\x1a\n") or h[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if h.startswith(b"GIF8") or h.startswith(b"BM"):
        return "image"
    if h.startswith(b"ID3") or h[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xf1", b"\xff\xf9"):
        return "audio"
    if h.startswith(b"fLaC") or h.startswith(b"OggS") or h.startswith(b"FORM") or h.startswith(b"caff"):
        return "audio"
    if h.startswith(b"#!AMR"):
        return "audio"
    stripped = h.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(_TEXT_PREFIXES) or _mostly_text(h[:4096]):
        return "text"
    return None


def _mostly_text(data: bytes) -> bool:
    if not data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 4:  # a multi-byte char cut at the end is still text
            return False
    printable = sum(1 for b in data if b in (9, 10, 13) or 32 <= b < 127 or b >= 128)
    return printable / len(data) > 0.97

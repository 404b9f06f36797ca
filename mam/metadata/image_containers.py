"""Container-level parsing of still images: what a file is and where its metadata bytes are.

`_sniff` recognises JPEG, TIFF/DNG, PNG, GIF, WebP, HEIF/AVIF and Canon CR3
from their first bytes (`_EXT_FORMATS` and `_FORMAT_NAMES` map file
extensions and display names); `_walk_jpeg` is a bounded JPEG marker walker
that returns the APP1 EXIF blob, the XMP packet and the SOF pixel size;
`_scan_exif_blob` finds an ``Exif`` + TIFF header in raw bytes;
`_container_dims` reads the stored pixel size of HEIF (the primary item's
``ispe``, found through ``meta``/``iprp``/``ipma`` boxes), PNG, GIF and WebP;
and `_cr3_tags` hands the TIFF blobs in CR3's ``CMT1``/``CMT2`` boxes to an
`_ExifRunner`.  Every loop is capped, so a hostile file cannot make it spin.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from mam.metadata.exif_runner import _ExifRunner

_MAX_META_BOX = 16 * 1024 * 1024

# ---------------------------------------------------------------------------
# Format sniffing


_EXT_FORMATS = {
    ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg",
    ".heic": "heif", ".heif": "heif", ".hif": "heif", ".avif": "heif",
    ".tif": "tiff", ".tiff": "tiff", ".dng": "tiff", ".nef": "tiff", ".arw": "tiff", ".cr2": "tiff",
    ".png": "png", ".gif": "gif", ".webp": "webp", ".cr3": "cr3",
}  # fmt: skip
_FORMAT_NAMES = {
    "jpeg": "JPEG", "heif": "HEIF", "tiff": "TIFF", "png": "PNG", "gif": "GIF",
    "webp": "WebP", "cr3": "Canon CR3", "isobmff": "ISO-BMFF (non-image)",
}  # fmt: skip
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"mif2",
                b"avif", b"avis"}  # fmt: skip


def _sniff(head: bytes) -> str | None:
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        box_end = min(int.from_bytes(head[:4], "big"), 256, len(head))
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box_end - 3, 4)}
        if b"crx " in brands:
            return "cr3"
        if brands & _HEIF_BRANDS:
            return "heif"
        return "isobmff"
    return None


# ---------------------------------------------------------------------------
# Byte scan for EXIF


_EXIF_BLOB = re.compile(rb"Exif\x00[\x00\xff](?=II\*\x00|MM\x00\*)")


def _scan_exif_blob(*chunks: bytes) -> bytes | None:
    """Find an ``Exif\\0\\0`` + TIFF header anywhere in the given byte windows."""
    for chunk in chunks:
        match = _EXIF_BLOB.search(chunk) if chunk else None
        if match:
            return chunk[match.end() :]
    return None


# ---------------------------------------------------------------------------
# JPEG, HEIF, PNG/GIF/WebP and CR3


@dataclass
class _JpegInfo:
    exif: bytes | None = None
    xmp: bytes | None = None
    dims: tuple[int, int] | None = None
    broken: bool = False


_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"


def _walk_jpeg(fh: BinaryIO, warnings: list[str]) -> _JpegInfo:
    """Walk JPEG marker segments up to SOS: APP1 EXIF/XMP and the SOF size."""
    info = _JpegInfo()
    pos = 2
    for _ in range(8192):  # every iteration advances; the cap bounds hostile files
        fh.seek(pos)
        hdr = fh.read(4)
        if len(hdr) < 2:
            warnings.append("JPEG ends before the image data (truncated file)")
            return info
        if hdr[0] != 0xFF:
            info.broken = True
            warnings.append(f"JPEG segment structure broken at byte {pos}")
            return info
        marker = hdr[1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            pos += 2
            continue
        if marker == 0xD9:  # EOI before SOS
            return info
        if len(hdr) < 4:
            warnings.append("JPEG ends inside a segment header (truncated file)")
            return info
        seg_len = int.from_bytes(hdr[2:4], "big")
        if seg_len < 2:
            info.broken = True
            warnings.append(f"JPEG segment at byte {pos} has an invalid length {seg_len}")
            return info
        wanted = (marker == 0xE1 and (info.exif is None or info.xmp is None)) or (
            marker in _SOF_MARKERS and info.dims is None
        )
        if wanted:
            payload = fh.read(seg_len - 2)
            if len(payload) < seg_len - 2:
                warnings.append("JPEG segment truncated by end of file")
            if marker == 0xE1:
                _jpeg_app1(payload, info, warnings)
            elif len(payload) >= 5:
                height = int.from_bytes(payload[1:3], "big")
                width = int.from_bytes(payload[3:5], "big")
                if width and height:
                    info.dims = (width, height)
        if marker == 0xDA:  # start of scan: metadata is over
            return info
        pos += 2 + seg_len
    warnings.append("JPEG has too many segments; stopped walking")
    return info


def _jpeg_app1(payload: bytes, info: _JpegInfo, warnings: list[str]) -> None:
    if payload[:5] == b"Exif\x00" and info.exif is None:
        for start in (6, *range(5, min(len(payload), 32))):
            if payload[start : start + 4] in (b"II*\x00", b"MM\x00*"):
                info.exif = payload[start:]
                return
        warnings.append("APP1 Exif segment has no TIFF header")
    elif payload.startswith(_XMP_SIG) and info.xmp is None:
        info.xmp = payload[len(_XMP_SIG) :]


def _boxes(buf: bytes, start: int, end: int):
    """Yield (type, body_start, body_end) for ISO-BMFF boxes in ``buf[start:end]``."""
    pos = start
    end = min(end, len(buf))
    for _ in range(4096):
        if pos + 8 > end:
            return
        size = int.from_bytes(buf[pos : pos + 4], "big")
        kind = buf[pos + 4 : pos + 8]
        hdr = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = int.from_bytes(buf[pos + 8 : pos + 16], "big")
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr:  # would not advance: hostile or corrupt
            return
        yield kind, pos + hdr, min(pos + size, end)
        pos += size


def _heif_primary_size(fh: BinaryIO, size: int) -> tuple[int, int] | None:
    """``ispe`` of the primary item (stored size, before ``irot``)."""
    pos = 0
    for _ in range(4096):
        fh.seek(pos)
        hdr = fh.read(16)
        if len(hdr) < 8:
            return None
        box_size = int.from_bytes(hdr[:4], "big")
        hlen = 8
        if box_size == 1 and len(hdr) == 16:
            box_size = int.from_bytes(hdr[8:16], "big")
            hlen = 16
        elif box_size == 0:
            box_size = size - pos
        if box_size < hlen:
            return None
        if hdr[4:8] == b"meta":
            length = min(box_size - hlen, _MAX_META_BOX)
            fh.seek(pos + hlen)
            return _heif_meta_size(fh.read(length))
        pos += box_size
    return None


def _heif_meta_size(meta: bytes) -> tuple[int, int] | None:
    primary: int | None = None
    ipco: list[tuple[bytes, int, int]] = []
    ipma: tuple[int, int] | None = None
    for kind, start, end in _boxes(meta, 4, len(meta)):  # meta is a FullBox
        if kind == b"pitm" and end - start >= 6:
            primary = int.from_bytes(meta[start + 4 : start + 6], "big")
            if meta[start] >= 1 and end - start >= 8:
                primary = int.from_bytes(meta[start + 4 : start + 8], "big")
        elif kind == b"iprp":
            for sub, s_start, s_end in _boxes(meta, start, end):
                if sub == b"ipco" and not ipco:
                    ipco = list(_boxes(meta, s_start, s_end))
                elif sub == b"ipma" and ipma is None:
                    ipma = (s_start, s_end)
    if primary is None or not ipco or ipma is None:
        return None
    for prop_index in _ipma_props(meta, *ipma, primary):
        if 1 <= prop_index <= len(ipco):
            kind, start, end = ipco[prop_index - 1]
            if kind == b"ispe" and end - start >= 12:
                width = int.from_bytes(meta[start + 4 : start + 8], "big")
                height = int.from_bytes(meta[start + 8 : start + 12], "big")
                if width and height:
                    return width, height
    return None


def _ipma_props(buf: bytes, start: int, end: int, item_id: int) -> list[int]:
    """Property indexes (1-based into ipco) associated with ``item_id``."""
    if end - start < 8:
        return []
    version = buf[start]
    wide = buf[start + 3] & 1
    count = int.from_bytes(buf[start + 4 : start + 8], "big")
    pos = start + 8
    for _ in range(min(count, 65536)):
        id_len = 2 if version < 1 else 4
        if pos + id_len + 1 > end:
            return []
        entry_id = int.from_bytes(buf[pos : pos + id_len], "big")
        n_props = buf[pos + id_len]
        pos += id_len + 1
        props = []
        for _ in range(n_props):
            if wide:
                if pos + 2 > end:
                    return []
                props.append(int.from_bytes(buf[pos : pos + 2], "big") & 0x7FFF)
                pos += 2
            else:
                if pos + 1 > end:
                    return []
                props.append(buf[pos] & 0x7F)
                pos += 1
        if entry_id == item_id:
            return props
    return []


def _container_dims(fmt: str, fh: BinaryIO, head: bytes, size: int) -> tuple[int, int] | None:
    dims: tuple[int, int] | None = None
    if fmt == "heif":
        dims = _heif_primary_size(fh, size)
    elif fmt == "png" and head[12:16] == b"IHDR" and len(head) >= 24:
        dims = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    elif fmt == "gif" and len(head) >= 10:
        dims = int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    elif fmt == "webp" and len(head) >= 30:
        chunk = head[12:16]
        if chunk == b"VP8X":
            dims = 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
        elif chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
            dims = (
                int.from_bytes(head[26:28], "little") & 0x3FFF,
                int.from_bytes(head[28:30], "little") & 0x3FFF,
            )
        elif chunk == b"VP8L" and head[20] == 0x2F:
            bits = int.from_bytes(head[21:25], "little")
            dims = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if dims and dims[0] > 0 and dims[1] > 0:
        return dims
    return None


def _cr3_tags(head: bytes, runner: _ExifRunner) -> dict[str, Any]:
    """Canon CR3 keeps IFD0 in a ``CMT1`` box and the EXIF IFD in ``CMT2``."""
    tags: dict[str, Any] = {}
    for name, prefix in ((b"CMT1", None), (b"CMT2", "EXIF ")):
        at = head.find(name)
        if at < 4:
            continue
        box_size = int.from_bytes(head[at - 4 : at], "big")
        blob = head[at + 4 : at - 4 + box_size]
        if blob[:4] not in (b"II*\x00", b"MM\x00*"):
            continue
        found = runner.run(io.BytesIO(blob), details=False, what=f"CR3 {name.decode()}")
        for key, value in found.items():
            if prefix and key.startswith("Image "):
                key = prefix + key[len("Image ") :]
            tags.setdefault(key, value)
    return tags

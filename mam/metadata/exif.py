"""Still-image metadata: EXIF via exifread (time-bounded) plus an XMP packet.

Supported containers, recognised from their bytes rather than their name:
JPEG, HEIF/HEIC/AVIF, TIFF/DNG, PNG/WebP (EXIF chunk) and Canon CR3
(``CMT1``/``CMT2`` boxes).  A GIF or unknown file still gets its XMP read.

`read_still_metadata` never raises: whatever could be read is returned and
every problem is described in ``StillMetadata.warnings``.

Time bound
----------
exifread has had endless-loop bugs (3.5.1 still spins forever on an ISOBMFF
box whose 64-bit size is 0).  The parse therefore runs in a daemon thread
joined with ``timeout_s``.  A thread cannot be killed, so a worker that
misses its deadline is *abandoned*; to stop it from spinning on, exifread
reads through `_GuardedReader`, which raises at the first read/seek/tell after
the deadline (all of exifread's loops do I/O), and the file is closed on
return.  A parse that hangs without any I/O would keep its thread; after
`MAX_STUCK_PARSES` of those, further exifread runs are skipped with a warning.

Why not a ``multiprocessing`` "spawn" worker: a fresh interpreter that
imports exifread measured ~90 ms per image here, against ~1.3 ms for thread +
parse, which is too slow for bulk ingest of stills; the guarded reader covers
the loops seen in the wild, and a true kill would only matter for a CPU-only
hang.

JPEG EXIF is located by our own bounded segment walker and handed to exifread
as an in-memory TIFF blob, so exifread never walks JPEG segments (several of
its regressions were there, and it gives up on files with large APPn blocks
before APP1).  XMP is found in the raw bytes independently of exifread.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from mam.metadata.xmp import find_xmp_packet, parse_xmp

try:  # a missing dependency must degrade to a warning, not an ImportError
    import exifread
except ImportError:  # pragma: no cover - exercised only in broken installs
    exifread = None

__all__ = ["MAX_STUCK_PARSES", "StillMetadata", "read_still_metadata"]

log = logging.getLogger(__name__)

HEAD_BYTES = 4 * 1024 * 1024  # XMP / EXIF byte scans look at the first 4 MiB ...
TAIL_BYTES = 1024 * 1024  # ... and the last 1 MiB (EXIF/XMP stored at EOF)
MAX_STUCK_PARSES = 4
_MAX_META_BOX = 16 * 1024 * 1024
_MAX_READ = 64 * 1024 * 1024  # cap for a single read requested by exifread
_MAX_GUARD_OPS = 5_000_000


@dataclass
class StillMetadata:
    """Normalised metadata of one still image.

    ``captured_at`` comes from the first of: EXIF DateTimeOriginal,
    DateTimeDigitized, XMP exif:DateTimeOriginal / photoshop:DateCreated /
    xmp:CreateDate, the GPS timestamp (UTC), IFD0 DateTime (the last two add a
    warning).  Its offset comes from the matching EXIF OffsetTime* tag, else
    from the GPS clock (local minus UTC, when within 5 min of a quarter hour),
    else from an XMP date showing the same wall-clock time with a zone.
    Lens falls back to XMP exifEX:LensModel / aux:Lens, make/model to
    tiff:Make/Model, the position to XMP (exif:GPS*, drone-dji, drone-skydio).
    """

    make: str | None = None
    model: str | None = None
    lens: str | None = None
    captured_at: datetime | None = None  # aware when an offset is known, else naive local time
    captured_at_offset: str | None = None  # e.g. "+08:00" when known
    lat: float | None = None  # references (S/W) applied
    lon: float | None = None
    alt_m: float | None = None  # GPSAltitudeRef (below sea level) applied
    orientation: int | None = None  # EXIF 1..8
    width: int | None = None  # stored pixel size, before `orientation` is applied
    height: int | None = None
    xmp: dict[str, str] = field(default_factory=dict)  # flattened "prefix:Name" -> value
    drone: dict[str, float] = field(default_factory=dict)  # gimbal_*/flight_* deg, rel_alt_m, abs_alt_m
    warnings: list[str] = field(default_factory=list)


def read_still_metadata(path: str | os.PathLike, timeout_s: float = 10.0) -> StillMetadata:
    """Read EXIF + XMP of the still at ``path``; never raises.

    The exifread part is bounded by ``timeout_s`` (see the module docstring:
    a parse that overruns is abandoned in its daemon thread and a warning is
    added).  Problems with the file are reported in ``warnings``.
    """
    md = StillMetadata()
    try:
        _read(md, Path(path), timeout_s)
    except Exception as exc:  # last-resort guard: callers rely on "never raises"
        log.debug("still metadata reader failed on %s", path, exc_info=True)
        md.warnings.append(f"metadata reader failed: {type(exc).__name__}: {_short(exc)}")
    return md


# ---------------------------------------------------------------------------
# File level


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


def _read(md: StillMetadata, path: Path, timeout_s: float) -> None:
    warnings = md.warnings
    try:
        timeout = max(0.0, float(timeout_s))
    except (TypeError, ValueError):
        timeout = 10.0
    deadline = time.monotonic() + timeout
    with contextlib.ExitStack() as stack:
        try:
            fh = stack.enter_context(open(path, "rb"))
        except OSError as exc:
            warnings.append(f"cannot open file: {exc.strerror or exc}")
            return
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            warnings.append("empty file (0 bytes)")
            return
        head = fh.read(HEAD_BYTES)
        tail = b""
        if size > len(head):
            fh.seek(max(len(head), size - TAIL_BYTES))
            tail = fh.read(TAIL_BYTES)

        fmt = _sniff(head)
        expected = _EXT_FORMATS.get(path.suffix.lower())
        if fmt is None:
            warnings.append(f"unrecognised file format (first bytes {head[:8].hex()})")
        elif expected is not None and expected != fmt:
            warnings.append(f"file extension {path.suffix!r} does not match its content ({_FORMAT_NAMES[fmt]})")

        runner = _ExifRunner(deadline, timeout, warnings)
        # exifread gets its own handle: an abandoned worker must never move the
        # position of the handle this thread keeps using.
        exif_fh = stack.enter_context(open(path, "rb"))
        tags: dict[str, Any] = {}
        dims: tuple[int, int] | None = None
        xmp_packet: bytes | None = None

        if fmt == "jpeg":
            info = _walk_jpeg(fh, warnings)
            dims = info.dims
            xmp_packet = info.xmp
            blob = info.exif
            if blob is None and info.broken:
                blob = _scan_exif_blob(head)
            if blob is not None:
                tags = runner.run(io.BytesIO(blob), details=False, what="JPEG EXIF")
        elif fmt == "tiff":
            tags = runner.run(exif_fh, details=True, what="TIFF", quiet=True)
            if not tags and runner.last_error and not runner.timed_out:
                # a MakerNote/SubIFD decoder failure loses everything: retry without them
                tags = runner.run(exif_fh, details=False, what="TIFF")
                if tags:
                    warnings.append(f"MakerNote/SubIFD decoding failed ({runner.first_error}); read without them")
        elif fmt in ("heif", "png", "webp"):
            tags = runner.run(exif_fh, details=False, what=_FORMAT_NAMES[fmt], quiet=True)
            if not tags and not runner.timed_out:
                blob = _scan_exif_blob(head, tail)
                if blob is not None:
                    tags = runner.run(io.BytesIO(blob), details=False, what="embedded EXIF")
                    if tags and runner.first_error:
                        warnings.append(
                            f"exifread could not parse the {_FORMAT_NAMES[fmt]} container "
                            f"({runner.first_error}); EXIF recovered by a byte scan"
                        )
                elif runner.first_error:
                    warnings.append(f"EXIF parser error ({runner.first_error})")
            dims = _container_dims(fmt, fh, head, size)
        elif fmt == "cr3":
            tags = _cr3_tags(head, runner)
        elif fmt == "gif":
            dims = _container_dims(fmt, fh, head, size)
        else:
            blob = _scan_exif_blob(head, tail)
            if blob is not None:
                tags = runner.run(io.BytesIO(blob), details=False, what="embedded EXIF")

        if xmp_packet is None:
            xmp_packet = find_xmp_packet(head) or (find_xmp_packet(tail) if tail else None)
        if xmp_packet:
            md.xmp = parse_xmp(xmp_packet)
            if not md.xmp:
                warnings.append("XMP packet present but unreadable (malformed, empty, or declares a DTD)")

    if not tags:
        warnings.append("no EXIF metadata found")
    _fill(md, tags, dims, fmt)


# ---------------------------------------------------------------------------
# Bounded exifread


class _Cancelled(Exception):
    """Raised inside an exifread worker once its deadline has passed."""


class _GuardedReader:
    """Read-only file proxy that raises `_Cancelled` once the deadline passes.

    exifread only calls read/seek/tell, and all of its known endless loops do
    I/O, so an abandoned worker thread dies at its next call.
    """

    def __init__(self, raw: BinaryIO, deadline: float) -> None:
        self._raw = raw
        self._deadline = deadline
        self._ops = 0
        self.cancelled = False

    def _check(self) -> None:
        self._ops += 1
        if self.cancelled or self._ops > _MAX_GUARD_OPS or time.monotonic() > self._deadline:
            self.cancelled = True
            raise _Cancelled

    def read(self, size: int = -1) -> bytes:
        self._check()
        if size is None or size < 0 or size > _MAX_READ:
            size = _MAX_READ
        return self._raw.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._check()
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        self._check()
        return self._raw.tell()


class _LogCapture(logging.Handler):
    """Collects exifread's own warnings per worker thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.sinks: dict[int, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        sink = self.sinks.get(record.thread or 0)
        if sink is not None and len(sink) < 20:
            try:
                sink.append(record.getMessage())
            except Exception:  # a bad format string in a log call must not matter
                pass


_LOG_CAPTURE = _LogCapture()
logging.getLogger("exifread").addHandler(_LOG_CAPTURE)
_STUCK: list[threading.Thread] = []
_STUCK_LOCK = threading.Lock()


class _ExifRunner:
    """Runs exifread calls for one file against one shared deadline."""

    def __init__(self, deadline: float, timeout: float, warnings: list[str]) -> None:
        self.deadline = deadline
        self.timeout = timeout
        self.warnings = warnings
        self.first_error: str | None = None
        self.last_error: str | None = None
        self.timed_out = False
        self._seen_logs: set[str] = set()

    def run(self, stream: BinaryIO, *, details: bool, what: str, quiet: bool = False) -> dict[str, Any]:
        """exifread ``stream``; ``quiet`` leaves error reporting to the caller."""
        if self.timed_out:  # the deadline is shared: nothing more after a timeout
            return {}
        tags, error, logs = self._run(stream, details)
        for msg in logs:
            if msg not in self._seen_logs:
                self._seen_logs.add(msg)
                self.warnings.append(f"exifread: {msg}")
        self.last_error = error
        if error is not None:
            self.first_error = self.first_error or error
            if error.startswith("timed out") or error.startswith("skipped"):
                self.timed_out = True  # stop: no further exifread runs for this file
                self.warnings.append(f"EXIF parsing of {what} {error}")
            elif not quiet:
                self.warnings.append(f"EXIF parser error in {what} ({error})")
        return tags

    def _run(self, stream: BinaryIO, details: bool) -> tuple[dict[str, Any], str | None, list[str]]:
        if exifread is None:
            return {}, "exifread is not installed", []
        with _STUCK_LOCK:
            _STUCK[:] = [t for t in _STUCK if t.is_alive()]
            if len(_STUCK) >= MAX_STUCK_PARSES:
                return {}, f"skipped: {len(_STUCK)} earlier parses are still stuck", []
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return {}, f"timed out after {self.timeout:g} s (no time left)", []
        guard = _GuardedReader(stream, self.deadline)
        result: dict[str, Any] = {}
        logs: list[str] = []

        def work() -> None:
            ident = threading.get_ident()
            _LOG_CAPTURE.sinks[ident] = logs
            try:
                result["tags"] = exifread.process_file(guard, details=details, extract_thumbnail=False)
            except _Cancelled:
                result["error"] = "cancelled"
            except Exception as exc:  # exifread raises anything on hostile input
                result["error"] = f"{type(exc).__name__}: {_short(exc)}".rstrip(": ")
            finally:
                _LOG_CAPTURE.sinks.pop(ident, None)

        worker = threading.Thread(target=work, name="mam-exifread", daemon=True)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():
            guard.cancelled = True  # the worker raises at its next read/seek/tell
            with _STUCK_LOCK:
                _STUCK.append(worker)
            return {}, f"timed out after {self.timeout:g} s (parser thread abandoned)", list(logs)
        if result.get("error") == "cancelled":  # hit the deadline just before join() returned
            return {}, f"timed out after {self.timeout:g} s", logs
        if "error" in result:
            return {}, result["error"], logs
        return dict(result.get("tags") or {}), None, logs


def _short(exc: BaseException, limit: int = 160) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_EXIF_BLOB = re.compile(rb"Exif\x00[\x00\xff](?=II\*\x00|MM\x00\*)")


def _scan_exif_blob(*chunks: bytes) -> bytes | None:
    """Find an ``Exif\\0\\0`` + TIFF header anywhere in the given byte windows."""
    for chunk in chunks:
        match = _EXIF_BLOB.search(chunk) if chunk else None
        if match:
            return chunk[match.end() :]
    return None


# ---------------------------------------------------------------------------
# Containers


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


# ---------------------------------------------------------------------------
# Tag -> field normalisation


def _fill(md: StillMetadata, tags: dict[str, Any], dims: tuple[int, int] | None, fmt: str | None) -> None:
    xmp = md.xmp
    warnings = md.warnings
    md.make = _text(tags, "Image Make", warnings) or _clean(xmp.get("tiff:Make"))
    md.model = _text(tags, "Image Model", warnings) or _clean(xmp.get("tiff:Model"))
    md.lens = (
        _text(tags, "EXIF LensModel", warnings) or _clean(xmp.get("exifEX:LensModel")) or _clean(xmp.get("aux:Lens"))
    )
    md.orientation = _orientation(tags, xmp, md.warnings)
    if dims is None:
        dims = _tiff_dims(tags) if fmt == "tiff" else None
    if dims is None:
        dims = _exif_dims(tags)
    if dims is not None:
        md.width, md.height = dims
    _fill_gps(md, tags, xmp)
    _fill_time(md, tags, xmp)
    md.drone = _drone(xmp, md.warnings)


def _values(tags: dict[str, Any], key: str) -> Any:
    tag = tags.get(key)
    if tag is None:
        return None
    return getattr(tag, "values", tag)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, int) and 0 <= v < 256 for v in value):
            value = bytes(value).decode("utf-8", "replace")
        else:
            return None
    text = str(value).split("\x00", 1)[0].strip()
    return text or None


def _text(tags: dict[str, Any], key: str, warnings: list[str] | None = None) -> str | None:
    """ASCII (or BYTE/UNDEFINED text) tag as a stripped string; numbers are rejected."""
    value = _values(tags, key)
    if isinstance(value, (list, tuple)) and getattr(tags.get(key), "field_type", 7) not in (1, 7):
        if warnings is not None:
            warnings.append(f"EXIF {key.split(' ', 1)[-1]} has a numeric type, not text; ignored")
        return None
    return _clean(value)


def _rational(value: Any) -> float | None:
    """exifread Ratio / int / float -> float; None for x/0 and non-finite values."""
    num = getattr(value, "num", None)
    if num is not None:
        den = getattr(value, "den", 0)
        if not den:
            return None
        result = num / den
    elif isinstance(value, bool):
        return None
    elif isinstance(value, (int, float)):
        result = float(value)
    else:
        return None
    return result if math.isfinite(result) else None


def _number_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _first_int(tags: dict[str, Any], key: str) -> int | None:
    values = _number_list(_values(tags, key))
    if not values or isinstance(values[0], str):
        if values and isinstance(values[0], str) and values[0].strip().isdigit():
            return int(values[0].strip())
        return None
    number = _rational(values[0])
    return int(number) if number is not None and number == int(number) else None


def _orientation(tags: dict[str, Any], xmp: dict[str, str], warnings: list[str]) -> int | None:
    raw = _first_int(tags, "Image Orientation")
    source = "EXIF"
    if raw is None and "Image Orientation" not in tags:
        xmp_raw = (xmp.get("tiff:Orientation") or "").strip()
        raw = int(xmp_raw) if xmp_raw.isdigit() else None
        source = "XMP"
    if raw is None:
        if "Image Orientation" in tags:
            warnings.append(f"unreadable EXIF Orientation {_values(tags, 'Image Orientation')!r}")
        return None
    if 1 <= raw <= 8:
        return raw
    warnings.append(f"invalid {source} Orientation {raw} ignored (must be 1..8)")
    return None


def _tiff_dims(tags: dict[str, Any]) -> tuple[int, int] | None:
    """TIFF/DNG: the largest full-resolution IFD, cropped to DefaultCropSize."""
    ifds = ["Image"] + sorted({m.group(1) for k in tags if (m := _SUBIFD.match(k))})
    best: tuple[int, int] | None = None
    for ifd in ifds:
        width = _first_int(tags, f"{ifd} ImageWidth")
        height = _first_int(tags, f"{ifd} ImageLength")
        if not width or not height or _first_int(tags, f"{ifd} SubfileType") not in (None, 0):
            continue
        crop = [_rational(v) for v in _number_list(_values(tags, f"{ifd} Tag 0xC620")) or []]
        if len(crop) == 2 and all(c and c > 0 for c in crop):
            width, height = round(crop[0]), round(crop[1])
        if best is None or width * height > best[0] * best[1]:
            best = (width, height)
    return best


_SUBIFD = re.compile(r"^(EXIF SubIFD\d+) ")


def _exif_dims(tags: dict[str, Any]) -> tuple[int, int] | None:
    for wkey, hkey in (
        ("EXIF ExifImageWidth", "EXIF ExifImageLength"),
        ("Image ImageWidth", "Image ImageLength"),
    ):
        width, height = _first_int(tags, wkey), _first_int(tags, hkey)
        if width and height and width > 0 and height > 0:
            return width, height
    return None


# -- GPS ----------------------------------------------------------------------

_ALT_RANGE = (-2000.0, 100000.0)  # metres; outside this an altitude is a writer bug


def _fill_gps(md: StillMetadata, tags: dict[str, Any], xmp: dict[str, str]) -> None:
    warnings = md.warnings
    gps_keys = [k for k in tags if k.startswith("GPS ")]
    if "Image GPSInfo" in tags and not gps_keys:
        warnings.append("GPS IFD is present but holds no readable tags")
    lat_v, lon_v = _values(tags, "GPS GPSLatitude"), _values(tags, "GPS GPSLongitude")
    position: tuple[float, float] | None = None
    no_fix = False
    if lat_v is not None or lon_v is not None:
        lat = _exif_coord(lat_v, _text(tags, "GPS GPSLatitudeRef"), "GPSLatitude", "NS", 90.0, warnings)
        lon = _exif_coord(lon_v, _text(tags, "GPS GPSLongitudeRef"), "GPSLongitude", "EW", 180.0, warnings)
        position, no_fix = _position(lat, lon, "EXIF", warnings)
    if position is None:
        for lat_key, lon_key in _XMP_POSITION_KEYS:
            if lat_key in xmp and lon_key in xmp:
                lat = _xmp_coord(xmp[lat_key], 90.0)
                lon = _xmp_coord(xmp[lon_key], 180.0)
                if lat is None or lon is None:
                    warnings.append(f"unreadable XMP position {xmp[lat_key]!r}, {xmp[lon_key]!r}")
                    continue
                position, _ = _position(lat, lon, "XMP", warnings)
                if position is not None:
                    break
    if position is not None:
        md.lat, md.lon = position

    alt: float | None = None
    alt_v = _number_list(_values(tags, "GPS GPSAltitude"))
    if alt_v:
        alt = _rational(alt_v[0])
        if alt is None:
            warnings.append(f"GPSAltitude {alt_v[0]!s} has a zero denominator; ignored")
        elif _first_int(tags, "GPS GPSAltitudeRef") == 1:
            alt = -abs(alt)
    elif xmp.get("exif:GPSAltitude"):
        alt = _xmp_float(xmp["exif:GPSAltitude"])
        if alt is not None and (xmp.get("exif:GPSAltitudeRef") or "").strip() == "1":
            alt = -abs(alt)
    if alt is not None and not (_ALT_RANGE[0] <= alt <= _ALT_RANGE[1]):
        hint = " (a negative value written as unsigned?)" if alt >= 2**31 else ""
        warnings.append(f"implausible GPSAltitude {alt:g} m ignored{hint}")
        alt = None
    if alt is not None and not no_fix:
        md.alt_m = alt + 0.0  # normalise -0.0 (zero metres "below sea level")


_XMP_POSITION_KEYS = (
    ("exif:GPSLatitude", "exif:GPSLongitude"),
    ("drone-dji:GpsLatitude", "drone-dji:GpsLongitude"),
    ("drone-dji:GpsLatitude", "drone-dji:GpsLongtitude"),  # DJI firmware typo
    ("drone-dji:GPSLatitude", "drone-dji:GPSLongitude"),
    ("drone-dji:Latitude", "drone-dji:Longitude"),
    ("drone-skydio:Latitude", "drone-skydio:Longitude"),
)


def _exif_coord(values: Any, ref: str | None, label: str, refs: str, limit: float, warnings: list[str]) -> float | None:
    if values is None:
        warnings.append(f"{label} missing while the other coordinate is present")
        return None
    parts_raw = _number_list(values) or []
    if parts_raw and isinstance(parts_raw[0], str):
        value = _xmp_coord(parts_raw[0], limit)
        if value is None:
            warnings.append(f"unreadable {label} {parts_raw[0]!r}")
        return value
    parts = [_rational(v) for v in parts_raw[:3]]
    if not parts or any(p is None for p in parts):
        shown = ", ".join(str(v) for v in parts_raw[:3]) or "empty"
        warnings.append(f"{label} [{shown}] has a zero denominator or bad value; ignored")
        return None
    deg, minutes, seconds = (parts + [0.0, 0.0])[:3]
    if not (0 <= minutes < 60 and 0 <= seconds < 60):
        shown = ", ".join(str(v) for v in parts_raw[:3])
        warnings.append(f"{label} [{shown}] has minutes/seconds outside 0..60; ignored")
        return None
    value = abs(deg) + minutes / 60 + seconds / 3600
    if deg < 0:
        value = -value
    ref_letter = (ref or "").strip().upper()[:1]
    if ref_letter == refs[1]:
        value = -abs(value)
    elif ref_letter == refs[0]:
        value = abs(value)
    elif ref_letter:
        warnings.append(f"{label}Ref {ref!r} is not {refs[0]}/{refs[1]}; sign taken from the value")
    else:
        warnings.append(f"{label}Ref missing; assuming {refs[0]}")
    if abs(value) > limit:
        warnings.append(f"{label} {value:.6f} is out of range; ignored")
        return None
    return value


def _position(
    lat: float | None, lon: float | None, source: str, warnings: list[str]
) -> tuple[tuple[float, float] | None, bool]:
    """Return ((lat, lon) or None, is_null_island)."""
    if lat is None or lon is None:
        return None, False
    if abs(lat) < 1e-9 and abs(lon) < 1e-9:
        warnings.append(f"{source} GPS position 0,0 treated as no position")
        return None, True
    return (lat, lon), False


_XMP_COORD = re.compile(
    r"^\s*([+-]?\d+(?:\.\d+)?)(?:\s*,\s*(\d+(?:\.\d+)?))?(?:\s*,\s*(\d+(?:\.\d+)?))?\s*([NSEWnsew])?\s*$"
)


def _xmp_coord(text: str, limit: float) -> float | None:
    """XMP GPSCoordinate ("DDD,MM,SSk" / "DDD,MM.mmk") or a signed decimal."""
    match = _XMP_COORD.match(text or "")
    if not match:
        return None
    deg = float(match.group(1))
    minutes = float(match.group(2) or 0)
    seconds = float(match.group(3) or 0)
    if minutes >= 60 or seconds >= 60:
        return None
    value = abs(deg) + minutes / 60 + seconds / 3600
    if deg < 0 or (match.group(4) or "").upper() in ("S", "W"):
        value = -value
    return value if abs(value) <= limit else None


def _xmp_float(text: str | None) -> float | None:
    """Parse "+12.5" or "-86831/1600"; None for garbage, x/0, inf and nan."""
    if text is None:
        return None
    text = text.strip()
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            if float(den) == 0:
                return None
            value = float(num) / float(den)
        else:
            value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# -- capture time ---------------------------------------------------------------

_DATETIME = re.compile(
    r"^\s*(\d{4})[:\-/](\d{1,2})[:\-/](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_OFFSET = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")
_EXIF_TIMES = (
    ("EXIF DateTimeOriginal", "EXIF SubSecTimeOriginal", "EXIF OffsetTimeOriginal"),
    ("EXIF DateTimeDigitized", "EXIF SubSecTimeDigitized", "EXIF OffsetTimeDigitized"),
)
_XMP_TIMES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate", "exif:DateTimeDigitized")


def _parse_datetime(text: str | None) -> tuple[datetime, int | None] | None:
    """EXIF/XMP date-time -> (naive wall-clock datetime, UTC offset minutes or None).

    A time of day is required: date-only values return None.
    """
    match = _DATETIME.match(text or "")
    if not match or match.group(4) is None:
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    micro = int(((match.group(7) or "") + "000000")[:6])
    try:
        value = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    tz = match.group(8)
    if tz is None:
        return value, None
    if tz == "Z":
        return value, 0
    offset = _parse_offset(tz)
    return (value, offset) if offset is not None else None


def _parse_offset(text: str | None) -> int | None:
    match = _OFFSET.match(text or "")
    if not match:
        return None
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60:
        return None
    total = hours * 60 + minutes
    return -total if match.group(1) == "-" else total


def _format_offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _is_blank_date(text: str) -> bool:
    """EXIF writes unknown dates as blanks or zeros ("0000:00:00 00:00:00")."""
    return not re.search(r"[1-9]", text)


def _exif_time(
    tags: dict[str, Any], keys: tuple[str, str, str], warnings: list[str]
) -> tuple[datetime, int | None] | None:
    date_key, subsec_key, offset_key = keys
    raw = _text(tags, date_key, warnings)
    if raw is None or _is_blank_date(raw):
        return None
    parsed = _parse_datetime(raw)
    name = date_key.split(" ", 1)[1]
    if parsed is None:
        warnings.append(f"unparseable {name} {raw!r}")
        return None
    value, offset = parsed
    subsec = _text(tags, subsec_key)
    if subsec is not None and value.microsecond == 0:
        if subsec.isdigit():
            value = value.replace(microsecond=int((subsec + "000000")[:6]))
        else:
            warnings.append(f"invalid {subsec_key.split(' ', 1)[1]} {subsec!r} ignored")
    if offset is None:
        raw_offset = _text(tags, offset_key)
        if raw_offset is not None and re.search(r"\d", raw_offset):
            offset = _parse_offset(raw_offset)
            if offset is None:
                warnings.append(f"invalid {offset_key.split(' ', 1)[1]} {raw_offset!r} ignored")
    return value, offset


def _gps_utc(tags: dict[str, Any], xmp: dict[str, str]) -> datetime | None:
    """GPS fix time as a naive UTC datetime (EXIF GPSDate+GPSTimeStamp, else XMP)."""
    date_raw = _text(tags, "GPS GPSDate")
    time_v = _number_list(_values(tags, "GPS GPSTimeStamp"))
    if date_raw and time_v and len(time_v) == 3:
        parts = [_rational(v) for v in time_v]
        date = _DATETIME.match(date_raw.strip() + " 00:00:00")
        if date and all(p is not None and 0 <= p < 61 for p in parts) and parts[0] < 24:
            try:
                base = datetime(int(date.group(1)), int(date.group(2)), int(date.group(3)))
                return base + timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])
            except (ValueError, OverflowError):
                pass
    for key in ("exif:GPSTimeStamp", "exif:GPSDateTime"):
        parsed = _parse_datetime(xmp.get(key))
        if parsed is not None:
            value, offset = parsed
            return value - timedelta(minutes=offset or 0)
    return None


def _offset_from_xmp(value: datetime, xmp: dict[str, str]) -> int | None:
    """Offset of an XMP date that shows the same wall-clock time as ``value``."""
    for key in _XMP_TIMES:
        parsed = _parse_datetime(xmp.get(key))
        if parsed and parsed[1] is not None and parsed[0].replace(microsecond=0) == value.replace(microsecond=0):
            return parsed[1]
    return None


def _offset_from_gps(value: datetime, gps_utc: datetime | None) -> int | None:
    """Local-minus-UTC from the GPS clock, when it is a whole quarter hour (+-5 min)."""
    if gps_utc is None:
        return None
    diff = (value - gps_utc).total_seconds()
    quarter = round(diff / 900) * 900
    if abs(quarter) <= 14 * 3600 and abs(diff - quarter) <= 300:
        return int(quarter // 60)
    return None


def _fill_time(md: StillMetadata, tags: dict[str, Any], xmp: dict[str, str]) -> None:
    warnings = md.warnings
    found: tuple[datetime, int | None] | None = None
    for keys in _EXIF_TIMES:
        found = _exif_time(tags, keys, warnings)
        if found:
            break
    if found is None:
        for key in _XMP_TIMES[:3]:
            found = _parse_datetime(xmp.get(key))
            if found:
                break
    gps_utc = _gps_utc(tags, xmp)
    if found is None and gps_utc is not None:
        found = (gps_utc, 0)
        warnings.append("capture time taken from the GPS timestamp (UTC)")
    if found is None:
        found = _exif_time(tags, ("Image DateTime", "EXIF SubSecTime", "EXIF OffsetTime"), warnings)
        if found:
            warnings.append("capture time taken from IFD0 DateTime (may be the modification time)")
    if found is None:
        return
    value, offset = found
    # the GPS clock is physical evidence; an XMP offset may be the editing computer's zone
    if offset is None:
        offset = _offset_from_gps(value, gps_utc)
    if offset is None:
        offset = _offset_from_xmp(value, xmp)
    if offset is None:
        md.captured_at = value
        return
    md.captured_at = value.replace(tzinfo=timezone(timedelta(minutes=offset)))
    md.captured_at_offset = _format_offset(offset)


# -- drone telemetry ---------------------------------------------------------------

_SKYDIO = "drone-skydio:"
_DRONE_KEYS = (
    ("drone-dji:GimbalYawDegree", "gimbal_yaw"),
    ("drone-dji:GimbalPitchDegree", "gimbal_pitch"),
    ("drone-dji:GimbalRollDegree", "gimbal_roll"),
    ("drone-dji:FlightYawDegree", "flight_yaw"),
    ("drone-dji:FlightPitchDegree", "flight_pitch"),
    ("drone-dji:FlightRollDegree", "flight_roll"),
    ("drone-dji:RelativeAltitude", "rel_alt_m"),
    ("drone-dji:AbsoluteAltitude", "abs_alt_m"),
    (f"{_SKYDIO}CameraOrientationNED/{_SKYDIO}Yaw", "gimbal_yaw"),
    (f"{_SKYDIO}CameraOrientationNED/{_SKYDIO}Pitch", "gimbal_pitch"),
    (f"{_SKYDIO}CameraOrientationNED/{_SKYDIO}Roll", "gimbal_roll"),
    (f"{_SKYDIO}VehicleOrientationNED/{_SKYDIO}Yaw", "flight_yaw"),
    (f"{_SKYDIO}VehicleOrientationNED/{_SKYDIO}Pitch", "flight_pitch"),
    (f"{_SKYDIO}VehicleOrientationNED/{_SKYDIO}Roll", "flight_roll"),
    (f"{_SKYDIO}RelativeAltitude", "rel_alt_m"),
    (f"{_SKYDIO}AbsoluteAltitude", "abs_alt_m"),
)


def _drone(xmp: dict[str, str], warnings: list[str]) -> dict[str, float]:
    """Normalise drone-dji / drone-skydio XMP; DJI wins if both are present."""
    out: dict[str, float] = {}
    for key, name in _DRONE_KEYS:
        raw = xmp.get(key)
        if raw is None or name in out:
            continue
        value = _xmp_float(raw)
        if value is None:
            if raw.strip():
                warnings.append(f"unreadable XMP {key} {raw!r}")
            continue
        out[name] = value
    return out

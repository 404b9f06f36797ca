"""Newspaper stills: one full-resolution, deinterlaced frame from the original, with its caption in the file.

ffmpeg's PNG and JPEG encoders write no caller metadata, so the caption, credit, date and place go in after
the frame is written, without re-encoding a pixel (:func:`write_still_metadata`): an XMP packet (``dc:description``,
``photoshop:Credit``, ``photoshop:DateCreated``, ``Iptc4xmpCore:Location``: what picture desks read), plus a JPEG
comment (COM) or PNG ``iTXt`` chunks (Description, Author, Creation Time, Location), all UTF-8 so Chinese
captions survive. Only the standard library touches the bytes.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from mam.media.renditions import EXIF_ORIENTATION, display_size
from mam.presets import Preset

FIELDS = ("caption", "credit", "date", "place")
_XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_PNG_KEYS = {"caption": "Description", "credit": "Author", "date": "Creation Time", "place": "Location"}
_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}
_TRANSFER_IN = {"HLG": "arib-std-b67", "PQ": "smpte2084"}


def plan_still(src: Path, tech: dict, preset: Preset, at_s: float, workdir: Path,
               meta: dict[str, str]) -> tuple[list[str], Path]:
    """The ffmpeg command for a full-resolution frame of ``src`` at ``at_s`` (a still image: the image itself),
    deinterlaced, square pixels, upright, HDR tone-mapped to SDR, and the path it writes.

    After running it, call :func:`write_still_metadata` with ``meta`` (caption, credit, date, place): ffmpeg
    cannot write them. ``meta`` is checked here so a bad value stops the export before any decode.

    Raises:
        ValueError: not a still preset, an audio-only source, ``at_s`` outside the source, unknown meta keys.
    """
    if preset.kind != "still" or preset.still is None:
        raise ValueError(f"{preset.name} is not a still preset")
    kind = tech.get("kind")
    if kind not in ("video", "image") or not tech.get("width"):
        raise ValueError(f"a still needs a picture; this source is {kind}")
    unknown = sorted(set(meta) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown still metadata field {unknown[0]!r} (known: {', '.join(FIELDS)})")
    duration = float(tech.get("duration_s") or 0.0)
    if kind == "video" and not 0 <= at_s < max(duration, 1e-3):
        raise ValueError(f"at_s {at_s} is outside the source (0 .. {duration:.3f} s)")
    still = preset.still
    outdir = workdir / preset.name
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{preset.name}.{'png' if still.format == 'png' else 'jpg'}"
    w, h = display_size(tech)
    chain: list[str] = []
    if kind == "image":
        chain += [f"{name}" + (f"=dir={kw['dir']}" if kw else "")
                  for name, kw in EXIF_ORIENTATION.get(int(tech.get("orientation") or 1), [])]
    if still.deinterlace and tech.get("interlaced"):
        chain.append("bwdif=mode=send_frame:parity=auto:deint=all")
    tin = _TRANSFER_IN.get(str(tech.get("dynamic_range") or "SDR"))
    if tin is not None:
        chain += [f"zscale=tin={tin}:pin=bt2020:min=bt2020nc:t=linear:npl=100", "format=gbrpf32le",
                  "zscale=p=bt709", "tonemap=tonemap=hable:desat=0", "zscale=t=bt709:m=bt709:r=tv"]
    if (w, h) != (int(tech["width"]), int(tech["height"])) and kind == "video":
        chain.append(f"scale={w}:{h}")  # square pixels (anamorphic sources); rotation is applied by ffmpeg
    chain.append("setsar=1")
    if still.format == "png":
        chain.append("format=rgb24")
        enc = ["-c:v", "png"]
    else:
        chain.append("format=yuvj444p")
        enc = ["-c:v", "mjpeg", "-q:v", str(still.jpeg_qscale)]
    cmd = ["ffmpeg", "-y", "-nostats", "-loglevel", "error"]
    if kind == "video" and at_s > 0:
        cmd += ["-ss", f"{at_s:.6f}"]
    cmd += ["-i", f"file:{src}", "-map", "0:v:0", "-vf", ",".join(chain), "-frames:v", "1", "-update", "1",
            *enc, "-map_metadata", "-1", "-f", "image2", f"file:{path}"]
    return cmd, path


def xmp_packet(meta: dict[str, str]) -> bytes:
    """An XMP packet holding the caption (dc:description), credit, date and place."""
    attrs = []
    if meta.get("credit") is not None:
        attrs.append(f"photoshop:Credit={quoteattr(meta['credit'])}")
    if meta.get("date") is not None:
        attrs.append(f"photoshop:DateCreated={quoteattr(meta['date'])}")
    if meta.get("place") is not None:
        attrs.append(f"Iptc4xmpCore:Location={quoteattr(meta['place'])}")
    body = ""
    if meta.get("caption") is not None:
        body = (f"<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{escape(meta['caption'])}</rdf:li>"
                "</rdf:Alt></dc:description>")
    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in _NS.items() if k not in ("x", "rdf"))
    xml = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
           f'<x:xmpmeta xmlns:x="{_NS["x"]}"><rdf:RDF xmlns:rdf="{_NS["rdf"]}">'
           f'<rdf:Description rdf:about="" {ns} {" ".join(attrs)}>{body}</rdf:Description>'
           '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
    return xml.encode("utf-8")


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > 0xFFFF:
        raise ValueError("metadata too long for one JPEG segment (64 KB)")
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _itxt(keyword: str, text: str) -> bytes:
    return _png_chunk(b"iTXt", keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))


def write_still_metadata(path: Path, meta: dict[str, str]) -> None:
    """Write ``meta`` (caption, credit, date, place; missing ones as empty) into the still at ``path`` without
    re-encoding: XMP + a COM comment for JPEG, XMP + ``iTXt`` chunks for PNG. Writes a temp file, then renames.

    Raises:
        ValueError: ``path`` is neither a JPEG nor a PNG, or the metadata is too long for a JPEG segment.
    """
    values = {k: str(meta.get(k) or "") for k in FIELDS}
    data = path.read_bytes()
    xmp = xmp_packet(values)
    if data[:2] == b"\xff\xd8":
        pos = 2
        if data[2:4] == b"\xff\xe0":  # keep JFIF's APP0 first
            pos = 4 + struct.unpack(">H", data[4:6])[0]
        comment = " | ".join(f"{k}: {v}" for k, v in values.items() if v)
        extra = _jpeg_segment(0xE1, _XMP_ID + xmp) + (_jpeg_segment(0xFE, comment.encode("utf-8")) if comment else b"")
        new = data[:pos] + extra + data[pos:]
    elif data[:8] == _PNG_SIG:
        ihdr_end = 8 + 12 + struct.unpack(">I", data[8:12])[0]
        chunks = _itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
        chunks += b"".join(_itxt(_PNG_KEYS[k], v) for k, v in values.items() if v)
        new = data[:ihdr_end] + chunks + data[ihdr_end:]
    else:
        raise ValueError(f"{path.name} is neither a JPEG nor a PNG")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(new)
    tmp.replace(path)


def _find_xmp(data: bytes) -> bytes | None:
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            if marker in (0xD9, 0xDA):  # end of image / start of scan: no more metadata
                return None
            n = struct.unpack(">H", data[pos + 2:pos + 4])[0]
            payload = data[pos + 4:pos + 2 + n]
            if marker == 0xE1 and payload.startswith(_XMP_ID):
                return payload[len(_XMP_ID):]
            pos += 2 + n
        return None
    if data[:8] == _PNG_SIG:
        pos = 8
        while pos + 8 <= len(data):
            n = struct.unpack(">I", data[pos:pos + 4])[0]
            kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
            if kind == b"iTXt" and body.startswith(b"XML:com.adobe.xmp\x00"):
                rest = body[len(b"XML:com.adobe.xmp\x00") + 2:]
                _lang, _, rest = rest.partition(b"\x00")
                _tkey, _, text = rest.partition(b"\x00")
                return text
            if kind == b"IEND":
                return None
            pos += 12 + n
    return None


def read_still_metadata(path: Path) -> dict[str, str]:
    """The caption, credit, date and place a still's XMP holds (only the fields present)."""
    packet = _find_xmp(path.read_bytes())
    if packet is None:
        return {}
    text = re.sub(rb"<\?xpacket[^>]*\?>", b"", packet)
    root = ET.fromstring(text)
    out: dict[str, str] = {}
    for desc in root.iter(f"{{{_NS['rdf']}}}Description"):
        attrs: dict[str, Any] = desc.attrib
        for key, attr in (("credit", "photoshop}Credit"), ("date", "photoshop}DateCreated"),
                          ("place", "Iptc4xmpCore}Location")):
            prefix = attr.split("}")[0]
            full = f"{{{_NS[prefix]}}}{attr.split('}')[1]}"
            if full in attrs:
                out[key] = attrs[full]
        li = desc.find("dc:description/rdf:Alt/rdf:li", _NS)
        if li is not None:
            out["caption"] = li.text or ""
    return out

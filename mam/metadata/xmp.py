"""XMP packet location and flattening (stdlib only, refuses DTDs).

`find_xmp_packet` locates the packet in raw file bytes; `parse_xmp` flattens
it into ``{"prefix:Name": "value"}``.  Well-known namespaces always get their
canonical prefix (e.g. a packet that binds ``xap:`` to the XMP basic schema
still yields ``xmp:CreateDate``), so callers can look keys up by name.

Flattening rules:

* simple properties (attributes or elements) -> ``"ns:Name"``;
* ``rdf:Alt`` -> the ``x-default`` (else first) item;
* ``rdf:Seq`` / ``rdf:Bag`` of literals -> items joined with ``", "``;
* structures -> XMP-path keys, e.g.
  ``"drone-skydio:CameraOrientationNED/drone-skydio:Yaw"``, and arrays of
  structures -> ``"Container:Directory[1]/Container:Item/Item:Mime"``;
* values longer than `MAX_VALUE_CHARS` (embedded thumbnails, depth maps) are
  dropped; the first occurrence of a key wins.

Security: the packet is untrusted.  Anything containing ``<!DOCTYPE`` or
``<!ENTITY`` is refused (returns ``{}``) before it reaches the XML parser, so
entity expansion (billion laughs) and external entities cannot happen - without
a DTD expat only knows the five predefined entities.  Nothing here raises.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["MAX_PACKET_BYTES", "MAX_VALUE_CHARS", "find_xmp_packet", "parse_xmp"]

#: `find_xmp_packet` only looks at this many leading bytes.
SEARCH_BYTES = 4 * 1024 * 1024
#: Larger packets are refused by `parse_xmp`.
MAX_PACKET_BYTES = 16 * 1024 * 1024
#: Longer values (base64 thumbnails, GDepth data ...) are left out.
MAX_VALUE_CHARS = 65536
_MAX_KEYS = 20000
_MAX_DEPTH = 24

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML = "http://www.w3.org/XML/1998/namespace"

#: Canonical prefixes for namespaces the MAM cares about (URI -> prefix).
KNOWN_PREFIXES: dict[str, str] = {
    "adobe:ns:meta/": "x",
    _RDF: "rdf",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://ns.adobe.com/xmp/note/": "xmpNote",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://ns.adobe.com/hdr-gain-map/1.0/": "hdrgm",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.google.com/photos/1.0/panorama/": "GPano",
    "http://ns.google.com/photos/1.0/camera/": "GCamera",
    "http://ns.google.com/photos/1.0/container/": "Container",
    "http://ns.google.com/photos/1.0/container/item/": "Item",
    "http://ns.google.com/photos/1.0/image/": "GImage",
    "http://ns.google.com/photos/1.0/depthmap/": "GDepth",
    "http://ns.google.com/photos/dd/1.0/device/": "Device",
    "http://www.dji.com/drone-dji/1.0/": "drone-dji",
    "http://www.dji.com/drone-dji/1.0": "drone-dji",
    "https://www.skydio.com/drone-skydio/1.0/": "drone-skydio",
    "http://www.skydio.com/drone-skydio/1.0/": "drone-skydio",
    "http://pix4d.com/camera/1.0/": "Camera",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
}

_META_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?x[ma]pmeta[\s>/]")
_META_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?x[ma]pmeta\s*>")
_XPACKET_OPEN = re.compile(rb"<\?xpacket\s+begin")
_XPACKET_CLOSE = re.compile(rb"<\?xpacket\s+end[^>]*\?>")
_RDF_OPEN = re.compile(rb"<rdf:RDF[\s>]")
_RDF_CLOSE = re.compile(rb"</rdf:RDF\s*>")


def find_xmp_packet(data: bytes) -> bytes | None:
    """Return the first XMP packet in the first 4 MiB of ``data``, or None.

    Prefers the ``<x:xmpmeta>...</x:xmpmeta>`` element (also the old
    ``x:xapmeta`` spelling), then a ``<?xpacket begin ... <?xpacket end?>``
    wrapper, then a bare ``<rdf:RDF>`` element.
    """
    try:
        window = memoryview(data)[:SEARCH_BYTES].tobytes()
    except TypeError:
        return None
    for open_re, close_re in (
        (_META_OPEN, _META_CLOSE),
        (_XPACKET_OPEN, _XPACKET_CLOSE),
        (_RDF_OPEN, _RDF_CLOSE),
    ):
        start = open_re.search(window)
        if start is None:
            continue
        end = close_re.search(window, start.end())
        if end is None:
            continue
        return window[start.start() : end.end()]
    return None


def _is_hostile(packet: bytes) -> bool:
    """True when the packet declares a DTD or entities (also in UTF-16/32)."""
    flat = packet.replace(b"\x00", b"").lower()
    return b"<!doctype" in flat or b"<!entity" in flat


def parse_xmp(packet: bytes) -> dict[str, str]:
    """Flatten an XMP packet to ``{"prefix:Name": value}``; ``{}`` on failure.

    Packets with a DOCTYPE/ENTITY declaration are refused outright.  If the
    XML is malformed (truncated packets, stray bytes), a tolerant regex pass
    still recovers ``prefix:Name="value"`` attributes.  Never raises.
    """
    try:
        if isinstance(packet, str):
            packet = packet.encode("utf-8", "surrogatepass")
        if not isinstance(packet, (bytes, bytearray, memoryview)):
            return {}
        data = bytes(packet)
        if not data or len(data) > MAX_PACKET_BYTES or _is_hostile(data):
            return {}
        data = _to_utf8(data)
    except Exception:  # untrusted input must never raise
        return {}
    try:
        return _parse_xml(data)
    except Exception:  # malformed XML: salvage attributes
        try:
            return _parse_regex(data)
        except Exception:
            return {}


def _to_utf8(data: bytes) -> bytes:
    """Re-encode UTF-16/32 packets (allowed by the XMP spec) as UTF-8."""
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace").encode("utf-8")
    if len(data) > 1 and data[0] == 0x3C and data[1] == 0:  # "<\0": UTF-16LE
        return data.decode("utf-16-le", "replace").encode("utf-8")
    if len(data) > 1 and data[0] == 0 and data[1] == 0x3C:  # "\0<": UTF-16BE
        return data.decode("utf-16-be", "replace").encode("utf-8")
    return data


# --------------------------------------------------------------------------
# XML path


class _Flattener:
    def __init__(self, ns_prefix: dict[str, str]) -> None:
        self.ns_prefix = ns_prefix
        self.out: dict[str, str] = {}
        self._anon: dict[str, str] = {}

    def qname(self, tag: str) -> str:
        if tag.startswith("{"):
            uri, _, local = tag[1:].partition("}")
            prefix = KNOWN_PREFIXES.get(uri) or self.ns_prefix.get(uri)
            if prefix is None:
                prefix = self._anon.setdefault(uri, f"ns{len(self._anon) + 1}")
            return f"{prefix}:{local}"
        return tag

    def put(self, key: str, value: str | None) -> None:
        if value is None or len(self.out) >= _MAX_KEYS:
            return
        if len(value) > MAX_VALUE_CHARS:
            return
        self.out.setdefault(key, value)

    # -- RDF walking -------------------------------------------------------

    def description(self, desc: ET.Element, prefix: str, depth: int) -> None:
        for attr, value in desc.attrib.items():
            if _is_syntax_attr(attr):
                continue
            self.put(prefix + self.qname(attr), value.strip())
        for child in desc:
            if isinstance(child.tag, str):
                self.prop(child, prefix, depth + 1)

    def prop(self, elem: ET.Element, prefix: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        key = prefix + self.qname(elem.tag)
        children = [c for c in elem if isinstance(c.tag, str)]
        resource = elem.get(f"{{{_RDF}}}resource")
        if resource is not None:
            self.put(key, resource)
            return
        containers = [c for c in children if c.tag in _CONTAINERS]
        if containers:
            self.array(containers[0], key, depth)
            return
        if elem.get(f"{{{_RDF}}}parseType") == "Resource":
            self.struct_fields(elem, key + "/", depth)
            return
        descs = [c for c in children if c.tag == f"{{{_RDF}}}Description"]
        if descs:
            value = descs[0].get(f"{{{_RDF}}}value")
            if value is not None:
                self.put(key, value.strip())
            self.description(descs[0], key + "/", depth)
            return
        value_attr = elem.get(f"{{{_RDF}}}value")
        if value_attr is not None:
            self.put(key, value_attr.strip())
            return
        if children:  # struct written as plain child elements
            self.struct_fields(elem, key + "/", depth)
            return
        fields = [a for a in elem.attrib if not _is_syntax_attr(a)]
        if fields:  # shorthand struct: <ns:Struct ns:A="1" ns:B="2"/>
            for attr in fields:
                self.put(f"{key}/{self.qname(attr)}", elem.attrib[attr].strip())
            return
        self.put(key, (elem.text or "").strip())

    def struct_fields(self, elem: ET.Element, prefix: str, depth: int) -> None:
        for attr, value in elem.attrib.items():
            if not _is_syntax_attr(attr):
                self.put(prefix + self.qname(attr), value.strip())
        for child in elem:
            if isinstance(child.tag, str):
                self.prop(child, prefix, depth + 1)

    def array(self, container: ET.Element, key: str, depth: int) -> None:
        items = [li for li in container if li.tag == f"{{{_RDF}}}li"]
        simple = all(not _has_struct(li) for li in items)
        if simple:
            texts = [(li.get(f"{{{_RDF}}}resource") or li.text or "").strip() for li in items]
            if container.tag == f"{{{_RDF}}}Alt":
                chosen = next(
                    ((li.text or "").strip() for li in items if li.get(f"{{{_XML}}}lang") == "x-default"),
                    texts[0] if texts else "",
                )
                self.put(key, chosen)
            else:
                self.put(key, ", ".join(texts))
            return
        for index, li in enumerate(items, start=1):
            item_prefix = f"{key}[{index}]/"
            if not _has_struct(li):
                self.put(f"{key}[{index}]", (li.text or "").strip())
                continue
            descs = [c for c in li if c.tag == f"{{{_RDF}}}Description"]
            if descs:
                self.description(descs[0], item_prefix, depth + 1)
            else:
                self.struct_fields(li, item_prefix, depth + 1)


_CONTAINERS = frozenset(f"{{{_RDF}}}{name}" for name in ("Seq", "Bag", "Alt"))


def _is_syntax_attr(attr: str) -> bool:
    """rdf:*, xml:* and unqualified attributes (old ``about=``) carry no property."""
    return not attr.startswith("{") or attr.startswith(f"{{{_RDF}}}") or attr.startswith(f"{{{_XML}}}")


def _has_struct(li: ET.Element) -> bool:
    if any(isinstance(c.tag, str) for c in li):
        return True
    return any(not _is_syntax_attr(a) for a in li.attrib)


def _parse_xml(packet: bytes) -> dict[str, str]:
    body = _strip_to_element(packet)
    parser = ET.XMLPullParser(events=("start", "start-ns"))
    parser.feed(body)
    parser.close()
    ns_prefix: dict[str, str] = {}
    root: ET.Element | None = None
    for event, item in parser.read_events():
        if event == "start-ns":
            prefix, uri = item
            if prefix:
                ns_prefix.setdefault(uri, prefix)
        elif root is None:
            root = item
    if root is None:
        return {}
    flat = _Flattener(ns_prefix)
    rdf_roots = [root] if root.tag == f"{{{_RDF}}}RDF" else root.iter(f"{{{_RDF}}}RDF")
    for rdf in rdf_roots:
        for desc in rdf:
            if desc.tag == f"{{{_RDF}}}Description":
                flat.description(desc, "", 0)
    return flat.out


def _strip_to_element(packet: bytes) -> bytes:
    """Drop the xpacket wrapper / XML declaration; keep the root element.

    Parsing from the ``<x:xmpmeta`` start tag avoids stray bytes before it and
    encoding declarations that disagree with the actual bytes.
    """
    for open_re in (_META_OPEN, _RDF_OPEN):
        match = open_re.search(packet)
        if match:
            packet = packet[match.start() :]
            close = (_META_CLOSE if open_re is _META_OPEN else _RDF_CLOSE).search(packet)
            if close:
                packet = packet[: close.end()]
            break
    # NUL padding / control bytes are not legal XML characters.
    return _CONTROL.sub(b"", packet)


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --------------------------------------------------------------------------
# Tolerant fallback for malformed packets

_NS_DECL = re.compile(rb"""xmlns:([A-Za-z_][\w.\-]*)\s*=\s*["']([^"']*)["']""")
_ATTR = re.compile(rb"""(?<![\w.\-:])([A-Za-z_][\w.\-]*):([A-Za-z_][\w.\-]*)\s*=\s*"([^"<]*)\"""")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}


def _parse_regex(packet: bytes) -> dict[str, str]:
    """Recover ``prefix:Name="value"`` attributes from broken XML."""
    if not packet or len(packet) > MAX_PACKET_BYTES or _is_hostile(packet):
        return {}
    prefix_uri = {p.decode("ascii", "replace"): u.decode("utf-8", "replace") for p, u in _NS_DECL.findall(packet)}
    out: dict[str, str] = {}
    for prefix_b, local_b, value_b in _ATTR.findall(packet):
        prefix = prefix_b.decode("ascii", "replace")
        if prefix in ("xmlns", "rdf", "xml", "x"):
            continue
        uri = prefix_uri.get(prefix)
        canonical = KNOWN_PREFIXES.get(uri, prefix) if uri else prefix
        value = value_b.decode("utf-8", "replace").strip()
        for entity, char in _ENTITIES.items():
            value = value.replace(entity, char)
        if len(value) <= MAX_VALUE_CHARS and len(out) < _MAX_KEYS:
            out.setdefault(f"{canonical}:{local_b.decode('ascii', 'replace')}", value)
    return out

"""Content check from the first bytes: prefixes looked through, playlists/text/archives refused, MIME types."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from mam.sniff import (
    MEDIA_KINDS,
    OCTET_STREAM,
    SNIFF_BYTES,
    content_type_of,
    sniff,
    sniff_bytes_needed,
    sniff_content_type,
    sniff_format,
)

HLS = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg.ts\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
CONCAT = b"ffconcat version 1.0\nfile seg.ts\nfile /etc/passwd\n"
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)  # MPEG-1 layer III, 128 kb/s, 44.1 kHz


def id3(body: bytes = b"TIT2\x00\x00\x00\x05\x00\x03abc\x00", size: int | None = None, footer: bool = False) -> bytes:
    """An ID3v2.4 tag whose header declares ``size`` (default: the body's length)."""
    n = len(body) if size is None else size
    syncsafe = bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])
    tag = b"ID3\x04\x00" + (b"\x10" if footer else b"\x00") + syncsafe + body
    return tag + (b"3DI\x04\x00\x10" + syncsafe if footer else b"")


def riff(form: bytes, *chunks: bytes) -> bytes:
    body = form + b"".join(chunks)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def chunk(cid: bytes, data: bytes) -> bytes:
    return cid + len(data).to_bytes(4, "little") + data


# -- prefixes --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("head,fmt", [
    (id3() + HLS, "hls"),
    (id3() + CONCAT, "ffconcat"),
    (id3(bytes(300)) + HLS, "hls"),  # a tag full of padding
    (id3(footer=True) + HLS, "hls"),  # the footer counts too
    (id3() + id3() + HLS, "hls"),  # tags one after another
    (id3() + b"\n\n  " + HLS, "hls"),
    (codecs.BOM_UTF8 + HLS, "hls"),
    (codecs.BOM_UTF8 + CONCAT, "ffconcat"),
    (codecs.BOM_UTF16_LE + HLS.decode().encode("utf-16-le"), "hls"),
    (codecs.BOM_UTF16_BE + CONCAT.decode().encode("utf-16-be"), "ffconcat"),
    (id3() + codecs.BOM_UTF8 + HLS, "hls"),
    (riff(b"ACON", chunk(b"LIST", HLS)), "hls"),
    (riff(b"XXXX") + HLS, "hls"),
    (riff(b"CDXA", chunk(b"fmt ", CONCAT)), "ffconcat"),
])
def test_playlists_behind_prefixes_are_refused(head, fmt):
    assert sniff_format(head) == fmt
    assert sniff(head) == "playlist"
    assert sniff_content_type(head) == OCTET_STREAM


def test_id3_followed_by_mpeg_audio_stays_audio():
    for head in (id3() + MP3_FRAME * 4, id3(bytes(2000)) + MP3_FRAME, id3() + bytes(64) + MP3_FRAME,
                 id3() + id3() + MP3_FRAME, MP3_FRAME * 3):
        assert sniff(head) == "audio" and sniff_format(head) == "mp3"
        assert sniff_content_type(head) == "audio/mpeg"
    adts = b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(100)
    assert sniff_format(id3() + adts) == "aac" and sniff_content_type(adts) == "audio/aac"
    assert sniff_format(id3() + b"fLaC\x00\x00\x00\x22" + bytes(40)) == "flac"


def test_a_tag_longer_than_the_head_asks_for_more_bytes():
    body = b"APIC" + bytes(100_000)  # a cover picture
    data = id3(body) + HLS
    head = data[:SNIFF_BYTES]
    assert sniff(head) is None  # cannot see past the tag: unknown, never "audio"
    need = sniff_bytes_needed(head)
    assert need == 10 + len(body) + SNIFF_BYTES
    assert sniff(data[:need]) == "playlist"
    assert sniff((id3(body) + MP3_FRAME * 4)[:need]) == "audio"
    assert sniff_bytes_needed(MP3_FRAME) == SNIFF_BYTES


def test_riff_media_forms_are_media_and_other_forms_wrapping_media_are_unknown():
    assert sniff_format(riff(b"WAVE", chunk(b"fmt ", bytes(16)))) == "wav"
    assert sniff_format(riff(b"AVI ", chunk(b"LIST", b"hdrl"))) == "avi"
    assert sniff_format(riff(b"WEBP", chunk(b"VP8 ", bytes(20)))) == "webp"
    assert sniff_format(b"RF64" + bytes(4) + b"WAVE" + bytes(40)) == "wav"
    assert sniff(riff(b"RMID", chunk(b"data", b"\xff\xd8\xff\xe0" + bytes(40)))) is None


# -- refused content ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("head,fmt,kind", [
    (b"<!DOCTYPE html>\n<html><script>alert(1)</script></html>", "html", "text"),
    (b"  <html><body>x</body></html>", "html", "text"),
    (b"<script>fetch('/api')</script>", "html", "text"),
    (b'<?xml version="1.0"?>\n<!-- x -->\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "svg",
     "text"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "svg", "text"),
    (b'<?xml version="1.0"?><catalog/>', "xml", "text"),
    (b'<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period/></MPD>', "dash", "playlist"),
    (b"<smil><body><video src='file:///etc/passwd'/></body></smil>", "smil", "playlist"),
    (b'<ASX version="3.0"><Entry><Ref href="x"/></Entry></ASX>', "asx", "playlist"),
    (b'<?xml version="1.0"?><playlist xmlns="http://xspf.org/ns/0/"/>', "xspf", "playlist"),
    (b"[playlist]\nFile1=http://example.com/a.mp3\n", "pls", "playlist"),
    (b"#EXTINF:10,\nx.ts\n", "hls", "playlist"),
    (b"#!/bin/sh\nreboot\n", "script", "text"),
    (b'{"json": "pretending to be a video"}', "json", "text"),
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "webvtt", "text"),
    (b"file:///etc/passwd\nhttp://169.254.169.254/\n", "text", "text"),
    ("航拍 素材 说明\n".encode() * 20, "text", "text"),
    (b"#EXTM3U\n" + bytes(range(128, 256)) * 8, "hls", "playlist"),  # not UTF-8 after the tag: still a playlist
])
def test_text_markup_and_playlists(head, fmt, kind):
    assert sniff_format(head) == fmt
    assert sniff(head) == kind
    assert sniff_content_type(head) == OCTET_STREAM  # never text/html or image/svg+xml


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("clip.mp4")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../x.mp4", b"x")
    return buf.getvalue()


@pytest.mark.parametrize("head,fmt", [
    (_zip(), "zip"), (gzip.compress(b"x" * 100), "gzip"), (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24), "7z"),
    (b"Rar!\x1a\x07\x01\x00" + bytes(20), "rar"), (_tar(), "tar"), (bz2.compress(b"x" * 100), "bzip2"),
    (lzma.compress(b"x" * 100), "xz"), (b"\x28\xb5\x2f\xfd" + bytes(20), "zstd"), (id3() + _zip(), "zip"),
])
def test_archives_are_refused(head, fmt):
    assert sniff_format(head) == fmt and sniff(head) == "archive"
    assert sniff_content_type(head) == OCTET_STREAM


def test_empty_and_unknown_binary():
    assert sniff(b"") is None and sniff_content_type(b"") == OCTET_STREAM
    assert sniff(bytes(range(256)) * 4) is None
    assert sniff(b"BMW drives") == "text"  # two letters are not a BMP header


# -- MIME types ------------------------------------------------------------------------------------------------

def _ftyp(brand: bytes, *compatible: bytes) -> bytes:
    body = brand + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


def _ts(step: int = 188, offset: int = 0) -> bytes:
    pkt = bytearray(step)
    pkt[offset] = 0x47
    return bytes(pkt) * 4


@pytest.mark.parametrize("head,mime,kind", [
    (_ftyp(b"isom", b"isom", b"avc1"), "video/mp4", "video"),
    (_ftyp(b"mp42"), "video/mp4", "video"),
    (_ftyp(b"qt  "), "video/quicktime", "video"),
    (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", "video/quicktime", "video"),
    (_ftyp(b"M4A "), "audio/mp4", "audio"),
    (_ftyp(b"3gp5"), "video/3gpp", "video"),
    (_ftyp(b"heic", b"mif1", b"heic"), "image/heic", "image"),
    (_ftyp(b"mif1", b"mif1", b"heic"), "image/heic", "image"),
    (_ftyp(b"mif1"), "image/heif", "image"),
    (_ftyp(b"avif", b"mif1"), "image/avif", "image"),
    (_ftyp(b"crx "), "image/x-canon-cr3", "image"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska", "video"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm", "video"),
    (riff(b"AVI ", chunk(b"LIST", b"hdrl")), "video/x-msvideo", "video"),
    (_ts(), "video/mp2t", "video"),
    (_ts(192, 4), "video/mp2t", "video"),
    (b"\x00\x00\x01\xba\x44" + bytes(20), "video/mpeg", "video"),
    (b"\x06\x0e\x2b\x34\x02\x05\x01\x01" + bytes(20), "application/mxf", "video"),
    (b"FLV\x01\x05\x00\x00\x00\x09", "video/x-flv", "video"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9" + bytes(10), "video/x-ms-asf", "video"),
    (b"\x1f\x07\x00\x3f" + bytes(40), "video/x-dv", "video"),
    (id3() + MP3_FRAME, "audio/mpeg", "audio"),
    (riff(b"WAVE", chunk(b"fmt ", bytes(16))), "audio/wav", "audio"),
    (b"fLaC\x00\x00\x00\x22", "audio/flac", "audio"),
    (b"OggS\x00\x02" + bytes(22) + b"\x01vorbis", "audio/ogg", "audio"),
    (b"FORM\x00\x00\x00\x20AIFFCOMM", "audio/aiff", "audio"),
    (b"caff\x00\x01\x00\x00", "audio/x-caf", "audio"),
    (b"#!AMR\n\x3c", "audio/amr", "audio"),
    (b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00", "image/jpeg", "image"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "image"),
    (b"II*\x00\x08\x00\x00\x00", "image/tiff", "image"),
    (b"MM\x00*\x00\x00\x00\x08", "image/tiff", "image"),
    (b"GIF89a\x01\x00\x01\x00", "image/gif", "image"),
    (b"BM\x3e\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "image/bmp", "image"),
    (riff(b"WEBP", chunk(b"VP8 ", bytes(20))), "image/webp", "image"),
])
def test_content_type_from_the_bytes(head, mime, kind):
    assert sniff_content_type(head) == mime
    assert sniff(head) == kind


def test_content_type_of_format_names():
    assert content_type_of("mp4") == "video/mp4" and content_type_of("mxf") == "application/mxf"
    for refused in ("html", "svg", "hls", "zip", "text", None, "nonsense"):
        assert content_type_of(refused) == OCTET_STREAM
    assert MEDIA_KINDS == {"video", "audio", "image"}


# -- real files written by ffmpeg --------------------------------------------------------------------------------

REAL = {
    "clip.mp4": (["-c:v", "libx264"], "video/mp4"),
    "clip.mov": (["-c:v", "libx264"], "video/quicktime"),
    "clip.mkv": (["-c:v", "libx264"], "video/x-matroska"),
    "clip.webm": (["-c:v", "libvpx-vp9", "-deadline", "realtime"], "video/webm"),
    "clip.avi": (["-c:v", "mjpeg"], "video/x-msvideo"),
    "clip.ts": (["-c:v", "libx264"], "video/mp2t"),
    "clip.mxf": (["-c:v", "mpeg2video"], "application/mxf"),
    "tone.mp3": (["-map", "1:a"], "audio/mpeg"),  # the mp3 muxer writes an ID3v2 tag first
    "tone.wav": (["-map", "1:a"], "audio/wav"),
    "tone.flac": (["-map", "1:a"], "audio/flac"),
    "still.jpg": (["-frames:v", "1"], "image/jpeg"),
    "still.png": (["-frames:v", "1"], "image/png"),
    "still.tif": (["-frames:v", "1"], "image/tiff"),
}


def test_files_written_by_ffmpeg(tmp_path: Path):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg)")
    for name, (args, mime) in REAL.items():
        out = tmp_path / name
        video = ["-map", "0:v"] if "-map" not in args else []
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:duration=0.5",
                        "-f", "lavfi", "-i", "sine=duration=0.5", *video, *args, "-y", str(out)], check=True,
                       timeout=60)
        head = out.read_bytes()[:SNIFF_BYTES]
        assert sniff_content_type(head) == mime, name

"""The storage interfaces: objects, and multipart uploads (keys are made in ``mam.storage.keys``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class PartInfo:
    """A part of a multipart upload the store has received."""

    number: int
    size: int
    etag: str


class ObjectStore(Protocol):
    """Objects under server-made keys; writes are atomic (temp key, then final)."""

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> int:
        """Store a local file under ``key``; return its size."""

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        """Store everything read from ``stream`` (read in bounded chunks) under ``key``; return the size."""

    def get_to_path(self, key: str, path: Path) -> None:
        """Download ``key`` to a local file."""

    def open_read(self, key: str) -> BinaryIO:
        """A stream of the object's bytes."""

    def size(self, key: str) -> int:
        """Object size in bytes; raises ``NotFound``."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; return how many. Raises when one could not be deleted."""

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Every object key under ``prefix`` (no order promised)."""

    def presigned_get(self, key: str, ttl_s: int, filename: str | None = None, *, attachment: bool = False,
                      content_type: str | None = None) -> str | None:
        """A short-lived download URL, or ``None`` when the API must serve the bytes itself. With ``filename``
        the answer names it (``attachment`` makes browsers save instead of show); ``content_type`` overrides
        the stored one."""

    def presigned_put(self, key: str, ttl_s: int) -> str | None:
        """A short-lived URL to PUT one object to, or ``None`` when uploads go through the API."""

    def local_path(self, key: str) -> Path | None:
        """The object's path on this machine when the backend is a local directory."""

    def check(self) -> None:
        """Raise if the store cannot be reached."""



class MultipartUploads(Protocol):
    """Multipart uploads behind resumable upload sessions: parts sent through the API or to presigned URLs."""

    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        """Start a multipart upload of ``key``; return the store's upload id."""

    def upload_part(self, key: str, upload_id: str, number: int, stream: BinaryIO, size: int,
                    offset: int = 0) -> PartInfo:
        """Receive one part (``size`` bytes at ``offset`` of the object) streamed through the API.

        Raises ``ValueError`` on a short or long body."""

    def discard_part(self, key: str, upload_id: str, number: int) -> None:
        """Forget a received part (it arrived with a wrong checksum), so it counts as missing."""

    def presign_part(self, key: str, upload_id: str, number: int, ttl_s: int,
                     content_md5: str | None = None) -> str | None:
        """A URL the client PUTs the part to directly, or ``None`` when parts go through the API. With
        ``content_md5`` (base64) the URL is signed for that checksum: the store refuses the part without the
        same ``Content-MD5`` header, and refuses bytes that do not match it."""

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        """Parts received so far, by number."""

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> None:
        """Join the parts, in order, into the final object (atomic: nothing visible before)."""

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and everything it holds."""


class Storage(ObjectStore, MultipartUploads, Protocol):
    """What every backend offers: both interfaces."""

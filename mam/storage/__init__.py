"""Object storage behind one interface: a local directory or any S3 API."""

from __future__ import annotations

from mam.storage.base import MultipartUploads, ObjectStore, Storage
from mam.storage.keys import derivative_key, original_key
from mam.storage.local import LocalStorage


def open_storage(
    url: str,
    *,
    endpoint_url: str | None = None,
    public_endpoint_url: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    region: str = "us-east-1",
    multipart_threshold: int = 64 * 1024 * 1024,
    multipart_chunk: int = 64 * 1024 * 1024,
) -> Storage:
    """Open the store named by ``url`` (``file:///dir`` or ``s3://bucket[/prefix]``)."""
    scheme, _, rest = url.partition("://")
    if scheme == "file":
        return LocalStorage(rest)
    if scheme == "s3":
        from mam.storage.s3 import S3Storage

        bucket, _, prefix = rest.partition("/")
        return S3Storage(
            bucket,
            prefix=prefix,
            endpoint_url=endpoint_url,
            public_endpoint_url=public_endpoint_url,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            region=region,
            multipart_threshold=multipart_threshold,
            multipart_chunk=multipart_chunk,
        )
    raise ValueError(f"unknown storage URL {url!r}: use file:///path or s3://bucket")


__all__ = ["ObjectStore", "MultipartUploads", "Storage", "LocalStorage", "open_storage", "original_key",
           "derivative_key"]

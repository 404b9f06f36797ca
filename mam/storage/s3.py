"""S3 backend (AWS, MinIO, COS, OSS…) through boto3's transfer manager (multipart for large objects)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from mam.errors import NotFound, StorageUnavailable
from mam.storage.base import PartInfo


class S3Storage:
    """Objects in one bucket (optionally under a prefix). Uploads use multipart above a threshold."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str = "us-east-1",
        multipart_threshold: int = 64 * 1024 * 1024,
        multipart_chunk: int = 64 * 1024 * 1024,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=120,
        )

        def client(endpoint: str | None):
            return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key_id,
                                aws_secret_access_key=secret_access_key, region_name=region, config=config)

        self.client = client(endpoint_url)
        # URLs handed to browsers are signed for the address they can reach (e.g. MinIO behind compose)
        self.signer = client(public_endpoint_url) if public_endpoint_url else self.client
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunk, max_concurrency=4
        )

    def _k(self, key: str) -> str:
        return self.prefix + key

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchKey", "NotFound"):
                raise NotFound(args[0] if args else kwargs.get("Key", "")) from exc
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status >= 500 or code in ("SlowDown", "RequestTimeout"):
                raise StorageUnavailable(f"S3 {code or status}: {exc}") from exc
            raise
        except BotoCoreError as exc:
            raise StorageUnavailable(f"S3 unreachable: {exc}") from exc

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> int:
        extra = {"ContentType": content_type} if content_type else None
        self._call(self.client.upload_file, str(path), self.bucket, self._k(key), ExtraArgs=extra,
                   Config=self.transfer)
        return Path(path).stat().st_size

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        counter = _CountingReader(stream)
        extra = {"ContentType": content_type} if content_type else None
        self._call(self.client.upload_fileobj, counter, self.bucket, self._k(key), ExtraArgs=extra,
                   Config=self.transfer)
        return counter.count

    def get_to_path(self, key: str, path: Path) -> None:
        self._call(self.client.download_file, self.bucket, self._k(key), str(path), Config=self.transfer)

    def open_read(self, key: str) -> BinaryIO:
        resp = self._call(self.client.get_object, Bucket=self.bucket, Key=self._k(key))
        return resp["Body"]

    def size(self, key: str) -> int:
        resp = self._call(self.client.head_object, Bucket=self.bucket, Key=self._k(key))
        return int(resp["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
            return True
        except NotFound:
            return False

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._k(prefix)):
            objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if objs:
                resp = self._call(self.client.delete_objects, Bucket=self.bucket, Delete={"Objects": objs})
                if errors := resp.get("Errors"):
                    raise StorageUnavailable(f"S3 kept {len(errors)} object(s) under {prefix!r}: "
                                             + ", ".join(e.get("Key", "?") for e in errors[:5]))
                count += len(objs)
        return count

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._k(prefix)):
            for obj in page.get("Contents", []):
                yield obj["Key"][len(self.prefix):]

    def presigned_get(self, key: str, ttl_s: int, filename: str | None = None, *, attachment: bool = False,
                      content_type: str | None = None) -> str | None:
        params = {"Bucket": self.bucket, "Key": self._k(key)}
        if filename:
            how = "attachment" if attachment else "inline"
            params["ResponseContentDisposition"] = f"{how}; filename*=UTF-8''{quote(filename)}"
        if content_type:
            params["ResponseContentType"] = content_type
        return self.signer.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_s)

    def presigned_put(self, key: str, ttl_s: int) -> str | None:
        params = {"Bucket": self.bucket, "Key": self._k(key)}
        return self.signer.generate_presigned_url("put_object", Params=params, ExpiresIn=ttl_s)

    def local_path(self, key: str) -> Path | None:
        return None

    def check(self) -> None:
        self._call(self.client.head_bucket, Bucket=self.bucket)

    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        extra = {"ContentType": content_type} if content_type else {}
        resp = self._call(self.client.create_multipart_upload, Bucket=self.bucket, Key=self._k(key), **extra)
        return resp["UploadId"]

    def upload_part(self, key: str, upload_id: str, number: int, stream: BinaryIO, size: int,
                    offset: int = 0) -> PartInfo:
        """Clients normally PUT parts to presigned URLs; the API sends a part itself when it holds the bytes
        (a one-request upload)."""
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as body:  # seekable, bounded memory
            got = 0
            while chunk := stream.read(min(1024 * 1024, size + 1 - got)):
                got += len(chunk)
                if got > size:
                    raise ValueError(f"part {number} is longer than its {size} bytes")
                body.write(chunk)
            if got != size:
                raise ValueError(f"part {number} has {got} bytes, expected {size}")
            body.seek(0)
            resp = self._call(self.client.upload_part, Bucket=self.bucket, Key=self._k(key), UploadId=upload_id,
                              PartNumber=number, Body=body, ContentLength=size)
        return PartInfo(number, size, resp["ETag"].strip('"'))

    def discard_part(self, key: str, upload_id: str, number: int) -> None:
        pass  # S3 parts never pass through the API; a re-sent part simply replaces the stored one

    def presign_part(self, key: str, upload_id: str, number: int, ttl_s: int,
                     content_md5: str | None = None) -> str | None:
        params = {"Bucket": self.bucket, "Key": self._k(key), "UploadId": upload_id, "PartNumber": number}
        if content_md5:
            params["ContentMD5"] = content_md5
        return self.signer.generate_presigned_url("upload_part", Params=params, ExpiresIn=ttl_s)

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        parts: list[PartInfo] = []
        marker = 0
        while True:
            try:
                resp = self._call(self.client.list_parts, Bucket=self.bucket, Key=self._k(key), UploadId=upload_id,
                                  PartNumberMarker=marker, MaxParts=1000)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "NoSuchUpload":
                    raise NotFound(f"upload {upload_id} does not exist (expired or aborted)") from exc
                raise
            parts += [PartInfo(p["PartNumber"], p["Size"], p["ETag"].strip('"')) for p in resp.get("Parts", [])]
            if not resp.get("IsTruncated"):
                return parts
            marker = resp["NextPartNumberMarker"]

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> None:
        ordered = sorted(parts, key=lambda p: p.number)
        body = {"Parts": [{"PartNumber": p.number, "ETag": f'"{p.etag}"'} for p in ordered]}
        self._call(self.client.complete_multipart_upload, Bucket=self.bucket, Key=self._k(key), UploadId=upload_id,
                   MultipartUpload=body)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._call(self.client.abort_multipart_upload, Bucket=self.bucket, Key=self._k(key), UploadId=upload_id)
        except (NotFound, ClientError):
            pass

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (for first start against MinIO or a test server)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self._call(self.client.create_bucket, Bucket=self.bucket)


class _CountingReader:
    """Wraps a stream and counts bytes as boto3 reads it in chunks."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data

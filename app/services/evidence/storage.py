"""Where evidence files live, behind one interface (SPEC §12.2): local disk under
``UPLOAD_FOLDER``/evidence by default (zero set-up), or an S3-compatible bucket (MinIO, a
cloud's object store) chosen in config (``EVIDENCE_STORAGE = "s3"``), through boto3.

A file is written whole or not at all: locally to a temporary name beside its place, then
renamed; on S3 by one (multipart when large) upload. Files are streamed in chunks, never read
into memory. Keys are random, one file per attachment, nothing beside it."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 256 * 1024


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str


class Storage(Protocol):
    def put(self, stream: BinaryIO) -> Stored: ...
    def open(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[str]: ...
    def signed_url(self, key: str, filename: str, media_type: str) -> str | None: ...


def new_key() -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


class _Hashing:
    """A read-through wrapper that counts and hashes what passes."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.size, self.hash = stream, 0, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size and size > 0 else CHUNK)
        self.size += len(data)
        self.hash.update(data)
        return data


def _seekable(stream) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


class LocalStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key outside the storage")
        return path

    def put(self, stream: BinaryIO) -> Stored:
        key = new_key()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        reader = _Hashing(stream)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return Stored(key, reader.size, reader.hash.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")  # noqa: SIM115 — the caller streams and closes it

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                yield path.relative_to(self.root).as_posix()

    def signed_url(self, key: str, filename: str, media_type: str) -> str | None:
        return None  # served by the application, after its permission check


class S3Storage:
    def __init__(self, bucket: str, endpoint_url: str | None, access_key: str | None,
                 secret_key: str | None, region: str | None, url_seconds: int = 300):
        import boto3

        self.bucket, self.url_seconds = bucket, url_seconds
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None,
                                   aws_access_key_id=access_key or None,
                                   aws_secret_access_key=secret_key or None,
                                   region_name=region or "us-east-1")

    def put(self, stream: BinaryIO) -> Stored:
        """One PUT streamed from the file (a seekable upload: hashed in a first pass, then
        sent in chunks, so memory stays flat); anything else through boto3's multipart
        transfer, one 5 MB part at a time."""
        key = new_key()
        try:
            if _seekable(stream):
                start = stream.tell()
                reader = _Hashing(stream)
                while reader.read(CHUNK):
                    pass
                stream.seek(start)
                self.client.put_object(Bucket=self.bucket, Key=key, Body=stream,
                                       ContentLength=reader.size)
            else:
                from boto3.s3.transfer import TransferConfig

                reader = _Hashing(stream)
                self.client.upload_fileobj(reader, self.bucket, key, Config=TransferConfig(
                    multipart_chunksize=5 * 1024 * 1024, max_concurrency=1,
                    use_threads=False))
        except BaseException:
            self.delete(key)
            raise
        return Stored(key, reader.size, reader.hash.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def signed_url(self, key: str, filename: str, media_type: str) -> str | None:
        from urllib.parse import quote

        return self.client.generate_presigned_url("get_object", Params={
            "Bucket": self.bucket, "Key": key, "ResponseContentType": media_type,
            "ResponseContentDisposition": f"inline; filename*=UTF-8''{quote(filename)}"},
            ExpiresIn=self.url_seconds)


def storage_from(config) -> Storage:
    """The storage the configuration names: local (default) or s3."""
    if (config.get("EVIDENCE_STORAGE") or "local").lower() == "s3":
        return S3Storage(config["S3_BUCKET"], config.get("S3_ENDPOINT_URL"),
                         config.get("S3_ACCESS_KEY"), config.get("S3_SECRET_KEY"),
                         config.get("S3_REGION"), int(config.get("S3_URL_SECONDS") or 300))
    return LocalStorage(Path(config["UPLOAD_FOLDER"]) / "evidence")

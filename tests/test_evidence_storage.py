"""Evidence storage behind one interface (SPEC §12.2): local disk and an S3 API server (moto's
real HTTP server, started here — not a mock object), the same contract for both: whole files
or nothing, streamed, listed, removed, signed URLs for S3."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import urllib.request

import pytest

from app.services.evidence.storage import LocalStorage, S3Storage, storage_from

MB = 1024 * 1024


class Broken(io.RawIOBase):
    """A stream that fails part way (an upload cut off)."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left <= 0:
            raise OSError("connection reset")
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


class Pattern(io.RawIOBase):
    """``size`` bytes made as they are read: a large upload that is never in memory."""

    def __init__(self, size: int):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(range(256)) * (n // 256) + bytes(n % 256)
        self.left -= n
        return n


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "evidence")
    endpoint = request.getfixturevalue("s3_server")
    store = S3Storage("evidence-test", endpoint, "test", "test", "us-east-1")
    existing = [b["Name"] for b in store.client.list_buckets()["Buckets"]]
    if "evidence-test" not in existing:
        store.client.create_bucket(Bucket="evidence-test")
    for key in list(store.keys()):
        store.delete(key)
    return store


def test_put_open_list_delete(storage):
    content = b"%PDF-1.4\n" + os.urandom(100_000)
    stored = storage.put(io.BytesIO(content))
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert list(storage.keys()) == [stored.key]
    with storage.open(stored.key) as handle:
        assert handle.read() == content
    storage.delete(stored.key)
    assert list(storage.keys()) == []


def test_a_cut_off_upload_leaves_nothing(storage):
    with pytest.raises(OSError):
        storage.put(io.BufferedReader(Broken(3 * MB)))
    assert list(storage.keys()) == []


def test_signed_urls_only_for_s3(storage):
    stored = storage.put(io.BytesIO(b"\x89PNG\r\n\x1a\nrest"))
    url = storage.signed_url(stored.key, "证书.png", "image/png")
    if isinstance(storage, LocalStorage):
        assert url is None
    else:
        with urllib.request.urlopen(url) as response:
            assert response.read() == b"\x89PNG\r\n\x1a\nrest"
            assert response.headers["Content-Type"] == "image/png"


def test_local_keys_stay_inside_the_folder(tmp_path):
    storage = LocalStorage(tmp_path / "evidence")
    with pytest.raises(ValueError):
        storage.open("../secret")
    with pytest.raises(ValueError):
        storage.delete("../../etc/passwd")


def test_a_20_mb_upload_streams_to_local_storage(tmp_path):
    storage = LocalStorage(tmp_path / "evidence")
    tracemalloc.start()
    try:
        stored = storage.put(io.BufferedReader(Pattern(20 * MB)))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == 20 * MB and peak < 5 * MB


def test_the_configuration_chooses(tmp_path, s3_server):
    local = storage_from({"UPLOAD_FOLDER": str(tmp_path)})
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "evidence"
    s3 = storage_from({"EVIDENCE_STORAGE": "s3", "S3_BUCKET": "evidence-test",
                       "S3_ENDPOINT_URL": s3_server, "S3_ACCESS_KEY": "test",
                       "S3_SECRET_KEY": "test"})
    assert isinstance(s3, S3Storage) and s3.bucket == "evidence-test"

"""One signed POST of a record to the national data interface (standard library only).

The signature is HMAC-SHA256, keyed with NATIONAL_PUSH_SECRET, over five lines joined by
"\\n": the method, the path (with its query), the Unix timestamp sent in X-Timestamp, the
Idempotency-Key, and the hex SHA-256 of the body. The endpoint recomputes it with the secret
it holds for X-Key-Id, and refuses stale timestamps and keys it has seen (answering 409)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "ipp-national-push/1"
KEEP = 300  # characters of an error answer kept in the log


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (timeout, refused, broken connection)
    error: str | None
    milliseconds: int
    retry_after: float | None = None
    permanent: bool = False  # nothing to retry: the request cannot be made as configured


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def signature(secret: str, method: str, path: str, timestamp: str, key: str,
              body: bytes) -> str:
    text = "\n".join([method.upper(), path, timestamp, key, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: our own backoff is close enough


def post_signed(url: str, payload: dict, key: str, key_id: str, secret: str,
                timeout: float) -> Answer:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = body_of(payload)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "Idempotency-Key": key, "X-Key-Id": key_id, "X-Timestamp": timestamp,
               "X-Signature": signature(secret, "POST", path, timestamp, key, body)}
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(4096).decode("utf-8", "replace").strip()
    except TimeoutError:
        return Answer(None, f"no answer within {timeout:g} s (timeout)", took())
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, f"{type(error).__name__}: {error}"[:KEEP], took())
    finally:
        connection.close()
    code = response.status
    error = None if 200 <= code < 300 else f"HTTP {code} {response.reason}: {text}"[:KEEP]
    return Answer(code, error, took(), retry_after=_retry_after(response.getheader(
        "Retry-After")))

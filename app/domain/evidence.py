"""Evidence files (佐证材料, SPEC §12.2): what is accepted, judged by content, not by name.

PDF, JPEG, PNG and OFD (the Chinese fixed-layout format: a ZIP container whose root holds
OFD.xml) are accepted; anything else — HTML, SVG, scripts, archives, Office files — is
refused, and so is a file whose content does not match its extension, an empty file, or a
name with a path separator or a control character. Plain Python: the storage and the web
layer call ``judge`` before keeping a byte.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from app.domain.errors import BilingualError

KINDS = {  # kind -> (extensions, media type)
    "pdf": ((".pdf",), "application/pdf"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "png": ((".png",), "image/png"),
    "ofd": ((".ofd",), "application/ofd"),
}
EXTENSIONS = {ext: kind for kind, (exts, _type) in KINDS.items() for ext in exts}
MAX_NAME = 200


class EvidenceRefused(BilingualError):
    """The file is not accepted; the message says why and what to do. Nothing was kept."""


@dataclass(frozen=True)
class Judged:
    kind: str
    media_type: str
    name: str  # the name as it will be shown (stripped, normalized)


def sniff(head: bytes, zip_names: Callable[[], Iterable[str]] | None = None) -> str | None:
    """The kind the first bytes say; ``zip_names`` lists a ZIP container's entries, so that
    an OFD (a ZIP with OFD.xml at its root) is told from other archives."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04") and zip_names is not None:
        try:
            return "ofd" if "OFD.xml" in set(zip_names()) else None
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
    return None


def zip_names_of(stream: BinaryIO) -> Callable[[], list[str]]:
    """Entries of a seekable file as ZIP, read when asked (the central directory only)."""
    def names() -> list[str]:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            return archive.namelist()
    return names


def check_name(name: str) -> str:
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        raise EvidenceRefused("文件没有名称，请重新选择文件。",
                              "The file has no name: choose it again.")
    if "/" in text or "\\" in text:
        raise EvidenceRefused("文件名不能包含“/”或“\\”，请改名后重新上传。",
                              "A file name cannot contain “/” or “\\”: rename it and upload "
                              "again.")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise EvidenceRefused("文件名含有控制字符，请改名后重新上传。",
                              "The file name holds control characters: rename it and upload "
                              "again.")
    if len(text) > MAX_NAME:
        raise EvidenceRefused(f"文件名不能超过 {MAX_NAME} 个字符，请改名后重新上传。",
                              f"A file name has at most {MAX_NAME} characters: rename it and "
                              "upload again.")
    return text


def judge(name: str, head: bytes, size: int, max_bytes: int,
          zip_names: Callable[[], Iterable[str]] | None = None) -> Judged:
    """Accept the file or say why not: name, size, type by content (its first bytes, and a
    ZIP's entries), extension agreeing. The caller streams the file; only ``head`` (16
    bytes or more) is read here."""
    name = check_name(name)
    if size <= 0:
        raise EvidenceRefused("文件是空的（0 字节），请选择正确的文件。",
                              "The file is empty (0 bytes): choose the right file.")
    if size > max_bytes:
        raise EvidenceRefused(
            f"文件超过 {max_bytes // (1024 * 1024)} MB，请压缩或拆分后上传。",
            f"The file is larger than {max_bytes // (1024 * 1024)} MB: compress or split it.")
    kind = sniff(head, zip_names)
    if kind is None:
        raise EvidenceRefused("只接受 PDF、JPG、PNG 或 OFD 格式的佐证材料；此文件不是其中之一。",
                              "Evidence must be a PDF, JPG, PNG or OFD file; this file is "
                              "none of them.")
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if EXTENSIONS.get(extension) != kind:
        expected = "、".join(KINDS[kind][0])
        raise EvidenceRefused(f"文件内容是 {kind.upper()}，但扩展名是“{extension or '无'}”："
                              f"请使用 {expected} 扩展名。",
                              f"The file holds {kind.upper()} but is named “{extension or 'none'}”"
                              f": use {', '.join(KINDS[kind][0])}.")
    return Judged(kind, KINDS[kind][1], name)


def judge_bytes(name: str, content: bytes, max_bytes: int) -> Judged:
    """``judge`` for content already in memory (tests, small files)."""
    stream = io.BytesIO(content)
    return judge(name, content[:16], len(content), max_bytes, zip_names_of(stream))

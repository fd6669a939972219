"""Evidence files are judged by content (SPEC §12.2)."""

import io
import zipfile

import pytest

from app.domain import evidence as E

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20
MB = 1024 * 1024


def _zip(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<ofd/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, kind", [
    ("证书.pdf", PDF, "pdf"), ("照片.JPG", JPEG, "jpeg"), ("a.jpeg", JPEG, "jpeg"),
    ("扫描.png", PNG, "png"), ("电子证照.ofd", _zip(["OFD.xml", "Doc_0/Document.xml"]), "ofd"),
])
def test_accepted_kinds(name, content, kind):
    judged = E.judge_bytes(name, content, 20 * MB)
    assert judged.kind == kind and judged.name == name


@pytest.mark.parametrize("name, content, says", [
    ("a.pdf", b"", "空的"),
    ("a.pdf", PDF + b"x" * (2 * MB), "超过 2 MB"),
    ("页面.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>", "只接受"),
    ("图.pdf", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "只接受"),
    ("a.pdf", b"#!/bin/sh\nrm -rf /\n", "只接受"),
    ("a.zip", _zip(["a.txt"]), "只接受"),
    ("a.docx", _zip(["[Content_Types].xml", "word/document.xml"]), "只接受"),
    ("a.png", PDF, "扩展名"),
    ("noextension", PDF, "扩展名"),
    ("../etc/passwd.pdf", PDF, "“/”"),
    ("a\\b.pdf", PDF, "“/”"),
    ("a\x00b.pdf", PDF, "控制字符"),
    ("a\u202eb.pdf", PDF, "控制字符"),
    ("  ", PDF, "没有名称"),
])
def test_refused_with_a_reason(name, content, says):
    with pytest.raises(E.EvidenceRefused) as refused:
        E.judge_bytes(name, content, 2 * MB)
    assert says in refused.value.message_zh and refused.value.message_en

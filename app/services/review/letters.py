"""企业信息报送函: the PDF that carries approved records to the national system, and the
stamped scan that, once uploaded, marks them 已报送."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pdfkit
from flask import current_app, g, render_template
from sqlalchemy import func, select

from app.domain import workflow
from app.domain.errors import BilingualError
from app.extensions import db
from app.models import Region, ReportingActivity, Submission, SubmissionLetter
from app.security.scope import restrict
from app.services.review import workflow as workflow_service

PDF_OPTIONS = {"encoding": "UTF-8", "page-size": "A4", "quiet": "", "javascript-delay": "0",
               "margin-top": "18mm", "margin-bottom": "18mm"}
SCAN_MAGIC = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


class LetterError(BilingualError):
    """The letter or scan cannot be taken; nothing was changed."""


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def generate(activity: ReportingActivity, submission_ids: list[int] | None = None
             ) -> SubmissionLetter:
    """A new version of the activity's letter over the chosen approved records (or all)."""
    query = select(Submission).where(Submission.activity_id == activity.id,
                                     Submission.status == workflow.APPROVED)
    if submission_ids:
        query = query.where(Submission.id.in_(submission_ids))
    records = list(db.session.execute(restrict(query, Submission).order_by(
        Submission.region_code, Submission.name)).scalars())
    if not records:
        raise LetterError("没有可报送的记录：请选择已通过待报送的记录。",
                          "Nothing to send: choose records that are approved and not yet sent.")
    version = (db.session.execute(select(func.max(SubmissionLetter.version)).where(
        SubmissionLetter.activity_id == activity.id)).scalar() or 0) + 1
    province = db.session.get(Region, activity.province_code)
    html = render_template("letter_pdf.html", activity=activity, records=records,
                           version=version, province=province, today=dt.date.today())
    name = f"letter-{activity.id}-v{version}-{uuid.uuid4().hex[:8]}.pdf"
    try:
        pdfkit.from_string(html, str(_folder() / name), options=PDF_OPTIONS)
    except OSError as error:
        raise LetterError("无法生成 PDF：服务器未安装 wkhtmltopdf，请联系管理员。",
                          "The PDF cannot be made: wkhtmltopdf is missing on the server.") \
            from error
    letter = SubmissionLetter(activity_id=activity.id, province_code=activity.province_code,
                              version=version, created_by=getattr(g.user, "username", None),
                              pdf_file=name, submissions=records)
    db.session.add(letter)
    db.session.commit()
    return letter


def pdf_path(letter: SubmissionLetter) -> Path:
    return _folder() / letter.pdf_file


def scan_path(letter: SubmissionLetter) -> Path | None:
    return _folder() / letter.scan_file if letter.scan_file else None


def upload_scan(letter: SubmissionLetter, filename: str, data: bytes) -> int:
    """Keep the stamped scan and mark the letter's records 已报送; returns how many."""
    limit = current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    if not data:
        raise LetterError("请选择盖章后的扫描件。", "Choose the stamped scan to upload.")
    if len(data) > limit:
        raise LetterError(f"扫描件超过 {current_app.config['UPLOAD_MAX_MB']} MB，请压缩后上传。",
                          "The scan is too large: compress it and upload again.")
    kind = next((k for magic, k in SCAN_MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise LetterError("扫描件只能是 PDF、PNG 或 JPG 文件。",
                          "The scan must be a PDF, PNG or JPG file.")
    stored = f"scan-{letter.id}-{uuid.uuid4().hex[:8]}.{kind}"
    (_folder() / stored).write_bytes(data)
    letter.scan_file = stored
    letter.scan_filename = (filename or stored)[:255]
    letter.scan_uploaded_at = dt.datetime.now()
    moved = 0
    for submission in letter.submissions:
        if submission.status == workflow.APPROVED:
            workflow_service.move(submission, workflow.SUBMITTED, workflow.LETTER,
                                  f"报送函第 {letter.version} 版")
            moved += 1
    db.session.commit()
    return moved

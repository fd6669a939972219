"""报送 batches: each export takes the activity's records that passed provincial review and
are in no earlier batch still with the Ministry (a record it returned and that was corrected
goes into the next, supplementary one), and writes the package: the national template
workbook, the letters' PDFs and stamped scans, and ``manifest.json`` with a SHA-256 of each
file. The package is kept in storage and can be downloaded again later."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, exists, func, select

from app.domain import workflow
from app.domain.records.fields import BANK_LIST, MULTI_ENUM, REGISTRY
from app.extensions import db
from app.models import ReportingActivity, Submission
from app.models import national as N
from app.models.review import SubmissionLetter, letter_submission
from app.services.national import NationalError, connector, require_province, username
from app.services.platform.excel import write_workbook

SHEET = "企业信息"
CHUNK = 5000


def _still_sent():
    return exists().where(N.NationalBatchEntry.submission_id == Submission.id,
                          N.NationalBatchEntry.state == N.SENT)


def eligible(activity: ReportingActivity):
    """The records of the next batch: passed provincial review, in no batch still sent."""
    return select(Submission.id).where(
        Submission.activity_id == activity.id,
        Submission.status.in_(workflow.PASSED_PROVINCE), ~_still_sent())


def workbook_name(activity: ReportingActivity, batch: N.NationalBatch) -> str:
    kind = "补报" if batch.supplementary else "报送"
    return f"{activity.data_year}年企业创新积分数据{kind}第{batch.number}批.xlsx"


def _folder(activity_id: int, number: int) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "national" / str(activity_id) / str(number)


def _cell(field, value):
    if value is None:
        return None
    if field.type in (MULTI_ENUM, BANK_LIST) and isinstance(value, (list, tuple)):
        return "；".join(str(v) for v in value)
    return value


def _rows(ids: list[int]):
    fields = list(REGISTRY)
    columns = [getattr(Submission, f.key) for f in fields]
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        for row in db.session.execute(select(*columns).where(Submission.id.in_(part))
                                      .order_by(Submission.id)):
            yield [_cell(field, value) for field, value in zip(fields, row, strict=True)]


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return path.stat().st_size, sha.hexdigest()


def _letters(ids: list[int]) -> list[SubmissionLetter]:
    """The letters naming any record of the batch (the latest version of each first)."""
    if not ids:
        return []
    letter_ids = set()
    for start in range(0, len(ids), CHUNK):
        letter_ids.update(db.session.execute(select(letter_submission.c.letter_id).where(
            letter_submission.c.submission_id.in_(ids[start:start + CHUNK]))).scalars())
    return db.session.execute(select(SubmissionLetter).where(
        SubmissionLetter.id.in_(letter_ids)).order_by(SubmissionLetter.id)).scalars().all()


def _write_package(activity: ReportingActivity, batch: N.NationalBatch, ids: list[int],
                   folder: Path) -> dict:
    from app.services.review import letters as letter_files

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    book = folder / workbook_name(activity, batch)
    headers = [f.header("zh", False) for f in REGISTRY]
    write_workbook(str(book), SHEET, headers, _rows(ids))
    names.append(book.name)
    for letter in _letters(ids):
        pdf = letter_files.pdf_path(letter)
        if pdf.exists():
            target = folder / f"报送函第{letter.version}版.pdf"
            shutil.copyfile(pdf, target)
            names.append(target.name)
        scan = letter_files.scan_path(letter)
        if scan is not None and scan.exists():
            target = folder / f"报送函第{letter.version}版盖章扫描件{scan.suffix or '.pdf'}"
            shutil.copyfile(scan, target)
            names.append(target.name)
    files = []
    for name in names:
        size, sha = _digest(folder / name)
        files.append({"name": name, "bytes": size, "sha256": sha})
    manifest = {"batch": batch.id, "activity": activity.id, "number": batch.number,
                "supplementary": batch.supplementary, "records": len(ids), "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                          encoding="utf-8")
    return manifest


def _check_out(out: Path | None) -> None:
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise NationalError(f"输出目录“{out}”不是空目录：请指定一个新的或空的目录。",
                            f"The output folder “{out}” is not empty: name a new or empty one.")


def export(activity: ReportingActivity, out: Path | None = None,
           channel: str = "file") -> N.NationalBatch:
    """A numbered batch of the records left to report, its package kept (and copied to
    ``out`` when given). All or nothing: a failure leaves no batch and no entries. With the
    HTTP channel its records wait in the outbox: the caller schedules their delivery after
    this commit (``connector.schedule``)."""
    require_province()
    _check_out(out)
    connector.check_channel(channel)  # a push that is not configured is refused first
    ids = list(db.session.execute(eligible(activity).order_by(Submission.id)).scalars())
    if not ids:
        raise NationalError("没有需要报送的记录：本活动通过省级审核的记录都已在报送批次中。",
                            "Nothing is left to report: every record of this activity that "
                            "passed provincial review is already in a batch.")
    number = (db.session.execute(select(func.max(N.NationalBatch.number)).where(
        N.NationalBatch.activity_id == activity.id)).scalar() or 0) + 1
    batch = N.NationalBatch(activity_id=activity.id, number=number, supplementary=number > 1,
                            records=len(ids), channel=channel, created_by=username())
    db.session.add(batch)
    db.session.flush()
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        rows = db.session.execute(select(Submission.id, Submission.uscc,
                                         Submission.region_code).where(Submission.id.in_(part)))
        db.session.execute(N.NationalBatchEntry.__table__.insert(), [
            {"batch_id": batch.id, "submission_id": r.id, "uscc": r.uscc,
             "region_code": r.region_code, "state": N.SENT} for r in rows])
    folder = _folder(activity.id, number)
    try:
        if folder.exists():
            shutil.rmtree(folder)  # a leftover of an export that did not commit
        batch.manifest = _write_package(activity, batch, ids, folder)
        batch.folder = str(folder.relative_to(current_app.config["UPLOAD_FOLDER"]))
        connector.enqueue(batch, ids)  # the file connector adds nothing
        if out is not None:
            copy_package(batch, out)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return batch


def package_folder(batch: N.NationalBatch) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / (batch.folder or "")


def package_files(batch: N.NationalBatch) -> list[str]:
    """The kept package's file names, the manifest last."""
    return [f["name"] for f in (batch.manifest or {}).get("files", [])] + ["manifest.json"]


def copy_package(batch: N.NationalBatch, out: Path) -> list[str]:
    _check_out(out)
    out.mkdir(parents=True, exist_ok=True)
    source = package_folder(batch)
    for name in package_files(batch):
        shutil.copyfile(source / name, out / name)
    return package_files(batch)[:-1]


def sent_entry(submission_id: int):
    """The record's entry still with the Ministry (its latest batch), if any."""
    return db.session.execute(select(N.NationalBatchEntry).where(
        N.NationalBatchEntry.submission_id == submission_id,
        N.NationalBatchEntry.state == N.SENT).order_by(N.NationalBatchEntry.id.desc())
        .limit(1)).scalar()


def ever_sent(activity_id: int):
    """Records of the activity in any batch (sent now or earlier)."""
    return select(N.NationalBatchEntry.submission_id).join(N.NationalBatch).where(
        and_(N.NationalBatch.activity_id == activity_id))

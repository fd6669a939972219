"""Batch upload (批量推荐): read a workbook, check every row with the form's rules,
store what passed in one transaction, and keep what failed for the failure report.

A bad file is refused before anything is written; a failure part-way (a database
error, a killed worker) rolls the whole batch back: there is never half a batch.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from python_calamine import CalamineError, CalamineWorkbook
from sqlalchemy import select

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.records.details import TABLES
from app.domain.records.fields import REGISTRY
from app.domain.records.similarity import NUMERIC_KEYS, SimilarityIndex
from app.domain.records.validation import FORMAT, Finding
from app.domain.regions import contains, level_of
from app.extensions import db
from app.models import Enterprise, ReportingActivity, Submission, UploadBatch
from app.services.intake import _batch_details, detail_sheets, reporting
from app.services.intake._batch_store import store
from app.services.intake.details import DetailFinding
from app.services.platform import audit, jobs
from app.services.platform.bulk import among
from app.services.platform.unit_of_work import bulk_transaction
from app.services.review import missing_files

MAX_UNCOMPRESSED_RATIO = 100  # a zip bomb expands far more than a real workbook
PASSED, FAILED = "passed", "failed"
DUP_IN_FILE, OUT_OF_AREA = "DUP:file", "SCOPE"
_CLOSED = (workflow.MERGED, workflow.REJECTED)

Progress = Callable[[int, int], None]


class BatchError(BilingualError):
    """The file as a whole cannot be taken; nothing was written."""


def uploader_of(user) -> tuple[str, str]:
    """(level, region) a user uploads as; the administrator acts as the province."""
    if getattr(user, "region_code", None):
        return level_of(user.region_code), user.region_code
    return "province", current_app.config["PROVINCE_CODE"]


def check_file(data: bytes) -> None:
    """Quick checks of the whole file, before any row is read: size, format, zip sanity."""
    limit = current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    if not data:
        raise BatchError("文件是空的。", "The file is empty.")
    if len(data) > limit:
        raise BatchError(f"文件超过 {current_app.config['UPLOAD_MAX_MB']} MB，请拆分后分批上传。",
                         f"The file is larger than {current_app.config['UPLOAD_MAX_MB']} MB: "
                         "split it and upload the parts.")
    if not data.startswith(b"PK\x03\x04"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise BatchError("该文件是旧版 Office 文件或设置了密码："
                             "请另存为 .xlsx 并取消密码后上传。",
                             "This is an old-format or password-protected Office file: save it "
                             "as .xlsx without a password and upload it again.")
        raise BatchError("请上传 Excel 文件（.xlsx）；可先下载本活动的模板。",
                         "Upload an Excel workbook (.xlsx); download the activity's template "
                         "to start from.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise BatchError("无法读取该文件：文件已损坏。",
                         "The file is damaged and cannot be read.") from None
    if expanded > max(limit * 10, len(data) * MAX_UNCOMPRESSED_RATIO):
        raise BatchError("文件解压后异常巨大，已拒绝。", "The file expands to an abnormal size and "
                         "was refused.")


def read_workbook(data: bytes) -> tuple[CalamineWorkbook, list[list]]:
    """The workbook (for its detail sheets) and its first sheet's rows, after checks that
    keep bad files out."""
    check_file(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError):
        raise _unreadable() from None
    most = current_app.config["UPLOAD_MAX_ROWS"]
    if len(rows) > most + 1:
        raise BatchError(f"每个文件最多 {most} 行，请拆分后上传。",
                         f"At most {most} rows per file: split it.")
    return book, rows


def _unreadable() -> BatchError:
    return BatchError("无法读取该 Excel 文件：文件可能已损坏或设置了密码。",
                      "The workbook cannot be read: it may be damaged or password-protected.")


def read_detail_rows(book: CalamineWorkbook, activity: ReportingActivity, records: list,
                     columns: dict[int, str], header: list) -> _batch_details.Details:
    """The rows of the detail sheets the activity asks for (none without its sheets), given
    to the records of their credit codes. Tens of thousands of rows and tuples and no
    cycles: the collector is paused, as in bulk_transaction (docs/PERFORMANCE.md)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        sheets = detail_sheets.read_sheets(book, activity.asked_tables(),
                                           current_app.config["UPLOAD_MAX_ROWS"])
    except detail_sheets.SheetError as error:
        raise BatchError(error.message_zh, error.message_en) from None
    except (CalamineError, ValueError, OSError, IndexError):
        raise _unreadable() from None
    else:
        return _batch_details.match(records, columns, header, sheets, book.sheet_names[0])
    finally:
        if collecting:
            gc.enable()


def map_columns(activity: ReportingActivity, header: list) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, text in enumerate(header):
        key = REGISTRY.match_header(text)
        if key and key not in columns.values():
            columns[index] = key
    if not columns:
        raise BatchError("表头与模板不符：第一行应为字段名称。请下载本活动的模板填写。",
                         "The headers match no template: the first row must name the fields. "
                         "Download the activity's template.")
    hidden = activity.hidden_fields()
    # A count an asked-for detail table derives may be left out: the rows give it.
    hidden = hidden | {c for k in activity.asked_tables() for c in TABLES[k].derives}
    required = [f for f in REGISTRY if (f.required or f.key in activity.extra_required())
                and f.key not in hidden]
    missing = [f for f in required if f.key not in columns.values()]
    if missing:
        raise BatchError("缺少必填列：" + "、".join(f.label_zh for f in missing) + "。",
                         "Required columns are missing: "
                         + ", ".join(f.label_en for f in missing) + ".")
    return columns


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def _finding(code: str, fields: tuple[str, ...], zh: str, en: str) -> Finding:
    return Finding(code, FORMAT, fields, zh, en)


def import_workbook(activity: ReportingActivity, user, filename: str, data: bytes,
                    progress: Progress | None = None, channel: str = reporting.UPLOAD
                    ) -> UploadBatch:
    """What the upload page (and `flask batch import`) does, as ``user``."""
    digest = hashlib.sha256(data).hexdigest()
    level, region = uploader_of(user)
    earlier = db.session.execute(
        select(UploadBatch).where(UploadBatch.activity_id == activity.id,
                                  UploadBatch.file_sha256 == digest,
                                  UploadBatch.uploader_region == region)).scalars().first()
    if earlier is not None:
        raise BatchError(
            f"该文件已于 {earlier.created_at:%Y-%m-%d %H:%M} 上传过（批次 {earlier.id}），"
            "本次未作任何修改。",
            f"This file was already uploaded on {earlier.created_at:%Y-%m-%d %H:%M} "
            f"(batch {earlier.id}); nothing was changed.")
    book, rows = read_workbook(data)
    if not rows:
        raise BatchError("文件是空的。", "The file is empty.")
    header, body = rows[0], rows[1:]
    columns = map_columns(activity, header)
    # A row is empty when all its cells are None or "" (counted in C, row by row).
    records = [(number, row) for number, row in enumerate(body, start=2)
               if row.count(None) + row.count("") != len(row)]
    if not records:
        raise BatchError("文件中没有数据行。", "The file has no data rows.")
    details = read_detail_rows(book, activity, records, columns, header) \
        if activity.asked_tables() else None
    del book
    batch = UploadBatch(activity_id=activity.id, uploader_id=getattr(user, "id", None),
                        uploader_name=getattr(user, "username", None), uploader_region=region,
                        channel=channel, filename=filename[:255], file_sha256=digest,
                        headers=[_plain(h) for h in header])
    batch, _ids = _check_and_store(activity, user, batch, records, columns, level, progress,
                                   data, details)
    return batch


def import_records(activity: ReportingActivity, user, source: str, items: list[dict]
                   ) -> tuple[UploadBatch, dict[int, int]]:
    """Records sent through the API: the same checks and storage as an uploaded file, a
    record's detail rows in its ``details`` ({"ip": [{…}], …}). Returns the batch and, for
    each accepted record (1-based position), its submission id."""
    level, region = uploader_of(user)
    keys = list(dict.fromkeys(k for item in items for k in item if k in REGISTRY))
    records = [(number, [item.get(k) for k in keys])
               for number, item in enumerate(items, start=1)]
    details = None
    asked = activity.asked_tables()
    if asked:
        try:
            per_record = [_batch_details.from_api(asked, item.get("details"), number)
                          for number, item in enumerate(items, start=1)]
        except _batch_details.ShapeError as error:
            raise BatchError(error.message_zh, error.message_en) from None
        details = _batch_details.Details(per_record)
    batch = UploadBatch(activity_id=activity.id, uploader_id=getattr(user, "id", None),
                        uploader_name=getattr(user, "username", None), uploader_region=region,
                        channel=reporting.API, filename=source[:255], headers=keys)
    return _check_and_store(activity, user, batch, records, dict(enumerate(keys)), level, None,
                            None, details)


def _check_and_store(activity, user, batch, records, columns, level, progress, data,
                     details=None):
    with bulk_transaction():
        verdicts, accepted, rows_of = check_rows(activity, records, columns,
                                                 batch.uploader_region, progress, details)
        failures = []
        for (number, row), verdict in zip(records, verdicts, strict=True):
            if verdict["status"] == FAILED:
                failure = {"row": number, "values": [_plain(v) for v in row],
                           "errors": verdict.pop("_errors")}
                if "_details" in verdict:  # the record's rows, for the failure report
                    failure["details"] = verdict.pop("_details")
                failures.append(failure)
            verdict.pop("_errors", None)
        batch.failures = failures + (details.unmatched if details else [])
        batch.total = len(records)
        batch.failed = len(failures)
        batch.passed = len(accepted)
        batch.warned = sum(1 for v in verdicts if v["status"] == PASSED and v["warnings"])
        db.session.add(batch)
        db.session.flush()
        derived = {c for k in activity.asked_tables() for c in TABLES[k].derives}
        batch.duplicates, ids = store(activity, batch, accepted, level, user,
                                      rows_of if details else None, derived)
        batch.verdicts = verdicts  # after store(), which marks rows that became duplicates
        if ids and activity.evidence_required():  # files cannot come by Excel: 请补充佐证材料
            missing_files.notify(list(ids.values()))
        if data is not None:
            batch.stored_file = _keep_file(batch, data)
        audit.record(audit.CREATE, object_type="UploadBatch", object_id=str(batch.id),
                     object_repr=batch.filename,
                     detail=f"{batch.total} rows: {batch.passed} passed, {batch.failed} failed, "
                            f"{batch.duplicates} duplicates")
    return batch, ids


def unmatched_detail_rows(batch: UploadBatch) -> list[dict]:
    """Detail rows whose credit code is in no record of the main sheet (SPEC §11)."""
    return _batch_details.unmatched_detail_rows(batch.failures)


def check_rows(activity: ReportingActivity, rows: list[tuple[int, list]], columns: dict[int, str],
               region: str, progress: Progress | None = None,
               details: _batch_details.Details | None = None
               ) -> tuple[list[dict], list[tuple[dict, dict, list]], dict[int, dict]]:
    """Verdicts for every (row number, cells) (SPEC §11 form), the accepted rows as
    (verdict, values, findings) and their detail rows as stored, by row number; ``columns``
    says which field each cell position holds. Where the activity asks for detail tables,
    ``details`` holds each record's rows (none given: every record has none)."""
    validator = reporting.validator_for(activity)
    asked = activity.asked_tables()
    checker, checked = None, None
    if asked:
        details = details or _batch_details.Details([{}] * len(rows))
        checker = _batch_details.Checker(asked, activity.data_year, activity.required_tables(),
                                         details.title)
        columns, checked, width = _batch_details.with_counts(checker, rows, columns,
                                                             details.per_record)
        details.per_record = []  # each record's Checked holds its own now
    normalized = validator.normalize_rows([cells for _n, cells in rows], columns)
    if asked:
        for _number, cells in rows:
            del cells[width:]  # the derived counts again, the cells as they came
    counts: dict[str, int] = {}
    for values, _f, _n, _u in normalized:
        if values.get("uscc"):
            counts[values["uscc"]] = counts.get(values["uscc"], 0) + 1
    index = SimilarityIndex()
    existing = db.session.execute(
        select(Submission.id, *[getattr(Submission, k) for k in NUMERIC_KEYS])
        .where(Submission.activity_id == activity.id, Submission.status.notin_(_CLOSED)))
    for row in existing:
        index.add(("db", row[0]), dict(zip(NUMERIC_KEYS, row[1:], strict=True)))
    for i, (values, _f, _n, _u) in enumerate(normalized):
        index.add(i, values)
    last_year = _last_year_revenue(activity, [v.get("uscc") for v, *_ in normalized])
    revoked = reporting.revoked_usccs(activity, [v.get("uscc") for v, *_ in normalized])
    verdicts, accepted, rows_of = [], [], {}
    total = len(rows)
    for i, ((number, _raw), (values, findings, _notes, unusable)) in enumerate(
            zip(rows, normalized, strict=True)):
        uscc = values.get("uscc")
        findings = list(findings)
        if uscc and counts[uscc] > 1:
            findings.append(_finding(DUP_IN_FILE, ("uscc",),
                                     "同一企业在本文件中出现了多次：请只保留一行。",
                                     "The same enterprise appears more than once in this file: "
                                     "keep one row."))
        county = values.get("region_code")
        if county and not contains(region, county):
            findings.append(_finding(OUT_OF_AREA, ("region_code",),
                                     "该企业不在您的管辖地区，不能由您上传。",
                                     "This enterprise is outside your area; you cannot upload it."))
            unusable = unusable | {"region_code"}
        derived = {"similar_figures": index.similar_figures(i),
                   "last_year_revenue": last_year.get(uscc),
                   "revoked_registration": uscc in revoked}
        findings += validator.run_rules(values, unusable, derived)
        mine = checked[i] if checked else None
        if mine is not None:
            findings += mine.findings
        errors = [f for f in findings if f.severity != "weak"]
        warnings = [f for f in findings if f.severity == "weak"]
        codes = [f.rule for f in errors if f.__class__ is not DetailFinding]
        if mine is not None and mine.findings:  # each table's code once, however many rows
            codes += dict.fromkeys(f.rule for f in mine.findings)
        verdict = {"row": number, "uscc": uscc or "", "status": FAILED if errors else PASSED,
                   "errors": codes, "warnings": [f.rule for f in warnings]}
        if mine is not None:
            verdict["detail_errors"] = _batch_details.detail_errors(mine, checker)
        if errors:
            verdict["_errors"] = [_error_dict(f) for f in errors]
            if mine is not None and mine.rows:
                verdict["_details"] = _batch_details.rows_as_given(mine)
        else:
            accepted.append((verdict, values, findings))
            if mine is not None:
                rows_of[number] = mine.stored()
        if mine is not None:
            checked[i] = None  # what the record needs is in its verdict or rows_of now
        verdicts.append(verdict)
        if progress and (i + 1) % 500 == 0:
            progress(i + 1, total)
    if progress:
        progress(total, total)
    return verdicts, accepted, rows_of


def _error_dict(f: Finding) -> dict:
    error = {"rule": f.rule, "fields": list(f.fields), "zh": f.message_zh, "en": f.message_en}
    if f.__class__ is DetailFinding:  # where in which sheet, for the failure report
        error.update(table=f.table, sheet_row=f.row, column=f.column)
    return error


def _last_year_revenue(activity: ReportingActivity, usccs: list) -> dict[str, float]:
    from app.models import ReportingActivity as Activity

    wanted = [u for u in usccs if u]
    found: dict[str, float] = {}
    for condition in among(Enterprise.uscc, wanted):
        rows = db.session.execute(
            select(Enterprise.uscc, Submission.revenue)
            .join(Submission, Submission.enterprise_id == Enterprise.id)
            .join(Activity, Submission.activity_id == Activity.id)
            .where(condition, Activity.data_year == activity.data_year - 1,
                   Submission.status.notin_((workflow.DRAFT, *_CLOSED))))
        found.update({uscc: revenue for uscc, revenue in rows if revenue is not None})
    return found


def _keep_file(batch: UploadBatch, data: bytes) -> str:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "batches"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{batch.id}-{batch.file_sha256[:16]}.xlsx"
    (folder / name).write_bytes(data)
    return name


@jobs.handler("batch_import")
def run_import_job(payload: dict, progress: Progress) -> dict:
    """A large upload, run by services.jobs in a worker or thread."""
    from flask import g

    from app.models import AppUser

    user = db.session.get(AppUser, payload["user_id"])
    activity = db.session.get(ReportingActivity, payload["activity_id"])
    path = Path(payload["path"])
    g.user = user  # scope, audit and review records as the uploader
    try:
        batch = import_workbook(activity, user, payload["filename"], path.read_bytes(), progress)
    finally:
        path.unlink(missing_ok=True)
    return {"batch_id": batch.id, "passed": batch.passed, "failed": batch.failed}


def start_import_job(activity: ReportingActivity, user, filename: str, data: bytes):
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()}-{dt.datetime.now():%H%M%S%f}.xlsx"
    path.write_bytes(data)
    return jobs.start("batch_import", f"{activity.name}：{filename}", user.id, {
        "activity_id": activity.id, "user_id": user.id, "filename": filename, "path": str(path)})

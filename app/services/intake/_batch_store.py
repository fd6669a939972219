"""Storing the accepted rows of a batch: enterprises, submissions, review records.

Part of services.batch (which calls ``store`` inside its one transaction). New rows go
in through services.bulk as tuples; the per-row JSON (provenance, findings) is encoded
here with caches, because most rows share the same filled fields and the same findings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import partial
from operator import is_, itemgetter

from sqlalchemy import JSON, select

from app.domain import workflow
from app.domain.records import fields as F
from app.domain.records.details import TABLES
from app.extensions import db
from app.models import Enterprise, ReportingActivity, ReviewRecord, Submission, UploadBatch
from app.services.intake.details import DETAILS
from app.services.platform import notifications
from app.services.platform.bulk import among, fast_json, insert_rows
from app.services.review import workflow as workflow_service

DUP_IN_ACTIVITY = "DUP:activity"
_CLOSED = (workflow.MERGED, workflow.REJECTED)
_is_none = partial(is_, None)
COLUMNS_ENCODED = ("provenance", "findings")
UPDATE_SLICE = 2000  # rows whose existing records are loaded, changed and flushed together


def store(activity: ReportingActivity, batch: UploadBatch, accepted: list, level: str,
          user, details: dict[int, dict] | None = None, derived: set[str] = frozenset()
          ) -> tuple[int, dict[int, int]]:
    """Create or update submissions for the accepted rows: (duplicates, {row: submission id}).
    ``details``: each row's detail rows as stored (activities that ask for tables), by row
    number; ``derived``: the counts those rows give (their provenance is the rows)."""
    if not accepted:
        return 0, {}
    target = workflow.status_after_upload(activity.review_chain, level,
                                          activity.province_uploads_reviewed)
    usccs = [values["uscc"] for _v, values, _f in accepted]
    enterprises = _enterprises(usccs, accepted)
    who = (getattr(user, "id", None), getattr(user, "username", None))
    now = dt.datetime.now()
    keys = list(accepted[0][1])
    derived = set(derived) & set(keys)
    row_of = _RowEncoder(keys, batch.channel, derived)
    columns = [*keys, *row_of.columns, "enterprise_id", "status",
               *(("details",) if details is not None else ())]
    new_rows, new_numbers, new_keys, duplicates, ids = [], [], [], 0, {}
    # Records already in the activity are changed through the ORM (field-level audit,
    # review records), a slice at a time: a corrected re-upload of a whole file would
    # otherwise hold every record as an object at once (docs/PERFORMANCE.md).
    for start in range(0, len(accepted), UPDATE_SLICE):
        part = accepted[start:start + UPDATE_SLICE]
        present = _present(activity, [enterprises[v["uscc"]] for _r, v, _f in part])
        for verdict, values, findings in part:
            enterprise_id = enterprises[values["uscc"]]
            here = present.get(enterprise_id)
            mine = [s for s in here if s.channel == batch.channel and s.created_by_id == who[0]
                    and s.status in (target, *workflow.RETURNED_STATES)] if here else None
            if mine:  # the uploader corrects its own earlier row
                submission = mine[0]
                changed = columns_of(values, findings, batch.channel, derived)
                if details is not None:
                    changed["details"] = keep_uids(submission.details, details[verdict["row"]])
                for key, value in changed.items():
                    if getattr(submission, key) != value:  # unchanged values stay unmarked
                        setattr(submission, key, value)
                submission.batch_id = batch.id
                if submission.status != target:
                    workflow_service.move(submission, target, workflow.UPLOAD, batch.filename, who)
                ids[verdict["row"]] = submission.id
                continue
            status = target
            if here:
                status = workflow.DUPLICATE
                duplicates += 1
                verdict["warnings"].append(DUP_IN_ACTIVITY)
                for other in here:
                    workflow_service.flag_duplicate(
                        other, f"批量上传批次 {batch.id} 中有同一企业的记录", who)
            new_numbers.append(verdict["row"])
            new_keys.append((enterprise_id, status, values["region_code"]))
            new_rows.append(row_of(values, findings) + (enterprise_id, status) + (
                (fast_json(details[verdict["row"]]),) if details is not None else ()))
        if present:
            db.session.flush()  # the slice's changes, inside the batch's one transaction
            for submissions in present.values():
                for submission in submissions:
                    db.session.expunge(submission)
    if new_rows:
        # Detail rows are JSON text already, with orjson: tens of thousands of rows cost
        # the standard encoder a second (they read back the same, docs/PERFORMANCE.md).
        encoded = (*row_of.encoded, *(("details",) if details is not None else ()))
        insert_rows(Submission.__table__, columns, new_rows, encoded=encoded, constants={
            "activity_id": activity.id, "channel": batch.channel, "batch_id": batch.id,
            "submitted_at": now, "created_by_id": who[0], "changed_by_id": who[0]})
        # Reading the ids back costs less than RETURNING over many rows (one row per
        # enterprise in a batch: duplicates in a file fail).
        created = dict(db.session.execute(
            select(Submission.enterprise_id, Submission.id)
            .where(Submission.batch_id == batch.id)).all())
        comment = batch.filename[:200]
        insert_rows(ReviewRecord.__table__, ("submission_id", "to_status"),
                    [(created[enterprise_id], status) for enterprise_id, status, _c in new_keys],
                    constants={"action": workflow.UPLOAD, "from_status": None, "comment": comment,
                               "user_id": who[0], "username": who[1], "created_at": now})
        ids.update((number, created[enterprise_id])
                   for number, (enterprise_id, _s, _c) in zip(new_numbers, new_keys, strict=True))
        notifications.new_in_queue([(status, county) for _e, status, county in new_keys])
    return duplicates, ids


def _present(activity: ReportingActivity, enterprise_ids: list[int]) -> dict[int, list]:
    """The activity's open records of these enterprises, by enterprise."""
    present: dict[int, list[Submission]] = {}
    for among_ids in among(Submission.enterprise_id, enterprise_ids):
        for submission in db.session.execute(select(Submission).where(
                Submission.activity_id == activity.id, among_ids,
                Submission.status.notin_(_CLOSED))).scalars():
            present.setdefault(submission.enterprise_id, []).append(submission)
    return present


def _enterprises(usccs: list[str], accepted: list) -> dict[str, int]:
    known = _ids_of_usccs(usccs)
    new = [(values["uscc"], values["name"], values["region_code"])
           for _v, values, _f in accepted if values["uscc"] not in known]
    if new:
        insert_rows(Enterprise.__table__, ("uscc", "name", "region_code"), new)
        known.update(_ids_of_usccs([row[0] for row in new]))
    return known


def _ids_of_usccs(usccs: list[str]) -> dict[str, int]:
    known: dict[str, int] = {}
    for condition in among(Enterprise.uscc, usccs):
        known.update(db.session.execute(
            select(Enterprise.uscc, Enterprise.id).where(condition)).all())
    return known


def columns_of(values: dict, findings: list, channel: str, derived: set[str] = frozenset()
               ) -> dict:
    """A submission's columns for checked values, as objects (for the ORM); ``derived``
    counts came from detail rows."""
    warnings = [f for f in findings if f.severity == "weak"]
    return {
        **values,
        "provenance": {key: DETAILS if key in derived else channel
                       for key, value in values.items() if value is not None},
        "findings": [_finding_dict(f) for f in findings],
        "error_count": 0,
        "warning_count": len(warnings),
        "warning_rules": " ".join(sorted({f.rule for f in warnings})) or None,
        "draft_inputs": None,
    }


def _finding_dict(f) -> dict:
    return {"rule": f.rule, "severity": f.severity, "fields": list(f.fields),
            "zh": f.message_zh, "en": f.message_en}


class _RowEncoder:
    """``columns_of`` as a tuple, with provenance and findings already JSON text.

    The text is exactly ``json.dumps`` of the objects ``columns_of`` builds (what the
    ORM would store); the caches key it by which fields are empty, by finding, and by
    the options chosen in list fields (lists of strings, from the normalizer).
    """

    COLUMNS = ("provenance", "findings", "error_count", "warning_count", "warning_rules",
               "draft_inputs")

    def __init__(self, keys: list[str], channel: str, derived: set[str] = frozenset()):
        self.keys = keys
        self.channel = channel
        self.derived = derived
        self.values_of = itemgetter(*keys) if len(keys) > 1 else (lambda v: (v[keys[0]],))
        self.lists = [i for i, key in enumerate(keys)
                      if isinstance(Submission.__table__.c[key].type, JSON)]
        self.encoded = (*COLUMNS_ENCODED, *(keys[i] for i in self.lists))
        # The plain-text copy of the qualifications (what the ORM's listener keeps)
        self.option_set = keys.index("qualifications") if "qualifications" in keys else None
        self.columns = (*self.COLUMNS, *(("qualification_set",) if self.option_set is not None
                                         else ()))
        self.option_sets: dict = {}
        self.json: dict = {None: "null"}
        self.provenance: dict[tuple, str] = {}
        self.findings: dict = {}
        self.rules: dict[tuple, tuple[int, str | None]] = {}

    def __call__(self, values: dict, findings: list) -> tuple:
        row = self.values_of(values)
        empty = tuple(map(_is_none, row))
        extra = ()
        if self.option_set is not None:
            chosen = row[self.option_set]
            key = tuple(chosen) if chosen.__class__ is list else chosen
            text = self.option_sets.get(key, _is_none)
            if text is _is_none:
                text = self.option_sets[key] = F.option_set(chosen)
            extra = (text,)
        if self.lists:
            row = list(row)
            for i in self.lists:
                value = row[i]
                key = tuple(value) if value.__class__ is list else value
                text = self.json.get(key)
                if text is None:
                    text = self.json[key] = json.dumps(value)
                row[i] = text
            row = tuple(row)
        provenance = self.provenance.get(empty)
        if provenance is None:
            provenance = self.provenance[empty] = json.dumps(
                {key: DETAILS if key in self.derived else self.channel
                 for key, none in zip(self.keys, empty, strict=True) if not none})
        parts = []
        for finding in findings:
            text = self.findings.get(finding)
            if text is None:
                text = self.findings[finding] = json.dumps(_finding_dict(finding))
            parts.append(text)
        weak = tuple(f.rule for f in findings if f.severity == "weak")
        counts = self.rules.get(weak)
        if counts is None:
            counts = self.rules[weak] = (len(weak), " ".join(sorted(set(weak))) or None)
        return row + (provenance, "[" + ", ".join(parts) + "]", 0, counts[0], counts[1],
                      None) + extra


def keep_uids(before: Mapping[str, list] | None, after: dict[str, list[dict]]) -> dict:
    """A re-uploaded record keeps the uids of rows it had (so files attached to a row stay
    with it): the same row, else the same number."""
    if not before:
        return after
    for key, rows in after.items():
        old = [r for r in before.get(key) or [] if isinstance(r, dict)]
        if not old:
            continue
        unique = TABLES[key].unique
        same = {_content(r): r.get("uid") for r in old}
        by_number = {r.get(unique): r.get("uid") for r in old if unique and r.get(unique)}
        taken = set()
        for row in rows:
            uid = same.get(_content(row)) or (by_number.get(row.get(unique)) if unique else None)
            if uid and uid not in taken:
                row["uid"] = uid
                taken.add(uid)
    return after


def _content(row: Mapping) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in row.items() if k != "uid"))

"""Financing needs (科技金融): an enterprise keeps its need current after submission without
reopening its data; officials and banks list the needs in their scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.models import ReportingActivity, Submission
from app.models.reporting import ACTIVITY_OPEN
from app.services.intake import reporting

# The fields that state the need; the other finance fields are reported data (points use them).
NEED_FIELDS = ("needs_financing", "financing_need_amount", "financing_need_types",
               "intended_banks", "financing_purpose", "other_financial_needs")


class NeedError(BilingualError):
    """The need cannot be changed; nothing was saved."""


def may_update_need(submission: Submission) -> bool:
    """After submission the form is closed; the need stays the enterprise's to keep current."""
    return submission.status not in (workflow.DRAFT, *workflow.RETURNED_STATES)


def update_need(submission: Submission, raw: dict[str, Any]) -> list:
    """Check the need fields as the form does and save them; returns the problems found
    (nothing is saved when there are any)."""
    if not may_update_need(submission):
        raise NeedError("尚未提交的填报请直接在填报表中修改融资需求。",
                        "Before submission, change the need in the report form itself.")
    validator = reporting.validator_for(submission.activity)
    current = {key: getattr(submission, key) for key in REGISTRY.keys()
               if hasattr(submission, key)}
    given = {key: raw.get(key) for key in NEED_FIELDS}
    if given.get("needs_financing") in (False, "否", "false", "0"):
        given.update(financing_need_amount=None, financing_need_types=None, intended_banks=None)
    values, findings, _notes, _unusable = validator.normalize({**current, **given})
    problems = [f for f in findings if f.fields and f.fields[0] in NEED_FIELDS]
    if problems:
        return problems
    for key in NEED_FIELDS:
        setattr(submission, key, values.get(key))
    db.session.commit()  # the audit log keeps the before and after of every field
    return []


def latest_submitted(enterprise_id: int) -> Submission | None:
    """The enterprise's most recent submitted report: the one its need belongs to — in an
    open activity first (a record of an archived earlier year may have been entered later),
    then the latest."""
    open_first = case((ReportingActivity.status == ACTIVITY_OPEN, 0), else_=1)
    return db.session.execute(select(Submission).join(
        ReportingActivity, ReportingActivity.id == Submission.activity_id).where(
        Submission.enterprise_id == enterprise_id,
        Submission.status.not_in((workflow.DRAFT, *workflow.RETURNED_STATES)))
        .order_by(open_first, Submission.id.desc())
        .limit(1)).scalar_one_or_none()

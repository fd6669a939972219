"""Records still lacking required evidence files (佐证材料, SPEC §12.2), counted for many
records at once: the lists show "缺少佐证材料 N 项" beside each record of a page, and the
enterprise is told (请补充佐证材料) when its records come in without them.

Files never come by Excel or the API, so every uploaded record of an activity that requires
files starts without them. What a record lacks is ``attachments.missing``'s rule; here it is
applied with one query for the attachments of all the records asked about.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, ReportingActivity, Submission
from app.services.evidence import attachments
from app.services.platform import notifications
from app.services.platform.bulk import among


def lacking(submissions: Iterable) -> dict[int, list[str]]:
    """What each record still lacks (``attachments.missing``'s keys), by record id, for
    records whose activity requires files; records of other activities are left out.
    ``submissions`` need ``id``, ``activity`` and ``details``."""
    asking = [s for s in submissions if s.activity is not None
              and s.activity.evidence_required()]
    if not asking:
        return {}
    files: dict[int, list] = {s.id: [] for s in asking}
    for condition in among(Attachment.submission_id, list(files)):
        for row in db.session.execute(select(
                Attachment.submission_id, Attachment.field, Attachment.detail_table,
                Attachment.detail_uid).where(condition)):
            files[row.submission_id].append(row)
    return {s.id: attachments.missing(s, files[s.id]) for s in asking}


def counts(submissions: Iterable) -> dict[int, int]:
    """How many required files each record lacks (records lacking none left out)."""
    return {pk: len(keys) for pk, keys in lacking(submissions).items() if keys}


def _records(given: list) -> list:
    """Submissions given as objects stay as they are; ids are read with only what the
    count and the message need."""
    objects = [s for s in given if not isinstance(s, int)]
    ids = [s for s in given if isinstance(s, int)]
    if not ids:
        return objects
    activity_ids: set[int] = set()
    for condition in among(Submission.id, ids):
        activity_ids |= set(db.session.execute(
            select(Submission.activity_id).where(condition).distinct()).scalars())
    activities = {a.id: a for a in db.session.execute(select(ReportingActivity).where(
        ReportingActivity.id.in_(activity_ids))).scalars() if a.evidence_required()} \
        if activity_ids else {}
    if not activities:
        return objects
    for condition in among(Submission.id, ids):
        for row in db.session.execute(select(
                Submission.id, Submission.activity_id, Submission.enterprise_id,
                Submission.created_by_id, Submission.details).where(
                condition, Submission.activity_id.in_(list(activities)))):
            objects.append(SimpleNamespace(
                id=row.id, activity_id=row.activity_id, activity=activities[row.activity_id],
                enterprise_id=row.enterprise_id, created_by_id=row.created_by_id,
                details=row.details))
    return objects


def notify(submissions: Iterable) -> int:
    """Tell the enterprises (or the uploaders of records whose enterprise has no account)
    whose records still lack required files: 请补充佐证材料. ``submissions`` are records
    or their ids (a batch's new records: ``notify(ids)``). Returns the messages written;
    the caller commits."""
    records = _records(list(submissions))
    found = counts(records)
    return notifications.evidence_missing([(s, found[s.id]) for s in records if s.id in found])

"""The only code that changes a submission's status; every change writes a review record.

The review issue adds the reviewers' actions here.
"""

from __future__ import annotations

from flask import g, has_request_context

from app.domain import workflow
from app.extensions import db
from app.models import ReviewRecord, Submission


def actor() -> tuple[int | None, str | None]:
    user = getattr(g, "user", None) if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username
    return None, None


def record(submission: Submission, action: str, from_status: str | None,
           comment: str | None = None, user: tuple[int | None, str | None] | None = None):
    user_id, username = user or actor()
    db.session.add(ReviewRecord(submission=submission, action=action, from_status=from_status,
                                to_status=submission.status, comment=comment,
                                user_id=user_id, username=username))


def move(submission: Submission, to_status: str, action: str, comment: str | None = None,
         user: tuple[int | None, str | None] | None = None) -> None:
    """Change the status and write who did it; the caller commits."""
    previous = submission.status
    submission.status = to_status
    record(submission, action, previous, comment, user)


def submit(submission: Submission, chain: str) -> None:
    move(submission, workflow.status_after_submit(submission.status, chain), "submit")


def flag_duplicate(submission: Submission, comment: str,
                   user: tuple[int | None, str | None] | None = None) -> bool:
    """Another channel brought the same enterprise: hold the record for the province."""
    if submission.status not in workflow.IN_REVIEW:
        return False
    move(submission, workflow.DUPLICATE, "duplicate", comment, user)
    return True

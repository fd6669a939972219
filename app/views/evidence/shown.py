"""What a page shows of a record's evidence files: grouped by what they belong to — a field's
key, or ``table:uid`` for a detail row (the keys ``attachments.missing`` names)."""

from __future__ import annotations

from app.services.evidence import attachments
from app.views.evidence.files import described


def files_of(submission_id: int) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in attachments.of_submission(submission_id):
        key = row.field or f"{row.detail_table}:{row.detail_uid}"
        grouped.setdefault(key, []).append(described(row))
    return grouped

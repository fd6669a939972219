import datetime as dt

from flask import g, has_request_context
from sqlalchemy import Column, DateTime, Integer


def _current_user_id():
    user = getattr(g, "user", None) if has_request_context() else None
    return getattr(user, "id", None) if user is not None and user.is_authenticated else None


class TrackedMixin:
    """When and by whom a row was created and last changed.

    Unlike FAB's AuditMixin the user may be empty (rows also come from the
    CLI, imports and APIs) and is not a foreign key: users carry foreign keys
    to enterprises and banks, and a key back would make the tables a cycle.
    The audit log keeps the full story.
    """

    created_on = Column(DateTime, default=dt.datetime.now, nullable=False)
    changed_on = Column(DateTime, default=dt.datetime.now, onupdate=dt.datetime.now,
                        nullable=False)
    created_by_id = Column(Integer, default=_current_user_id)
    changed_by_id = Column(Integer, default=_current_user_id, onupdate=_current_user_id)

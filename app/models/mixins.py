import datetime as dt

from flask import g, has_request_context
from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import declared_attr


def _current_user_id():
    user = getattr(g, "user", None) if has_request_context() else None
    return getattr(user, "id", None) if user is not None and user.is_authenticated else None


class TrackedMixin:
    """When and by whom a row was created and last changed. Unlike FAB's
    AuditMixin the user may be empty: rows also come from the CLI, imports and APIs."""

    created_on = Column(DateTime, default=dt.datetime.now, nullable=False)
    changed_on = Column(DateTime, default=dt.datetime.now, onupdate=dt.datetime.now,
                        nullable=False)

    @declared_attr
    def created_by_fk(cls):
        return Column(Integer, ForeignKey("ab_user.id"), default=_current_user_id)

    @declared_attr
    def changed_by_fk(cls):
        return Column(Integer, ForeignKey("ab_user.id"), default=_current_user_id,
                      onupdate=_current_user_id)

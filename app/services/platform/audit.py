"""The audit log: who did what, when, from where.

Changes to domain objects (classes with ``__audited__ = True``) are captured
by a session hook in the same transaction as the change itself, field by
field, so a change can never be committed without its audit row. Logins,
exports and downloads are recorded by calling ``record``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.audit import AuditLog

LOGIN, LOGIN_FAILED, LOGIN_LOCKED, LOGOUT = "login", "login_failed", "login_locked", "logout"
CREATE, UPDATE, DELETE = "create", "update", "delete"
EXPORT, DOWNLOAD, PASSWORD_CHANGE = "export", "download", "password_change"

# Book-keeping columns whose change is not an event worth recording.
_IGNORED_FIELDS = frozenset(
    {
        "created_on", "changed_on", "created_by_fk", "changed_by_fk", "created_by_id",
        "changed_by_id", "last_login",
        "login_count", "fail_login_count", "locked_until",
        "qualification_set",  # a copy of qualifications, whose change is recorded
    }
)


def _actor() -> tuple[int | None, str | None, str | None]:
    user = getattr(g, "user", None) if has_request_context() else None
    ip = request.remote_addr if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username, ip
    if not has_request_context():
        return None, "system", None
    return None, None, ip


def _row(action: str, **fields: Any) -> dict:
    user_id, username, ip = _actor()
    row = {
        "created_at": dt.datetime.now(),
        "user_id": user_id,
        "username": username,
        "ip": ip,
        "action": action,
        "object_type": None,
        "object_id": None,
        "object_repr": None,
        "changes": None,
        "detail": None,
    }
    row.update({k: v for k, v in fields.items() if v is not None})
    if row["object_repr"]:
        row["object_repr"] = str(row["object_repr"])[:255]
    if row["detail"]:
        row["detail"] = str(row["detail"])[:500]
    return row


def record(action: str, *, commit: bool = False, **fields: Any) -> None:
    """Add an audit row to the current transaction (and commit it when asked:
    authentication events happen outside any other unit of work)."""
    if "username" in fields and fields["username"] is None:
        fields.pop("username")
    row = _row(action, **fields)
    db.session.execute(AuditLog.__table__.insert(), [row])
    if commit:
        db.session.commit()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return sorted(str(v) for v in value)
    return str(value)


def _changes(obj: Any, action: str) -> dict[str, list]:
    state = inspect(obj)
    redacted = getattr(obj, "__audit_redacted__", frozenset())
    changes: dict[str, list] = {}
    attrs = state.mapper.column_attrs
    if action == UPDATE:  # only what was set since loading can have changed
        unmodified = state.unmodified
        attrs = [attr for attr in attrs if attr.key not in unmodified]
    for attr in attrs:
        key = attr.key
        if key in _IGNORED_FIELDS:
            continue
        history = state.attrs[key].history
        if action == CREATE:
            before, after = None, getattr(obj, key)
        elif action == DELETE:
            before, after = getattr(obj, key), None
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
        else:
            continue
        if before == after or (action == CREATE and after is None):
            continue
        if key in redacted:
            before, after = ("***" if before else None), "***"
        changes[key] = [_plain(before), _plain(after)]
    for rel in state.mapper.relationships:
        if not rel.uselist or rel.key not in state.attrs:
            continue
        history = state.attrs[rel.key].history
        if action == UPDATE and history.has_changes():
            kept = list(history.unchanged)
            changes[rel.key] = [
                _plain(kept + list(history.deleted)),
                _plain(kept + list(history.added)),
            ]
    return changes


def _on_after_flush(session: Session, _flush_context) -> None:
    rows = []
    pending = ((CREATE, session.new), (UPDATE, session.dirty), (DELETE, session.deleted))
    for action, objects in pending:
        for obj in objects:
            if not getattr(type(obj), "__audited__", False):
                continue
            if action == UPDATE and not session.is_modified(obj):
                continue
            changes = _changes(obj, action)
            if action == UPDATE and not changes:
                continue
            # New rows have no identity key yet during the flush; read their primary key.
            identity = inspect(obj).mapper.primary_key_from_instance(obj)
            rows.append(
                _row(
                    action,
                    object_type=type(obj).__name__,
                    object_id=",".join(str(i) for i in identity if i is not None) or None,
                    object_repr=repr(obj),
                    changes=changes,
                )
            )
    if rows:
        # Core insert on the flush's own connection: same transaction, no re-flush.
        session.connection().execute(AuditLog.__table__.insert(), rows)


def install() -> None:
    if not event.contains(Session, "after_flush", _on_after_flush):
        event.listen(Session, "after_flush", _on_after_flush)

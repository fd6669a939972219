
from flask_babel import lazy_gettext as _l

from app.models import AuditLog
from app.views.base import AppModelView
from app.views.filters import ListInterface

ACTION_LABELS = {
    "login": _l("Login"),
    "login_failed": _l("Failed login"),
    "login_locked": _l("Login refused: account locked"),
    "logout": _l("Logout"),
    "create": _l("Create"),
    "update": _l("Update"),
    "delete": _l("Delete"),
    "export": _l("Export"),
    "download": _l("Download"),
    "password_change": _l("Password change"),
}


def _action_label(action):
    return str(ACTION_LABELS.get(action, action))


def _shown(value):
    return "—" if value is None else str(value)


def _changes_text(changes):
    if not changes:
        return ""
    return "; ".join(f"{field}: {_shown(old)} → {_shown(new)}"
                     for field, (old, new) in changes.items())


def _time(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


class AuditLogView(AppModelView):
    """Read-only: there is no add, edit or delete for anyone."""

    datamodel = ListInterface(AuditLog)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = show_title = _l("Audit log")
    list_columns = ["created_at", "username", "ip", "action", "object_type", "object_repr",
                    "changes"]
    show_columns = ["created_at", "username", "user_id", "ip", "action", "object_type",
                    "object_id", "object_repr", "changes", "detail"]
    search_columns = ["created_at", "username", "action", "object_type", "object_id", "ip"]
    label_columns = {
        "created_at": _l("Time"),
        "username": _l("User"),
        "user_id": _l("User id"),
        "ip": _l("IP address"),
        "action": _l("Action"),
        "object_type": _l("Object type"),
        "object_id": _l("Object id"),
        "object_repr": _l("Object"),
        "changes": _l("Changes (before → after)"),
        "detail": _l("Detail"),
    }
    formatters_columns = {
        "action": _action_label,
        "changes": _changes_text,
        "created_at": _time,
        "ip": lambda ip: ip or "",
    }
    base_order = ("id", "desc")
    page_size = 50

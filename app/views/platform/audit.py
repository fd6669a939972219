
from flask_babel import lazy_gettext as _l

from app.domain.records.fields import REGISTRY
from app.i18n import current_language
from app.models import AuditLog
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface

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


# What was acted on, by the names the menus use (the log keeps the model's class name).
OBJECT_TYPE_LABELS = {
    "AppUser": _l("User"), "ApiClient": _l("API key"), "Bank": _l("Financial institution"),
    "Dashboard": _l("Data dashboard"), "Enterprise": _l("Enterprise"),
    "EvaluationProject": _l("Evaluation project"), "LoanSummary": _l("Loans granted"),
    "RecommendationEntry": _l("Recommended enterprise"),
    "RecommendationList": _l("Recommendation list"), "Reopening": _l("Reopened collection"),
    "ReportingActivity": _l("Reporting activity"), "ScoreRun": _l("Score run"),
    "Submission": _l("Submission"), "SubmissionLetter": _l("Submission letter"),
    "UploadBatch": _l("Upload batch"),
}


def _action_label(action):
    return str(ACTION_LABELS.get(action, action))


def _object_type_label(object_type):
    return str(OBJECT_TYPE_LABELS.get(object_type, object_type or ""))


def _field_label(key: str) -> str:
    return REGISTRY[key].label(current_language()) if key in REGISTRY else key


def _shown(value):
    return "—" if value is None else str(value)


def _changes_text(changes):
    if not changes:
        return ""
    return "; ".join(f"{_field_label(field)}: {_shown(old)} → {_shown(new)}"
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
        "object_type": _object_type_label,
        "changes": _changes_text,
        "created_at": _time,
        "ip": lambda ip: ip or "",
    }
    base_order = ("id", "desc")
    page_size = 50


from flask_babel import lazy_gettext as _l

from app.domain.records.fields import REGISTRY
from app.i18n import current_language
from app.models import AuditLog
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface
from app.views.shell.people import real_name

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
    "NationalBatch": _l("Report batch"), "NationalImport": _l("Ministry file"),
    "NationalPoints": _l("National points"), "Pool": _l("Cultivation pool"),
    "PoolEvaluation": _l("Pool evaluation"), "PoolProposal": _l("Pool proposal"),
    "PoolMembership": _l("Pool membership"), "TagRule": _l("Profile tag rule"),
}


def _action_label(action):
    return str(ACTION_LABELS.get(action, action))


def _object_type_label(object_type):
    return str(OBJECT_TYPE_LABELS.get(object_type, object_type or ""))


# Columns of the audited models that the field registry does not name.
COLUMN_LABELS = {
    "name": _l("Name"), "code": _l("Code"), "status": _l("Status"), "version": _l("Version"),
    "activity_id": _l("Activity"), "run_id": _l("Score run"), "project_id": _l("Project"),
    "programme": _l("Programme"), "rules": _l("Rules"), "definition": _l("Project definition"),
    "province_code": _l("Province"), "region_code": _l("Region"), "enterprises": _l("Enterprises"),
    "created_by": _l("Created by"), "published_by": _l("Published by"),
    "published_at": _l("Published on"), "scored": _l("Scored"), "eligible": _l("Eligible"),
    "passed": _l("Passed"), "cohort_size": _l("Cohort size"), "cohorts": _l("Cohorts"),
    "loan_amount": _l("Loan amount (10k yuan)"), "loan_date": _l("Loan date"),
    "decline_reason": _l("Reason not approved"), "username": _l("Login name"),
    "email": _l("E-mail"), "active": _l("Active"), "first_name": _l("First name"),
    "last_name": _l("Last name"), "data_year": _l("Data year"),
}


def _field_label(key: str) -> str:
    if key in COLUMN_LABELS:
        return str(COLUMN_LABELS[key])
    return REGISTRY[key].label(current_language()) if key in REGISTRY else key


def _shown(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, dict) or (isinstance(value, str) and value[:1] in "{["):
        return str(_l("(changed)"))  # a whole structure (a project's definition): too long
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) if current_language() == "zh" \
            else ", ".join(str(v) for v in value)
    return str(value)


def _changes_text(changes):
    if not changes:
        return ""
    zh = current_language() == "zh"
    colon, separator = ("：", "；") if zh else (": ", "; ")
    return separator.join(f"{_field_label(field)}{colon}{_shown(old)} → {_shown(new)}"
                          for field, (old, new) in changes.items())


def _time(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


class AuditLogView(AppModelView):
    """Read-only: there is no add, edit or delete for anyone."""

    datamodel = ListInterface(AuditLog)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = show_title = _l("Audit log")
    shown_formatters = {"username": real_name}
    quick_filters = ("username", "action", "object_type")
    quick_choices = {"action": lambda: [(k, str(v)) for k, v in ACTION_LABELS.items()],
                     "object_type": lambda: [(k, str(v)) for k, v in OBJECT_TYPE_LABELS.items()]}
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

"""Submissions as bureaus see them: scoped lists, filters, export, the record's page."""

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain import workflow
from app.domain.records import channels
from app.domain.records import fields as F
from app.domain.records.fields import DIMENSIONS, REGISTRY
from app.i18n import Bilingual, current_language, field_header
from app.models import Submission
from app.views.review import missing_evidence
from app.views.shell import names
from app.views.shell.base import InDeploymentProvince, ScopedModelView
from app.views.shell.tags import status_label, status_tag


def action_label(action):
    zh, en = workflow.ACTION_LABELS.get(action, (action, action))
    return zh if current_language() == "zh" else en


def channel_label(channel):
    return channels.channel_label(channel, current_language())


def _list_value(value):
    return "；".join(value) if isinstance(value, list) else value


class SubmissionView(ScopedModelView):
    datamodel = missing_evidence.WithMissingEvidence(Submission)
    base_permissions = ["can_list", "can_show", "can_export", "revoke", "letter", "reopen",
                        "can_reopen_confirm"]
    list_title = _l("Submissions")
    show_title = _l("Submission")
    list_columns = ["name", "uscc", "region", "activity", "status", "warning_count",
                    "error_count", missing_evidence.COLUMN, "submitted_at"]
    # The upload batch by its number (the batch page links here): a select of every batch
    # would grow without end and name other areas' files.
    search_columns = ["name", "uscc", "region", "activity", "batch_id", "status", "warning_rules",
                      "error_count", "warning_count", "submitted_at", "tech_field", "scale",
                      # for the dashboard's links: region prefix, qualification, financing
                      "region_code", "qualifications", "needs_financing"]
    label_columns = {
        **{f.key: field_header(f) for f in REGISTRY},
        "region": _l("Region"), "activity": _l("Activity"), "status": _l("Status"),
        "warning_count": _l("Warnings"), "error_count": _l("Errors"),
        "submitted_at": _l("Submitted at"), "warning_rules": _l("Warning rules"),
        "batch": _l("Upload batch"), "batch_id": _l("Upload batch"),
        "signed_name": _l("Signed by"), "signed_at": _l("Signed at"),
        "signed_ip": _l("Signed from"), "channel": _l("Channel"),
        "commitment_text": _l("Commitment agreed to"),
        missing_evidence.COLUMN: missing_evidence.LABEL,
    }
    show_fieldsets = [
        (_l("Record"), {"fields": ["activity", "status", "channel", "submitted_at",
                                   "error_count", "warning_count", "warning_rules"]}),
        *[(Bilingual(zh, en), {"fields": [f.key for f in REGISTRY.in_dimension(key)]})
          for key, zh, en in DIMENSIONS],
        (_l("Commitment"), {"fields": ["signed_name", "signed_at", "signed_ip",
                                       "commitment_text"]}),
    ]
    formatters_columns = {
        "status": status_label,
        "channel": channel_label,
        "qualifications": _list_value,
        "financing_need_types": _list_value,
        "intended_banks": _list_value,
    }
    shown_formatters = {
        "status": status_tag, "warning_rules": names.rule_titles,
        missing_evidence.COLUMN: missing_evidence.missing_tag,
        "region_code": lambda code: names.region_name(code, full=True),
        # dictionary options in the user's language (stored as the national dictionary)
        **{f.key: (lambda key: lambda value: names.option_label(value, key))(f.key)
           for f in REGISTRY if f.type in (F.ENUM, F.MULTI_ENUM)},
    }
    search_form_query_rel_fields = {"region": [["code", InDeploymentProvince, None]]}
    base_order = ("id", "desc")
    quick_filters = ("name", "uscc", "status", "region", "activity")
    quick_choices = {"status": lambda: [(code, status_label(code))
                                        for code in workflow.STATUSES]}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.order_columns = missing_evidence.without_column(self.order_columns)

    @action("revoke", _l("Revoke approval"), None, "fa-undo")
    def revoke(self, items):
        items = items if isinstance(items, list) else [items]
        return redirect(url_for("ReviewView.decide", action=workflow.REVOKE,
                                ids=",".join(str(i.id) for i in items)))

    @action("letter", _l("Generate a submission letter"), None, "fa-file-pdf-o")
    def letter(self, items):
        """A letter over the selected approved records (of one activity)."""
        items = items if isinstance(items, list) else [items]
        activities = {i.activity_id for i in items}
        if len(activities) != 1:
            flash(_("Choose records of one activity."), "danger")
            return redirect(url_for("SubmissionView.list"))
        return self.render_template("letter_confirm.html", ids=",".join(str(i.id) for i in items),
                                    activity_id=activities.pop(), count=len(items))

    @action("reopen", _l("Reopen collection for these enterprises"), None, "fa-unlock")
    def reopen(self, items):
        items = items if isinstance(items, list) else [items]
        return self.render_template("reopen_confirm.html", count=len(items),
                                    ids=",".join(str(i.id) for i in items))

    @expose("/reopen_confirm", methods=["POST"])
    @has_access
    def reopen_confirm(self):
        import datetime as dt

        from app.i18n import current_language
        from app.services.review import workflow as workflow_service

        ids = [int(i) for i in request.form.get("ids", "").split(",") if i.isdigit()]
        try:
            until = dt.date.fromisoformat(request.form.get("until", ""))
        except ValueError:
            until = None
        try:
            count = workflow_service.reopen(ids, until, request.form.get("reason", ""))
        except workflow_service.ReviewError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("Collection reopened for %(n)d enterprises.", n=count), "success")
        return redirect(url_for("SubmissionView.list"))

    def export_columns(self, filters):
        return ["activity", "status", "warning_rules", *REGISTRY.keys()]

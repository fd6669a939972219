"""待我审核: review queues per level, the record's review page (its detail rows and evidence
files beside the counts they prove, 存疑 per row), and decisions."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain import workflow
from app.domain.records.fields import REGISTRY
from app.i18n import current_language
from app.models import Submission
from app.services.review import workflow as workflow_service
from app.views.review import missing_evidence, record_page
from app.views.review.submissions import (
    SubmissionView,
    action_label,
    channel_label,
    status_label,
)
from app.views.shell.base import ScopedModelView, ScopeFilter


class AtMyLevel(BaseFilter):
    """Records waiting at the current reviewer's level."""

    name = "at my level"

    def apply(self, query, value):
        level = workflow_service.reviewer_level(g.user)
        return query.filter(Submission.status == workflow.STATUS_OF_LEVEL[level])


# What a decision does, said on its confirmation screen and in its dialog.
DECISION_EFFECTS = {
    workflow.APPROVE: _l("Each record moves on to the next level of review, or is approved at "
                         "the last one."),
    workflow.RETURN: _l("Each record goes back to its enterprise (or to the bureau that "
                        "uploaded it) to be corrected, with your reason."),
    workflow.REJECT: _l("Each record is refused and cannot pass in this activity."),
    workflow.REVOKE: _l("Each record's approval is withdrawn: it goes back to provincial "
                        "review."),
}


def _decide_url(ids, action_name):
    return url_for("ReviewView.decide", action=action_name, ids=",".join(str(i) for i in ids))


class ReviewView(ScopedModelView):
    datamodel = missing_evidence.WithMissingEvidence(Submission)
    route_base = "/review"
    base_permissions = ["can_list", "can_show", "can_export", "can_decide", "approve",
                        "send_back", "refuse"]
    base_filters = [["id", ScopeFilter, lambda: None], ["status", AtMyLevel, None]]
    list_title = _l("Awaiting my review")
    list_columns = ["name", "uscc", "region", "activity", "warning_rules", "warning_count",
                    missing_evidence.COLUMN, "submitted_at", "channel"]
    search_columns = SubmissionView.search_columns
    label_columns = SubmissionView.label_columns
    formatters_columns = SubmissionView.formatters_columns
    shown_formatters = {missing_evidence.COLUMN: missing_evidence.missing_tag}
    search_form_query_rel_fields = SubmissionView.search_form_query_rel_fields
    base_order = ("submitted_at", "asc")
    quick_filters = ("name", "uscc", "region", "activity")
    show_label = _l("Review")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.order_columns = missing_evidence.without_column(self.order_columns)

    def export_columns(self, filters):
        return missing_evidence.without_column(super().export_columns(filters))

    @action("approve", _l("Approve"), _l("Approve the selected records?"), "fa-check")
    def approve(self, items):
        items = items if isinstance(items, list) else [items]
        return redirect(_decide_url([i.id for i in items], workflow.APPROVE))

    @action("send_back", _l("Return for correction"), None, "fa-reply")
    def send_back(self, items):
        items = items if isinstance(items, list) else [items]
        return redirect(_decide_url([i.id for i in items], workflow.RETURN))

    @action("refuse", _l("Reject"), None, "fa-ban")
    def refuse(self, items):
        items = items if isinstance(items, list) else [items]
        return redirect(_decide_url([i.id for i in items], workflow.REJECT))

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        """The record with its warnings, what changed since it was returned, and the decision."""
        submission = self.datamodel.get(pk, self._scope_only())
        if submission is None:
            abort(404)
        lang = current_language()
        return self.render_template(
            "review_record.html", submission=submission, lang=lang,
            changes=workflow_service.changes_since_return(submission),
            **record_page.context(submission, lang),
            status_label=status_label, channel_label=channel_label,
            action_label=action_label, registry=REGISTRY,
            can_review=workflow.level_of_status(submission.status)
            == workflow_service.reviewer_level(g.user),
            title=_("Review: %(name)s", name=submission.name or ""))

    def _scope_only(self):
        return self.datamodel.get_filters().add_filter_list([["id", ScopeFilter, lambda: None]])

    @expose("/decide", methods=["GET", "POST"])
    @has_access
    def decide(self):
        """Confirm a decision on one or many records (a reason where one is needed)."""
        action_name = request.values.get("action", "")
        if action_name not in (workflow.APPROVE, workflow.RETURN, workflow.REJECT,
                               workflow.REVOKE):
            abort(400)
        province = workflow_service.reviewer_level(g.user) == "province"
        if action_name == workflow.REVOKE and not province:
            abort(403)
        ids = [int(i) for i in request.values.get("ids", "").split(",") if i.isdigit()]
        if request.method == "POST":
            try:
                outcomes = workflow_service.review(
                    ids, action_name, request.form.get("reason", ""),
                    request.form.getlist("fields"),
                    doubts=record_page.doubts_posted(request.form))
            except workflow_service.ReviewError as error:
                flash(error.message(current_language()), "danger")
                if request.form.get("from_record") and len(ids) == 1:
                    return redirect(url_for("ReviewView.show", pk=ids[0]))
                return redirect(_decide_url(ids, action_name))
            return self.render_template("review_results.html", outcomes=outcomes,
                                        lang=current_language(), title=_("Review results"))
        records = [s for s in (self.datamodel.get(i, self._scope_only()) for i in ids) if s]
        return self.render_template("review_decide.html", records=records, action=action_name,
                                    ids=",".join(str(s.id) for s in records), registry=REGISTRY,
                                    needs_reason=action_name in workflow.NEEDS_REASON,
                                    what=str(DECISION_EFFECTS[action_name]),
                                    verb=action_label(action_name),
                                    lang=current_language(), title=_("Confirm the decision"))

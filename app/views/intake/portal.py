"""The enterprise portal (企业用户): open activities, the reporting form, status and history."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain import workflow
from app.domain.records import channels
from app.domain.records.fields import DIMENSIONS, REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import Bank, Region, ReportingActivity, Submission
from app.security.scope import restrict
from app.services.intake import reporting
from app.views.intake import detail_rows
from app.views.review.submissions import action_label, status_label

PROVENANCE_LABELS = {
    reporting.LAST_YEAR: ("上年数据", "Last year"),
    reporting.THIRD_PARTY: ("第三方数据", "Third-party data"),
    reporting.UPLOAD: channels.CHANNEL_LABELS[channels.UPLOAD],
    reporting.API: channels.CHANNEL_LABELS[channels.API],
}


def _form_fields(activity: ReportingActivity):
    hidden = activity.hidden_fields()
    required = activity.extra_required()
    for key, zh, en in DIMENSIONS:
        fields = [f for f in REGISTRY.in_dimension(key) if f.key not in hidden]
        if fields:
            yield key, (zh if current_language() == "zh" else en), [
                (f, f.required or f.key in required) for f in fields]


def _raw_from_form(activity: ReportingActivity) -> dict:
    raw = {}
    for _key, _label, fields in _form_fields(activity):
        for field, _required in fields:
            if field.type in ("multi_enum", "bank_list"):
                raw[field.key] = [v for v in request.form.getlist(field.key) if v.strip()]
            else:
                raw[field.key] = request.form.get(field.key, "")
    return raw


def _raw_for(submission: Submission) -> dict:
    raw = _raw_from_form(submission.activity)
    if submission.channel == channels.SELF:
        raw["uscc"] = submission.enterprise.uscc  # an enterprise reports under its own code
    return raw


class PortalView(BaseView):
    route_base = "/portal"
    default_view = "index"

    def _enterprise(self):
        enterprise = getattr(g.user, "enterprise", None)
        if enterprise is None:
            flash(_("Your account is not linked to an enterprise. Ask your county bureau."),
                  "warning")
        return enterprise

    def _submission(self, activity_id: int) -> Submission:
        activity = db.session.get(ReportingActivity, activity_id)
        enterprise = self._enterprise()
        if activity is None or enterprise is None or activity.status != "open":
            abort(404)
        submission = reporting.start_submission(activity, enterprise)
        # The same scope as every other screen: an enterprise reaches only its own record.
        query = restrict(select(Submission).where(Submission.id == submission.id), Submission)
        if db.session.execute(query).scalar_one_or_none() is None:
            abort(404)
        return submission

    @expose("/")
    @has_access
    def index(self):
        enterprise = self._enterprise()
        activities = reporting.open_activities()
        mine = {}
        if enterprise is not None:
            rows = db.session.execute(restrict(
                select(Submission).where(Submission.enterprise_id == enterprise.id),
                Submission)).scalars()
            mine = {s.activity_id: s for s in rows}
        return self.render_template("portal/index.html", activities=activities, mine=mine,
                                    enterprise=enterprise, today=dt.date.today(),
                                    status_label=status_label)

    @expose("/activity/<int:activity_id>", methods=["GET", "POST"])
    @has_access
    def form(self, activity_id):
        submission = self._submission(activity_id)
        if request.method == "POST":
            raw = _raw_for(submission)
            rows = detail_rows.rows_from_form(submission.activity)
            try:
                if request.form.get("action") == "submit":
                    reporting.submit(submission, raw, request.form.get("signed_name", ""),
                                     request.form.get("agree") == "yes", rows=rows)
                    flash(_("Submitted. The county bureau will review it; you will see the "
                            "result here."), "success")
                else:
                    result = reporting.save_draft(submission, raw, rows)
                    flash(_("Draft saved.") + (" " + _("Some values could not be read: see "
                                                       "the messages beside the fields.")
                                               if result.errors else ""), "info")
            except reporting.ReportingError as error:
                flash(error.message(current_language()), "danger")
            return redirect(url_for("PortalView.form", activity_id=activity_id))
        return self._render_form(submission)

    @expose("/activity/<int:activity_id>/check", methods=["POST"])
    @has_access
    def check(self, activity_id):
        """Live checks while typing: the same rules as saving and batch upload."""
        submission = self._submission(activity_id)
        raw = _raw_for(submission)
        result = reporting.check(submission, raw, detail_rows.rows_from_form(submission.activity))
        lang = current_language()

        def missing(finding):
            return finding.rule.startswith("F:") and raw.get(finding.fields[0]) in ("", None, [])

        def place(finding):  # a detail row's finding: its table, row and column
            return {key: getattr(finding, key) for key in ("table", "row", "column")
                    if hasattr(finding, "table")}

        derived = {key: result.values.get(key)
                   for key in detail_rows.derived_fields(result.details or {})}
        return jsonify(findings=[{"rule": f.rule, "severity": f.severity,
                                  "fields": list(f.fields), "message": f.message(lang),
                                  "missing": missing(f), **place(f)}
                                 for f in result.findings],
                       notes=[{"field": n.field, "message": n.message_zh if lang == "zh"
                               else n.message_en} for n in result.notes],
                       derived=derived)

    def _render_form(self, submission):
        activity = submission.activity
        lang = current_language()
        editable = submission.status in workflow.EDITABLE_BY_ENTERPRISE
        counties = [(r.code, r.full_label()) for r in db.session.execute(
            select(Region).where(
                Region.level == "county", Region.code.like(f"{activity.province_code}%"))
            .order_by(Region.code)).scalars()]
        banks = [name for (name,) in db.session.execute(select(Bank.name).order_by(Bank.id))]
        return self.render_template(
            "portal/form.html", submission=submission, activity=activity,
            dimensions=list(_form_fields(activity)), editable=editable,
            counties=counties, banks=banks, lang=lang,
            **detail_rows.form_context(submission, lang),
            provenance_labels={k: v[0 if lang == "zh" else 1]
                               for k, v in PROVENANCE_LABELS.items()},
            commitment=reporting.COMMITMENT_ZH if lang == "zh" else reporting.COMMITMENT_EN,
            collecting=activity.collecting(dt.date.today()),
            status_label=status_label, action_label=action_label, value_of=_display_value,
            first_level=status_label(workflow.CHAINS[activity.review_chain][0]),
        )


def _display_value(submission: Submission, field) -> object:
    """What the form shows: what was typed and could not be read, else the stored value."""
    kept = (submission.draft_inputs or {}).get(field.key)
    if kept is not None:
        return kept
    value = getattr(submission, field.key)
    if value is None:
        return ""
    if field.type == "decimal":
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    if field.type == "bool":
        return "是" if value else "否"
    if field.type == "date":
        return value.isoformat()
    return value

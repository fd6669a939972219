"""Reporting activities (province admins edit; bureaus read) and their settings pages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.domain import workflow
from app.domain.records.details import TABLES as DETAIL_TABLES
from app.domain.records.fields import DIMENSIONS, REGISTRY
from app.domain.records.rules import RULES, STRONG
from app.i18n import current_language
from app.models import ReportingActivity
from app.models.reporting import ACTIVITY_STATUSES
from app.services.intake import activities as service
from app.services.intake import third_party
from app.services.platform import audit
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface
from app.views.shell.tags import tag

STATUS_LABELS = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed"),
                 "archived": _l("Archived")}
ACTIVITY_COLOURS = {"draft": "grey", "open": "green", "closed": "orange", "archived": "grey"}


def _chain_label(chain):
    zh, en = workflow.CHAIN_LABELS.get(chain, (chain, chain))
    return zh if current_language() == "zh" else en


class ActivityView(AppModelView):
    datamodel = ListInterface(ReportingActivity)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export",
                        "can_settings", "can_instructions", "can_accounts"]
    show_template = "activity_show.html"
    list_title = _l("Reporting activities")
    show_title = _l("Reporting activity")
    add_title = _l("Create a reporting activity")
    edit_title = _l("Edit reporting activity")
    list_columns = ["name", "data_year", "status", "review_chain", "collection_start",
                    "collection_end"]
    _dates = ["collection_start", "collection_end", "county_review_end", "city_review_end",
              "province_review_end", "submission_end", "scoring_end"]
    add_columns = edit_columns = ["name", "data_year", "review_chain", "status", *_dates,
                                  "instructions"]
    show_columns = ["name", "data_year", "status", "review_chain", *_dates, "instructions",
                    "instruction_filename"]
    search_columns = ["name", "data_year", "status"]
    label_columns = {
        "name": _l("Activity name"), "data_year": _l("Data year"), "status": _l("Status"),
        "review_chain": _l("Review chain"), "collection_start": _l("Collection starts"),
        "collection_end": _l("Collection ends"), "county_review_end": _l("County review ends"),
        "city_review_end": _l("City review ends"),
        "province_review_end": _l("Provincial review ends"),
        "submission_end": _l("Submission ends"), "scoring_end": _l("Scoring ends"),
        "instructions": _l("Instructions"), "instruction_filename": _l("Instruction file"),
    }
    description_columns = {
        "data_year": _l("The year the figures describe, e.g. 2025 for the 2026 activity."),
        "status": _l("Enterprises can report only while the activity is open and within the "
                     "collection period."),
    }
    formatters_columns = {"status": lambda s: str(STATUS_LABELS.get(s, s)),
                          "review_chain": _chain_label}
    shown_formatters = {"status": lambda s: tag(STATUS_LABELS.get(s, s), ACTIVITY_COLOURS.get(s,
                                                                                     "grey"))}
    quick_filters = ("name", "status")
    quick_choices = {"status": lambda: [(k, str(v)) for k, v in STATUS_LABELS.items()]}
    add_form_extra_fields = edit_form_extra_fields = {
        "review_chain": SelectField(_l("Review chain"), choices=[
            (workflow.CHAIN_COUNTY, _l("County → city → province")),
            (workflow.CHAIN_CITY, _l("City → province")),
            (workflow.CHAIN_PROVINCE, _l("Province only"))]),
        "status": SelectField(_l("Status"), choices=[(s, STATUS_LABELS[s])
                                                      for s in ACTIVITY_STATUSES]),
    }
    base_order = ("id", "desc")

    validators_columns = {name: [service.date_order_validator(name)] for name in _dates[1:]}

    def pre_add(self, item):
        item.province_code = current_app.config["PROVINCE_CODE"]

    def post_update(self, item):
        if item.status == "open":
            service.prefill_last_year(item)

    post_add = post_update

    def _activity(self, pk) -> ReportingActivity:
        activity = self.datamodel.get(pk, self._base_filters)
        if activity is None:
            abort(404)
        return activity

    @expose("/settings/<int:pk>", methods=["GET", "POST"])
    @has_access
    def settings(self, pk):
        """Instruction file, targets per region, fields shown and required, detail tables and
        evidence files, rule thresholds, the points enterprises see."""
        activity = self._activity(pk)
        if request.method == "POST":
            part = request.form.get("part")
            try:
                if part == "file":
                    service.store_instruction_file(activity, request.files.get("file"))
                elif part == "targets":
                    service.set_targets(activity, request.form)
                elif part == "fields":
                    service.set_field_settings(activity, request.form)
                elif part == "details":
                    service.set_detail_settings(activity, request.form)
                elif part == "rules":
                    service.set_rule_settings(activity, request.form)
                elif part == "points":
                    service.set_points_settings(activity, request.form)
                elif part == "third_party":
                    upload = request.files.get("file")
                    report = third_party.load(activity, upload.read() if upload else b"")
                    return self.render_template("third_party_report.html", report=report,
                                                activity=activity,
                                                title=_("Third-party data loaded"))
                else:
                    abort(400)
                flash(_("Saved."), "success")
            except (service.SettingsError, third_party.ThirdPartyError) as error:
                flash(error.message(current_language()), "danger")
            return redirect(url_for("ActivityView.settings", pk=pk) + f"#{part}")
        lang = current_language()
        return self.render_template(
            "activity_settings.html", activity=activity, lang=lang,
            regions=service.target_regions(activity),
            targets={t.region_code: t.target for t in activity.targets},
            dimensions=[(k, zh if lang == "zh" else en, REGISTRY.in_dimension(k))
                        for k, zh, en in DIMENSIONS],
            hidden=activity.hidden_fields(), required=activity.extra_required(),
            rules=RULES, strong=STRONG, rule_settings=activity.rule_settings or {},
            detail_tables=[(t, [REGISTRY[c].label(lang) for c in t.derives])
                           for t in DETAIL_TABLES.values()],
            asked_tables=activity.asked_tables(), required_tables=activity.required_tables(),
            evidence_required=activity.evidence_required(),
            title=_("Settings of %(name)s", name=activity.name))

    @expose("/accounts/<int:pk>", methods=["POST"])
    @has_access
    def accounts(self, pk):
        """Accounts for every enterprise of the activity (in the user's area) that has none."""
        from app.services.platform import accounts as account_service
        from app.views.platform.accounts import enterprises_in_activity, render_credentials

        activity = self._activity(pk)
        missing = account_service.enterprises_without_account(enterprises_in_activity(activity.id))
        if not missing:
            flash(_("Every enterprise of this activity in your area has an account."), "info")
            return redirect(url_for("ActivityView.show", pk=pk))
        return render_credentials(self, account_service.create_accounts(missing))

    @expose("/instructions/<int:pk>")
    @has_access
    def instructions(self, pk):
        activity = self._activity(pk)
        path = service.instruction_path(activity)
        if path is None:
            abort(404)
        audit.record(audit.DOWNLOAD, object_type="ReportingActivity", object_id=str(pk),
                     object_repr=activity.instruction_filename, commit=True)
        return send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=activity.instruction_filename or "instructions.pdf")


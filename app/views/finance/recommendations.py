"""Recommendation lists (推荐名单): building, reviewing and publishing them; the bank's
entries and the outcomes it records."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import display, scoring
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import (
    Bank,
    RecommendationEntry,
    RecommendationList,
    Region,
    ScoreRun,
)
from app.models import financing as F
from app.security.scope import restrict
from app.services.finance import recommendations
from app.services.platform import audit
from app.services.platform.excel import xlsx_response
from app.views.shell import names, tags
from app.views.shell.base import ScopedModelView
from app.views.shell.filters import EntryInterface, ListInterface

OUTCOME_LABELS = {F.RECOMMENDED: _l("Recommended"), F.CONTACTED: _l("Contacted"),
                  F.IN_APPROVAL: _l("In approval"), F.GRANTED: _l("Loan granted"),
                  F.DECLINED: _l("Not approved")}
LIST_STATUS = {F.DRAFT: _l("Draft (under review)"), F.PUBLISHED: _l("Published")}
SOURCE_LABELS = {recommendations.PROVINCIAL: _l("Provincial points"),
                 recommendations.NATIONAL: _l("National points")}
SOURCE_COLOURS = {recommendations.PROVINCIAL: "blue", recommendations.NATIONAL: "purple"}
source_tag = tags.labelled_tags(SOURCE_LABELS, SOURCE_COLOURS)


class RecommendationListView(ScopedModelView):
    datamodel = ListInterface(RecommendationList)
    route_base = "/recommendations"
    base_permissions = ["can_list", "can_show", "can_export", "can_build", "can_publish",
                        "can_entries_xlsx"]
    list_title = _l("Recommendation lists")
    list_columns = ["name", "programme", "activity", "points_source", "enterprises", "status",
                    "created_at", "published_at"]
    search_columns = ["name", "programme", "status", "activity", "points_source"]
    label_columns = {"name": _l("Name"), "programme": _l("Programme"),
                     "activity": _l("Activity"), "enterprises": _l("Number of enterprises"),
                     "points_source": _l("Points source"),
                     "status": _l("Status"), "created_at": _l("Created on"),
                     "published_at": _l("Published on")}
    formatters_columns = {"status": lambda v: str(LIST_STATUS.get(v, v)),
                          "points_source": lambda v: str(SOURCE_LABELS.get(v, v)),
                          "programme": names.programme_name}
    shown_formatters = {"status": tags.labelled_tags(
        LIST_STATUS, {F.DRAFT: "grey", F.PUBLISHED: "green"}), "points_source": source_tag}
    quick_filters = ("name", "status", "activity", "points_source")
    quick_choices = {"status": lambda: [(k, str(v)) for k, v in LIST_STATUS.items()],
                     "points_source": lambda: [(k, str(v)) for k, v in SOURCE_LABELS.items()]}
    base_order = ("id", "desc")
    extra_args = {"list_links": [("RecommendationListView.build", _l("Build a list"),
                                  "fa-plus")]}

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        row = self.datamodel.get(pk, self._base_filters)
        if row is None:
            abort(404)
        per_bank = db.session.execute(select(Bank.name, RecommendationEntry.preference,
                                             db.func.count()).join(Bank).where(
            RecommendationEntry.list_id == row.id).group_by(
            Bank.name, RecommendationEntry.preference).order_by(Bank.name)).all()
        rules, project = row.rules or {}, _project_of(row.run)
        return self.render_template(
            "recommendation_list.html", row=row, per_bank=per_bank, status=LIST_STATUS,
            grades=[names.grade_name(grade, project) for grade in rules.get("grades") or []],
            sizes=[names.option_label(size, "scale") for size in rules.get("sizes") or []],
            regions=list(names.region_names(rules.get("regions") or []).values()),
            source=source_tag(row.points_source), title=row.name)

    @expose("/build", methods=["GET", "POST"])
    @has_access
    def build(self):
        runs = db.session.execute(restrict(select(ScoreRun).order_by(ScoreRun.id.desc()),
                                           ScoreRun)).scalars().all()
        form = request.form
        if request.method == "POST":
            run = db.session.get(ScoreRun, form.get("run", type=int) or 0)
            if run is None or run not in runs:
                abort(404)
            programme = form.get("programme_other") or form.get("programme", "")
            rules = {"grades": form.getlist("grades"), "min_total": form.get("min_total"),
                     "needs_financing": form.get("needs_financing") == "1",
                     "sizes": form.getlist("sizes"), "regions": form.getlist("regions")}
            try:
                row = recommendations.build_list(
                    run, programme, form.get("name", ""), rules,
                    form.get("points_source", recommendations.PROVINCIAL))
            except recommendations.RecommendationError as error:
                flash(error.message(current_language()), "danger")
            else:
                flash(_("List built with %(n)d enterprises: review it, then publish.",
                        n=row.enterprises), "success")
                return redirect(url_for("RecommendationListView.show", pk=row.id))
        grades = recommendations.known_grades()
        cities = db.session.execute(select(Region).where(
            Region.level == "city", Region.code.like(f"{g.user.region_code or ''}%"))
            .order_by(Region.code)).scalars().all()
        return self.render_template(
            "recommendation_build.html", runs=runs, programmes=F.PROGRAMMES, grades=grades,
            sizes=recommendations.SIZES, cities=cities, form=form,
            sources=[(key, label, source_tag(key)) for key, label in SOURCE_LABELS.items()],
            defaults=recommendations.default_banks(
                current_province()), title=_("Build a recommendation list"))

    @expose("/publish/<int:pk>", methods=["POST"])
    @has_access
    def publish(self, pk):
        row = self.datamodel.get(pk, self._base_filters)
        if row is None:
            abort(404)
        try:
            banks = recommendations.publish(row)
        except recommendations.RecommendationError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("Published: %(n)d banks were told.", n=banks), "success")
        return redirect(url_for("RecommendationListView.show", pk=pk))

    @expose("/entries_xlsx/<int:pk>")
    @has_access
    def entries_xlsx(self, pk):
        row = self.datamodel.get(pk, self._base_filters)
        if row is None:
            abort(404)
        entries = db.session.execute(select(RecommendationEntry).where(
            RecommendationEntry.list_id == row.id).order_by(
            RecommendationEntry.total.desc(), RecommendationEntry.enterprise_id,
            RecommendationEntry.preference)).scalars().all()
        audit.record(audit.EXPORT, object_type="RecommendationList", object_id=str(pk),
                     detail=f"{len(entries)} rows", commit=True)
        return xlsx_response(row.name, ENTRY_HEADERS(), (entry_row(e) for e in entries))


def current_province() -> str:
    from flask import current_app

    return current_app.config["PROVINCE_CODE"]


def ENTRY_HEADERS() -> list[str]:  # noqa: N802 - reads like the constant it stands for
    return [_("Enterprise"), _("Unified social credit code"), _("Region"), _("Total"),
            _("Grade"), _("Bank"), _("Preference"), _("Financing need (10k yuan)"),
            _("Contact"), _("Phone"), _("Outcome"), _("Loan amount (10k yuan)"),
            _("Annual rate (per cent)"), _("Term (months)"), _("Loan date"),
            _("Reason not approved")]


def _project_of(run: ScoreRun | None) -> scoring.Project | None:
    """The parsed project of a run (the grades' names), or None without one."""
    if run is None:
        return None
    try:
        return scoring.parse(run.project.definition, check_totals=False)
    except scoring.ProjectError:
        return None


def entry_row(e: RecommendationEntry) -> list:
    """An entry as the export's row, names in the user's language (like its headers)."""
    s = e.submission
    return [e.name, e.uscc, e.region.full_label() if e.region else e.region_code, e.total,
            names.grade_name(e.grade), e.bank.name, e.preference or _("default bank"),
            e.need_amount,
            s.contact_name, s.contact_phone, str(OUTCOME_LABELS.get(e.status, e.status)),
            e.loan_amount, e.loan_rate, e.loan_term_months, e.loan_date, e.decline_reason]


class RecommendationEntryView(ScopedModelView):
    """Recommended enterprises: banks see those addressed to them and record outcomes;
    bureaus follow the outcomes in their region."""

    datamodel = EntryInterface(RecommendationEntry)
    route_base = "/recommended"
    base_permissions = ["can_list", "can_show", "can_export", "can_outcome", "remove"]
    list_title = _l("Recommended enterprises")
    list_columns = ["name", "uscc", "region", "grade", "total", "bank", "preference",
                    "need_amount", "status", "loan_amount", "recommendation_list"]
    search_columns = ["name", "uscc", "region", "region_code", "bank", "status", "grade",
                      "recommendation_list"]
    label_columns = {"name": _l("Enterprise"), "uscc": _l("Unified social credit code"),
                     "region": _l("Region"), "region_code": _l("Region code"),
                     "grade": _l("Grade"), "total": _l("Total"), "bank": _l("Bank"),
                     "preference": _l("Preference"),
                     "need_amount": _l("Financing need (10k yuan)"), "status": _l("Outcome"),
                     "loan_amount": _l("Loan amount (10k yuan)"),
                     "recommendation_list": _l("Recommendation list")}
    formatters_columns = {"status": lambda v: str(OUTCOME_LABELS.get(v, v)),
                          "grade": names.grade_name,
                          "preference": lambda v: v or _("default bank")}
    # A loan amount exists only for a granted loan: any other outcome shows "—".
    shown_formatters = {"need_amount": display.amount, "loan_amount": display.amount,
                        "total": display.score,
                        "status": tags.labelled_tags(OUTCOME_LABELS, {
                            F.RECOMMENDED: "blue", F.CONTACTED: "cyan",
                            F.IN_APPROVAL: "purple", F.GRANTED: "green",
                            F.DECLINED: "red"})}
    quick_filters = ("name", "uscc", "region", "status", "recommendation_list")
    quick_choices = {"status": lambda: [(k, str(v)) for k, v in OUTCOME_LABELS.items()]}
    base_order = ("id", "asc")

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)  # not a redirect: another area's entry does not exist here
        return redirect(url_for("RecommendationEntryView.outcome", pk=pk))

    @expose("/outcome/<int:pk>", methods=["GET", "POST"])
    @has_access
    def outcome(self, pk):
        entry = self.datamodel.get(pk, self._base_filters)
        if entry is None:
            abort(404)
        may_record = g.user.bank_id is not None and g.user.bank_id == entry.bank_id
        if request.method == "POST":
            if not may_record:
                abort(403)
            form = request.form
            try:
                date = dt.date.fromisoformat(form["loan_date"]) if form.get("loan_date") \
                    else None
            except ValueError:
                date = None
            try:
                recommendations.record_outcome(
                    entry, form.get("status", ""), amount=form.get("loan_amount"),
                    rate=form.get("loan_rate"), term=form.get("loan_term_months"), date=date,
                    reason=form.get("decline_reason", ""))
            except recommendations.RecommendationError as error:
                flash(error.message(current_language()), "danger")
            else:
                flash(_("Outcome recorded."), "success")
                return redirect(url_for("RecommendationEntryView.list"))
        return self.render_template(
            "recommendation_entry.html", entry=entry, submission=entry.submission,
            grade=names.grade_name(entry.grade, _project_of(entry.recommendation_list.run)),
            outcomes=OUTCOME_LABELS, may_record=may_record, form=request.form,
            fields=REGISTRY, lang=current_language(), title=entry.name)

    @action("remove", _l("Take off the list"), _l("Take the selected enterprises off the "
                                                   "draft list?"), "fa-minus-circle")
    def remove(self, items):
        items = items if isinstance(items, list) else [items]
        try:
            n = recommendations.remove_entries(items)
        except recommendations.RecommendationError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("%(n)d enterprises taken off the list.", n=n), "success")
        return redirect(self.get_redirect())

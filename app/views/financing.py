"""Financing needs, recommendation lists (推荐名单), the bank portal and loan outcomes."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import display
from app.domain.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import (
    Bank,
    RecommendationEntry,
    RecommendationList,
    Region,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.models import financing as F
from app.security.scope import restrict
from app.services import audit, financing, recommendations
from app.services.excel import xlsx_response
from app.views.base import ScopedModelView
from app.views.filters import EntryInterface, ListInterface

OUTCOME_LABELS = {F.RECOMMENDED: _l("Recommended"), F.CONTACTED: _l("Contacted"),
                  F.IN_APPROVAL: _l("In approval"), F.GRANTED: _l("Loan granted"),
                  F.DECLINED: _l("Not approved")}
LIST_STATUS = {F.DRAFT: _l("Draft (under review)"), F.PUBLISHED: _l("Published")}


def _label(key: str):
    return REGISTRY[key].label(current_language())


class FinancingNeedView(ScopedModelView):
    """Needs declared in submitted reports, for officials of the region and for the banks
    the enterprises named (or were recommended to)."""

    datamodel = ListInterface(Submission)
    route_base = "/needs"
    base_permissions = ["can_list", "can_show", "can_export"]
    base_filters = [*ScopedModelView.base_filters, ["needs_financing", FilterEqual, True]]
    list_title = _l("Financing needs")
    show_title = _l("Financing need")
    list_columns = ["name", "uscc", "region", "financing_need_amount", "financing_need_types",
                    "intended_banks", "contact_name", "contact_phone", "activity"]
    show_columns = ["name", "uscc", "region", "activity", "scale", "tech_field",
                    "financing_need_amount", "financing_need_types", "intended_banks",
                    "financing_purpose", "other_financial_needs", "financing_amount",
                    "financing_history", "contact_name", "contact_phone", "contact_email"]
    search_columns = ["name", "uscc", "region", "region_code", "activity",
                      "financing_need_amount", "scale", "tech_field"]
    formatters_columns = {"financing_need_types": lambda v: "；".join(v or []),
                          "intended_banks": lambda v: "；".join(v or [])}
    shown_formatters = {"financing_need_amount": display.amount,
                        "financing_amount": display.amount}
    base_order = ("financing_need_amount", "desc")

    label_columns = {**{key: LazyString(_label, key) for key in show_columns
                        if key in REGISTRY.keys()},
                     "region": _l("Region"), "region_code": _l("Region code"),
                     "activity": _l("Activity")}


class MyFinancingView(BaseView):
    """The enterprise keeps its financing need current after submission."""

    route_base = "/myfinancing"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        enterprise_id = getattr(g.user, "enterprise_id", None)
        submission = financing.latest_submitted(enterprise_id) if enterprise_id else None
        problems = []
        if submission is not None and request.method == "POST":
            raw = {key: request.form.get(key) for key in financing.NEED_FIELDS}
            for key in ("financing_need_types",):
                raw[key] = request.form.getlist(key) or None
            try:
                problems = financing.update_need(submission, raw)
            except financing.NeedError as error:
                flash(error.message(current_language()), "danger")
            else:
                if not problems:
                    flash(_("Your financing need is saved. Banks and bureaus see it now."),
                          "success")
                    return redirect(url_for("MyFinancingView.index"))
        lang = current_language()
        entries = []
        if submission is not None:
            entries = db.session.execute(restrict(select(RecommendationEntry).join(
                RecommendationList).where(RecommendationList.status == F.PUBLISHED,
                                          RecommendationEntry.submission_id == submission.id)
                .order_by(RecommendationEntry.id), RecommendationEntry)).scalars().all()
        return self.render_template(
            "my_financing.html", submission=submission, problems=problems, lang=lang,
            fields={k: REGISTRY[k] for k in financing.NEED_FIELDS}, entries=entries,
            outcomes=OUTCOME_LABELS, banks=db.session.execute(
                select(Bank.name).order_by(Bank.id)).scalars().all(),
            title=_("My financing need"))


class RecommendationListView(ScopedModelView):
    datamodel = ListInterface(RecommendationList)
    route_base = "/recommendations"
    base_permissions = ["can_list", "can_show", "can_export", "can_build", "can_publish",
                        "can_entries_xlsx"]
    list_title = _l("Recommendation lists")
    list_columns = ["name", "programme", "activity", "enterprises", "status", "created_at",
                    "published_at"]
    search_columns = ["name", "programme", "status", "activity"]
    label_columns = {"name": _l("Name"), "programme": _l("Programme"),
                     "activity": _l("Activity"), "enterprises": _l("Number of enterprises"),
                     "status": _l("Status"), "created_at": _l("Created on"),
                     "published_at": _l("Published on")}
    formatters_columns = {"status": lambda v: str(LIST_STATUS.get(v, v))}
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
        return self.render_template("recommendation_list.html", row=row, per_bank=per_bank,
                                    status=LIST_STATUS, title=row.name)

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
                row = recommendations.build_list(run, programme, form.get("name", ""), rules)
            except recommendations.RecommendationError as error:
                flash(error.message(current_language()), "danger")
            else:
                flash(_("List built with %(n)d enterprises: review it, then publish.",
                        n=row.enterprises), "success")
                return redirect(url_for("RecommendationListView.show", pk=row.id))
        grades = sorted({g for (g,) in db.session.execute(select(ScoreResult.grade).distinct()
                                                          .where(ScoreResult.grade.is_not(None)))})
        cities = db.session.execute(select(Region).where(
            Region.level == "city", Region.code.like(f"{g.user.region_code or ''}%"))
            .order_by(Region.code)).scalars().all()
        return self.render_template(
            "recommendation_build.html", runs=runs, programmes=F.PROGRAMMES, grades=grades,
            sizes=recommendations.SIZES, cities=cities, form=form,
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


def entry_row(e: RecommendationEntry) -> list:
    s = e.submission
    return [e.name, e.uscc, e.region.full_name if e.region else e.region_code, e.total,
            e.grade, e.bank.name, e.preference or _("default bank"), e.need_amount,
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
                          "preference": lambda v: v or _("default bank")}
    # A loan amount exists only for a granted loan: any other outcome shows "—".
    shown_formatters = {"need_amount": display.amount, "loan_amount": display.amount,
                        "total": display.score}
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


class LoanSummaryView(BaseView):
    """Outcomes and amounts granted per region, bank and programme, in the user's scope."""

    route_base = "/loans"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("loan_summary.html", tables=_loan_tables(),
                                    headers=LOAN_HEADERS(),
                                    title=_("Loans granted"))

    @expose("/export/<string:by>")
    @has_access
    def export(self, by):
        tables = dict((key, (caption, rows)) for key, caption, rows in _loan_tables())
        if by not in tables:
            abort(404)
        caption, rows = tables[by]
        audit.record(audit.EXPORT, object_type="LoanSummary", detail=by, commit=True)
        return xlsx_response(caption, [caption, *LOAN_HEADERS()], [list(r) for r in rows])


def LOAN_HEADERS() -> list[str]:  # noqa: N802 - reads like the constant it stands for
    """Each figure says how it counts: an enterprise on several lists or sent to several
    banks once, a loan recorded on several entries once."""
    return [_("Enterprises recommended (each once)"), _("Enterprises granted a loan (each once)"),
            _("Loans granted (each loan once)"), _("Amount granted (10k yuan, each loan once)")]


def _loan_tables():
    """Per city, bank and programme, each with a total counted across the rows (not their
    sum: an enterprise in two programmes is one enterprise in the total)."""
    cities = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.level == "city")).all())
    banks = dict(db.session.execute(select(Bank.id, Bank.name)).all())
    names = {"city": cities, "bank": banks, "programme": {}}
    total = recommendations.outcome_summary(None)
    tables = []
    for key, caption in (("city", _("By city")), ("bank", _("By bank")),
                         ("programme", _("By programme"))):
        rows = [(names[key].get(k, k), *rest) for k, *rest in
                recommendations.outcome_summary(key)]
        if rows:
            rows += [(_("Sum"), *rest) for _k, *rest in total]
        tables.append((key, caption, rows))
    return tables

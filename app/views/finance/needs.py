"""Financing needs: bureaus and banks read those in their scope; the enterprise keeps its
own current after submission."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import display
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import (
    Bank,
    RecommendationEntry,
    RecommendationList,
    Submission,
)
from app.models import financing as F
from app.security.scope import restrict
from app.services.finance import needs as financing
from app.views.finance.recommendations import OUTCOME_LABELS
from app.views.shell import names
from app.views.shell.base import ScopedModelView
from app.views.shell.filters import ListInterface


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
    formatters_columns = {"financing_need_types": lambda v: names.option_label(
                              v or [], "financing_need_types"),
                          "scale": lambda v: names.option_label(v, "scale"),
                          "tech_field": lambda v: names.option_label(v, "tech_field"),
                          "intended_banks": lambda v: names.joined(v or [])}
    quick_filters = ("name", "uscc", "region", "activity")
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

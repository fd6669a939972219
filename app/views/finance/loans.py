"""放款情况: loans granted per city, bank and programme, each enterprise and loan counted
once, with totals."""

from __future__ import annotations

from flask import abort
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Bank
from app.services.finance import recommendations
from app.services.platform import audit
from app.services.platform.excel import xlsx_response
from app.views.shell import names


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
    banks = dict(db.session.execute(select(Bank.id, Bank.name)).all())
    shown = {"city": lambda code: names.region_name(code), "bank": lambda k: banks.get(k, k),
             "programme": names.programme_name}
    total = recommendations.outcome_summary(None)
    tables = []
    for key, caption in (("city", _("By city")), ("bank", _("By bank")),
                         ("programme", _("By programme"))):
        summary = recommendations.outcome_summary(key)
        if key == "city":
            names.region_names(k for k, *_rest in summary)  # one query for them all
        rows = [(shown[key](k), *rest) for k, *rest in summary]
        if rows:
            rows += [(_("Sum"), *rest) for _k, *rest in total]
        tables.append((key, caption, rows))
    return tables

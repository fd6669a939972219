"""数据看板: bureaus see an activity's figures in their region with a drill-down; banks see
their own recommendation entries. Figures come from services/dashboard.py."""

from __future__ import annotations

from flask import abort, current_app, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language
from app.models import Region
from app.models.financing import OUTCOMES
from app.security.scope import BANK, current_scope
from app.services.dashboard import cache as figure_cache
from app.services.dashboard import figures as service
from app.services.platform import audit
from app.services.platform.excel import xlsx_response
from app.views.dashboard.tables import ENTRY_LIST, Cell, Table, Tables, chart
from app.views.finance.recommendations import OUTCOME_LABELS


def _int_arg(name: str) -> int | None:
    """A numeric query argument; anything else is a request for something that is not there."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        abort(404)
    return int(raw)


def _figures(tables: Tables) -> tuple[dict[str, Table], dict]:
    """Every table of the page and the charts drawn from them (what the cache keeps)."""
    built = {key: tables.table(key) for key in tables.keys()}
    charts = {
        "progress": chart(built["progress"], [2, 3, 4]),
        "funnel": chart(built["funnel"], [1], "hbar"),
        "warnings": chart(built["warnings"], [2], "hbar"),
        "tech_field": chart(built["tech_field"], [1], "hbar"),
        "scale": chart(built["scale"], [1], "pie"),
        "qualifications": chart(built["qualifications"], [1], "hbar"),
        "financing": chart(built["financing"], [2, 6]),
    }
    if "grades" in built:
        grade_columns = list(range(1, len(built["grades"].headers) - 1))
        charts.update(histogram=chart(built["histogram"], [1]),
                      grades=chart(built["grades"], grade_columns, "stacked"),
                      stages=chart(built["stages"], [1], "pie"))
    return built, charts


class DashboardView(BaseView):
    route_base = "/dashboard"
    default_view = "index"

    def _tables(self) -> Tables:
        scope = current_scope()
        try:
            area = service.area_for(scope, current_app.config["PROVINCE_CODE"],
                                    _int_arg("activity"), request.args.get("region") or None)
            return Tables(area, _int_arg("run"))
        except service.DashboardNotFound:
            abort(404)

    @staticmethod
    def _figures(tables: Tables, fresh: bool = False):
        """((tables, charts), when counted), kept per scope, activity, region, run and
        language (services/figure_cache.py)."""
        return figure_cache.remembered(
            ("dashboard", current_language(), current_scope(), tables.activity.id,
             tables.area.region, tables.run.id if tables.run else None),
            lambda: _figures(tables), fresh=fresh,
            seconds=figure_cache.seconds_for("DASHBOARD_CACHE_SECONDS"))

    @expose("/")
    @has_access
    def index(self):
        scope = current_scope()
        if scope.kind == BANK:
            return self._bank()
        if not service.activities_for(scope, current_app.config["PROVINCE_CODE"]):
            return self.render_template("dashboard.html", tables=None, title=_("Data dashboard"))
        tables = self._tables()
        (built, charts), counted_at = self._figures(tables, request.args.get("fresh") == "1")
        return self.render_template(
            "dashboard.html", tables=built, charts=charts, area=tables.area, run=tables.run,
            export_args={"activity": tables.activity.id, "region": tables.area.region,
                         **({"run": tables.run.id} if tables.run else {})},
            trail=self._trail(tables.area), title=_("Data dashboard"),
            counted_at=counted_at,
            runs=service.runs_of(tables.activity) if tables.run else [],
            activities=service.activities_for(current_scope(),
                                              current_app.config["PROVINCE_CODE"]))

    def _trail(self, area: service.Area) -> list[tuple[str, str]]:
        """Province › city › county down to the region shown, from the user's own region."""
        scope = area.scope
        own = scope.region_code or current_app.config["PROVINCE_CODE"]
        codes = [area.region[:n] for n in (2, 4, 6) if len(own) <= n <= len(area.region)]
        names = dict(db.session.execute(select(Region.code, Region.name).where(
            Region.code.in_(codes))).all())
        return [(names.get(c, c), url_for("DashboardView.index", activity=area.activity.id,
                                          region=c)) for c in codes]

    @expose("/xlsx/<key>")
    @has_access
    def xlsx(self, key):
        """One table of the dashboard as the screen shows it."""
        if current_scope().kind == BANK:
            table = self._bank_table()
        else:
            # The kept figures, so that the file holds what the screen showed.
            built, _charts = self._figures(self._tables())[0]
            if key not in built:
                abort(404)
            table = built[key]
        audit.record(audit.EXPORT, object_type="Dashboard", object_id=key,
                     detail=f"{len(table.rows)} rows; {request.query_string.decode()[:400]}")
        db.session.commit()
        return xlsx_response(table.title, table.headers, table.values())

    # -- banks -------------------------------------------------------------------------
    def _bank_table(self) -> Table:
        scope = current_scope()
        activity_id = _int_arg("activity")
        if activity_id is not None and activity_id not in dict(service.bank_activities(scope)):
            abort(404)
        table = Table("bank", _("My recommended enterprises"), [
            _("Programme"), _("Status"), _("Entries"), _("Amount needed (10k yuan)"),
            _("Amount granted (10k yuan)")])
        linkable = ENTRY_LIST in current_app.view_functions
        for row in service.bank_figures(scope, activity_id):
            link = (f"{url_for(ENTRY_LIST)}?_flt_0_status={row.status}" if linkable else None)
            status = str(OUTCOME_LABELS.get(row.status, row.status))
            table.rows.append([Cell(row.programme), Cell(status), Cell(row.count, link),
                               Cell(round(row.need_amount, 2)),
                               Cell(round(row.loan_amount, 2), link)])
        return table

    def _bank(self):
        table = self._bank_table()
        programmes = sorted({str(r[0].value) for r in table.rows})
        statuses = [str(OUTCOME_LABELS[s]) for s in OUTCOMES]
        series = []
        for status in statuses:
            by_programme = {str(r[0].value): r[2] for r in table.rows if r[1].value == status}
            series.append({"name": status,
                           "data": [by_programme[p].value if p in by_programme else 0
                                    for p in programmes],
                           "links": [by_programme[p].link if p in by_programme else None
                                     for p in programmes]})
        # Enterprises per outcome, each once (not the entries of the table added up).
        by_status = service.bank_enterprises_by_status(current_scope(), _int_arg("activity"))
        totals = {str(OUTCOME_LABELS[s]): by_status.get(s, 0) for s in OUTCOMES}
        # Not the sum of the table: a loan recorded on two programmes' lists is one loan.
        loans = service.bank_loans(current_scope(), _int_arg("activity"))
        return self.render_template(
            "dashboard_bank.html", table=table, totals=totals, loans=loans,
            chart_spec={"type": "stacked", "categories": programmes, "series": series},
            activities=service.bank_activities(current_scope()),
            activity_id=_int_arg("activity"), title=_("Data dashboard"))

"""数据看板: bureaus see an activity's figures in their region with a drill-down — key
figures on top, a tab per theme, the province's map — and banks their own recommendation
entries. Figures come from services/dashboard/figures.py; a tab is counted when shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, get_template_attribute, request, url_for
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
from app.views.dashboard import cultivation as cultivation_tab
from app.views.dashboard.tables import (
    ENTRY_LIST,
    GROUPS,
    Cell,
    Kpi,
    Table,
    Tables,
    chart,
    group_of,
)
from app.views.finance.recommendations import OUTCOME_LABELS
from app.views.shell.names import programme_name


def _int_arg(name: str) -> int | None:
    """A numeric query argument; anything else is a request for something that is not there."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        abort(404)
    return int(raw)


# Each table's chart: (columns drawn, kind); the grades chart draws every grade column.
CHARTS = {
    "progress": ([2, 3, 4], "bar"), "funnel": ([1], "hbar"), "statuses": ([1], "hbar"),
    "workload": ([1], "bar"), "warnings": ([2], "hbar"), "tech_field": ([1], "hbar"),
    "scale": ([1], "pie"), "qualifications": ([1], "hbar"), "histogram": ([1], "bar"),
    "stages": ([1], "pie"), "grades": (None, "stacked"), "financing": ([2, 6], "bar"),
}


@dataclass
class Figures:
    """One tab's tables and charts (what the cache keeps); the progress tab also carries
    the page's key figures and the province map, counted with it."""
    tables: dict[str, Table]
    charts: dict[str, dict]
    kpis: list[Kpi] | None = None
    region_map: dict | None = None


def _geo_url(region: str) -> str | None:
    """The vendored boundaries of the province's cities (static/vendor/geo/<code>.json),
    if there are any for it."""
    name = f"vendor/geo/{region}.json"
    if len(region) != 2 or not Path(current_app.static_folder, name).is_file():
        return None
    return url_for("static", filename=name)


def _figures(tables: Tables, group: str) -> Figures:
    built = {key: tables.table(key) for key in GROUPS[group] if key in tables.keys()}
    charts = {}
    for key, table in built.items():
        columns, kind = CHARTS[key]
        charts[key] = chart(table, columns or list(range(1, len(table.headers) - 1)), kind)
    figures = Figures(built, charts)
    if group == "progress":
        figures.kpis = tables.kpis()
        figures.region_map = tables.region_map(_geo_url(tables.area.region))
    return figures


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
    def _figures(tables: Tables, group: str, fresh: bool = False) -> tuple[Figures, dt.datetime]:
        """(one tab's figures, when counted), kept per scope, activity, region, run, language
        and tab (services/dashboard/cache.py)."""
        return figure_cache.remembered(
            ("dashboard", current_language(), current_scope(), tables.activity.id,
             tables.area.region, tables.run.id if tables.run else None, group),
            lambda: _figures(tables, group), fresh=fresh,
            seconds=figure_cache.seconds_for("DASHBOARD_CACHE_SECONDS"))

    @expose("/")
    @has_access
    def index(self):
        """The page with its key figures and the tab asked for (``tab``, default progress);
        ``part=<tab>`` answers that tab's content alone, which the page's script asks for
        when the tab is first shown, so a page counts only what it shows."""
        scope = current_scope()
        if scope.kind == BANK:
            return self._bank()
        if not service.activities_for(scope, current_app.config["PROVINCE_CODE"]):
            return self.render_template("dashboard.html", tables=None, title=_("Data dashboard"))
        tables = self._tables()
        fresh = request.args.get("fresh") == "1"
        groups = [*tables.groups(), cultivation_tab.CULTIVATION]
        export_args = {"activity": tables.activity.id, "region": tables.area.region,
                       **({"run": tables.run.id} if tables.run else {})}
        part = request.args.get("part")
        if part == cultivation_tab.CULTIVATION:
            figures, counted_at = cultivation_tab.figures(tables.area, cultivation_tab.year_arg(),
                                                          fresh)
            pane = get_template_attribute("dashboard_cultivation.html", "cultivation_pane")
            return pane(figures, counted_at, export_args)
        if part is not None:
            if part not in groups:
                abort(404)
            figures, counted_at = self._figures(tables, part, fresh)
            pane = get_template_attribute("macros/dashboard.html", "pane")
            return pane(part, figures, counted_at, export_args, self._pane_context(tables, part))
        tab = request.args.get("tab")
        tab = tab if tab in groups else "progress"
        head, counted_at = self._figures(tables, "progress", fresh)
        shown = {"progress": (head, counted_at)}
        if tab == cultivation_tab.CULTIVATION:
            shown[tab] = cultivation_tab.figures(tables.area, cultivation_tab.year_arg(), fresh)
        elif tab != "progress":
            shown[tab] = self._figures(tables, tab, fresh)
        return self.render_template(
            "dashboard.html", tables=head.tables, head=head, shown=shown, groups=groups,
            tab=tab, area=tables.area, run=tables.run, export_args=export_args,
            fresh=fresh, trail=self._trail(tables.area), title=_("Data dashboard"),
            counted_at=counted_at, context=self._pane_context(tables, tab),
            activities=service.activities_for(current_scope(),
                                              current_app.config["PROVINCE_CODE"]))

    @staticmethod
    def _pane_context(tables: Tables, group: str) -> dict:
        """What a tab shows beside its figures: the score run and the runs to choose from."""
        if group != "scores" or tables.run is None:
            return {}
        return {"run": tables.run, "runs": service.runs_of(tables.activity),
                "area": tables.area}

    def _trail(self, area: service.Area) -> list[tuple[str, str]]:
        """Province › city › county down to the region shown, from the user's own region."""
        scope = area.scope
        own = scope.region_code or current_app.config["PROVINCE_CODE"]
        codes = [area.region[:n] for n in (2, 4, 6) if len(own) <= n <= len(area.region)]
        names = {r.code: r.label() for r in db.session.execute(select(Region).where(
            Region.code.in_(codes))).scalars()}
        return [(names.get(c, c), url_for("DashboardView.index", activity=area.activity.id,
                                          region=c)) for c in codes]

    @expose("/xlsx/<key>")
    @has_access
    def xlsx(self, key):
        """One table of the dashboard as the screen shows it."""
        if current_scope().kind == BANK:
            table = self._bank_table()
        else:
            # The tab's kept figures, so that the file holds what the screen showed.
            tables = self._tables()
            group = group_of(key)
            if key in cultivation_tab.KEYS:
                table = cultivation_tab.figures(tables.area, cultivation_tab.year_arg())[0] \
                    .tables[key]
            elif group is None or key not in tables.keys():
                abort(404)
            else:
                table = self._figures(tables, group)[0].tables[key]
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
            table.rows.append([Cell(programme_name(row.programme)), Cell(status),
                               Cell(row.count, link),
                               Cell(round(row.need_amount, 2), None, "amount"),
                               Cell(round(row.loan_amount, 2), link, "amount")])
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

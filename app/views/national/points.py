"""国家积分对比: the Ministry's points beside our own run's, per enterprise (a scoped list with
its filters and Excel export) and in aggregate for one activity (a histogram of national −
provincial points, enterprises whose grade differs per city), with the province's
积分反馈确认 in bulk or for the selected rows. Thin: figures from
``services.national.loop``, the confirmation by ``services.national.points.confirm``."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import not_, select

from app.domain import display
from app.domain.errors import BilingualError
from app.extensions import db
from app.i18n import current_language
from app.models import NationalPoints, ReportingActivity
from app.models import national as N
from app.services.national import loop, points
from app.views.shell import names, tags
from app.views.shell.base import ScopedModelView
from app.views.shell.filters import KeptFilterConverter, ListInterface
from app.views.shell.quick_search import TEXT_EQUAL, QuickField

STATUSES = {N.RECEIVED: _l("To confirm"), N.CONFIRMED: _l("Confirmed")}
STATUS_COLOURS = {N.RECEIVED: "orange", N.CONFIRMED: "green"}
ACTIVITY_ARG = "_flt_0_activity_id"


class _YesNoFilter(BaseFilter):
    """"y": rows meeting ``clause``; "n": the others; anything else: no filter."""

    arg_name = "eq"

    @staticmethod
    def clause():
        raise NotImplementedError

    def apply(self, query, value):
        if value == "y":
            return query.filter(self.clause())
        if value == "n":
            return query.filter(not_(self.clause()))
        return query


class FilterPointsDiffer(_YesNoFilter):
    name = _l("Differ from the provincial points")
    clause = staticmethod(loop.points_differ)


class FilterGradeDiffers(_YesNoFilter):
    name = _l("Grade differs")
    clause = staticmethod(loop.grade_differs)


# The two comparisons ride on the provincial columns' filters: ``_flt_0_provincial_total``
# and ``_flt_0_provincial_grade`` (y or n), read by the list, its pages and its export alike.
COMPARISONS = {"provincial_total": FilterPointsDiffer, "provincial_grade": FilterGradeDiffers}


class ComparisonConverter(KeptFilterConverter):
    def conversions(self, col_name):
        if col_name in COMPARISONS:
            return [COMPARISONS[col_name](col_name, self.datamodel)]
        return super().conversions(col_name)


def difference(item: NationalPoints) -> float | None:
    if item.provincial_total is None or item.total is None:
        return None
    return item.total - item.provincial_total


class ComparisonInterface(ListInterface):
    filter_converter_class = ComparisonConverter

    @staticmethod
    def _get_attr_value(item, col):
        if col == "difference":  # national − provincial, no column of its own
            return difference(item)
        return ListInterface._get_attr_value(item, col)


def signed(value) -> str:
    """+20.44 / -13.28; a difference that rounds to nothing is 0.00, never "-0.00"."""
    if value is None:
        return display.MISSING
    value = round(value, 2)
    return "0.00" if value == 0 else f"{value:+,.2f}"


class NationalPointsView(ScopedModelView):
    datamodel = ComparisonInterface(NationalPoints)
    route_base = "/nationalpoints"
    base_permissions = ["can_list", "can_export", "can_confirm", "confirm_selected"]
    list_title = _l("National points")
    list_template = "national/points_list.html"
    list_columns = ["name", "uscc", "region_code", "total", "grade", "provincial_total",
                    "provincial_grade", "difference", "status"]
    search_columns = ["activity_id", "name", "uscc", "region_code", "grade", "status",
                      "provincial_total", "provincial_grade"]
    label_columns = {"activity_id": _l("Activity"), "name": _l("Enterprise"),
                     "uscc": _l("Unified social credit code"), "region": _l("Region"),
                     "region_code": _l("Region"), "total": _l("National points"),
                     "grade": _l("National grade"), "provincial_total": _l("Provincial points"),
                     "provincial_grade": _l("Provincial grade"),
                     "difference": _l("Difference (national − provincial)"),
                     "status": _l("Status")}
    formatters_columns = {"region_code": lambda c: names.region_name(c, full=True),
                          "grade": names.grade_name, "provincial_grade": names.grade_name,
                          "status": lambda s: str(STATUSES.get(s, s))}
    shown_formatters = {"total": display.score, "provincial_total": display.score,
                        "difference": signed,
                        "status": tags.labelled_tags(STATUSES, STATUS_COLOURS)}
    quick_filters = ("name", "uscc", "region")
    base_order = ("id", "asc")

    def _export_value(self, item, column):
        if column == "difference":
            return difference(item)
        return super()._export_value(item, column)

    def _activity(self) -> ReportingActivity | None:
        chosen = request.args.get(ACTIVITY_ARG, type=int)
        return db.session.get(ReportingActivity, chosen) if chosen else None

    def _activity_choices(self) -> list[tuple[int, str]]:
        """The activities with national points in the user's area, the newest first."""
        known = loop.activities_with_points()
        return [tuple(row) for row in db.session.execute(
            select(ReportingActivity.id, ReportingActivity.name).where(
                ReportingActivity.id.in_(known)).order_by(ReportingActivity.id.desc()))]

    def quick_search(self) -> list:
        yes_no = [("y", _("Yes")), ("n", _("No"))]
        return [
            QuickField("select", ACTIVITY_ARG, _("Activity"),
                       request.args.get(ACTIVITY_ARG, ""),
                       [(str(i), name) for i, name in self._activity_choices()]),
            *super().quick_search(),
            QuickField("select", "_flt_0_provincial_total", _("Points differ"),
                       request.args.get("_flt_0_provincial_total", ""), yes_no),
            QuickField("select", "_flt_0_provincial_grade", _("Grade differs"),
                       request.args.get("_flt_0_provincial_grade", ""), yes_no),
            QuickField("select", f"_flt_{TEXT_EQUAL}_status", _("Status"),
                       request.args.get(f"_flt_{TEXT_EQUAL}_status", ""),
                       [(k, str(v)) for k, v in STATUSES.items()]),
        ]

    def _panel(self, activity: ReportingActivity) -> dict:
        """The aggregate of one activity: the histogram and the grades differing per city."""
        bins = loop.difference_bins(activity)
        cities, total = loop.comparison_by_city(activity)
        city_names = names.region_names(c.city for c in cities if c.city)
        return {"activity": activity, "bins": list(zip(loop.bin_labels(), bins, strict=True)),
                "chart": {"type": "bar", "categories": loop.bin_labels(),
                          "series": [{"name": _("Number of enterprises"), "data": bins}]},
                "cities": [(city_names.get(c.city, c.city or "—"), c) for c in cities],
                "total": total, "waiting": loop.waiting_confirmation(activity),
                "can_confirm": self.appbuilder.sm.has_access("can_confirm",
                                                             self.class_permission_name)}

    @expose("/list/")
    @has_access
    def list(self):
        """The list, after the chosen activity's aggregate; without one, the activities to
        choose from (links), so the menu's page opens as any list does."""
        activity = self._activity()
        self.update_redirect()
        widgets = self._list()
        return self.render_template(self.list_template, title=self.list_title, widgets=widgets,
                                    panel=self._panel(activity) if activity else None,
                                    choices=[] if activity else self._activity_choices())

    @expose("/confirm/<int:pk>", methods=["POST"])
    @has_access
    def confirm(self, pk):
        """积分反馈确认 of every national point of the activity still to confirm."""
        activity = db.session.get(ReportingActivity, pk)
        if activity is None:
            abort(404)
        try:
            done = points.confirm(activity)
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("%(n)s national points confirmed.", n=done), "success")
        return redirect(url_for("NationalPointsView.list", **{ACTIVITY_ARG: pk}))

    @action("confirm_selected", _l("Confirm"), _l("Confirm the national points of the "
                                                 "selected enterprises?"), "fa-check")
    def confirm_selected(self, items):
        items = items if isinstance(items, list) else [items]
        done = 0
        try:
            for activity_id in sorted({i.activity_id for i in items}):
                activity = db.session.get(ReportingActivity, activity_id)
                done += points.confirm(activity, [i.uscc for i in items
                                                  if i.activity_id == activity_id])
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("%(n)s national points confirmed.", n=done), "success")
        return redirect(self.get_redirect())

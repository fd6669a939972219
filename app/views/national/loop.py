"""The national loop of one activity (issue 22 item 5): per city of the user's area, how many
records were reported, returned by the Ministry, corrected, reported again, and how many
national points were received and confirmed — with the province's next steps beside them.
Thin: the figures are ``services.national.loop.loop_by_city``."""

from __future__ import annotations

from flask import abort
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import ReportingActivity
from app.services.national import loop
from app.views.shell import names

COLUMNS = {"reported": _l("Reported"), "returned": _l("Returned by the Ministry"),
           "corrected": _l("Corrected"), "rereported": _l("Reported again"),
           "points_received": _l("National points received"),
           "points_confirmed": _l("National points confirmed")}


class NationalLoopView(BaseView):
    route_base = "/national"
    default_view = "show"
    base_permissions = ["can_show"]

    @expose("/activity/<int:pk>")
    @has_access
    def show(self, pk):
        activity = db.session.get(ReportingActivity, pk)
        if activity is None:
            abort(404)
        rows, total = loop.loop_by_city(activity)
        city_names = names.region_names(r.city for r in rows if r.city)
        # Decided here, not by a filter with constant arguments in the template: Jinja would
        # fold that into the compiled template for whoever rendered it first.
        allowed = self.appbuilder.sm.has_access
        return self.render_template(
            "national/loop.html", activity=activity, columns=COLUMNS, total=total,
            can_compare=allowed("can_list", "NationalPointsView"),
            can_report=allowed("can_report", "NationalBatchView"),
            rows=[(city_names.get(r.city, r.city or "—"), r) for r in rows],
            title=_("National loop: %(name)s", name=activity.name))

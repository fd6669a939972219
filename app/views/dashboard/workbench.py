"""工作台 — the home page after signing in, per role: what to do today and one click to do it
(services/dashboard/workbench.py counts it)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.domain.regions import level_of
from app.security import roles
from app.security.scope import ALL, BANK, ENTERPRISE, REGION, current_scope
from app.services.dashboard import workbench as service

LEVEL_LABELS = {"county": _l("county review"), "city": _l("city review"),
                "province": _l("provincial review"), "collection": _l("collection")}


class WorkbenchView(BaseView):
    route_base = "/workbench"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        scope, user = current_scope(), g.user
        province = current_app.config["PROVINCE_CODE"]
        today, now = dt.date.today(), dt.datetime.now()
        names = {r.name for r in user.roles}
        context = {"scope": scope, "today": today, "now": now, "levels": LEVEL_LABELS,
                   "title": _l("Workbench")}
        if scope.kind == ENTERPRISE:
            context["tasks"] = service.enterprise_tasks(scope.enterprise_id, province, today)
            context["scores"] = service.confirmed_scores(scope.enterprise_id)
            context["national"] = service.national_points(scope.enterprise_id)
        elif scope.kind == BANK:
            context["bank"] = service.bank_tasks(scope)
        elif scope.kind in (REGION, ALL):
            level = level_of(user.region_code) if user.region_code and \
                names & roles.REGIONAL_ROLES else "province"
            context["queue"] = service.queue(scope, level) if names & roles.REGIONAL_ROLES \
                else None
            context["deadlines"] = service.deadlines(level, province, today)
            if roles.PROVINCE_ADMIN in names or scope.kind == ALL:
                activities = service.open_activities(province)
                context["activities"] = activities
                context["kpis"] = service.kpis(activities[0], scope) if activities else None
                context["runs"] = service.runs_awaiting(province)
        return self.render_template("workbench.html", **context)

"""Supervision screens (SPEC §12.3): spot-check tasks for the reviewers of each area (the
province draws them), the 异常名单, and an enterprise's 诚信档案."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.errors import BilingualError
from app.i18n import current_language
from app.models.publicity import Anomaly, SpotCheckTask
from app.services.publicity import supervision
from app.views.shell import tags
from app.views.shell.base import ScopedModelView
from app.views.shell.filters import ListInterface


def _refused(error: BilingualError) -> None:
    flash(error.message(current_language()), "danger")


TASK_STATES = {"pending": _l("To check"), "done": _l("Checked")}


class SpotCheckTaskView(ScopedModelView):
    datamodel = ListInterface(SpotCheckTask)
    route_base = "/spotchecks"
    base_permissions = ["can_list", "can_show", "can_export", "can_draw", "can_finding"]
    list_title = _l("Spot checks")
    list_columns = ["check", "name", "uscc", "region", "status", "problem", "done_at"]
    search_columns = ["name", "uscc", "status", "check"]
    label_columns = {"check": _l("Spot check"), "name": _l("Enterprise"),
                     "uscc": _l("Unified social credit code"), "region": _l("Region"),
                     "status": _l("Status"), "problem": _l("Problem found"),
                     "done_at": _l("Checked on"), "finding": _l("Finding")}
    formatters_columns = {"status": lambda s: str(TASK_STATES.get(s, s)),
                          "region": lambda r: str(r) if r else "—"}
    shown_formatters = {"status": tags.labelled_tags(TASK_STATES,
                                                     {"pending": "orange", "done": "green"})}
    quick_filters = ("name", "uscc", "status")
    quick_choices = {"status": lambda: [(k, str(v)) for k, v in TASK_STATES.items()]}
    base_order = ("id", "desc")
    extra_args = {"list_links": [("SpotCheckTaskView.draw", _l("Draw a spot check"),
                                  "fa-random")]}

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        task = self.datamodel.get(pk, self._base_filters)
        if task is None:
            abort(404)
        return self.render_template("publicity/spot_task.html", task=task,
                                    title=_("Spot check: %(name)s", name=task.name))

    @expose("/draw", methods=["GET", "POST"])
    @has_access
    def draw(self):
        from flask import current_app

        if request.method == "POST":
            try:
                share = float(request.form.get("share") or 0) / 100
                seed = request.form.get("seed", type=int)
                check = supervision.draw(g.user, share,
                                         request.form.get("region") or
                                         current_app.config["PROVINCE_CODE"], seed,
                                         request.form.get("title") or None)
            except BilingualError as error:
                _refused(error)
            except ValueError:
                flash(_("The share is a number from 1 to 100."), "danger")
            else:
                flash(_("Drawn: %(n)s enterprises (seed %(seed)s).", n=len(check.tasks),
                        seed=check.seed), "success")
                return redirect(url_for("SpotCheckTaskView.list"))
        return self.render_template("publicity/spot_draw.html", title=_("Draw a spot check"))

    @expose("/finding/<int:pk>", methods=["POST"])
    @has_access
    def finding(self, pk):
        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        try:
            supervision.record_finding(pk, g.user, request.form.get("finding", ""),
                                       request.form.get("problem") == "yes")
            flash(_("Saved."), "success")
        except BilingualError as error:
            _refused(error)
        return redirect(url_for("SpotCheckTaskView.show", pk=pk))


class AnomalyView(ScopedModelView):
    datamodel = ListInterface(Anomaly)
    route_base = "/anomalies"
    base_permissions = ["can_list", "can_export", "can_add_entry", "can_remove_entry"]
    list_title = _l("Anomaly list")
    list_columns = ["name", "uscc", "reason", "source", "added_at", "removed_at"]
    search_columns = ["name", "uscc", "source"]
    label_columns = {"name": _l("Enterprise"), "uscc": _l("Unified social credit code"),
                     "reason": _l("Reason"), "source": _l("Source"),
                     "added_at": _l("Listed on"), "removed_at": _l("Taken off on")}
    quick_filters = ("name", "uscc")
    base_order = ("id", "desc")
    row_links = [("AnomalyView.remove_entry", _l("Take off"), "can_remove_entry", "default")]
    extra_args = {"list_links": [("AnomalyView.add_entry", _l("Put on the list"), "fa-plus")]}

    @expose("/put", methods=["GET", "POST"])
    @has_access
    def add_entry(self):
        if request.method == "POST":
            try:
                supervision.add_anomaly(g.user, request.form.get("uscc", ""),
                                        request.form.get("reason", ""),
                                        request.form.get("source", ""))
            except BilingualError as error:
                _refused(error)
            else:
                flash(_("Listed; the notice is published on the portal."), "success")
                return redirect(url_for("AnomalyView.list"))
        return self.render_template("publicity/anomaly_form.html", anomaly=None,
                                    title=_("Put on the list"))

    @expose("/takeoff/<int:pk>", methods=["GET", "POST"])
    @has_access
    def remove_entry(self, pk):
        anomaly = self.datamodel.get(pk, self._base_filters)
        if anomaly is None:
            abort(404)
        if request.method == "POST":
            try:
                supervision.remove_anomaly(g.user, pk, request.form.get("reason", ""))
            except BilingualError as error:
                _refused(error)
            else:
                flash(_("Taken off; the notice is published on the portal."), "success")
                return redirect(url_for("AnomalyView.list"))
        return self.render_template("publicity/anomaly_form.html", anomaly=anomaly,
                                    title=_("Take off"))


class IntegrityView(BaseView):
    """诚信档案 of one enterprise, for officials whose area holds it."""

    route_base = "/integrity"
    default_view = "show"

    @expose("/<int:enterprise_id>")
    @has_access
    def show(self, enterprise_id):
        try:
            enterprise, events = supervision.integrity_record(enterprise_id, g.user)
        except BilingualError:
            abort(404)
        return self.render_template("publicity/integrity.html", enterprise=enterprise,
                                    events=events, lang=current_language(),
                                    title=_("Integrity record: %(name)s",
                                            name=enterprise.name))

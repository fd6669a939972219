"""Score runs: starting one in the background, the run page (grades, distribution, cohort), the
confirmation screen with its second yes, the Excel export."""

from __future__ import annotations

import tempfile

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import scoring
from app.extensions import db
from app.i18n import current_language
from app.models import EvaluationProject, ReportingActivity, ScoreResult, ScoreRun
from app.security.scope import restrict
from app.services import scoring as service
from app.services.platform import audit, jobs
from app.services.scoring import stats as score_stats
from app.views.shell import names
from app.views.shell.base import ScopedModelView
from app.views.shell.filters import ListInterface


class ScoreRunView(ScopedModelView):
    datamodel = ListInterface(ScoreRun)
    route_base = "/scoreruns"
    base_permissions = ["can_list", "can_show", "can_export", "can_start", "can_confirm",
                        "can_results_xlsx"]
    list_title = _l("Score runs")
    list_columns = ["id", "activity", "project", "created_at", "created_by", "scored", "eligible",
                    "passed"]
    label_columns = {"id": _l("Run"), "activity": _l("Activity"), "project": _l("Project"),
                     "created_at": _l("Run at"), "created_by": _l("Run by"),
                     "scored": _l("Scored"), "eligible": _l("Eligible"), "passed": _l("Passed")}
    # A project without a pass rule has no 通过 figure: "—", never 0.
    formatters_columns = {"passed": lambda n: "—" if n is None else n,
                          "project": lambda p: names.project_name(p, version=True)}
    quick_filters = ("activity", "project")
    base_order = ("id", "desc")

    @expose("/start", methods=["GET", "POST"])
    @has_access
    def start(self):
        activities = db.session.execute(select(ReportingActivity).order_by(
            ReportingActivity.id.desc())).scalars().all()
        projects = db.session.execute(select(EvaluationProject).where(
            EvaluationProject.status == "published").order_by(EvaluationProject.code,
                                                             EvaluationProject.version.desc())
        ).scalars().all()
        if request.method == "POST":
            activity = db.session.get(ReportingActivity, request.form.get("activity", type=int))
            project = db.session.get(EvaluationProject, request.form.get("project", type=int))
            if activity is None or project is None:
                abort(404)
            # A run over a whole activity takes a while: it goes to the background with
            # progress under 我的任务, like a large upload. Its name gives the project by code
            # and version, which read the same in either language.
            name = f"{activity.name} · {project.code} v{project.version}"
            job = jobs.start("score_run", name, g.user.id, {
                "activity_id": activity.id, "project_id": project.id, "user_id": g.user.id})
            return redirect(url_for("JobView.show", pk=job.id))
        return self.render_template("score_start.html", activities=activities,
                                    projects=projects, title=_("Run a scoring"))

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        run = self.datamodel.get(pk, self._base_filters)
        if run is None:
            abort(404)
        project = scoring.parse(run.project.definition)
        grades = score_stats.grade_counts(run)
        grade_names = [grade for grade, _n in grades]
        grade_labels = {grade: names.grade_name(grade, project) for grade in grade_names}
        histogram = score_stats.histogram(run)
        results = url_for("ScoreResultView.list")
        by_city = service.grade_table(run, "city")
        by_stage = service.grade_table(run, "stage")
        cities = names.region_names(k for k, _c in by_city)
        stages = {k: names.stage_name(k, project) for k, _c in by_stage}

        def links(column, keys, index=0):
            return lambda grade: [f"{results}?_flt_0_run={run.id}&_flt_3_grade={grade}"
                                  f"&_flt_{index}_{column}={key}" for key in keys]

        def spec(table, labels, link):
            return {"type": "stacked", "categories": [labels.get(k, k) for k, _c in table],
                    "series": [{"name": grade_labels[grade],
                                "data": [c.get(grade, 0) for _k, c in table],
                                "links": link([k for k, _c in table])(grade)}
                               for grade in grade_names]}

        charts = {
            "histogram": {"type": "bar", "categories": score_stats.bin_labels(),
                          "series": [{"name": _("Number of enterprises"), "data": histogram}]},
            "by_city": spec(by_city, cities, lambda keys: links("region_code", keys)),
            "by_stage": spec(by_stage, stages, lambda keys: links("stage", keys, 3)),
        }
        return self.render_template(
            "score_run.html", run=run, project=project, grades=grades, histogram=histogram,
            cohort=service.cohort_summary(run),
            count=sum(histogram), charts=charts,
            by_city=[(cities.get(k, k), v) for k, v in by_city],
            by_stage=[(stages.get(k, k), v) for k, v in by_stage],
            grade_names=grade_names, grade_labels=grade_labels,
            bins=score_stats.bin_labels(), title=_("Score run %(id)s", id=run.id))

    @expose("/confirm/<int:pk>", methods=["GET", "POST"])
    @has_access
    def confirm(self, pk):
        """The confirmation screen: how many results will be frozen, and each stage whose
        cohort is below the minimum — then a second, explicit yes for those."""
        run = self.datamodel.get(pk, self._base_filters)
        if run is None:
            abort(404)
        if request.method == "POST":
            try:
                count = service.confirm(
                    run, accept_small_cohorts=request.form.get("accept_small_cohorts") == "1")
            except service.SmallCohortsNotAccepted as error:
                flash(error.message(current_language()), "warning")
            else:
                flash(_("%(n)d results confirmed.", n=count), "success")
                return redirect(url_for("ScoreRunView.show", pk=pk))
        waiting = db.session.execute(restrict(select(db.func.count()).select_from(ScoreResult)
                                              .where(ScoreResult.run_id == run.id,
                                                     ScoreResult.status != service.CONFIRMED),
                                              ScoreResult)).scalar()
        return self.render_template("score_confirm.html", run=run, waiting=waiting,
                                    cohort=service.cohort_summary(run),
                                    project=scoring.parse(run.project.definition),
                                    title=_("Confirm score run %(id)s", id=run.id))

    @expose("/results_xlsx/<int:pk>")
    @has_access
    def results_xlsx(self, pk):
        run = self.datamodel.get(pk, self._base_filters)
        if run is None:
            abort(404)
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
        service.export_run(run, handle.name)
        audit.record(audit.EXPORT, object_type="ScoreRun", object_id=str(pk), commit=True)
        response = send_file(handle.name, as_attachment=True,
                             download_name=f"score-run-{run.id}.xlsx")
        response.call_on_close(handle.close)
        return response

"""Evaluation projects, score runs, results with breakdowns, confirmation; 我的积分."""

from __future__ import annotations

import tempfile

from flask import Response, abort, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from app.domain import project_files, project_form, scoring
from app.domain.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import EvaluationProject, Region, ReportingActivity, ScoreResult, ScoreRun
from app.security.scope import restrict
from app.services import audit, jobs, score_stats
from app.services import project_editing as editing
from app.services import scoring as service
from app.views.base import AppModelView, InDeploymentProvince, ScopedModelView, shown_cell
from app.views.filters import ListInterface

PROJECT_STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}
RESULT_STATUS_LABELS = {service.COMPUTED: _l("Computed, not yet confirmed"),
                        service.CONFIRMED: _l("Confirmed"),
                        service.FLAGGED: _l("Flagged as outlier")}


def _label(labels: dict, value):
    return str(labels.get(value, value))


def stage_label(code: str | None, names: dict[str, str] | None = None) -> str:
    """A stage by the name its project gives it (初创期; ``names`` when the project is
    known, else any project's), in English by its code."""
    if not code or current_language() != "zh":
        return code or ""
    names = names if names is not None else g.get("stage_names")
    if names is None:  # every project's stages, once per request
        names = g.stage_names = {}
        for definition in db.session.execute(select(EvaluationProject.definition)).scalars():
            rule = definition.get("stage_rule") if isinstance(definition, dict) else None
            for stage in rule.get("stages") or [] if isinstance(rule, dict) else []:
                if isinstance(stage, dict) and stage.get("name"):
                    names.setdefault(str(stage.get("code")), str(stage["name"]))
    return names.get(code, code)


class ProjectView(AppModelView):
    datamodel = ListInterface(EvaluationProject)
    route_base = "/projects"
    base_permissions = ["can_list", "can_show", "can_export", "can_upload", "can_download",
                        "can_edit_project", "can_check_formula", "can_copy_project",
                        "can_new_project"]
    list_title = _l("Evaluation projects")
    list_columns = ["name", "code", "version", "status", "created_on", "created_by"]
    search_columns = ["name", "code", "status"]
    formatters_columns = {"status": lambda s: _label(PROJECT_STATUS_LABELS, s)}
    label_columns = {"name": _l("Name"), "code": _l("Code"), "version": _l("Version"),
                     "status": _l("Status"), "created_on": _l("Created on"),
                     "created_by": _l("Created by")}
    base_order = ("id", "desc")
    extra_args = {"list_links": [
        ("ProjectView.new_project", _l("New project"), "fa-plus"),
        ("ProjectView.upload", _l("Import a project (YAML)"), "fa-upload")]}

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        row = self.datamodel.get(pk)
        if row is None:
            abort(404)
        project = scoring.parse(row.definition, check_totals=False)
        return self.render_template("project.html", row=row, project=project,
                                    yaml_text=project_files.dump(row.definition),
                                    title=str(row))

    @expose("/upload", methods=["GET", "POST"])
    @has_access
    def upload(self):
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                row = service.import_project(upload.read() if upload else b"")
            except scoring.ProjectError as error:
                flash(error.message(current_language()), "danger")
                return redirect(url_for("ProjectView.upload"))
            flash(_("Imported %(code)s version %(v)s.", code=row.code, v=row.version), "success")
            return redirect(url_for("ProjectView.show", pk=row.id))
        return self.render_template("project_upload.html", title=_("Import a project"))

    @expose("/edit_project/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit_project(self, pk):
        """The indicator-system editor: stages, groups, indicators with their method, formula,
        weights per stage, bands and items, conditions, grades; apply, save a draft, publish,
        or preview on an activity's data."""
        row = self.datamodel.get(pk)
        if row is None:
            abort(404)
        definition, preview, lang = row.definition, None, current_language()
        if request.method == "POST":
            definition = editing.edit_definition(row.definition, request.form)
            action_name = request.form.get("do", "save")
            try:
                if action_name == "apply":
                    scoring.parse(definition, check_totals=False)
                elif action_name == "preview":
                    activity = db.session.get(ReportingActivity,
                                              request.form.get("activity", type=int))
                    if activity is None:
                        abort(404)
                    preview = editing.preview(activity, definition)
                else:
                    saved = editing.save_edit(row, definition, action_name == "publish")
                    flash(_("Saved as %(code)s version %(v)s (%(status)s).", code=saved.code,
                            v=saved.version, status=_label(PROJECT_STATUS_LABELS, saved.status)),
                          "success")
                    return redirect(url_for("ProjectView.edit_project", pk=saved.id))
            except scoring.ProjectError as error:
                flash(error.message(lang), "danger")  # the form keeps what was typed
        preview_chart = preview and {
            "type": "bar", "categories": score_stats.bin_labels(),
            "series": [{"name": _("Number of enterprises"), "data": preview["histogram"]}]}
        return self.render_template("project_edit.html", **editor_context(row, definition),
                                    preview=preview, preview_chart=preview_chart, lang=lang,
                                    confirmed=editing.has_confirmed(row),
                                    title=_("Edit %(name)s", name=str(row)))

    @expose("/copy_project/<int:pk>", methods=["GET", "POST"])
    @has_access
    def copy_project(self, pk):
        row = self.datamodel.get(pk)
        if row is None:
            abort(404)
        return self._name_form(_("Copy %(name)s", name=str(row)),
                               lambda code, name: editing.copy_project(row, code, name),
                               default_code=f"{row.code}-copy", default_name=f"{row.name}（副本）")

    @expose("/new_project", methods=["GET", "POST"])
    @has_access
    def new_project(self):
        return self._name_form(_("New evaluation project"), editing.new_project)

    def _name_form(self, title, create, default_code="", default_name=""):
        code = request.form.get("code", default_code)
        name = request.form.get("name", default_name)
        if request.method == "POST":
            try:
                created = create(code, name)
            except editing.ProjectNameError as error:
                flash(error.message(current_language()), "danger")
            else:
                flash(_("Created %(code)s as a draft: shape it here, then publish.",
                        code=created.code), "success")
                return redirect(url_for("ProjectView.edit_project", pk=created.id))
        return self.render_template("project_new.html", title=title, code=code, name=name)

    @expose("/check_formula", methods=["POST"])
    @has_access
    def check_formula(self):
        """Checks a formula as it is typed."""
        from app.domain.expressions import ExpressionError, compile_expression

        try:
            expression = compile_expression(request.form.get("formula", ""),
                                            frozenset(REGISTRY.keys()), scoring.FUNCTIONS)
        except ExpressionError as error:
            return jsonify(ok=False, message=error.message(current_language()))
        return jsonify(ok=True, fields=sorted(expression.names))

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk):
        row = self.datamodel.get(pk)
        if row is None:
            abort(404)
        audit.record(audit.DOWNLOAD, object_type="EvaluationProject", object_id=str(pk),
                     commit=True)
        return Response(project_files.dump(row.definition), mimetype="application/x-yaml",
                        headers={"Content-Disposition":
                                 f"attachment; filename={row.code}-v{row.version}.yaml"})


METHOD_LABELS = {"cohort_percentile": _l("Cohort percentile"), "reference": _l("Reference value"),
                 "min_max": _l("Min–max in cohort"), "bands": _l("Bands"),
                 "points_per_item": _l("Points per item")}


def editor_context(row: EvaluationProject, definition: dict) -> dict:
    """What the editor template needs, read from the (possibly not yet valid) definition."""
    rule = definition.get("stage_rule")
    stages = rule.get("stages", []) if isinstance(rule, dict) else []
    columns = [(s.get("code"), s.get("name") or s.get("code")) for s in stages] or \
        [(project_form.NO_STAGE, _("Weight"))]
    activities = db.session.execute(select(ReportingActivity).order_by(
        ReportingActivity.id.desc())).scalars().all()
    return {"row": row, "status_name": _label(PROJECT_STATUS_LABELS, row.status),
            "definition": definition, "stages": stages, "columns": columns,
            "stage_by": rule.get("by") if isinstance(rule, dict) else "none",
            "methods": METHOD_LABELS, "weighted": project_form.WEIGHTED,
            "blank": range(project_form.BLANK_ROWS), "activities": activities,
            "fields": REGISTRY}


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
    formatters_columns = {"passed": lambda n: "—" if n is None else n}
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
            # progress under 我的任务, like a large upload.
            job = jobs.start("score_run", f"{activity.name}：{project}", g.user.id, {
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
        grades = score_stats.grade_counts(run)
        grade_names = [grade for grade, _n in grades]
        histogram = score_stats.histogram(run)
        cities = {code: name for code, name in db.session.execute(
            select(Region.code, Region.name).where(Region.level == "city"))}
        stages = {s.code: s.name for s in scoring.parse(run.project.definition).stages}
        results = url_for("ScoreResultView.list")
        by_city = service.grade_table(run, "city")
        by_stage = service.grade_table(run, "stage")

        def links(column, keys, index=0):
            return lambda grade: [f"{results}?_flt_0_run={run.id}&_flt_3_grade={grade}"
                                  f"&_flt_{index}_{column}={key}" for key in keys]

        def spec(table, names, link):
            return {"type": "stacked", "categories": [names.get(k, k) for k, _c in table],
                    "series": [{"name": grade, "data": [c.get(grade, 0) for _k, c in table],
                                "links": link([k for k, _c in table])(grade)}
                               for grade in grade_names]}

        charts = {
            "histogram": {"type": "bar", "categories": score_stats.bin_labels(),
                          "series": [{"name": _("Number of enterprises"), "data": histogram}]},
            "by_city": spec(by_city, cities, lambda keys: links("region_code", keys)),
            "by_stage": spec(by_stage, stages, lambda keys: links("stage", keys, 3)),
        }
        return self.render_template(
            "score_run.html", run=run, grades=grades, histogram=histogram,
            cohort=service.cohort_summary(run),
            count=sum(histogram), charts=charts,
            by_city=[(cities.get(k, k), v) for k, v in by_city],
            by_stage=[(stages.get(k, k), v) for k, v in by_stage],
            grade_names=grade_names, bins=score_stats.bin_labels(),
            title=_("Score run %(id)s", id=run.id))

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


class ScoreResultView(ScopedModelView):
    datamodel = ListInterface(ScoreResult)
    route_base = "/scores"
    base_permissions = ["can_list", "can_show", "can_export", "confirm_selected", "flag"]
    list_title = _l("Scores")
    list_columns = ["name", "uscc", "region", "stage", "total", "grade", "passed", "status",
                    "run"]
    search_columns = ["name", "uscc", "region", "region_code", "stage", "grade", "tech_field",
                      "status", "passed", "run", "total"]
    label_columns = {"region_code": _l("Region code"), "name": _l("Enterprise"),
                     "uscc": _l("Unified social credit code"),
                     "region": _l("Region"), "stage": _l("Stage"), "total": _l("Total"),
                     "grade": _l("Grade"), "passed": _l("Passed"), "status": _l("Status"),
                     "run": _l("Run"), "tech_field": _l("Technology field")}
    search_form_query_rel_fields = {"region": [["code", InDeploymentProvince, None]]}
    formatters_columns = {"stage": stage_label,
                          "status": lambda s: _label(RESULT_STATUS_LABELS, s),
                          "passed": lambda v: "—" if v is None else shown_cell(v)}
    base_order = ("total", "desc")

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        result = self.datamodel.get(pk, self._base_filters)
        if result is None:
            abort(404)
        return self.render_template("score_breakdown.html", **breakdown_context(result))

    @action("confirm_selected", _l("Confirm"), _l("Confirm the selected scores?"), "fa-check")
    def confirm_selected(self, items):
        items = items if isinstance(items, list) else [items]
        count = 0
        for run_id in sorted({i.run_id for i in items}):
            run = db.session.get(ScoreRun, run_id)
            try:
                count += service.confirm(run, [i.id for i in items if i.run_id == run_id])
            except service.SmallCohortsNotAccepted as error:
                # The explicit second yes is given on the run's confirmation screen.
                link = _("Open the confirmation screen")
                flash(Markup(f'{escape(error.message(current_language()))} <a href="'
                             f'{url_for("ScoreRunView.confirm", pk=run_id)}">'
                             f'{escape(link)}</a>'), "warning")
        if count:
            flash(_("%(n)d results confirmed.", n=count), "success")
        return redirect(self.get_redirect())

    def hidden_list_columns(self, filters) -> set[str]:
        """No 通过 column or filter for a run whose project decides no passing."""
        run = _filtered_run(filters)
        if run is not None and not scoring.parse(run.project.definition).decides_pass:
            return {"passed"}
        return set()

    @action("flag", _l("Flag as outlier"), None, "fa-flag")
    def flag(self, items):
        items = items if isinstance(items, list) else [items]
        service.flag([i.id for i in items], request.form.get("note") or _("outlier"))
        flash(_("Flagged."), "info")
        return redirect(self.get_redirect())


def _filtered_run(filters) -> ScoreRun | None:
    """The one run a list is filtered to (``_flt_0_run=ID``), in the user's scope."""
    values = [value for flt, value in filters.get_filters_values()
              if flt.column_name == "run" and flt.arg_name == "rel_o_m"]
    values = [v for value in values for v in (value if isinstance(value, list) else [value])]
    if len(values) != 1:
        return None
    try:
        run_id = int(getattr(values[0], "id", values[0]))
    except (TypeError, ValueError):
        return None
    return db.session.execute(restrict(select(ScoreRun).where(ScoreRun.id == run_id),
                                       ScoreRun)).scalar_one_or_none()


_EMPTY_BREAKDOWN = dict.fromkeys(("value", "cohort", "cohort_size", "normalized", "weight",
                                  "points", "note"))


def breakdown_context(result: ScoreResult) -> dict:
    project = scoring.parse(result.run.project.definition)
    stages = {s.code: s.name for s in project.stages}
    rows = []
    breakdown = service.breakdown_of(result)
    for group in project.groups:
        for indicator in group.indicators:
            # An indicator the stored breakdown lacks shows as "—" instead of failing the page.
            rows.append((group, indicator, {**_EMPTY_BREAKDOWN,
                                            **(breakdown.get(indicator.code) or {})}))
    def cohort_name(key: str | None) -> str:
        """A cohort by the names people use: 成长期, or 成长期 · 电子信息 (same field)."""
        stage, _bar, field_ = str(key or "").partition("|")
        name = _("all enterprises") if stage == "*" else stage_label(stage, stages)
        return f"{name} · {field_}" if field_ else name

    return {"result": result, "project": project, "rows": rows, "cohort_name": cohort_name,
            "stage_name": stage_label(result.stage, stages),
            "status_name": _label(RESULT_STATUS_LABELS, result.status),
            "title": _("Score of %(name)s", name=result.name or "")}


class MyScoreView(BaseView):
    """我的积分: the enterprise's own confirmed scores, each point explained."""

    route_base = "/myscore"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        results = db.session.execute(restrict(select(ScoreResult).where(
            ScoreResult.status == service.CONFIRMED).order_by(ScoreResult.id.desc()),
            ScoreResult)).scalars().all()
        return self.render_template("my_scores.html",
                                    items=[breakdown_context(r) for r in results],
                                    title=_("My innovation points"), user=g.user)

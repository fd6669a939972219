"""Evaluation projects: the list, import and download as YAML, the indicator-system editor with
preview, copy and new."""

from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import scoring
from app.domain.records.fields import REGISTRY
from app.domain.scoring import files as project_files
from app.domain.scoring import form as project_form
from app.extensions import db
from app.i18n import current_language
from app.models import EvaluationProject, ReportingActivity
from app.services import scoring as service
from app.services.platform import audit
from app.services.scoring import editing
from app.services.scoring import stats as score_stats
from app.views.scoring.results import PROJECT_STATUS_LABELS, _label
from app.views.shell import names, tags
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface


class ProjectView(AppModelView):
    datamodel = ListInterface(EvaluationProject)
    route_base = "/projects"
    base_permissions = ["can_list", "can_show", "can_export", "can_upload", "can_download",
                        "can_edit_project", "can_check_formula", "can_copy_project",
                        "can_new_project"]
    list_title = _l("Evaluation projects")
    list_columns = ["name", "code", "version", "status", "created_on", "created_by"]
    search_columns = ["name", "code", "status"]
    formatters_columns = {"status": lambda s: _label(PROJECT_STATUS_LABELS, s),
                          "name": names.project_title}
    label_columns = {"name": _l("Name"), "code": _l("Code"), "version": _l("Version"),
                     "status": _l("Status"), "created_on": _l("Created on"),
                     "created_by": _l("Created by")}
    shown_formatters = {"status": tags.labelled_tags(
        PROJECT_STATUS_LABELS, {"draft": "grey", "published": "green"})}
    quick_filters = ("name", "status")
    quick_choices = {"status": lambda: [(k, str(v)) for k, v in PROJECT_STATUS_LABELS.items()]}
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
        stage_texts = [_("%(stage)s (below %(bound)s)", stage=names.label(s), bound=f"{s.below:g}")
                       if s.below is not None else names.label(s) for s in project.stages]
        weights = {i.code: [f"{names.stage_name(k, project)}: {v:g}" for k, v in i.weights.items()]
                   for i in project.indicators}
        return self.render_template("project.html", row=row, project=project,
                                    yaml_text=project_files.dump(row.definition),
                                    methods=METHOD_LABELS, stage_texts=stage_texts,
                                    weights=weights,
                                    title=names.project_name(row, version=True))

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
                                    title=_("Edit %(name)s",
                                            name=names.project_name(row, version=True)))

    @expose("/copy_project/<int:pk>", methods=["GET", "POST"])
    @has_access
    def copy_project(self, pk):
        row = self.datamodel.get(pk)
        if row is None:
            abort(404)
        return self._name_form(_("Copy %(name)s", name=names.project_name(row, version=True)),
                               lambda code, name: editing.copy_project(row, code, name),
                               default_code=f"{row.code}-copy",
                               default_name=_("%(name)s (copy)", name=row.name))

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
    lang = current_language()
    columns = [(s.get("code"), scoring.bilingual(str(s.get("name") or ""),
                                                 str(s.get("name_en") or ""), lang)
                or s.get("code")) for s in stages] or [(project_form.NO_STAGE, _("Weight"))]
    activities = db.session.execute(select(ReportingActivity).order_by(
        ReportingActivity.id.desc())).scalars().all()
    return {"row": row, "status_name": _label(PROJECT_STATUS_LABELS, row.status),
            "definition": definition, "stages": stages, "columns": columns,
            "stage_by": rule.get("by") if isinstance(rule, dict) else "none",
            "methods": METHOD_LABELS, "weighted": project_form.WEIGHTED,
            "blank": range(project_form.BLANK_ROWS), "activities": activities,
            "fields": REGISTRY}

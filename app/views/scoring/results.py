"""Score results with the breakdown that explains every point, their confirmation and flags
from the list, and 我的积分 (the enterprise's own confirmed scores)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from app.domain import scoring
from app.extensions import db
from app.i18n import current_language
from app.models import ScoreResult, ScoreRun
from app.security.scope import restrict
from app.services import scoring as service
from app.services.national import mine
from app.views.shell import names, tags
from app.views.shell.base import InDeploymentProvince, ScopedModelView, shown_cell
from app.views.shell.filters import ListInterface

PROJECT_STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}
RESULT_STATUS_LABELS = {service.COMPUTED: _l("Computed, not yet confirmed"),
                        service.CONFIRMED: _l("Confirmed"),
                        service.FLAGGED: _l("Flagged as outlier")}


def _label(labels: dict, value):
    return str(labels.get(value, value))


def stage_label(code: str | None, project: scoring.Project | None = None) -> str:
    """A stage by the name its project gives it (初创期 / Start-up; ``project`` when it is
    known, else the newest project naming the code)."""
    return names.stage_name(code, project)


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
    formatters_columns = {"stage": stage_label, "grade": names.grade_name,
                          "tech_field": lambda v: names.option_label(v, "tech_field"),
                          "status": lambda s: _label(RESULT_STATUS_LABELS, s),
                          "passed": lambda v: "—" if v is None else shown_cell(v)}
    shown_formatters = {"status": tags.labelled_tags(RESULT_STATUS_LABELS, {
        service.COMPUTED: "blue", service.CONFIRMED: "green", service.FLAGGED: "orange"})}
    quick_filters = ("name", "uscc", "region", "status", "run")
    quick_choices = {"status": lambda: [(k, str(v)) for k, v in RESULT_STATUS_LABELS.items()]}
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
    """The breakdown of a result in the user's language: groups, indicators, units, stage,
    cohort, grade, notes and reasons by their names."""
    project = scoring.parse(result.run.project.definition)
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
        name = _("all enterprises") if stage == "*" else stage_label(stage, project)
        return f"{name} · {names.option_label(field_, 'tech_field')}" if field_ else name

    return {"result": result, "project": project, "rows": rows, "cohort_name": cohort_name,
            "stage_name": stage_label(result.stage, project),
            "grade_name": names.grade_name(result.grade, project),
            "reasons": [names.note(r, project) for r in result.reasons or []],
            "status_name": _label(RESULT_STATUS_LABELS, result.status),
            "title": _("Score of %(name)s", name=result.name or "")}


class MyScoreView(BaseView):
    """我的积分: the Ministry's confirmed national points, and the enterprise's own confirmed
    provincial scores (each point explained) where the province shows them."""

    route_base = "/myscore"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template(
            "my_scores.html", national=mine.confirmed_points(),
            items=[breakdown_context(r) for r in mine.shown_provincial()],
            title=_("My innovation points"), user=g.user)

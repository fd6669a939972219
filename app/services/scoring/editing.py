"""The indicator-system editor's operations: apply an edit, save a draft or publish (a new
version when the edited one is published or scored), copy a project, start a new one, and
preview a draft on an activity's data."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from app.domain import scoring, workflow
from app.domain.errors import BilingualError
from app.domain.scoring import form as project_form
from app.extensions import db
from app.models import EvaluationProject, ReportingActivity, ScoreResult, ScoreRun, Submission
from app.security.scope import restrict
from app.services.scoring.projects import _username
from app.services.scoring.runs import _BASE_COLUMNS, CONFIRMED, SCORABLE


class ProjectNameError(BilingualError):
    """The code or name of a new project is not usable; nothing was saved."""


def edit_definition(definition: dict, form) -> dict:
    return project_form.apply_form(definition, form)


def has_confirmed(row: EvaluationProject) -> bool:
    return db.session.execute(select(ScoreResult.id).join(ScoreRun).where(
        ScoreRun.project_id == row.id, ScoreResult.status == CONFIRMED).limit(1)).first() \
        is not None


def _next_version(code: str) -> int:
    return (db.session.execute(select(func.max(EvaluationProject.version)).where(
        EvaluationProject.code == code)).scalar() or 0) + 1


def save_edit(row: EvaluationProject, definition: dict, publish: bool) -> EvaluationProject:
    """Check the edited project (a draft may be saved before its weights add up; publishing
    needs them to); a published or scored version is never changed in place: the edit becomes
    the code's next version. Nothing is saved when the check fails."""
    scoring.parse(definition, check_totals=publish)  # raises ProjectError with the first problem
    if row.status == "published" or has_confirmed(row):
        row = EvaluationProject(code=row.code, version=_next_version(row.code),
                                name=definition["name"], definition=definition, status="draft",
                                created_by=_username())
        db.session.add(row)
    else:
        row.definition = definition
        row.name = definition["name"]
    if publish:
        row.status = "published"
    db.session.commit()
    return row


def _check_new_code(code: str, name: str) -> None:
    if not project_form.CODE_RE.match(code):
        raise ProjectNameError(
            "项目代码应以小写字母开头，只含小写字母、数字、“-”“_”“.”，2 至 64 个字符。",
            "A project code starts with a lower-case letter and has 2 to 64 lower-case "
            "letters, digits, “-”, “_” or “.”.")
    if not name.strip():
        raise ProjectNameError("请填写项目名称。", "Please give the project a name.")
    if db.session.execute(select(EvaluationProject.id).where(
            EvaluationProject.code == code).limit(1)).first():
        raise ProjectNameError(f"项目代码“{code}”已被使用，请换一个。",
                               f"The project code “{code}” is taken: choose another.")


def copy_project(row: EvaluationProject, code: str, name: str) -> EvaluationProject:
    """A draft copy of a project version under a new code, to be shaped in the editor."""
    code, name = code.strip(), name.strip()
    _check_new_code(code, name)
    definition = copy.deepcopy(row.definition)
    definition.update(code=code, name=name, name_en=name)
    copied = EvaluationProject(code=code, version=1, name=name, definition=definition,
                               status="draft", created_by=_username())
    db.session.add(copied)
    db.session.commit()
    return copied


def new_project(code: str, name: str) -> EvaluationProject:
    code, name = code.strip(), name.strip()
    _check_new_code(code, name)
    row = EvaluationProject(code=code, version=1, name=name, status="draft",
                            definition=project_form.starter_definition(code, name),
                            created_by=_username())
    db.session.add(row)
    db.session.commit()
    return row


def preview(activity: ReportingActivity, definition: dict) -> dict:
    """What a (draft) project would give on the activity's current data, stored nowhere:
    the distribution, and the enterprises whose confirmed grade would change (name, credit
    code, grade now, grade then, new total)."""
    project = scoring.parse(definition)
    columns = [*_BASE_COLUMNS, *sorted(project.fields_used - set(_BASE_COLUMNS))]
    rows = [dict(zip(columns, row, strict=True)) for row in db.session.execute(restrict(
        select(*[getattr(Submission, c) for c in columns]).where(
            Submission.activity_id == activity.id, Submission.status.in_(
                (*SCORABLE, workflow.CONFIRMED))), Submission))]
    results = scoring.score(project, [(r["id"], r) for r in rows], activity.data_year)
    current = dict(db.session.execute(select(ScoreResult.submission_id, ScoreResult.grade)
                                      .join(ScoreRun).join(EvaluationProject).where(
        ScoreRun.activity_id == activity.id, EvaluationProject.code == project.code,
        ScoreResult.status == CONFIRMED)).all())
    histogram = [0] * 14
    grades: dict[str, int] = {}
    changed = []
    names = {r["id"]: (r["name"] or "", r["uscc"]) for r in rows}
    for result in results:
        if result.total is not None:
            histogram[min(13, int(result.total // 10))] += 1
        if result.grade:
            grades[result.grade] = grades.get(result.grade, 0) + 1
        if result.key in current and current[result.key] != result.grade:
            changed.append((*names[result.key], current[result.key], result.grade,
                            result.total))
    return {"count": len(results), "histogram": histogram, "grades": sorted(grades.items()),
            "changed": changed}

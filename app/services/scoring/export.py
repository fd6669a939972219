"""What a run shows and hands over: its results as SPEC §11's JSON, as an Excel file with
every breakdown and a sheet on its cohort, the cohort summary its pages show, grades
counted per city or stage."""

from __future__ import annotations

from sqlalchemy import func, select

from app.domain import scoring
from app.extensions import db
from app.models import ScoreResult, ScoreRun
from app.security.scope import UserScope, restrict
from app.services.platform.excel import write_workbook
from app.services.scoring.runs import COMPUTED, CONFIRMED, FLAGGED, breakdown_of


def run_json(run: ScoreRun) -> dict:
    """SPEC §11's `scores run --json` form."""
    results = db.session.execute(select(ScoreResult).where(ScoreResult.run_id == run.id)
                                 .order_by(ScoreResult.id)).scalars()
    return {"run": run.id, "results": [
        {"uscc": r.uscc, "eligible": r.eligible, "stage": r.stage, "total": r.total,
         "grade": r.grade, "passed": r.passed,
         "indicators": {code: b["points"] for code, b in breakdown_of(r).items()}}
        for r in results]}


RESULT_STATUS_ZH = {COMPUTED: "已测算待确认", CONFIRMED: "已确认", FLAGGED: "已标记异常"}


def cohort_summary(run: ScoreRun) -> dict:
    """What the run page, its export and the confirmation screen say about the cohort:
    re-scored of the cohort, each stage's size (by the project's names) and the stages
    below the minimum."""
    project = scoring.parse(run.project.definition)
    cohorts = run.cohorts or {}
    sizes = cohorts.get("stages") or {}
    names = {s.code: s.name for s in project.stages}
    small = dict(project.small_cohorts(sizes))
    order = [s.code for s in project.stages] or ["*"]
    return {"scored": run.scored, "cohort_size": run.cohort_size,
            "confirmed": cohorts.get("confirmed"), "min_size": project.min_cohort_size,
            "uses_cohorts": project.uses_cohorts, "decides_pass": project.decides_pass,
            "stages": [(code, names.get(code) or ("全部" if code == "*" else code),
                        sizes.get(code, 0), code in small) for code in order if code in sizes],
            "small": [(names.get(code) or code, size) for code, size in small.items()]}


def export_run(run: ScoreRun, path: str, scope: UserScope | None = None) -> int:
    """The run's results with their breakdown, one row per enterprise; a second sheet says
    how the run was made: re-scored of the cohort, each stage's cohort and its warnings."""
    project = scoring.parse(run.project.definition)
    indicators = project.indicators
    headers = ["统一社会信用代码", "企业名称", "所属地区", "发展阶段", "符合条件", "总分", "等级",
               *(["是否通过"] if project.decides_pass else []), "状态", "说明"]
    for indicator in indicators:
        headers += [f"{indicator.name}-取值", f"{indicator.name}-标准化值",
                    f"{indicator.name}-权重", f"{indicator.name}-得分"]
    stages = {s.code: s.name for s in project.stages}

    def rows():
        for r in db.session.execute(restrict(select(ScoreResult).where(
                ScoreResult.run_id == run.id).order_by(ScoreResult.total.desc()),
                ScoreResult, scope)).scalars():
            row = [r.uscc, r.name, r.region.full_name if r.region else r.region_code,
                   stages.get(r.stage, r.stage), "是" if r.eligible else "否", r.total, r.grade]
            if project.decides_pass:
                row.append({True: "是", False: "否"}.get(r.passed, ""))
            row += [RESULT_STATUS_ZH.get(r.status, r.status), "；".join(r.reasons or [])]
            breakdown = breakdown_of(r)
            for indicator in indicators:
                b = breakdown.get(indicator.code) or {}
                row += [b.get("value"), b.get("normalized"), b.get("weight"), b.get("points")]
            yield row

    return write_workbook(path, "积分测算结果", headers, rows(),
                          extra_sheets={"测算说明": _run_notes(run)})


def _run_notes(run: ScoreRun) -> list[list]:
    summary = cohort_summary(run)
    notes = [["测算批次", f"#{run.id}"], ["填报活动", run.activity.name],
             ["评价项目", str(run.project)],
             ["测算时间", run.created_at.strftime("%Y-%m-%d %H:%M")],
             ["本次测算企业数", run.scored]]
    if summary["cohort_size"] is not None:
        notes += [["同级比较群体（全省本活动可测算企业，含已确认）", summary["cohort_size"]],
                  ["其中已确认（按确认时的取值计入）", summary["confirmed"] or 0],
                  ["最少同级比较群体规模", summary["min_size"]], [],
                  ["发展阶段", "群体规模", "提示"]]
        notes += [[name, size, f"群体小于最少 {summary['min_size']} 家，积分仅供参考，确认前请核实"
                   if small and summary["uses_cohorts"] else ""]
                  for _code, name, size, small in summary["stages"]]
    return notes


def grade_table(run: ScoreRun, by: str) -> list[tuple[str, dict[str, int]]]:
    """Grades counted per city (by="city") or per stage (by="stage"), in the user's scope."""
    key = func.substr(ScoreResult.region_code, 1, 4) if by == "city" else ScoreResult.stage
    rows = db.session.execute(restrict(select(key, ScoreResult.grade, func.count()).where(
        ScoreResult.run_id == run.id).group_by(key, ScoreResult.grade), ScoreResult)).all()
    table: dict[str, dict[str, int]] = {}
    for group, grade, count in rows:
        table.setdefault(str(group or "—"), {})[grade or "—"] = count
    return sorted(table.items())

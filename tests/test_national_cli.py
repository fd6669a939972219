"""``national export``, ``national feedback`` and ``national points`` (SPEC §11, §12.5): the
loop from the first batch through the Ministry's problems, the correction and the
supplementary batch, to its points beside our run."""

from __future__ import annotations

import hashlib
import json

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.models import NationalPoints, ReviewRecord, ScoreResult, Submission
from app.services.intake import activities
from tests.test_batch import _file, _records
from tests.test_publicity_cli import _invoke, _json


def _xlsx(path, rows) -> str:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return str(path)


@pytest.fixture(scope="module")
def reported(app, tmp_path_factory):
    """An activity with six records approved (uploaded by the province) and a score run."""
    with app.app_context():
        activity_id = activities.create_activity("国家报送测试活动", 2025, "county",
                                                 open_now=True).id
    records = _records(6, start=97100, bad_every=0, seed=43)
    folder = tmp_path_factory.mktemp("national")
    path = folder / "省级上传.xlsx"
    path.write_bytes(_file(app, activity_id, records))
    assert _json(app, "batch", "import", path, "--activity", activity_id, "--user",
                 "province_admin", "--json")["passed"] == 6
    scored = _invoke(app, "scores", "run", "--activity", activity_id, "--project",
                     "innovation-points-2.0", "--json")
    assert scored.exit_code == 0, scored.output
    # The small cohort's warning follows the JSON line.
    run = json.loads(next(line for line in scored.output.splitlines() if line.startswith("{")))
    return activity_id, [r["uscc"] for r in records], folder, run


def _status(app, uscc, activity_id):
    with app.app_context():
        return db.session.execute(select(Submission.status).where(
            Submission.uscc == uscc, Submission.activity_id == activity_id)).scalar_one()


def test_the_national_loop(app, reported, tmp_path):
    activity_id, usccs, folder, run = reported
    out = tmp_path / "第一批"
    first = _json(app, "national", "export", "--activity", activity_id, "--out", out, "--json")
    assert first["records"] == 6 and first["supplementary"] is False
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["batch"] == first["batch"] and manifest["activity"] == activity_id
    assert manifest["records"] == 6
    assert [f["name"] for f in manifest["files"]] == first["files"]
    assert "manifest.json" not in first["files"]
    for item in manifest["files"]:
        data = (out / item["name"]).read_bytes()
        assert item["bytes"] == len(data) and item["sha256"] == hashlib.sha256(data).hexdigest()
    (book,) = [n for n in first["files"] if n.endswith(".xlsx")]
    rows = CalamineWorkbook.from_path(str(out / book)).get_sheet_by_index(0).to_python()
    assert rows[0] == [f.header("zh", False) for f in REGISTRY]  # no required star
    assert len(rows) == 7 and {r[1] for r in rows[1:]} == set(usccs)

    nothing = _invoke(app, "national", "export", "--activity", activity_id, "--out",
                      tmp_path / "空")
    assert nothing.exit_code != 0 and "Nothing is left to report" in nothing.output
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    refused = _invoke(app, "national", "export", "--activity", activity_id, "--out", busy)
    assert refused.exit_code != 0 and "not empty" in refused.output

    # The Ministry returns two records; one USCC it names is unknown here.
    stranger = "91210202MA0099999" + _check("91210202MA0099999")
    problems = _xlsx(folder / "问题清单.xlsx", [
        ["统一社会信用代码", "问题字段", "问题说明"],
        [usccs[0], "研发费用（数据年度）（万元）", "研发费用与加计扣除数据不符"],
        [usccs[1], "", "营业执照状态异常"],
        [stranger, "", "未知企业"]])
    result = _json(app, "national", "feedback", problems, "--activity", activity_id, "--json")
    assert result["returned"] == 2 and result["unknown"] == [stranger]
    assert result["not_sent"] == [] and result["already_applied"] == 0
    assert _status(app, usccs[0], activity_id) == "national_returned"
    with app.app_context():
        review = db.session.execute(select(ReviewRecord).join(Submission).where(
            Submission.uscc == usccs[0], ReviewRecord.action == "national_return")).scalar_one()
        assert review.fields == ["rd_expense"] and "加计扣除" in review.comment
        # No enterprise account: the notice goes back to the bureau that uploaded it.
        from app.models import AppUser, Notification

        uploader = db.session.execute(select(AppUser.id).where(
            AppUser.username == "province_admin")).scalar_one()
        told = db.session.execute(select(Notification.text_zh).where(
            Notification.user_id == uploader, Notification.text_zh.contains("国家系统退回"),
            Notification.text_zh.contains("加计扣除"))).scalars().all()
        assert told
    again = _json(app, "national", "feedback", problems, "--activity", activity_id, "--json")
    assert again["returned"] == 0 and again["already_applied"] == 3

    # Corrected and approved again, the record goes into a supplementary batch, alone.
    with app.app_context():
        from app.domain import workflow
        from app.services.review import workflow as flow

        record = db.session.execute(select(Submission).where(
            Submission.uscc == usccs[0], Submission.activity_id == activity_id)).scalar_one()
        flow.move(record, workflow.APPROVED, workflow.APPROVE, "更正后通过", (None, "test"))
        db.session.commit()
    second = _json(app, "national", "export", "--activity", activity_id, "--out",
                   tmp_path / "补报", "--json")
    assert second["records"] == 1 and second["supplementary"] is True
    # A problem list naming a record no batch holds now lists it as not sent.
    late = _xlsx(folder / "问题清单2.xlsx", [["统一社会信用代码", "问题说明"],
                                         [usccs[1], "仍有问题"]])
    assert _json(app, "national", "feedback", late, "--activity", activity_id,
                 "--json")["not_sent"] == [usccs[1]]

    # National points: beside our run, compared with it, never written into it.
    with app.app_context():
        ours = {r.uscc: (r.total, r.grade) for r in db.session.execute(select(ScoreResult).where(
            ScoreResult.run_id == run["run"])).scalars()}
    grade = ours[usccs[2]][1]
    points = _xlsx(folder / "国家积分.xlsx", [
        ["统一社会信用代码", "创新积分", "等级"],
        [usccs[2], ours[usccs[2]][0], grade],                 # the same
        [usccs[3], (ours[usccs[3]][0] or 0) + 5, ours[usccs[3]][1]],  # differs
        [stranger, 50, grade]])
    result = _json(app, "national", "points", points, "--activity", activity_id, "--json")
    assert result["matched"] == 2 and result["unmatched"] == [stranger]
    assert result["differing"] == 1 and result["already_applied"] == 0
    assert _json(app, "national", "points", points, "--activity", activity_id,
                 "--json")["already_applied"] == 3
    with app.app_context():
        kept = db.session.execute(select(NationalPoints).where(
            NationalPoints.uscc == usccs[3])).scalar_one()
        assert kept.status == "received" and kept.provincial_total == ours[usccs[3]][0]
        after = {r.uscc: (r.total, r.grade) for r in db.session.execute(select(ScoreResult).where(
            ScoreResult.run_id == run["run"])).scalars()}
    assert after == ours


def _check(first17: str) -> str:
    from app.domain.records.uscc import check_character

    return check_character(first17)


def test_a_bad_file_is_refused_whole_with_its_rows(app, reported):
    activity_id, usccs, folder, _run = reported
    before = {u: _status(app, u, activity_id) for u in usccs}
    other = "91110105MA0000001" + _check("91110105MA0000001")
    bad = _xlsx(folder / "坏问题清单.xlsx", [
        ["统一社会信用代码", "问题字段", "问题说明"],
        [usccs[4], "", "有问题"], [usccs[4], "", "重复"], [other, "", "外省"]])
    refused = _invoke(app, "national", "feedback", bad, "--activity", activity_id)
    assert refused.exit_code != 0
    assert "第 3 行" in refused.output and "第 4 行" in refused.output
    assert "Row 4:" in refused.output
    assert {u: _status(app, u, activity_id) for u in usccs} == before
    header = _xlsx(folder / "错表头.xlsx", [["信用代码", "积分"], [usccs[4], 1]])
    wrong = _invoke(app, "national", "points", header, "--activity", activity_id)
    assert wrong.exit_code != 0 and "header" in wrong.output
    grades = _xlsx(folder / "错等级.xlsx", [["统一社会信用代码", "创新积分", "等级"],
                                        [usccs[4], "abc", "A"], [usccs[5], 60, "Z"]])
    points = _invoke(app, "national", "points", grades, "--activity", activity_id)
    assert points.exit_code != 0 and "第 2 行" in points.output and "第 3 行" in points.output


def test_only_the_province_reports(app, reported, tmp_path):
    activity_id, *_ = reported
    refused = _invoke(app, "national", "export", "--activity", activity_id, "--out",
                      tmp_path / "x", "--user", "city_reviewer")
    assert refused.exit_code != 0 and "province administrator" in refused.output
    unknown = _invoke(app, "national", "export", "--activity", 99999, "--out", tmp_path / "y")
    assert unknown.exit_code != 0 and "99999" in unknown.output

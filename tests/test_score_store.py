"""Score runs over more records than one IN list holds, on the bulk paths (COPY and the
pipelined status change on PostgreSQL, executemany elsewhere): the stored results, status
changes, review records and audit rows are what the ORM path wrote, and a failure leaves
nothing behind."""

import datetime as dt
import random

import pytest
from flask import g
from sqlalchemy import func, insert, select, text

from app.domain import scoring, workflow
from app.domain.records import synthetic
from app.extensions import db
from app.models import (
    AppUser,
    AuditLog,
    Enterprise,
    EvaluationProject,
    ReviewRecord,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.security.scope import ALL, UserScope
from app.services import scoring as service
from app.services.intake import activities, reporting
from app.services.platform import bulk
from app.services.review import workflow as workflow_service
from app.services.scoring import _store as score_store
from app.services.scoring import runs
from config import BASE_DIR

COUNT = 1000  # above the 900 ids of one IN list on SQLite
PROJECT = BASE_DIR / "app" / "data" / "indicator-projects" / "innovation-points-2.0.yaml"


@pytest.fixture(scope="module")
def prepared(app):
    """An activity with COUNT records 已报送, inserted in bulk as the benchmark does."""
    with app.app_context():
        activity = activities.create_activity("批量测算测试", 2025, "county", open_now=True)
        validator = reporting.validator_for(activity)
        rng = random.Random(7)
        enterprises, submissions = [], []
        for i in range(COUNT):
            values = validator.normalize(synthetic.record(rng, "210202", 820000 + i, 2025))[0]
            enterprises.append({"uscc": values["uscc"], "name": values["name"],
                                "region_code": values["region_code"]})
            submissions.append({**values, "activity_id": activity.id,
                                "status": workflow.SUBMITTED, "channel": "upload"})
        db.session.execute(Enterprise.__table__.insert(), enterprises)
        ids = dict(db.session.execute(select(Enterprise.uscc, Enterprise.id).where(
            Enterprise.uscc.in_([e["uscc"] for e in enterprises]))).all())
        for row in submissions:
            row["enterprise_id"] = ids[row["uscc"]]
        db.session.execute(insert(Submission), submissions)
        db.session.commit()
        project = service.import_project(PROJECT.read_bytes())
        # Other tests' enterprises may have drafts in any open activity: compare ours only.
        ours = list(db.session.execute(select(Submission.id).where(
            Submission.activity_id == activity.id,
            Submission.enterprise_id.in_(ids.values())).order_by(Submission.id)).scalars())
        return activity.id, project.id, ours


def _as_province(app):
    context = app.test_request_context()
    context.push()
    g.user = db.session.execute(select(AppUser).filter_by(username="province_admin")).scalar_one()
    return context


def _state(activity_id, ids):
    """Everything a score run may change, for before/after comparisons."""
    return {
        "statuses": dict(db.session.execute(select(Submission.id, Submission.status).where(
            Submission.id.in_(ids))).all()),
        "reviews": db.session.execute(select(func.count()).select_from(ReviewRecord).where(
            ReviewRecord.submission_id.in_(ids))).scalar(),
        "runs": db.session.execute(select(func.count()).select_from(ScoreRun).where(
            ScoreRun.activity_id == activity_id)).scalar(),
        "results": db.session.execute(select(func.count()).select_from(ScoreResult).where(
            ScoreResult.submission_id.in_(ids))).scalar(),
        "audit": db.session.execute(select(func.count()).select_from(AuditLog)).scalar(),
    }


def test_a_failure_part_way_leaves_nothing_written(app, prepared, monkeypatch):
    activity_id, project_id, ours = prepared
    context = _as_province(app)
    try:
        activity = db.session.get(activities.ReportingActivity, activity_id)
        project = db.session.get(EvaluationProject, project_id)
        before = _state(activity_id, ours)
        real_insert = score_store.insert_results

        def insert_then_fail(*args):
            real_insert(*args)
            raise RuntimeError("disk full")

        monkeypatch.setattr(score_store, "insert_results", insert_then_fail)
        with pytest.raises(RuntimeError, match="disk full"):
            service.run_scores(activity, project, scope=UserScope(ALL))
        assert _state(activity_id, ours) == before
        # Failing while PostgreSQL is still changing the statuses: the same.
        monkeypatch.undo()
        monkeypatch.setattr(runs.scoring, "score_cohort", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            service.run_scores(activity, project, scope=UserScope(ALL))
        assert _state(activity_id, ours) == before  # and the connection is usable again
    finally:
        context.pop()


def test_bulk_run_stores_what_the_orm_path_stored(app, prepared):
    activity_id, project_id, ours = prepared
    context = _as_province(app)
    try:
        user = g.user
        activity = db.session.get(activities.ReportingActivity, activity_id)
        project_row = db.session.get(EvaluationProject, project_id)
        versions = dict(db.session.execute(select(Submission.id, Submission.version).where(
            Submission.id.in_(ours))).all())
        audit_before = db.session.execute(select(func.max(AuditLog.id))).scalar() or 0
        started = dt.datetime.now()
        run = service.run_scores(activity, project_row, scope=UserScope(ALL))
        assert (run.scored, run.activity_id) == (COUNT, activity_id)

        # The results are the domain's, breakdown for breakdown.
        columns = [*runs._BASE_COLUMNS, *sorted(
            scoring.parse(project_row.definition).fields_used - set(runs._BASE_COLUMNS))]
        records = [dict(zip(columns, row, strict=True)) for row in db.session.execute(
            select(*[getattr(Submission, c) for c in columns]).where(
                Submission.activity_id == activity_id,
                Submission.status.in_(service.SCORABLE)))]  # what the run scored
        expected = {r.key: r for r in scoring.score(scoring.parse(project_row.definition),
                                                    [(r["id"], r) for r in records], 2025)}
        stored = db.session.execute(select(ScoreResult).where(ScoreResult.run_id == run.id)
                                    .order_by(ScoreResult.id)).scalars().all()
        assert len(stored) == COUNT
        by_id = {r["id"]: r for r in records}
        for result in stored:
            want = expected[result.submission_id]
            record = by_id[result.submission_id]
            assert (result.total, result.grade, result.passed, result.stage, result.eligible,
                    result.status) == (want.total, want.grade, want.passed, want.stage,
                                       want.eligible, "computed")
            assert (result.enterprise_id, result.uscc, result.name, result.region_code,
                    result.tech_field) == (record["enterprise_id"], record["uscc"],
                                           record["name"], record["region_code"],
                                           record["tech_field"])
            assert service.breakdown_of(result) == {
                code: {"value": b.value, "cohort": b.cohort, "cohort_size": b.cohort_size,
                       "normalized": b.normalized, "weight": b.weight, "points": b.points,
                       "note": b.note, "counted": b.counted}
                for code, b in want.indicators.items()}
            assert result.reasons == (want.reasons or None)
        # Empty reasons are JSON null, as the JSON type writes None, not SQL NULL.
        assert db.session.execute(text(
            "SELECT count(*) FROM score_result WHERE run_id = :run AND reasons IS NULL"),
            {"run": run.id}).scalar() == 0

        # Every record moved 已报送 → 已测算, with its version and change stamp.
        for submission in db.session.execute(select(Submission).where(
                Submission.id.in_(ours))).scalars():
            assert submission.status == workflow.SCORED
            assert submission.version == versions[submission.id] + 1
            assert submission.changed_on >= started and submission.changed_by_id == user.id
        # ... and has exactly one review record saying so.
        reviews = db.session.execute(select(ReviewRecord).where(
            ReviewRecord.submission_id.in_(ours))).scalars().all()
        assert len(reviews) == COUNT
        assert len({r.submission_id for r in reviews}) == COUNT
        assert {(r.action, r.from_status, r.to_status, r.comment, r.user_id, r.username,
                 r.level, r.fields, r.snapshot) for r in reviews} == {
            ("score", workflow.SUBMITTED, workflow.SCORED, f"测算批次 #{run.id}", user.id,
             user.username, None, None, None)}
        assert all(r.created_at >= started for r in reviews)
        # Two audit rows: the run as created (session hook) and the run's summary.
        audit = db.session.execute(select(AuditLog).where(AuditLog.id > audit_before)
                                   .order_by(AuditLog.id)).scalars().all()
        assert [(a.action, a.object_type, a.object_id) for a in audit] == [
            ("create", "ScoreRun", str(run.id))] * 2
        assert audit[0].changes["scored"] == [None, COUNT]
        assert f"re-scored {COUNT} of {COUNT} (cohort {COUNT}, 0 confirmed)" in audit[1].detail

        # Confirm some, run again: confirmed results stay, the others are replaced.
        confirmed = [r.id for r in stored[:300]]
        assert service.confirm(run, confirmed) == 300
        rerun = service.run_scores(activity, project_row, scope=UserScope(ALL))
        assert rerun.scored == COUNT - 300
        assert db.session.execute(select(func.count()).select_from(ScoreResult).where(
            ScoreResult.run_id == run.id)).scalar() == 300
        statuses = db.session.execute(select(Submission.status, func.count()).where(
            Submission.id.in_(ours)).group_by(Submission.status)).all()
        assert dict(statuses) == {workflow.CONFIRMED: 300, workflow.SCORED: COUNT - 300}
        confirms = db.session.execute(select(ReviewRecord).where(
            ReviewRecord.action == "confirm", ReviewRecord.comment == f"测算批次 #{run.id}")) \
            .scalars().all()
        assert len(confirms) == 300 and {r.to_status for r in confirms} == {workflow.CONFIRMED}
        # Nothing was 已报送 any more: the second run moved no record and wrote no review.
        assert db.session.execute(select(func.count()).select_from(ReviewRecord).where(
            ReviewRecord.comment == f"测算批次 #{rerun.id}")).scalar() == 0
    finally:
        context.pop()


def test_bulk_move_moves_only_records_in_the_given_status(app, prepared):
    _activity, _project, ours = prepared
    with app.app_context():
        ids = ours
        before = {i: db.session.get(Submission, i).status for i in ids}
        status = before[ids[0]]
        in_status = db.session.execute(select(func.count()).where(
            Submission.id.in_(ids), Submission.status == status)).scalar()
        assert 0 < in_status < len(ids)
        with workflow_service.bulk_move([*ids, ids[0], ids[1]], status, "moved-for-test",
                                        "test", "批注") as move:
            move.wait()
        assert move.count == in_status  # each record once, though given twice
        assert workflow_service.move_many(ids, status, "again", "test") == 0
        if bulk.is_postgres():
            with pytest.raises(RuntimeError), workflow_service.bulk_move(
                    ids, "moved-for-test", status, "test", "写入时的批注") as move:
                move.comment = "之后的批注"
        db.session.rollback()
        assert {i: db.session.get(Submission, i).status for i in ids} == before


def test_insert_rows_reads_back_like_the_orm(app, prepared):
    _activity, _project, ours = prepared
    with app.app_context():
        submission_id = ours[0]
        now = dt.datetime(2026, 11, 21, 8, 30, 0)  # no microseconds: SQLite's text form
        columns = ("submission_id", "action", "from_status", "to_status", "comment",
                   "fields", "snapshot", "created_at")
        values = (submission_id, "bulk-test", None, "x", "说明 'quoted'\t\\", ["a", "甲"], None,
                  now)
        assert bulk.insert_rows(ReviewRecord.__table__, columns, [values],
                                json_dumps=bulk.fast_json) == 1
        db.session.add(ReviewRecord(**{**dict(zip(columns, values, strict=True)),
                                       "action": "orm-test"}))
        db.session.flush()
        written, orm = (db.session.execute(select(ReviewRecord).where(
            ReviewRecord.action == action)).scalar_one() for action in ("bulk-test", "orm-test"))
        for column in columns[2:]:
            assert getattr(written, column) == getattr(orm, column), column
        raw = db.session.execute(text(
            "SELECT count(*) FROM review_record WHERE action IN ('bulk-test', 'orm-test') "
            "AND snapshot IS NULL")).scalar()
        assert raw == 0  # both wrote JSON null for the None
        db.session.rollback()

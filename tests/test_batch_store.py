"""Storing a batch below the ORM (services.bulk: COPY on PostgreSQL, executemany of
tuples elsewhere) writes what SQLAlchemy Core wrote, and a failure after the rows went
in still leaves nothing behind."""

import random

import pytest
from sqlalchemy import JSON

from app.domain.records import synthetic
from app.extensions import db
from app.models import Enterprise, ReviewRecord, Submission, UploadBatch
from app.services.intake import _batch_store as batch_store
from app.services.intake import activities
from app.services.intake import batch as batch_service
from app.services.platform import bulk

# Columns that differ between two imports of the same rows whatever the method.
VARYING = {"id", "activity_id", "batch_id", "submission_id", "created_on", "changed_on",
           "submitted_at", "created_at"}


def _records(start, n=60, seed=11):
    rng = random.Random(seed)
    records = [synthetic.record(rng, "210202", start + i, 2025,
                                synthetic.FLAWS[i % len(synthetic.FLAWS)]) for i in range(n)]
    records[3]["revenue_prev"] = "1,200"  # a note, no problem
    records[5]["qualifications"] = None
    records[7]["intended_banks"] = "工商银行；中国银行"
    records[9]["employees"] = "many"  # fails
    return records


def _items(records):
    return [{k: ("；".join(v) if isinstance(v, list) else v) for k, v in r.items()}
            for r in records]


def _stored(table, where, value):
    """Rows as the database holds them, JSON as its text, keyed by enterprise."""
    connection = db.session.connection()
    quote = connection.dialect.identifier_preparer.quote
    names = [c.name for c in table.columns]
    select_list = ", ".join(f"CAST({quote(c.name)} AS TEXT)" if isinstance(c.type, JSON)
                            else quote(c.name) for c in table.columns)
    rows = connection.exec_driver_sql(
        f"SELECT {select_list} FROM {table.name} WHERE {where}", (value,)).all()
    return [{k: v for k, v in zip(names, row, strict=True) if k not in VARYING}
            for row in rows]


def _import(app, records, method, monkeypatch):
    monkeypatch.setattr(bulk, "forced_method", method)
    activity = activities.create_activity(f"存储方式 {method}", 2025, "county", open_now=True)
    user = app.appbuilder.sm.find_user(username="county_reviewer")
    batch, ids = batch_service.import_records(activity, user, "API test", _items(records))
    marker = "%s" if db.session.get_bind().dialect.paramstyle in ("format", "pyformat") else "?"
    submissions = sorted(_stored(Submission.__table__, f"batch_id = {marker}", batch.id),
                         key=lambda r: r["enterprise_id"])
    reviews = []
    for submission_id in sorted(ids.values()):
        reviews += _stored(ReviewRecord.__table__, f"submission_id = {marker}", submission_id)
    return batch, submissions, reviews


@pytest.mark.parametrize("method", [None, bulk.EXECUTEMANY])  # None: COPY on PostgreSQL
def test_bulk_paths_store_what_core_stored(app, method, monkeypatch):
    with app.app_context():
        if method and bulk.method_for(db.session.get_bind().dialect) == method:
            pytest.skip("the database's own method, tested without forcing it")
        records = _records(620000 if method is None else 630000)
        core_batch, core_rows, core_reviews = _import(app, records, bulk.CORE, monkeypatch)
        batch, rows, reviews = _import(app, records, method, monkeypatch)
        assert (batch.passed, batch.failed, batch.warned) == (
            core_batch.passed, core_batch.failed, core_batch.warned)
        assert batch.verdicts == core_batch.verdicts
        assert batch.failures == core_batch.failures
        assert len(rows) == batch.passed > 40
        assert rows == core_rows
        assert reviews == core_reviews and len(reviews) == len(rows)


def test_new_enterprises_are_stored_as_core_stored_them(app, monkeypatch):
    with app.app_context():
        stored = {}
        for method, start in ((bulk.CORE, 640000), (None, 650000)):
            records = _records(start, n=10)
            _import(app, records, method, monkeypatch)
            enterprises = db.session.query(Enterprise).filter(
                Enterprise.uscc.in_([r["uscc"] for r in records])).order_by(Enterprise.uscc)
            stored[method] = [(e.region_code, e.created_by_id, e.changed_by_id,
                               e.created_on is not None) for e in enterprises]
        assert stored[bulk.CORE] == stored[None] and len(stored[None]) > 5


def test_a_failure_after_the_rows_went_in_leaves_nothing(app, monkeypatch):
    records = _records(660000, n=30)

    def broken(*args, **kwargs):
        raise RuntimeError("connection lost")

    with app.app_context():
        before = [db.session.query(m).count() for m in (UploadBatch, Submission, ReviewRecord,
                                                        Enterprise)]
        activity = activities.create_activity("中途失败", 2025, "county", open_now=True)
        user = app.appbuilder.sm.find_user(username="county_reviewer")
        monkeypatch.setattr(batch_store.notifications, "new_in_queue", broken)
        with pytest.raises(RuntimeError):
            batch_service.import_records(activity, user, "API test", _items(records))
        after = [db.session.query(m).count() for m in (UploadBatch, Submission, ReviewRecord,
                                                       Enterprise)]
        assert after == before


def test_plain_copy_of_qualifications_follows_every_write(app, monkeypatch):
    """The dashboard counts qualifications from ``qualification_set``: the batch writer,
    the ORM (forms, API, corrections) and a change back to none all keep it equal to the
    JSON list."""
    import json

    from app.domain.records.fields import option_set
    with app.app_context():
        records = _records(640000, n=20)
        records[1]["qualifications"] = "高新技术企业；科技型中小企业；高新技术企业"
        _batch, rows, _reviews = _import(app, records, None, monkeypatch)
        assert any(row["qualification_set"] for row in rows)
        assert any(row["qualification_set"] is None for row in rows)
        for row in rows:
            chosen = json.loads(row["qualifications"]) if row["qualifications"] else None
            assert row["qualification_set"] == option_set(chosen)
        both = [row for row in rows if row["qualification_set"] == "科技型中小企业|高新技术企业"]
        assert both, "a repeated option is counted once, in one spelling"

        submission = db.session.get(Submission, db.session.execute(
            db.select(Submission.id).where(Submission.qualification_set.is_not(None))
            .order_by(Submission.id.desc()).limit(1)).scalar())
        submission.qualifications = ["瞪羚企业", "专精特新中小企业"]
        db.session.commit()
        db.session.refresh(submission)
        assert submission.qualification_set == "专精特新中小企业|瞪羚企业"
        submission.qualifications = []
        db.session.commit()
        db.session.refresh(submission)
        assert submission.qualification_set is None


def test_a_corrected_whole_file_changes_records_a_slice_at_a_time(app, monkeypatch):
    """Re-uploading the whole file with one column corrected changes the uploader's records
    (not new ones), slice by slice in one transaction; each record's audit row holds the
    field that changed and nothing that was only set again to the same value."""
    from app.models import AuditLog

    monkeypatch.setattr(batch_store, "UPDATE_SLICE", 7)
    with app.app_context():
        activity = activities.create_activity("整表重传", 2025, "county", open_now=True)
        user = app.appbuilder.sm.find_user(username="county_reviewer")
        records = [r for r in _records(650000, n=30) if r.get("employees") != "many"]
        first, ids = batch_service.import_records(activity, user, "API test", _items(records))
        for record in records:
            record["contact_name"] = "王芳"
        second, again = batch_service.import_records(activity, user, "API test",
                                                     _items(records))
        assert second.passed == first.passed > 20
        assert set(again.values()) == set(ids.values())  # the same records, changed
        changed = db.session.execute(db.select(Submission.contact_name, Submission.batch_id)
                                     .where(Submission.id.in_(list(ids.values())))).all()
        assert set(changed) == {("王芳", second.id)}
        audits = db.session.execute(db.select(AuditLog.changes).where(
            AuditLog.object_type == "Submission",
            AuditLog.object_id.in_([str(i) for i in ids.values()]))).scalars().all()
        corrections = [c for c in audits if c and "contact_name" in c]
        assert len(corrections) == len(ids)
        assert all(before != after for c in corrections for before, after in c.values())
        assert not any({"name", "uscc", "revenue", "provenance"} & set(c) for c in corrections)

"""Storing a score run's results: unconfirmed results of earlier runs of the same project
make way, the new ones are written in bulk (see services.bulk)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sqlalchemy import delete, func, select

from app.domain import scoring
from app.extensions import db
from app.models import EvaluationProject, ScoreResult, ScoreRun
from app.services.platform import bulk

COMPUTED, CONFIRMED = "computed", "confirmed"
# Breakdown per indicator, stored compactly: JSON of lists encodes several times faster
# than JSON of dicts, which matters at 100,000 results.
BREAKDOWN_KEYS = ("value", "cohort", "cohort_size", "normalized", "weight", "points", "note",
                  "counted")
RESULT_COLUMNS = ("run_id", "submission_id", "enterprise_id", "region_code", "uscc", "name",
                  "tech_field", "stage", "eligible", "total", "grade", "passed", "reasons",
                  "breakdown", "status")


def reserve_run_id() -> int | None:
    """On PostgreSQL the next run's id, taken from its sequence before the run is stored, so
    that the review records naming the run can be written while the scores are computed
    (workflow.bulk_move); elsewhere None: the id comes when the run is inserted."""
    if not bulk.is_postgres():
        return None
    sequence = func.pg_get_serial_sequence(ScoreRun.__tablename__, "id")
    return db.session.execute(select(func.nextval(sequence))).scalar_one()


def replace_unconfirmed(run: ScoreRun, code: str, submission_ids: list[int] | None) -> None:
    """Remove these records' unconfirmed results of the activity's earlier runs of the
    project code; confirmed ones stay frozen. ``None`` for a run over the whole cohort: every
    unconfirmed result of the earlier runs makes way, in one statement instead of one per
    slice of ids (50,000 ids: 2 s on SQLite)."""
    table = ScoreResult.__table__
    earlier = select(ScoreRun.id).join(EvaluationProject).where(
        ScoreRun.activity_id == run.activity_id, EvaluationProject.code == code,
        ScoreRun.id != run.id)
    replaced = table.c.run_id.in_(earlier), table.c.status != CONFIRMED
    if submission_ids is None:
        db.session.execute(delete(table).where(*replaced))
        return
    for match in bulk.among(table.c.submission_id, submission_ids, join=True):
        db.session.execute(delete(table).where(*replaced, match))


def insert_results(run_id: int, records: Mapping[int, Mapping], results: list[scoring.Result]
                   ) -> int:
    # orjson for the breakdowns: json.dumps would take seconds at 100,000 results.
    return bulk.insert_rows(ScoreResult.__table__, RESULT_COLUMNS,
                            _rows(run_id, records, results), json_dumps=bulk.fast_json)


def _rows(run_id: int, records: Mapping[int, Mapping], results: list[scoring.Result]
          ) -> Iterator[tuple]:
    for result in results:
        record = records[result.key]
        yield (run_id, record["id"], record["enterprise_id"], record["region_code"],
               record["uscc"] or "", record["name"], record["tech_field"], result.stage,
               result.eligible, result.total, result.grade, result.passed,
               result.reasons or None,
               {code: [b.value, b.cohort, b.cohort_size, b.normalized, b.weight, b.points,
                       b.note, b.counted]
                for code, b in result.indicators.items()} or None,
               COMPUTED)

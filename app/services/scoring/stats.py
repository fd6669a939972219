"""Figures of a score run counted by the database (never by loading results into Python):
grades, the histogram of totals, grades per city or stage — in the user's scope."""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import ScoreResult, ScoreRun
from app.security.scope import restrict

BIN_WIDTH, BINS = 10, 14  # 0–10, …, 120–130 (and above)


def histogram_bin(column):
    """The 10-point bin of a total as SQL; CASE, because CAST rounds on PostgreSQL and SQLite
    lacks FLOOR without its math extension."""
    return case(*[(column < BIN_WIDTH * (n + 1), n) for n in range(BINS - 1)],
                else_=BINS - 1)


def histogram(run: ScoreRun) -> list[int]:
    counts = [0] * BINS
    bin_ = histogram_bin(ScoreResult.total)
    for index, count in db.session.execute(restrict(select(bin_, func.count()).where(
            ScoreResult.run_id == run.id, ScoreResult.total.is_not(None)).group_by(bin_),
            ScoreResult)):
        counts[int(index)] = count
    return counts


def grade_counts(run: ScoreRun) -> list[tuple[str, int]]:
    return sorted((grade, count) for grade, count in db.session.execute(restrict(
        select(ScoreResult.grade, func.count()).where(
            ScoreResult.run_id == run.id, ScoreResult.grade.is_not(None))
        .group_by(ScoreResult.grade), ScoreResult)))


def bin_labels() -> list[str]:
    return [f"{n * BIN_WIDTH}–{(n + 1) * BIN_WIDTH}" for n in range(BINS)]

"""Evaluation projects (SPEC §7): what a project is (``definition``), reading and checking
one (``parsing``, ``files`` for YAML, ``form`` for the editor's posts) and scoring records
against the province cohort (``compute``). Other packages use the names below."""

from app.domain.scoring.compute import (
    Breakdown,
    FrozenMember,
    Result,
    Scored,
    note_label,
    score,
    score_cohort,
    stage_of,
)
from app.domain.scoring.definition import (
    COHORT_METHODS,
    FUNCTIONS,
    METHODS,
    MIN_COHORT_SIZE,
    Band,
    Grade,
    Group,
    Indicator,
    Item,
    Project,
    ProjectError,
    Stage,
    bilingual,
)
from app.domain.scoring.parsing import check_weights, parse

__all__ = ["COHORT_METHODS", "FUNCTIONS", "METHODS", "MIN_COHORT_SIZE", "Band", "Breakdown",
           "FrozenMember", "Grade", "Group", "Indicator", "Item", "Project", "ProjectError",
           "Result", "Scored", "Stage", "bilingual", "check_weights", "note_label", "parse",
           "score", "score_cohort", "stage_of"]

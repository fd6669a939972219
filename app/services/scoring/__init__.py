"""Innovation points (SPEC §7, §9): evaluation projects as versions (``projects``, the
editor's ``editing``), score runs against the province cohort (``runs``), confirmation
(``confirm``), what a run shows and exports (``export``, ``stats``). ``_store`` writes a
run's results and is this package's own. Other packages call the names below."""

from app.services.scoring.confirm import (
    SmallCohortsNotAccepted,
    confirm,
    describe_small,
    flag,
    small_cohorts,
)
from app.services.scoring.export import cohort_summary, export_run, grade_table, run_json
from app.services.scoring.projects import import_project, latest_published
from app.services.scoring.runs import (
    COHORT_STATUSES,
    COMPUTED,
    CONFIRMED,
    FLAGGED,
    SCORABLE,
    ScoringError,
    breakdown_of,
    run_scores,
)

__all__ = ["COHORT_STATUSES", "COMPUTED", "CONFIRMED", "FLAGGED", "SCORABLE", "ScoringError",
           "SmallCohortsNotAccepted", "breakdown_of", "cohort_summary", "confirm",
           "describe_small", "export_run", "flag", "grade_table", "import_project",
           "latest_published", "run_json", "run_scores", "small_cohorts"]

"""Benchmark: score 100,000 generated records with innovation-points-2.0 end to end
(load from the database, compute, store results and statuses) — issue 6; goal ≤ 10 s,
peak memory ≤ 1 GB, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/score_run.py [--records 100000] [--database URL]
        [--confirmed 0.5]

``--confirmed F``: before the timed run, the records are scored once and the first F of
them confirmed; the timed run then re-scores the others against the whole cohort, the
confirmed ones counted with their stored values (issue "Scoring truth": ≤ 1.2 × a run of
as many records with no confirmed ones).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare(database_url: str, count: int, confirmed: float = 0.0) -> None:
    """Fill a fresh database with `count` submitted records (not timed)."""
    from sqlalchemy import insert

    from app import create_app
    from app.domain import workflow
    from app.domain.records import synthetic
    from app.domain.records.validation import Validator
    from app.domain.regions import load_regions
    from app.extensions import db
    from app.models import Enterprise, Submission
    from app.services import scoring
    from app.services.intake import activities, reporting
    from app.services.platform.setup import REGIONS_DIR, run_setup

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing"})
    with app.app_context():
        run_setup()
        activity = activities.create_activity("测算基准", 2025, "county", open_now=True)
        counties = [r.code for r in load_regions(REGIONS_DIR) if r.level == "county"
                    and r.code.startswith("21")]
        validator: Validator = reporting.validator_for(activity)
        rng = random.Random(5)
        enterprises, submissions = [], []
        for i in range(count):
            raw = synthetic.record(rng, rng.choice(counties), 300000 + i, 2025)
            values = validator.normalize(raw)[0]
            enterprises.append({"uscc": values["uscc"], "name": values["name"],
                                "region_code": values["region_code"]})
            submissions.append({**values, "activity_id": activity.id,
                                "status": workflow.SUBMITTED, "channel": "upload"})
        db.session.execute(Enterprise.__table__.insert(), enterprises)
        ids = dict(db.session.execute(db.select(Enterprise.uscc, Enterprise.id)).all())
        for row in submissions:
            row["enterprise_id"] = ids[row["uscc"]]
        for start in range(0, len(submissions), 10000):
            db.session.execute(insert(Submission), submissions[start:start + 10000])
        db.session.commit()
        project_path = ROOT / "app" / "data" / "indicator-projects" / "innovation-points-2.0.yaml"
        scoring.import_project(project_path.read_bytes())
        if confirmed:
            from app.models import ScoreResult
            from app.security.scope import ALL, UserScope

            run = scoring.run_scores(activity, scoring.latest_published("innovation-points-2.0"),
                                     scope=UserScope(ALL))
            first = db.session.execute(db.select(ScoreResult.id).where(
                ScoreResult.run_id == run.id).order_by(ScoreResult.submission_id)
                .limit(int(count * confirmed))).scalars().all()
            scoring.confirm(run, first, scope=UserScope(ALL), accept_small_cohorts=True)


def run_one(database_url: str, count: int) -> dict:
    """Score the prepared activity in a fresh process, so peak memory is the run's own."""
    from app import create_app
    from app.extensions import db
    from app.models import ReportingActivity
    from app.security.scope import ALL, UserScope
    from app.services import scoring

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing"})
    with app.app_context():
        activity = db.session.execute(db.select(ReportingActivity)).scalars().first()
        project = scoring.latest_published("innovation-points-2.0")
        server = _server_pid()
        server_cpu = _cpu_seconds(server)
        started, cpu = time.perf_counter(), time.process_time()
        run = scoring.run_scores(activity, project, scope=UserScope(ALL))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        result = {"database": database_url.split(":")[0], "records": count,
                  "scored": run.scored, "cohort": run.cohort_size,
                  "seconds": round(elapsed, 2), "records_per_s": round(run.scored / elapsed),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "cpu_s": round(cpu, 2)}
        if server_cpu is not None:
            result["server_cpu_s"] = round(_cpu_seconds(server) - server_cpu, 2)
        return result


def _server_pid() -> int | None:
    """The PostgreSQL backend serving the session, when the server runs on this machine."""
    from app.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return db.session.execute(db.text("SELECT pg_backend_pid()")).scalar()


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time used so far by a local process: on a shared machine wall times vary with the
    other work, CPU seconds much less."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database")
    parser.add_argument("--confirmed", type=float, default=0.0)
    parser.add_argument("--child", choices=["prepare", "score"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "prepare":
        prepare(args.database, args.records, args.confirmed)
        return
    if args.child == "score":
        print(json.dumps(run_one(args.database, args.records)))
        return
    from benchmarks.targets import database_targets

    targets = database_targets(args.database)
    for target in targets:
        for step in ("prepare", "score"):
            out = subprocess.run([sys.executable, __file__, "--child", step, "--database",
                                  target, "--records", str(args.records), "--confirmed",
                                  str(args.confirmed)], capture_output=True,
                                 text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                 check=False)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        print(lines[-1] if lines else out.stderr[-3000:])


if __name__ == "__main__":
    main()

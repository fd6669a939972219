"""Load test data (issue 8): a fresh PostgreSQL database `ipp_load` with the demo users and
100,000 generated submissions, the same data as benchmarks/dashboard.py.

    .venv/bin/python benchmarks/load/prepare.py [--records 100000] [--server URL]

Writes benchmarks/load/out/plan.json for the locustfile: the ids of records pending at
county_reviewer's county (大连市中山区), which the load test approves one at a time, record ids
within each role's area for detail pages, and the activities' ids.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "out"
sys.path.insert(0, str(ROOT))
DATABASE = "ipp_load"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = f"{args.server.replace('postgresql://', 'postgresql+psycopg://')}/{DATABASE}"

    # The dashboard benchmark's generator: submissions over every county of 辽宁省 in the
    # statuses' usual shares, a confirmed score run and recommendation entries.
    from benchmarks.dashboard import prepare

    prepare(url, args.records)
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "testing", "PYTHONPATH": str(ROOT)}
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "demo", "load"], env=env,
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.services.demo import DEMO_COUNTY

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "APP_ENV": "testing"})
    with app.app_context():
        # ~1,000 approvable records (no strong errors) waiting for county_reviewer, so the
        # review actions of a 5-minute run never run out of work.
        ids = db.session.execute(text(
            "UPDATE submission SET status = 'pending_county', error_count = 0, "
            "submitted_at = now() WHERE region_code = :county AND activity_id = "
            "(SELECT min(id) FROM reporting_activity) RETURNING id"),
            {"county": DEMO_COUNTY}).scalars().all()
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        total = db.session.execute(text("SELECT count(*) FROM submission")).scalar()

        def sample(prefix: str) -> list[int]:
            # Records each role may open (a detail page outside one's area is a 404).
            return db.session.execute(text(
                "SELECT id FROM submission WHERE region_code LIKE :p ORDER BY random() "
                "LIMIT 2000"), {"p": prefix + "%"}).scalars().all()

        activities = dict(db.session.execute(text(
            "SELECT name, id FROM reporting_activity")).all())
        plan = {"queue": sorted(ids), "province": sample("21"), "city": sample("2102"),
                "county": sample(DEMO_COUNTY),
                "activity": activities["看板基准"], "demo_activity": min(
                    v for k, v in activities.items() if k != "看板基准")}
    OUT.mkdir(exist_ok=True)
    (OUT / "plan.json").write_text(json.dumps(plan))
    print(json.dumps({"database": url, "submissions": total, "county_queue": len(ids)}))


if __name__ == "__main__":
    main()

"""Benchmark: the 数据看板 over 100,000 generated submissions (issue 7, and the dashboard
redesign); goal: the province dashboard in ≤ 300 ms server time counted cold (no kept figures),
a city's in ≤ 150 ms, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/dashboard.py [--records 100000] [--repeat 30] [--database URL]
    # a database prepared once (PYTHONPATH=. … --child prepare --database URL), measured again:
    .venv/bin/python benchmarks/dashboard.py --database URL --measure-only

For the province (辽宁省, `21`) and a city (大连市, `2102`), each signed in as its official
through the test client (FAB's permission check, the template, everything but the network):

- ``page_cold``: the page as it opens — key figures and the progress tab — counted anew each
  time (``fresh=1``: the figures are counted and kept, as on a first visit);
- ``page_warm``: the same page with its figures kept (``DASHBOARD_CACHE_SECONDS``);
- ``tab_cold``: each other tab's content (``?part=<tab>&fresh=1``), which the page asks for
  when the tab is first shown;
- ``all_tables``: building every table of every tab in one go, without rendering (the figure
  this benchmark gave before the tabs);
- ``statements``: SQL statements of one cold page.

Median, p95 and min in ms over ``--repeat`` requests after three warm-up ones. The figure
store is the app's (Redis when ``REDIS_URL`` is set, else memory).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STATUSES = [("pending_county", 12), ("pending_city", 8), ("pending_province", 6),
            ("approved", 20), ("submitted", 10), ("scored", 20), ("returned", 6),
            ("rejected", 3), ("draft", 10), ("duplicate_pending", 2), ("merged", 3)]
SCORED = {"approved", "submitted", "scored"}


def prepare(database_url: str, count: int) -> None:
    """A fresh database: `count` submissions spread over the province's counties with
    statuses, warnings, fields, targets, a score run and recommendation entries (not timed)."""
    from sqlalchemy import insert, text

    from app import create_app
    from app.domain.records.fields import REGISTRY, option_set
    from app.domain.regions import load_regions
    from app.extensions import db
    from app.models import (
        ActivityTarget,
        Bank,
        Enterprise,
        RecommendationEntry,
        RecommendationList,
        ScoreResult,
        ScoreRun,
        Submission,
    )
    from app.services import scoring
    from app.services.demo import demo_uscc
    from app.services.intake import activities
    from app.services.platform.setup import REGIONS_DIR, run_setup

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing"})
    with app.app_context():
        run_setup()
        activity = activities.create_activity("看板基准", 2025, "county", open_now=True)
        regions = [r for r in load_regions(REGIONS_DIR) if r.code.startswith("21")]
        counties = [r.code for r in regions if r.level == "county"]
        rng = random.Random(7)
        statuses = [s for s, weight in STATUSES for _ in range(weight)]
        fields, sizes = REGISTRY["tech_field"].options, REGISTRY["scale"].options
        quals = REGISTRY["qualifications"].options
        now = dt.datetime.now()
        enterprises, submissions = [], []
        for i in range(count):
            county = rng.choice(counties)
            uscc = demo_uscc(county, 200000 + i)
            enterprises.append({"uscc": uscc, "name": f"企业{i}", "region_code": county,
                                "created_on": now, "changed_on": now})
            warnings = sorted({f"W{rng.randint(1, 20)}" for _ in range(rng.choice((0, 0, 1, 2)))})
            need = rng.random() < 0.3
            chosen = rng.sample(quals, rng.choice((0, 0, 1, 2))) or None
            submissions.append({
                "activity_id": activity.id, "status": rng.choice(statuses), "channel": "upload",
                "uscc": uscc, "name": f"企业{i}", "region_code": county,
                "tech_field": rng.choice(fields), "scale": rng.choice(sizes),
                "qualifications": chosen, "qualification_set": option_set(chosen),
                "warning_rules": " ".join(warnings) or None, "warning_count": len(warnings),
                "needs_financing": need,
                "financing_need_amount": round(rng.uniform(50, 3000), 1) if need else None,
                "created_on": now, "changed_on": now - dt.timedelta(days=rng.randint(0, 40))})
        for start in range(0, count, 10000):
            db.session.execute(Enterprise.__table__.insert(), enterprises[start:start + 10000])
        ids = dict(db.session.execute(db.select(Enterprise.uscc, Enterprise.id)).all())
        for row in submissions:
            row["enterprise_id"] = ids[row["uscc"]]
        for start in range(0, count, 10000):
            db.session.execute(insert(Submission), submissions[start:start + 10000])
        db.session.execute(ActivityTarget.__table__.insert(), [
            {"activity_id": activity.id, "region_code": r.code, "target": rng.randint(50, 900)}
            for r in regions if r.level in ("city", "county")])
        project = scoring.import_project(
            (ROOT / "app/data/indicator-projects/innovation-points-2.0.yaml").read_bytes())
        run = ScoreRun(activity_id=activity.id, project_id=project.id, province_code="21")
        db.session.add(run)
        db.session.flush()
        scored = db.session.execute(db.select(
            Submission.id, Submission.enterprise_id, Submission.region_code, Submission.uscc)
            .where(Submission.status.in_(SCORED))).all()
        results = [{"run_id": run.id, "submission_id": sid, "enterprise_id": eid,
                    "region_code": region, "uscc": uscc, "eligible": True,
                    "total": round(rng.uniform(20, 110), 4), "passed": True,
                    "grade": rng.choice("ABCD"), "stage": rng.choice(("startup", "growth",
                                                                     "mature")),
                    "status": "confirmed"} for sid, eid, region, uscc in scored]
        for start in range(0, len(results), 10000):
            db.session.execute(ScoreResult.__table__.insert(), results[start:start + 10000])
        recommended = RecommendationList(province_code="21", activity_id=activity.id,
                                         run_id=run.id, programme="积分贷", name="积分贷名单",
                                         rules={}, status="published")
        db.session.add(recommended)
        db.session.flush()
        banks = db.session.execute(db.select(Bank.id)).scalars().all()
        outcomes = ("recommended", "contacted", "in_approval", "granted", "declined")
        db.session.execute(RecommendationEntry.__table__.insert(), [
            {"list_id": recommended.id, "submission_id": sid, "enterprise_id": eid,
             "region_code": region, "uscc": uscc, "name": "企业", "bank_id": rng.choice(banks),
             "status": (outcome := rng.choice(outcomes)), "need_amount": 500.0,
             "loan_amount": 300.0 if outcome == "granted" else None}
            for sid, eid, region, uscc in scored[:10000]])
        db.session.commit()
        # Statistics as a running database keeps them (autovacuum / SQLite's optimize).
        if database_url.startswith("postgresql"):
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()


BENCH_PASSWORD = "Bench#2026-dashboard"
OFFICIALS = {"province": ("bench_province", "PROVINCE_ADMIN", "21"),
             "city": ("bench_city", "CITY_REVIEWER", "2102")}  # (login, role in roles, region)


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "min_ms": round(times[0], 1)}


def _timed(repeat: int, call) -> dict:
    for _ in range(3):  # warm the caches, as a running server has them
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return _stats(times)


def _signed_in(app, area: str):
    """A test client signed in as the area's official (made once per database)."""
    import re

    from app.extensions import db
    from app.models import AppUser
    from app.security import roles
    from app.services.platform.accounts import create_user

    username, role, region = OFFICIALS[area]
    role = getattr(roles, role)
    with app.app_context():
        if db.session.query(AppUser).filter_by(username=username).first() is None:
            create_user(username, BENCH_PASSWORD, role, first_name=area, last_name="bench",
                        email=f"{username}@bench.invalid", region_code=region)
    client = app.test_client()
    form = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = client.post("/login/", data={"username": username, "password": BENCH_PASSWORD,
                                          "csrf_token": token})
    assert answer.status_code == 302, f"{username} could not sign in"
    return client


def measure(database_url: str, count: int, repeat: int) -> dict:
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.security.scope import REGION, UserScope
    from app.services.dashboard import figures as dashboard
    from app.views.dashboard.tables import Tables

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                      "AUTH_RATE_LIMITED": False, "RATELIMIT_ENABLED": False,
                      "DASHBOARD_CACHE_SECONDS": 60})
    report = {"database": database_url.split(":")[0], "records": count,
              "store": app.config["CACHE_TYPE"]}
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: statements.append(statement))
        activity_id = dashboard.activities_for(UserScope(REGION, region_code="21"), "21")[0][0]
    for area, (_user, _role, region) in OFFICIALS.items():
        client = _signed_in(app, area)
        page = f"/dashboard/?activity={activity_id}"

        def get(url, client=client):
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
            return answer

        figures = {"page_cold": _timed(repeat, lambda page=page: get(page + "&fresh=1"))}
        statements.clear()
        get(page + "&fresh=1")
        figures["statements"] = len(statements)
        figures["page_warm"] = _timed(repeat, lambda page=page: get(page))
        html = get(page).get_data(as_text=True)
        tabs = [t for t in ("review", "distribution", "scores", "finance")
                if f'id="tab-{t}"' in html]
        figures["tab_cold"] = {tab: _timed(max(5, repeat // 3), lambda tab=tab, page=page: get(
            f"{page}&part={tab}&fresh=1"))["median_ms"] for tab in tabs}

        with app.app_context(), app.test_request_context():
            scope = UserScope(REGION, region_code=region)

            def build(scope=scope):
                tables = Tables(dashboard.area_for(scope, "21", activity_id, None))
                return [tables.table(key) for key in tables.keys()]

            figures["all_tables"] = _timed(repeat, build)
            built = build()
            figures["tables"] = len(built)
            figures["submitted"] = sum(int(r[2].value) for r in built[0].rows[:-1])
        report[area] = figures
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database")
    parser.add_argument("--measure-only", action="store_true",
                        help="measure --database as it is (prepared before)")
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "prepare":
        prepare(args.database, args.records)
        return
    if args.child == "measure":
        print(json.dumps(measure(args.database, args.records, args.repeat)))
        return
    from benchmarks.targets import database_targets

    if args.measure_only and not args.database:
        parser.error("--measure-only needs --database")
    for target in database_targets(args.database):
        for step in (("measure",) if args.measure_only else ("prepare", "measure")):
            out = subprocess.run([sys.executable, __file__, "--child", step, "--database",
                                  target, "--records", str(args.records), "--repeat",
                                  str(args.repeat)], capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
            if out.returncode:
                print(out.stderr[-3000:])
                break
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        print(lines[-1] if lines else out.stderr[-3000:])


if __name__ == "__main__":
    main()

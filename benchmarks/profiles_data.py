"""Data for benchmarks/profiles.py (issue 21): fresh databases of generated enterprises with
three data years of approved records (one enterprise with five), a confirmed score run of the
latest year and pool memberships for a share — see benchmarks/profiles.py for what is measured.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"

YEARS = (2022, 2023, 2024)  # every enterprise's data years
EARLIER = (2020, 2021)  # the five-year enterprise's two more
LATEST = YEARS[-1]
GROWTHS = (-0.05, 0.05, 0.12, 0.2, 0.35, 0.5)
# Counts move by whole items and never below zero (as app/services/demo/history.py does).
COUNTS = {"invention_patents", "ip_count", "standards", "municipal_projects",
          "provincial_projects", "municipal_awards", "provincial_awards",
          "innovation_platforms", "high_level_talents"}
# (pool key, share of enterprises with an open membership); main track first, one each.
MAIN_SHARES = (("unicorn", 0.001), ("gazelle", 0.01), ("eaglet", 0.03), ("high_tech", 0.12),
               ("tech_sme", 0.35))
PARALLEL_SHARE = ("specialised", 0.06)
CLOSED_SHARE = 0.1  # enterprises with a membership closed in an earlier year
SERIAL = 500000  # credit-code serials of generated enterprises start here


def make_app(database_url: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                       "TESTING": True, "AUTH_RATE_LIMITED": False,
                       "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench-" + "x" * 40})


# -- data (not timed) --------------------------------------------------------------------------
def earlier_values(values: dict, growth: float, back: int, rng: random.Random) -> dict:
    """``values`` as the enterprise reported them ``back`` years before."""
    from app.domain.profiles import NUMERIC_FIELDS

    row = dict(values)
    factor = (1 + growth) ** back
    for key in NUMERIC_FIELDS:
        value = values.get(key)
        if value is None:
            continue
        if key in COUNTS:
            row[key] = max(0, int(value) - rng.randint(0, back))
        elif isinstance(value, int):
            row[key] = max(0, round(value / factor))
        else:
            row[key] = round(value / factor, 2)
    if back == 1 and values.get("revenue_prev") is not None:
        row["revenue"] = values["revenue_prev"]  # what the enterprise said last year
    return row


def prepare(database_url: str, count: int) -> dict:
    from sqlalchemy import select, text, update

    from app.domain import workflow
    from app.domain.records import synthetic
    from app.domain.records.fields import option_set
    from app.domain.regions import load_regions
    from app.extensions import db
    from app.models import (
        Enterprise,
        Pool,
        PoolMembership,
        ReviewRecord,
        ScoreResult,
        ScoreRun,
        Submission,
    )
    from app.models.reporting import ACTIVITY_ARCHIVED
    from app.security.scope import ALL, UserScope
    from app.services import scoring
    from app.services.intake import activities, reporting
    from app.services.platform.setup import REGIONS_DIR, run_setup
    from app.services.profiles.criteria import ensure_defaults

    started = time.perf_counter()
    app = make_app(database_url)
    with app.app_context():
        run_setup()
        ensure_defaults()
        acts = {}
        for year in (*EARLIER, *YEARS):
            activity = activities.create_activity(f"{year + 1}年画像基准征集", year, "county",
                                                  open_now=year == LATEST)
            if year != LATEST:
                activity.status = ACTIVITY_ARCHIVED
            acts[year] = activity
        db.session.commit()
        act_ids = {year: a.id for year, a in acts.items()}
        validator = reporting.validator_for(acts[LATEST])
        counties = [r.code for r in load_regions(REGIONS_DIR)
                    if r.level == "county" and r.code.startswith("21")]
        rng = random.Random(21)
        now = dt.datetime.now()
        total = count + 1  # serial 0: the five-year enterprise
        for start in range(0, total, 10000):
            latest, growth = [], {}
            for serial in range(start, min(total, start + 10000)):
                raw = synthetic.record(rng, rng.choice(counties), SERIAL + serial, LATEST)
                values = validator.normalize(raw)[0]
                latest.append(values)
                growth[values["uscc"]] = rng.choice(GROWTHS)
            db.session.execute(Enterprise.__table__.insert(), [
                {"uscc": v["uscc"], "name": v["name"], "region_code": v["region_code"],
                 "created_on": now, "changed_on": now} for v in latest])
            ids = dict(db.session.execute(select(Enterprise.uscc, Enterprise.id).where(
                Enterprise.uscc.in_([v["uscc"] for v in latest]))).all())
            rows = []
            for values in latest:
                uscc = values["uscc"]
                years = (*EARLIER, *YEARS) if is_five_year(uscc) else YEARS
                for year in years:
                    back = LATEST - year
                    row = values if back == 0 else earlier_values(values, growth[uscc], back, rng)
                    rows.append({**row, "activity_id": act_ids[year],
                                 "enterprise_id": ids[uscc], "channel": "upload",
                                 "qualification_set": option_set(row.get("qualifications")),
                                 "status": workflow.SUBMITTED if back == 0
                                 else workflow.APPROVED,
                                 "created_on": now, "changed_on": now})
            db.session.execute(Submission.__table__.insert(), rows)
            db.session.commit()
        generated = time.perf_counter() - started

        # A real run of the latest year, confirmed as the province would.
        project_file = ROOT / "app/data/indicator-projects/innovation-points-2.0.yaml"
        scoring.import_project(project_file.read_bytes())
        project = scoring.latest_published("innovation-points-2.0")
        run = scoring.run_scores(acts[LATEST], project, scope=UserScope(ALL))
        scored = time.perf_counter() - started
        db.session.execute(update(ScoreResult).where(ScoreResult.run_id == run.id).values(
            status="confirmed", confirmed_at=now, confirmed_by="bench"))
        db.session.execute(update(Submission).where(
            Submission.activity_id == act_ids[LATEST],
            Submission.status == workflow.SCORED).values(status=workflow.CONFIRMED))
        db.session.commit()

        # The five-year enterprise: a result per earlier year and its review history.
        five = db.session.execute(select(Enterprise).where(
            Enterprise.uscc.like(FIVE_YEAR_LIKE))).scalar_one()
        latest_result = db.session.execute(select(ScoreResult).where(
            ScoreResult.run_id == run.id, ScoreResult.enterprise_id == five.id)).scalar_one()
        records = dict(db.session.execute(select(Submission.activity_id, Submission.id).where(
            Submission.enterprise_id == five.id)).all())
        for year in (*EARLIER, *YEARS[:-1]):
            earlier_run = ScoreRun(activity_id=act_ids[year], project_id=project.id,
                                   province_code="21", scored=1, eligible=1)
            db.session.add(earlier_run)
            db.session.flush()
            db.session.execute(ScoreResult.__table__.insert(), [{
                "run_id": earlier_run.id, "submission_id": records[act_ids[year]],
                "enterprise_id": five.id, "region_code": five.region_code, "uscc": five.uscc,
                "name": five.name, "tech_field": latest_result.tech_field,
                "stage": latest_result.stage, "eligible": True,
                "total": round((latest_result.total or 60) * (0.8 + 0.04 * (year - 2020)), 4),
                "grade": latest_result.grade, "passed": True,
                "breakdown": latest_result.breakdown, "status": "confirmed",
                "confirmed_at": now, "confirmed_by": "bench"}])
        db.session.execute(ReviewRecord.__table__.insert(), [
            {"submission_id": sid, "action": "approve", "from_status": before,
             "to_status": after, "level": level, "username": "bench",
             "created_at": now - dt.timedelta(days=365 * (LATEST - year))}
            for year, sid in ((y, records[act_ids[y]]) for y in (*EARLIER, *YEARS))
            for level, before, after in (("county", "pending_county", "pending_city"),
                                         ("city", "pending_city", "pending_province"),
                                         ("province", "pending_province", "approved"))])

        # Memberships: a share of the enterprises in each pool, some closed before.
        pools = dict(db.session.execute(select(Pool.key, Pool.id)).all())
        people = db.session.execute(select(Enterprise.id, Enterprise.region_code).where(
            Enterprise.id != five.id)).all()
        members, order = [], list(people)
        rng.shuffle(order)
        position = 0
        for key, share in MAIN_SHARES:
            take = int(count * share)
            members += [(eid, region, pools[key]) for eid, region in
                        order[position:position + take]]
            position += take
        rng.shuffle(order)
        members += [(eid, region, pools[PARALLEL_SHARE[0]])
                    for eid, region in order[:int(count * PARALLEL_SHARE[1])]]
        memberships = [{"enterprise_id": eid, "region_code": region, "pool_id": pool,
                        "since": dt.date(rng.choice(YEARS[:-1]), rng.randint(1, 12), 1),
                        "until": None}
                       for eid, region, pool in members]
        memberships += [{"enterprise_id": eid, "region_code": region,
                         "pool_id": pools["tech_sme"], "since": dt.date(2021, 6, 1),
                         "until": dt.date(2022, 6, 1)}
                        for eid, region in order[-int(count * CLOSED_SHARE):]]
        memberships += [
            {"enterprise_id": five.id, "region_code": five.region_code,
             "pool_id": pools["tech_sme"], "since": dt.date(2021, 6, 1),
             "until": dt.date(2023, 6, 1)},
            {"enterprise_id": five.id, "region_code": five.region_code,
             "pool_id": pools["high_tech"], "since": dt.date(2023, 6, 1), "until": None},
            {"enterprise_id": five.id, "region_code": five.region_code,
             "pool_id": pools["specialised"], "since": dt.date(2024, 6, 1), "until": None}]
        for chunk in range(0, len(memberships), 10000):
            db.session.execute(PoolMembership.__table__.insert(),
                               memberships[chunk:chunk + 10000])
        db.session.commit()
        if database_url.startswith("postgresql"):
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return {"enterprises": total, "records": db.session.query(Submission).count(),
                "memberships": len(memberships), "five_year": five.uscc,
                "generate_s": round(generated, 1), "score_run_s": round(scored - generated, 1),
                "prepare_s": round(time.perf_counter() - started, 1)}


def is_five_year(uscc: str) -> bool:
    """The five-year enterprise is the first serial (synthetic.uscc_for: 91 county MA serial)."""
    return uscc[8:17] == f"MA{SERIAL:07d}"


FIVE_YEAR_LIKE = f"91______MA{SERIAL:07d}_"


def nothing_waiting() -> None:
    """Supersede any evaluation still waiting (not timed), so that the evaluation measured is
    a first one, as a yearly one is: ``evaluate`` loads each waiting evaluation to supersede
    it, 数据不足 list and all (see docs/PERFORMANCE.md)."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import PoolEvaluation

    db.session.execute(update(PoolEvaluation).where(PoolEvaluation.status == "proposed")
                       .values(status="superseded"))
    db.session.commit()


def create_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_SERVER + name


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

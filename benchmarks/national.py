"""Benchmark: the national loop (issue 22; goals: ``national export`` of a 100,000-record
batch ≤ 60 s at ≤ 300 MB peak; the Ministry's problem list of 10,000 rows imported ≤ 10 s).

    .venv/bin/python benchmarks/national.py [--records 100000] [--problems 10000]
        [--database URL] [--steps export,feedback]

Without --database it runs on a fresh SQLite file and, when PostgreSQL answers on
127.0.0.1:5432, on a fresh PostgreSQL database (both dropped at the end). Steps, each in its
own process so that each peak memory is its own:

1. prepare (not timed): ``--records`` generated records that passed provincial review;
2. export: the real command, ``flask --app app national export --activity ID --out DIR
   --json``, timed from outside; its peak RSS is the kernel's ``ru_maxrss`` for that process
   (``os.wait4``), so interpreter start-up and the app's creation are counted too;
3. feedback: a problem list naming ``--problems`` records of the batch is written (not
   timed), then ``app.services.national.feedback.import_feedback`` is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
USER = "bench_province"


def _app(database_url: str, uploads: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                       "UPLOAD_FOLDER": uploads})


def prepare(database_url: str, uploads: str, count: int) -> dict:
    """A fresh database with ``count`` approved records of one open activity (not timed)."""
    from sqlalchemy import insert

    from app.domain import workflow
    from app.domain.records import synthetic
    from app.domain.records.validation import Validator
    from app.domain.regions import load_regions
    from app.extensions import db
    from app.models import Enterprise, Submission
    from app.services.intake import activities, reporting
    from app.services.platform.accounts import create_user
    from app.services.platform.setup import REGIONS_DIR, run_setup

    app = _app(database_url, uploads)
    with app.app_context():
        run_setup()
        if app.appbuilder.sm.find_user(username=USER) is None:
            create_user(USER, "Bench#2026", "ProvinceAdmin", first_name="基准",
                        last_name="测试", email="bench@x.invalid", region_code="21")
        activity = activities.create_activity("报送基准", 2025, "county", open_now=True)
        counties = [r.code for r in load_regions(REGIONS_DIR) if r.level == "county"
                    and r.code.startswith("21")]
        validator: Validator = reporting.validator_for(activity)
        rng = random.Random(22)
        enterprises, submissions = [], []
        for i in range(count):
            raw = synthetic.record(rng, rng.choice(counties), 400000 + i, 2025)
            values = validator.normalize(raw)[0]
            enterprises.append({"uscc": values["uscc"], "name": values["name"],
                                "region_code": values["region_code"]})
            submissions.append({**values, "activity_id": activity.id,
                                "status": workflow.APPROVED, "channel": "upload"})
        for start in range(0, len(enterprises), 10000):
            db.session.execute(Enterprise.__table__.insert(), enterprises[start:start + 10000])
        ids = dict(db.session.execute(db.select(Enterprise.uscc, Enterprise.id)).all())
        for row in submissions:
            row["enterprise_id"] = ids[row["uscc"]]
        for start in range(0, len(submissions), 10000):
            db.session.execute(insert(Submission), submissions[start:start + 10000])
        db.session.commit()
        return {"activity": activity.id, "records": count}


def export(database_url: str, uploads: str, activity_id: int) -> dict:
    """The command as an operator runs it, in a process of its own."""
    out = Path(tempfile.mkdtemp()) / "package"
    env = {**os.environ, "DATABASE_URL": database_url, "UPLOAD_FOLDER": uploads,
           "APP_ENV": "testing", "PYTHONPATH": str(ROOT)}
    flask = Path(sys.executable).with_name("flask")
    logs = Path(tempfile.mkdtemp())
    with open(logs / "out", "w") as out_file, open(logs / "err", "w") as err_file:
        started = time.perf_counter()
        process = subprocess.Popen([str(flask), "--app", "app", "national", "export",
                                    "--activity", str(activity_id), "--out", str(out),
                                    "--user", USER, "--json"], cwd=ROOT, env=env,
                                   stdout=out_file, stderr=err_file)
        # wait4, not wait(): it reaps the process with its own rusage (peak RSS, CPU).
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = (logs / "out").read_text(), (logs / "err").read_text()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"export failed ({process.returncode}): {stderr[-3000:]}")
    answer = json.loads(lines[-1])
    book = next(out.glob("*.xlsx"))
    return {"records": answer["records"], "export_s": round(elapsed, 2),
            "export_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "export_peak_mb": round(usage.ru_maxrss / 1024),
            "workbook_mb": round(book.stat().st_size / 1e6, 1), "batch": answer["batch"]}


def feedback(database_url: str, uploads: str, activity_id: int, problems: int) -> dict:
    """A problem list naming ``problems`` records of the sent batch, then its import timed."""
    from flask import g

    from app.domain.national import FEEDBACK_HEADERS
    from app.extensions import db
    from app.models import ReportingActivity
    from app.models import national as N
    from app.services.national.feedback import import_feedback
    from app.services.platform.excel import write_workbook

    app = _app(database_url, uploads)
    with app.app_context():
        g.user = app.appbuilder.sm.find_user(username=USER)
        activity = db.session.get(ReportingActivity, activity_id)
        usccs = db.session.execute(db.select(N.NationalBatchEntry.uscc).where(
            N.NationalBatchEntry.state == N.SENT).order_by(N.NationalBatchEntry.id)
            .limit(problems)).scalars().all()
        path = Path(tempfile.mkdtemp()) / "problems.xlsx"
        fields = ["营业收入（数据年度）", "研发费用（数据年度）", None, "从业人员期末数"]
        write_workbook(str(path), "问题清单", list(FEEDBACK_HEADERS), (
            [uscc, fields[i % len(fields)], f"数据与税务记录不一致（第 {i + 1} 条）"]
            for i, uscc in enumerate(usccs)))
        data = path.read_bytes()
        started, cpu = time.perf_counter(), time.process_time()
        result = import_feedback(activity, data, path.name)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        returned = db.session.execute(db.select(db.func.count()).where(
            N.NationalBatchEntry.state == N.RETURNED)).scalar()
        return {"problems": len(usccs), "feedback_s": round(elapsed, 2),
                "feedback_cpu_s": round(cpu, 2), "returned": result["returned"],
                "entries_returned": returned, "unknown": len(result["unknown"]),
                "not_sent": len(result["not_sent"]),
                "feedback_peak_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _child(step: str, target: str, uploads: str, **options) -> dict:
    argv = [sys.executable, __file__, "--child", step, "--database", target, "--uploads",
            uploads]
    for key, value in options.items():
        argv += [f"--{key}", str(value)]
    out = subprocess.run(argv, capture_output=True, text=True, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"{step} failed: {out.stdout[-2000:]} {out.stderr[-4000:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--problems", type=int, default=10_000)
    parser.add_argument("--database")
    parser.add_argument("--steps", default="export,feedback",
                        help="which timed steps to run after preparing: export, feedback")
    parser.add_argument("--child", choices=["prepare", "export", "feedback"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--uploads", help=argparse.SUPPRESS)
    parser.add_argument("--activity", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "prepare":
        print(json.dumps(prepare(args.database, args.uploads, args.records)))
        return
    if args.child == "export":
        print(json.dumps(export(args.database, args.uploads, args.activity)))
        return
    if args.child == "feedback":
        print(json.dumps(feedback(args.database, args.uploads, args.activity, args.problems)))
        return
    from benchmarks.targets import database_targets

    for target in database_targets(args.database):
        uploads = tempfile.mkdtemp(prefix="bench-national-")
        steps = set(args.steps.split(","))
        prepared = _child("prepare", target, uploads, records=args.records)
        # The problem list names records of a sent batch: feedback needs the export.
        exported = _child("export", target, uploads, activity=prepared["activity"])
        returned = _child("feedback", target, uploads, activity=prepared["activity"],
                          problems=args.problems) if "feedback" in steps else {}
        print(json.dumps({"database": target.split(":")[0], **prepared, **exported,
                          **returned}, ensure_ascii=False))


if __name__ == "__main__":
    main()

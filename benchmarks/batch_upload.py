"""Benchmark: a 20,000-row upload end to end against reading the file alone (issue 4;
goal: end-to-end ≤ 2 × the bare python-calamine read, peak memory ≤ 500 MB).

    .venv/bin/python benchmarks/batch_upload.py [--rows 20000] [--database URL] [--reupload]

Without --database it runs on a fresh SQLite file and, when PostgreSQL answers on
127.0.0.1:5432, on a fresh PostgreSQL database, each in its own process so that each
peak memory is its own.
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


def run_one(database_url: str, rows: int, reupload: bool = False) -> dict:
    from python_calamine import CalamineWorkbook

    from app import create_app
    from app.domain.records import synthetic
    from app.extensions import db
    from app.services.intake import activities, batch
    from app.services.intake.workbook import build_template, write_filled
    from app.services.platform.setup import run_setup

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                      "UPLOAD_FOLDER": tempfile.mkdtemp()})
    with app.app_context():
        run_setup()
        activity = activities.create_activity("基准测试活动", 2025, "county", open_now=True)
        user = app.appbuilder.sm.find_user(username="bench_province")
        if user is None:
            from app.services.platform.accounts import create_user

            user = create_user("bench_province", "Bench#2026", "ProvinceAdmin",
                               first_name="基准", last_name="测试", email="bench@x.invalid",
                               region_code="21")
        from app.domain.regions import load_regions
        from app.services.platform.setup import REGIONS_DIR

        counties = [r.code for r in load_regions(REGIONS_DIR) if r.level == "county"
                    and r.code.startswith("21")]
        rng = random.Random(3)
        records = [synthetic.record(rng, rng.choice(counties), 200000 + i, 2025,
                                    synthetic.FLAWS[i % 12] if i % 12 < 6 else "none")
                   for i in range(rows)]
        path = Path(tempfile.mkdtemp()) / "upload.xlsx"
        started = time.perf_counter()
        build_template(activity, str(path.with_name("template.xlsx")))
        template_seconds = time.perf_counter() - started
        write_filled(activity, str(path), records)
        data = path.read_bytes()

        started, cpu = time.perf_counter(), time.process_time()
        CalamineWorkbook.from_filelike(__import__("io").BytesIO(data)) \
            .get_sheet_by_index(0).to_python(skip_empty_area=False)
        read_seconds = time.perf_counter() - started
        read_cpu = time.process_time() - cpu

        from flask import g

        g.user = user
        started, cpu = time.perf_counter(), time.process_time()
        result = batch.import_workbook(activity, user, "upload.xlsx", data)
        import_seconds = time.perf_counter() - started
        import_cpu = time.process_time() - cpu
        stored = db.session.execute(db.text(
            "SELECT count(*) FROM submission WHERE batch_id = :b"), {"b": result.id}).scalar()
        passed, failed = result.passed, result.failed
        again = {}
        if reupload:  # the whole file again, one column corrected, by the same user
            for record in records:
                record["contact_name"] = "王芳"
            write_filled(activity, str(path), records)
            started, cpu = time.perf_counter(), time.process_time()
            second = batch.import_workbook(activity, user, "corrected.xlsx", path.read_bytes())
            again = {"reupload_s": round(time.perf_counter() - started, 2),
                     "reupload_cpu_s": round(time.process_time() - cpu, 2),
                     "reupload_passed": second.passed}
    return {"database": database_url.split(":")[0], "rows": rows, "file_mb":
            round(len(data) / 1e6, 1), "template_s": round(template_seconds, 2),
            "calamine_read_s": round(read_seconds, 2), "end_to_end_s": round(import_seconds, 2),
            "ratio": round(import_seconds / read_seconds, 2),
            # CPU seconds of this process: steadier than wall time on a shared machine
            "calamine_read_cpu_s": round(read_cpu, 2), "end_to_end_cpu_s": round(import_cpu, 2),
            "passed": passed, "failed": failed, "stored": stored,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), **again}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database")
    parser.add_argument("--reupload", action="store_true",
                        help="then upload the whole file again with one column corrected")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.database, args.rows, args.reupload)))
        return
    from benchmarks.targets import database_targets

    targets = database_targets(args.database)
    for target in targets:
        out = subprocess.run([sys.executable, __file__, "--child", "--database", target,
                              "--rows", str(args.rows),
                              *(["--reupload"] if args.reupload else [])],
                             capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if not lines:
            print(out.stdout[-2000:], out.stderr[-4000:])
            continue
        print(json.dumps(json.loads(lines[-1]), ensure_ascii=False))


if __name__ == "__main__":
    main()

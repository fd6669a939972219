"""Benchmark: a 20,000-record upload with two detail sheets (知识产权明细 and 科技计划项目明细,
60,000 rows together) against the same 20,000 records in an activity without detail tables
(issue 19; goal: ≤ 1.5 × the time without them, peak memory ≤ 400 MB).

    .venv/bin/python benchmarks/batch_details.py [--rows 20000] [--database URL] [--repeat 3]

Both files have the same main sheet: each record's typed counts equal its rows, so every
row is read, checked, compared with its count and stored, and the same records pass. Each
database and each variant runs in its own process, so that each peak memory is its own,
``--repeat`` times, the variants alternating; the summary gives the ratio of the fastest
runs and of the median ones, in wall time and in the process's CPU time.
Without --database: a fresh SQLite file, and a fresh PostgreSQL database when one answers
on 127.0.0.1:5432.
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
VARIANTS = ("without", "with")


def _records_and_rows(rows: int) -> tuple[list[dict], dict[str, list[dict]]]:
    """Generated records (a sixth with a strong error) and their detail rows: 1–3 patents
    or registrations (2 on average) and one project each, the typed counts equal to them."""
    from app.domain.records import synthetic
    from app.domain.regions import load_regions
    from app.services.platform.setup import REGIONS_DIR

    counties = [r.code for r in load_regions(REGIONS_DIR) if r.level == "county"
                and r.code.startswith("21")]
    rng = random.Random(5)
    records, ip, projects = [], [], []
    for i in range(rows):
        record = synthetic.record(rng, rng.choice(counties), 300000 + i, 2025,
                                  synthetic.FLAWS[i % 12] if i % 12 < 6 else "none")
        uscc = record["uscc"]
        owned = 1 + i % 3
        inventions = rng.randint(0, owned)
        for n in range(owned):
            kind = "发明专利" if n < inventions else rng.choice(("实用新型", "软件著作权"))
            number = f"ZL{2015 + n}{i:08d}.{n}" if kind != "软件著作权" else f"2023SR{i:07d}{n}"
            ip.append({"uscc": uscc, "ip_type": kind, "number": number,
                       "title": f"一种检测装置及方法{n}",
                       "grant_date": f"{rng.randint(2016, 2025)}-0{rng.randint(1, 9)}-1{n}"})
        level = rng.choice(("地市级", "省级", "国家级"))
        projects.append({"uscc": uscc, "level": level, "name": "关键共性技术研发",
                         "number": f"2024-{i:06d}", "year": rng.randint(2019, 2025)})
        record.update(invention_patents=inventions, ip_count=owned,
                      municipal_projects=int(level == "地市级"),
                      provincial_projects=int(level != "地市级"))
        records.append(record)
    return records, {"ip": ip, "projects": projects}


def run_one(database_url: str, rows: int, variant: str) -> dict:
    from app import create_app
    from app.extensions import db
    from app.services.intake import activities, batch
    from app.services.intake.workbook import write_filled
    from app.services.platform.setup import run_setup

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                      "UPLOAD_FOLDER": tempfile.mkdtemp()})
    with app.app_context():
        run_setup()
        tables = ["ip", "projects"] if variant == "with" else None
        activity = activities.create_activity(f"明细表基准 {variant}", 2025, "county",
                                              open_now=True, detail_tables=tables)
        user = app.appbuilder.sm.find_user(username="bench_province")
        if user is None:
            from app.services.platform.accounts import create_user

            user = create_user("bench_province", "Bench#2026", "ProvinceAdmin",
                               first_name="基准", last_name="测试", email="bench@x.invalid",
                               region_code="21")
        records, details = _records_and_rows(rows)
        path = Path(tempfile.mkdtemp()) / "upload.xlsx"
        write_filled(activity, str(path), records, details=details if tables else None)
        data = path.read_bytes()
        del records, details

        from flask import g

        g.user = user
        started, cpu = time.perf_counter(), time.process_time()
        result = batch.import_workbook(activity, user, "upload.xlsx", data)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
        stored = db.session.execute(db.text(
            "SELECT count(*) FROM submission WHERE batch_id = :b"), {"b": result.id}).scalar()
        detail_rows = 0
        for (value,) in db.session.execute(db.text(
                "SELECT details FROM submission WHERE batch_id = :b"), {"b": result.id}):
            value = json.loads(value) if isinstance(value, str) else value
            detail_rows += sum(len(table_rows) for table_rows in (value or {}).values())
    return {"database": database_url.split(":")[0].split("+")[0], "variant": variant,
            "records": rows, "file_mb": round(len(data) / 1e6, 1),
            "end_to_end_s": round(seconds, 2), "cpu_s": round(cpu_seconds, 2),
            "passed": result.passed, "failed": result.failed, "stored": stored,
            "detail_rows_stored": detail_rows,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _child(target: str, rows: int, variant: str) -> dict | None:
    out = subprocess.run([sys.executable, __file__, "--child", "--database", target,
                          "--rows", str(rows), "--variant", variant],
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(out.stdout[-2000:], out.stderr[-4000:])
        return None
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each variant, alternating (a shared machine is noisy)")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.database, args.rows, args.variant)))
        return
    from benchmarks.targets import database_targets

    for target in database_targets(args.database):
        runs: dict[str, list[dict]] = {variant: [] for variant in VARIANTS}
        for _ in range(args.repeat):
            for variant in VARIANTS:
                result = _child(target, args.rows, variant)
                if result is None:
                    return
                runs[variant].append(result)
                print(json.dumps(result, ensure_ascii=False))
        summary = {"database": runs["with"][0]["database"], "runs": args.repeat}
        for measure in ("end_to_end_s", "cpu_s"):
            without = sorted(r[measure] for r in runs["without"])
            with_ = sorted(r[measure] for r in runs["with"])
            summary[measure] = {"without": without, "with": with_,
                                "ratio_of_minimums": round(with_[0] / without[0], 2),
                                "ratio_of_medians": round(with_[len(with_) // 2]
                                                          / without[len(without) // 2], 2)}
        summary["peak_mb"] = {variant: max(r["peak_mb"] for r in runs[variant])
                              for variant in VARIANTS}
        print(json.dumps(summary))


if __name__ == "__main__":
    main()

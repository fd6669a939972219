"""Benchmark: 企业画像 and 梯度培育 (issue 21). Goals: a profile page ≤ 150 ms server time for an
enterprise with 5 years of data among 100,000 enterprises × 3 years; a pool evaluation over
100,000 enterprises ≤ 30 s with flat memory; on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/profiles.py [--sizes 25000,50000,100000] [--repeat 30]
        [--database sqlite|postgresql|both] [--keep DIR]
    # a database prepared before (kept with --keep), measured again:
    .venv/bin/python benchmarks/profiles.py --measure-only --url URL [--records 100000]
    # where the evaluation's time and memory go (cProfile, tracemalloc) on a prepared database:
    PYTHONPATH=. .venv/bin/python benchmarks/profiles.py --child explain URL

Each size gets a fresh database (not timed): ``size`` enterprises spread over 辽宁省's counties,
each with approved records of data years 2022 and 2023 and a record of 2024 scored by a real
run of innovation-points-2.0 and confirmed (realistic figures from
app/domain/records/synthetic.py, earlier years grown back by a growth rate per enterprise);
one more enterprise reports 2020–2024 (five years), has score results and review records
for every year and a pool history. Open memberships for a share: 35 % 科技型中小企业,
12 % 高新技术企业, 3 % 雏鹰, 1 % 瞪羚, 0.1 % 独角兽 (main track, one each) and 6 % 专精特新,
plus closed ones from earlier years.

Measured, each in a fresh process:
- ``evaluation``: ``services.profiles.pools.evaluate(2024)`` — wall time, CPU seconds, RSS
  before the call and the process's peak RSS (``ru_maxrss``) after it; then once more under
  ``tracemalloc`` for the peak of Python allocations (slower: its time is not the figure).
  Flat memory: the peaks at 25,000, 50,000 and 100,000 enterprises side by side.
- ``page`` (largest size only): GET /profiles/<uscc> of the five-year enterprise as the
  province administrator through the test client (FAB's permission check, the template,
  everything but the network): *warm* — one process, three requests first, then
  ``--repeat`` timed; *cold* — ``--repeat`` fresh processes, each timing its first request
  (empty statement and template caches, no kept figures; the OS file cache stays warm).
  Without that page (not built yet) the same is measured for the services behind it:
  ``services.profiles.profile.show`` (and ``services.profiles.page.build`` when present).
- ``dashboard_cultivation_tab`` (largest size only): the dashboard's 培育 tab for the province,
  counted anew each time (``?part=cultivation&fresh=1``), with the last evaluation's
  proposals marked confirmed so that its Sankey counts a year of moves.
Median, p95 and min in ms.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.profiles_data import (  # noqa: E402 — after the path is set
    FIVE_YEAR_LIKE,
    LATEST,
    create_postgres,
    drop_postgres,
    make_app,
    nothing_waiting,
    prepare,
)

PASSWORD = "Bench#2026-profiles"
USER = "bench_profiles_province"


# -- the evaluation ----------------------------------------------------------------------------
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def evaluation(database_url: str, traced: bool, waiting: bool = False) -> dict:
    """One evaluation of the latest year; ``waiting``: with the evaluation the last one left
    waiting (a re-evaluation), else as a first one."""
    import tracemalloc

    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import PoolProposal
    from app.services.profiles import pools

    app = make_app(database_url)
    with app.app_context():
        if not waiting:
            nothing_waiting()
        db.session.execute(select(func.count()).select_from(PoolProposal)).scalar()  # connect
        before = _rss_mb()
        if traced:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        done = pools.evaluate(LATEST)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        figures = {"seconds": round(elapsed, 2), "cpu_s": round(cpu, 2),
                   "evaluated": done.evaluated,
                   "insufficient": len(done.insufficient or []),
                   "proposals": sum(pools.counts(done).values()),
                   "rss_before_mb": round(before),
                   "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
        if traced:
            figures = {"traced_seconds": figures["seconds"],
                       "traced_peak_mb": round(tracemalloc.get_traced_memory()[1] / 2**20, 1)}
            tracemalloc.stop()
        return figures


def explain(database_url: str) -> dict:
    """Where the evaluation's time and memory go: cProfile's top functions by own time, and
    tracemalloc's largest live allocations (by line) when the last profile has been read —
    before the proposals' last chunk and the 数据不足 list are written."""
    import cProfile
    import io
    import pstats
    import tracemalloc

    from app.extensions import db
    from app.services.profiles import pools

    app = make_app(database_url)
    found = {}
    with app.app_context():
        nothing_waiting()
        profiler = cProfile.Profile()
        profiler.runcall(pools.evaluate, LATEST)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
        found["cprofile_tottime"] = out.getvalue().splitlines()[:40]
        streamed = pools.stream_profiles

        def stream(*args, **kwargs):
            yield from streamed(*args, **kwargs)
            found["snapshot"] = tracemalloc.take_snapshot()
            current, peak = tracemalloc.get_traced_memory()
            found["traced_at_end_of_stream_mb"] = [round(current / 2**20, 1),
                                                   round(peak / 2**20, 1)]

        pools.stream_profiles = stream
        nothing_waiting()
        tracemalloc.start(1)
        done = pools.evaluate(LATEST)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        pools.stream_profiles = streamed
        top = found.pop("snapshot").statistics("lineno")[:12]
        found["live_at_end_of_stream"] = [
            f"{s.size / 2**20:.1f} MB {s.count} blocks "
            f"{s.traceback[0].filename.split('/main/')[-1]}:{s.traceback[0].lineno}" for s in top]
        found["traced_peak_mb"] = round(peak / 2**20, 1)
        found["insufficient_json_mb"] = round(len(json.dumps(done.insufficient)) / 2**20, 1)
        from sqlalchemy import Text, cast, func, select

        from app.models import AuditLog

        found["audit_rows_of_the_evaluation_mb"] = round(db.session.execute(
            select(func.sum(func.length(cast(AuditLog.changes, Text)))).where(
                AuditLog.object_type == "PoolEvaluation",
                AuditLog.object_id == str(done.id))).scalar() / 2**20, 1)
    return found


# -- the page ---------------------------------------------------------------------------------
def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "min_ms": round(times[0], 1), "n": len(times)}


def _client(app):
    import re

    from app.extensions import db
    from app.models import AppUser
    from app.security import roles
    from app.services.platform.accounts import create_user

    with app.app_context():
        if db.session.query(AppUser).filter_by(username=USER).first() is None:
            create_user(USER, PASSWORD, roles.PROVINCE_ADMIN, first_name="省", last_name="基准",
                        email=f"{USER}@bench.invalid", region_code="21")
    client = app.test_client()
    form = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = client.post("/login/", data={"username": USER, "password": PASSWORD,
                                          "csrf_token": token})
    assert answer.status_code == 302, "the benchmark's official could not sign in"
    return client


def _five_year_uscc(app) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Enterprise

    with app.app_context():
        return db.session.execute(select(Enterprise.uscc).where(
            Enterprise.uscc.like(FIVE_YEAR_LIKE))).scalar_one()


def _has_page(app) -> bool:
    return any(str(rule).startswith("/profiles/<") for rule in app.url_map.iter_rules())


def _callers(app, uscc: str) -> dict:
    """What is timed: the page when it exists, and the services behind it (always)."""
    import importlib

    from app.security.scope import REGION, UserScope
    from app.services.profiles import profile

    calls = {}
    if _has_page(app):
        client = _client(app)

        def page():
            answer = client.get(f"/profiles/{uscc}")
            assert answer.status_code == 200, answer.status_code
            return answer

        calls["page"] = page
    scope = UserScope(REGION, region_code="21")

    def show():
        with app.test_request_context():
            return profile.show(uscc, scope)

    calls["service_show"] = show
    try:
        page_module = importlib.import_module("app.services.profiles.page")
    except ImportError:
        page_module = None
    builder = getattr(page_module, "build", None)
    if builder is not None:
        def build():
            with app.test_request_context():
                return builder(uscc, scope)

        calls["service_page"] = build
    return calls


def page_warm(database_url: str, repeat: int) -> dict:
    app = make_app(database_url)
    uscc = _five_year_uscc(app)
    figures = {}
    calls = _callers(app, uscc)
    for name, call in calls.items():
        for _ in range(3):
            call()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        figures[name] = _stats(times)
    if "page" in figures:
        # The page with its cohort figures (ranks, radar medians) counted anew each time —
        # what the first view after a new score run costs — in this warm process.
        from app.extensions import cache

        times = []
        for _ in range(repeat):
            with app.app_context():
                cache.clear()
            started = time.perf_counter()
            calls["page"]()
            times.append((time.perf_counter() - started) * 1000)
        figures["page_recount"] = _stats(times)
        from sqlalchemy import event

        from app.extensions import db

        statements: list[str] = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        calls["page"]()  # with its cohort figures kept
        event.remove(engine, "before_cursor_execute", listener)
        figures["page_statements"] = len(statements)
    return figures


def page_cold(database_url: str) -> dict:
    """One first call of each, in this fresh process."""
    app = make_app(database_url)
    uscc = _five_year_uscc(app)
    calls = _callers(app, uscc)
    figures = {}
    for name, call in calls.items():
        started = time.perf_counter()
        call()
        figures[name] = (time.perf_counter() - started) * 1000
    return figures


def dashboard_tab(database_url: str, repeat: int) -> dict:
    """The dashboard's 培育 tab for the province (``?part=cultivation&fresh=1``: counted anew
    each time), after the latest evaluation's proposals are marked confirmed directly (not
    timed; ``pools.confirm`` itself is not what is measured here) so that the Sankey has a
    year of moves to count."""

    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import PoolEvaluation, PoolProposal

    app = make_app(database_url)
    with app.app_context():
        latest = db.session.execute(select(PoolEvaluation.id).order_by(
            PoolEvaluation.id.desc()).limit(1)).scalar()
        db.session.execute(update(PoolProposal).where(
            PoolProposal.evaluation_id == latest).values(status="confirmed"))
        db.session.execute(update(PoolEvaluation).where(PoolEvaluation.id == latest).values(
            status="confirmed", confirmed_at=dt.datetime.now()))
        db.session.commit()
    client = _client(app)

    def get():
        answer = client.get(f"/dashboard/?part=cultivation&fresh=1&year={LATEST}")
        assert answer.status_code == 200, answer.status_code
        return answer

    for _ in range(3):
        get()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    return _stats(times)


# -- running ----------------------------------------------------------------------------------
def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise RuntimeError(out.stderr[-4000:])
    return json.loads(lines[-1])


def measure(url: str, size: int, repeat: int, page: bool) -> dict:
    report = {"evaluation": _child("evaluate", url)}
    report["evaluation"].update(_child("evaluate-traced", url))
    # Once more with the evaluation just made still waiting: a re-evaluation.
    report["re_evaluation"] = _child("evaluate-waiting", url)
    if page:
        report.update(measure_page(url, repeat))
        report["dashboard_cultivation_tab"] = _child("dashboard-tab", url, str(repeat))
    return report


def measure_page(url: str, repeat: int) -> dict:
    report = {}
    try:
        report["page_warm"] = _child("page-warm", url, str(repeat))
        colds: dict[str, list[float]] = {}
        for _ in range(repeat):
            for name, value in _child("page-cold", url).items():
                colds.setdefault(name, []).append(value)
        report["page_cold"] = {name: _stats(values) for name, values in colds.items()}
    except RuntimeError as error:  # the page failed: say so and keep the other figures
        report["page_error"] = str(error)[-1500:]
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--keep", help="keep the largest databases: SQLite file in this "
                        "folder, PostgreSQL database bench_profiles")
    parser.add_argument("--measure-only", action="store_true")
    parser.add_argument("--url", help="with --measure-only: the prepared database")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-evaluation", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url = args.args[0]
        result = {"prepare": lambda: prepare(url, int(args.args[1])),
                  "evaluate": lambda: evaluation(url, traced=False),
                  "evaluate-traced": lambda: evaluation(url, traced=True),
                  "evaluate-waiting": lambda: evaluation(url, traced=False, waiting=True),
                  "page-warm": lambda: page_warm(url, int(args.args[1])),
                  "page-cold": lambda: page_cold(url),
                  "dashboard-tab": lambda: dashboard_tab(url, int(args.args[1])),
                  "explain": lambda: explain(url)}[args.child]()
        print(json.dumps(result))
        return
    if args.measure_only:
        if not args.url:
            parser.error("--measure-only needs --url")
        report = (measure_page(args.url, args.repeat) if args.skip_evaluation
                  else measure(args.url, args.records, args.repeat, page=True))
        print(json.dumps({"url": args.url.split("@")[-1], **report}))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    folder = args.keep or tempfile.mkdtemp(prefix="bench-profiles-")
    Path(folder).mkdir(parents=True, exist_ok=True)
    if not args.keep:
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for kind in kinds:
        for size in sizes:
            largest = size == max(sizes)
            if kind == "sqlite":
                path = Path(folder) / f"bench_profiles_{size}.db"
                path.unlink(missing_ok=True)
                url = f"sqlite:///{path}"
            else:
                name = "bench_profiles" if largest else f"bench_profiles_{size}"
                url = create_postgres(name)
                if not (largest and args.keep):
                    atexit.register(drop_postgres, name)
            report = {"database": kind, "enterprises": size,
                      "prepared": _child("prepare", url, str(size))}
            report.update(measure(url, size, args.repeat, page=largest))
            print(json.dumps(report), flush=True)
            if kind == "sqlite" and not (largest and args.keep):
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

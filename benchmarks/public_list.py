"""Benchmark: the public 公示 list with 100,000 listed enterprises (issue 20; goals: a search by
name or credit code ≤ 100 ms server time, ≥ 300 requests/s anonymous on the machine's cores).

    .venv/bin/python benchmarks/public_list.py [--records 100000] [--repeat 30] [--database URL]

Prepares a database with benchmarks/dashboard.py's generator (100,000 submissions), lists
every one of them on one published batch (not timed), then measures through the test client
(everything but the network): the first page, the next page (keyset), a search by a name's
fragment, a search by credit code, and a repeated request with its ETag (304). Then serves
the app with gunicorn (2 workers, as many as the machine's cores) and counts anonymous
requests a second from 16 client threads for 10 s: fresh requests of the first page, and
revalidations with the ETag (what browsers and a caching proxy send).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _list_everything(database_url: str) -> tuple[int, str, str]:
    """One published batch listing every submission; (batch id, a name fragment, a code)."""
    import datetime as dt

    from sqlalchemy import insert, select

    from app import create_app
    from app.extensions import db
    from app.models import PublicityBatch, PublicityEntry, ReportingActivity, Submission

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                      "TESTING": True, "SECRET_KEY": "bench-" + "x" * 40})
    with app.app_context():
        activity = db.session.execute(select(ReportingActivity)).scalars().first()
        batch = PublicityBatch(activity_id=activity.id, title="基准测试公示",
                               number="公示〔基准〕1号", status="published", days=5,
                               starts=dt.date.today(),
                               ends=dt.date.today() + dt.timedelta(days=7),
                               published_at=dt.datetime.now())
        db.session.add(batch)
        db.session.flush()
        rows = db.session.execute(select(Submission.id, Submission.enterprise_id,
                                         Submission.uscc, Submission.name,
                                         Submission.region_code, Submission.tech_field)).all()
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(PublicityEntry), [
                {"batch_id": batch.id, "submission_id": r.id, "enterprise_id": r.enterprise_id,
                 "uscc": r.uscc, "name": r.name or r.uscc, "region_code": r.region_code,
                 "tech_field": r.tech_field, "status": "listed"}
                for r in rows[start:start + 5000]])
        db.session.commit()
        sample = rows[len(rows) // 2]
        return batch.id, (sample.name or "")[2:6], sample.uscc


def _measure(database_url: str, batch_id: int, fragment: str, code: str, repeat: int) -> dict:
    from urllib.parse import quote

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                      "TESTING": True, "SECRET_KEY": "bench-" + "x" * 40})
    client = app.test_client()
    base = f"/public/publicity/{batch_id}"
    first = client.get(base)
    assert first.status_code == 200, first.status_code
    html = first.get_data(as_text=True)
    after = html.split("after=")[1].split('"')[0] if "after=" in html else "0"
    cases = {"first page": base, "next page (keyset)": f"{base}?after={after}",
             "search by name fragment": f"{base}?q={quote(fragment)}",
             "search by credit code": f"{base}?q={code}"}
    figures = {}
    for label, url in cases.items():
        times = []
        for n in range(repeat + 3):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200
            if n >= 3:
                times.append(elapsed)
        figures[label] = (statistics.median(times), sorted(times)[int(len(times) * .95) - 1])
    tag = first.headers["ETag"]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert client.get(base, headers={"If-None-Match": tag}).status_code == 304
        times.append((time.perf_counter() - started) * 1000)
    figures["repeat with ETag (304)"] = (statistics.median(times),
                                         sorted(times)[int(len(times) * .95) - 1])
    return figures


def _load(database_url: str, batch_id: int, seconds: float = 10.0) -> dict:
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "testing",
           "SECRET_KEY": "bench-" + "x" * 40}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b",
                               f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        path = f"/public/publicity/{batch_id}"
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", path)
                response = connection.getresponse()
                tag = response.getheader("ETag")
                response.read()
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        for label, headers in (("fresh", {}), ("with ETag", {"If-None-Match": tag})):
            done, errors, stop = [0], [0], time.time() + seconds

            def client(headers=headers, done=done, errors=errors, stop=stop):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                while time.time() < stop:
                    try:
                        connection.request("GET", path, headers=headers)
                        response = connection.getresponse()
                        response.read()
                        done[0] += response.status in (200, 304)
                    except OSError:
                        errors[0] += 1
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

            threads = [threading.Thread(target=client) for _ in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            results[label] = (done[0] / seconds, errors[0])
        return results
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='ipp-public-')}/bench.db"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/dashboard.py"), "--child", "prepare",
                    "--database", url, "--records", str(args.records)], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    batch_id, fragment, code = _list_everything(url)
    print(f"{url.split(':')[0]}: {args.records:,} listed; searching “{fragment}” and {code}")
    for label, (median, p95) in _measure(url, batch_id, fragment, code, args.repeat).items():
        print(f"  {label:<28} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    for label, (rate, errors) in _load(url, batch_id).items():
        print(f"  gunicorn 2 workers, {label:<10} {rate:7.0f} requests/s   errors {errors}")


if __name__ == "__main__":
    main()

"""Benchmark: the public 公示 list with 100,000 listed enterprises (issue 20; goals: a search by
name or credit code ≤ 100 ms server time, ≥ 300 requests/s anonymous on the machine's cores).

    .venv/bin/python benchmarks/public_list.py [--records 100000] [--repeat 30] [--database URL]

Prepares a database with benchmarks/dashboard.py's generator (100,000 submissions), lists
every one of them on one published batch (not timed), then measures through the test client
(everything but the network): the first page, the next page (keyset), a search by a name's
fragment, a search by credit code, and a repeated request with its ETag (304). Then serves
the app with gunicorn (deploy/gunicorn.conf.py, production settings, 2 workers: as many as
the machine's cores) and counts anonymous requests a second from 2 client processes × 8
keep-alive threads for 10 s: fresh requests of the first page, and revalidations with the
ETag (what browsers and a caching proxy send).

    .venv/bin/python benchmarks/public_list.py --nginx [--seconds 10] [--workers 2] [--steady 75]

adds the production front: the same gunicorn behind nginx configured from deploy/nginx
(benchmarks/nginx_front.py includes deploy/nginx/ipp-portal-cache.conf as ipp.conf does). It
first checks the cache rules on the running pair (anonymous pages kept, no Set-Cookie; a
signed-in or English session, the status query never served from or stored in the cache; the
Chinese and English pages never mixed), then counts anonymous requests a second: the list
and 200 distinct searches once each on an empty cache (all misses), the same addresses again
for `--seconds` (within max-age), the same page repeated, and the page with a session cookie
(bypass: nginx plus the app); with --steady, the distinct pages again for that long, so that
kept pages expire and are revalidated under load. The client runs on the same cores: the
cores each party used (client, nginx, gunicorn, PostgreSQL's backends, other processes of
the machine) are printed beside each figure.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
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


def _gunicorn(database_url: str, workers: int, port: int, logs: Path) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py and production settings; logs in `logs`."""
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "production",
           "SECRET_KEY": secrets.token_urlsafe(48), "BEHIND_PROXY": "1"}
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--access-logfile",
         str(logs / "access.log"), "--error-logfile", str(logs / "error.log"),
         "app:create_app()"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _load(database_url: str, batch_id: int, seconds: float = 10.0, workers: int = 2) -> dict:
    """gunicorn alone, anonymous: the first page fresh, then revalidated with its ETag."""
    from benchmarks import nginx_front as nf

    port = 18000 + os.getpid() % 1000
    logs = Path(tempfile.mkdtemp(prefix="ipp-gu-"))
    server = _gunicorn(database_url, workers, port, logs)
    try:
        path = f"/public/publicity/{batch_id}"
        for _ in range(150):
            assert server.poll() is None, f"gunicorn stopped: see {logs}/error.log"
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", path)
                response = connection.getresponse()
                tag = response.getheader("ETag")
                response.read()
                break
            except OSError:
                time.sleep(0.2)
        servers = {"gunicorn": server.pid}
        if database_url.startswith("postgresql"):
            servers["postgres"] = _backends(database_url)
        return {label: nf.hammer(port, [path], seconds, headers=headers, servers=servers)
                for label, headers in (("fresh", {}), ("with ETag", {"If-None-Match": tag}))}
    finally:
        server.terminate()
        server.wait(10)


def _search_terms(database_url: str, batch_id: int, count: int = 200) -> list[str]:
    """`count` distinct searches a crowd might type: name fragments and credit codes."""
    import random

    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, uscc FROM publicity_entry WHERE batch_id = :b"),
                            {"b": batch_id}).all()
    engine.dispose()
    rng, terms = random.Random(20), set()
    while len(terms) < count:
        name, uscc = rng.choice(rows)
        terms.add(uscc if len(terms) % 2 else name[2:2 + rng.randint(3, 5)])
    return sorted(terms)


def _official(database_url: str) -> tuple[str, str]:
    """A province official to sign in through nginx (made once per database)."""
    from app import create_app
    from app.extensions import db
    from app.models import AppUser
    from app.security import roles
    from app.services.platform.accounts import create_user
    from benchmarks.dashboard import BENCH_PASSWORD, OFFICIALS

    username, role, region = OFFICIALS["province"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "APP_ENV": "testing",
                      "SECRET_KEY": "bench-" + "x" * 40})
    with app.app_context():
        if db.session.query(AppUser).filter_by(username=username).first() is None:
            create_user(username, BENCH_PASSWORD, getattr(roles, role), first_name="省级",
                        last_name="基准", email=f"{username}@bench.invalid", region_code=region)
        db.engine.dispose()
    return username, BENCH_PASSWORD


def _session_cookie(headers: dict) -> str:
    return headers["set-cookie"].split(";")[0]


def _sign_in(front, username: str, password: str) -> str:
    """Sign in through nginx as a browser does; the signed-in session cookie."""
    import re
    from urllib.parse import urlencode

    status, headers, body = front.get("/login/")
    cookie = _session_cookie(headers)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    connection = http.client.HTTPConnection("127.0.0.1", front.listen, timeout=30)
    connection.request("POST", "/login/", urlencode(
        {"username": username, "password": password, "csrf_token": token}),
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 302 and not answer.getheader("Location").endswith("/login/"), \
        f"{username} could not sign in through nginx ({answer.status})"
    return answer.getheader("Set-Cookie").split(";")[0]


def _check_cache_rules(front, base: str, official: tuple[str, str]) -> list[str]:
    """The rules of deploy/nginx/ipp-portal-cache.conf, checked on the running pair."""
    import re

    zh, en = "创新积分平台".encode(), b"Innovation Points Platform"
    seen = []

    def nonce(body: bytes) -> bytes:
        return re.search(rb'nonce="([^"]+)"', body).group(1)

    def get(path, cookie=None, expect=None):
        status, headers, body = front.get(path, {"Cookie": cookie} if cookie else {})
        cache = headers.get("x-cache-status")
        assert status == 200, (path, status)
        assert expect is None or cache == expect, (path, cookie, cache, expect)
        who = ("anonymous" if cookie is None else "English session" if cookie == english
               else "signed in")
        seen.append(f"{who:<16} {path}: {cache}")
        return headers, body

    english = signed_in = None

    front.purge()
    headers, body = get(base, expect="MISS")
    assert "set-cookie" not in headers and zh in body and en not in body
    headers, body = get(base, expect="HIT")
    assert "set-cookie" not in headers and zh in body
    # English by address is its own entry; the Chinese entry stays Chinese.
    _, body = get(f"{base}?_l_=en", expect="MISS")
    assert en in body and zh not in body
    _, body = get(base, expect="HIT")
    assert zh in body and en not in body
    # English by session (the language switch): always from the app, never stored.
    status, headers, _ = front.get("/lang/en")
    english = _session_cookie(headers)
    for _ in range(2):
        _, body = get(base, english, expect="BYPASS")
        assert en in body and zh not in body
    _, body = get(base, expect="HIT")
    assert zh in body
    # Signed in: rendered by the app every time (each render has its own CSP nonce), and
    # never stored (anonymous visitors still get the copy kept before).
    kept = nonce(body)
    signed_in = _sign_in(front, *official)
    renders = {nonce(get(base, signed_in, expect="BYPASS")[1]) for _ in range(2)}
    assert len(renders) == 2 and kept not in renders
    assert nonce(get(base, expect="HIT")[1]) == kept
    status, headers, _ = front.get("/", {"Cookie": signed_in})
    assert status == 302 and headers.get("x-cache-status") == "BYPASS", (status, headers)
    seen.append(f"{'signed in':<16} /: {headers.get('x-cache-status')} (302 to the workbench)")
    # The status query answers one visitor: never kept, even anonymous.
    for _ in range(2):
        get("/public/status?uscc=91210000MA0000000X", expect="BYPASS")
    return seen


def _backends(database_url: str) -> list[int]:
    """PostgreSQL's server processes for this database (the workers' pooled connections):
    their CPU is the database's share of a request."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND pid <> pg_backend_pid()")).scalars()
        pids = list(pids)
    engine.dispose()
    return pids


def _behind_nginx(database_url: str, batch_id: int, seconds: float, workers: int,
                  steady: float) -> dict:
    from urllib.parse import quote

    from benchmarks import nginx_front as nf

    terms = _search_terms(database_url, batch_id)
    official = _official(database_url)
    work = Path(tempfile.mkdtemp(prefix="ipp-front-"))
    app_port, front_port = 19000 + os.getpid() % 500, 19500 + os.getpid() % 500
    server = _gunicorn(database_url, workers, app_port, work)
    try:
        with nf.Nginx(work / "nginx", front_port, f"127.0.0.1:{app_port}") as front:
            base = f"/public/publicity/{batch_id}"
            for _ in range(150):
                assert server.poll() is None, f"gunicorn stopped: see {work}/error.log"
                if front.get(base)[0] == 200:
                    break
                time.sleep(0.2)
            checks = _check_cache_rules(front, base, official)
            servers = {"nginx": front.process.pid, "gunicorn": server.pid}
            if database_url.startswith("postgresql"):
                servers["postgres"] = _backends(database_url)
            paths = [base] + [f"{base}?q={quote(term)}" for term in terms]
            front.purge()
            figures = {"distinct pages once, empty cache": nf.fetch_once(front_port, paths)}
            figures["distinct pages again (kept)"] = nf.hammer(front_port, paths, seconds,
                                                              servers=servers)
            figures["one page repeated (kept)"] = nf.hammer(front_port, [base], seconds,
                                                           servers=servers)
            cookie = _sign_in(front, *official)
            figures["signed in (bypass: app)"] = nf.hammer(
                front_port, [base], seconds, headers={"Cookie": cookie}, servers=servers)
            if steady:
                # Long enough for every kept page to pass its max-age (60 s) at least once:
                # expired pages are revalidated with their ETag while the stale copy is served.
                figures[f"distinct pages for {steady:.0f} s"] = nf.hammer(
                    front_port, paths, steady, servers=servers)
            return {"checks": checks, "figures": figures, "pages": len(paths)}
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database")
    parser.add_argument("--nginx", action="store_true",
                        help="also measure behind nginx with the shipped portal cache")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--steady", type=float, default=0,
                        help="with --nginx: also this many seconds over the distinct pages")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='ipp-public-')}/bench.db"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/dashboard.py"), "--child", "prepare",
                    "--database", url, "--records", str(args.records)], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    batch_id, fragment, code = _list_everything(url)
    print(f"{url.split(':')[0]}: {args.records:,} listed; searching “{fragment}” and {code}")
    for label, (median, p95) in _measure(url, batch_id, fragment, code, args.repeat).items():
        print(f"  {label:<28} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    for label, result in _load(url, batch_id, args.seconds, args.workers).items():
        _print_load(f"gunicorn {args.workers} workers, {label}", result)
    if args.nginx:
        front = _behind_nginx(url, batch_id, args.seconds, args.workers, args.steady)
        print(f"  nginx + gunicorn {args.workers} workers; cache rules checked:")
        for line in front["checks"]:
            print(f"    {line}")
        print(f"  anonymous requests, {front['pages']} distinct pages (the list and 200 "
              "searches):")
        for label, result in front["figures"].items():
            _print_load(label, result)


def _print_load(label: str, result: dict) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result["counts"].items()))
    print(f"    {label:<34} {result['rate']:7.0f} requests/s   [{counts}]")
    if "cores" in result:
        cores = ", ".join(f"{k} {v:.2f}" for k, v in result["cores"].items())
        print(f"    {'':<34} cores used: {cores}")


if __name__ == "__main__":
    main()

"""What one logged-in list request costs (issue 8): SQL statements issued (SQLAlchemy event
counting) and where the time goes (cProfile), for the platform's list page on ipp_load.

    .venv/bin/python benchmarks/load/profile_list.py [--user province_admin] [--url ...]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="province_admin")
    parser.add_argument("--url", default="/submissionview/list/?page_SubmissionView=3")
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/ipp_load")
    args = parser.parse_args()
    os.environ.setdefault("AUTH_RATE_LIMITED", "0")
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from config import normalize_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalize_database_url(args.database),
                      "APP_ENV": "testing", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    page = client.get("/login/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post("/login/", data={"username": args.user, "password": "Demo#2026",
                                 "csrf_token": token})
    for _ in range(3):  # warm caches as a running worker has them
        assert client.get(args.url).status_code == 200
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    response = client.get(args.url)
    event.remove(engine, "before_cursor_execute", count)
    print(f"status {response.status_code}; {len(statements)} SQL statements")
    for statement, n in collections.Counter(
            re.sub(r"\s+", " ", s)[:150] for s in statements).most_common():
        print(f"  {n} × {statement}")
    started = time.perf_counter()
    for _ in range(20):
        client.get(args.url)
    print(f"{(time.perf_counter() - started) / 20 * 1000:.1f} ms per request (test client)")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(10):
        client.get(args.url)
    profile.disable()
    pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(40)


if __name__ == "__main__":
    main()

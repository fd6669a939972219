"""Server time of each page the load test uses, per official role, in-process (test client) on
ipp_load: median of 7 after one warm-up request. Needs prepare.py's database and plan.json.

    .venv/bin/python benchmarks/load/pages.py [province_admin city_reviewer county_reviewer]
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
AREAS = {"province_admin": "province", "city_reviewer": "city", "county_reviewer": "county"}
LIST = "/submissionview/list/"


def pages(plan: dict, area: str) -> dict[str, str]:
    sort = LIST + "?_oc_SubmissionView={}&_od_SubmissionView={}"
    return {
        "list, page 30": LIST + "?page_SubmissionView=30",
        "sorted by name": sort.format("name", "asc"),
        "sorted by submitted": sort.format("submitted_at", "desc"),
        "sorted by warnings": sort.format("warning_count", "desc"),
        "searched by name": LIST + "?_flt_0_name=企业123",
        "detail": f"/submissionview/show/{plan[area][0]}",
        "review record": f"/review/show/{plan[area][1]}",
        "dashboard": f"/dashboard/?activity={plan['activity']}",
        "review queue": "/review/list/",
    }


def main() -> None:
    os.environ.setdefault("AUTH_RATE_LIMITED", "0")
    from app import create_app
    from config import normalize_database_url

    plan = json.loads((ROOT / "benchmarks/load/out/plan.json").read_text())
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalize_database_url(
        "postgresql://postgres@127.0.0.1:5432/ipp_load"), "APP_ENV": "testing",
        "RATELIMIT_ENABLED": False})
    for user in sys.argv[1:] or list(AREAS):
        client = app.test_client()
        form = client.get("/login/")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
        client.post("/login/", data={"username": user, "password": "Demo#2026",
                                     "csrf_token": token})
        for name, url in pages(plan, AREAS[user]).items():
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            times = []
            for _ in range(7):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{user:16} {name:20} {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()

"""Load test users (issue 8): the demo roles log in once, then mix the pages they use.

Run by benchmarks/load/run.sh; needs benchmarks/load/out/plan.json from prepare.py. Requests are
named by page so locust's statistics are per page; any status other than 2xx/3xx is an error
(locust's default), and so is a page that fell back to the login form.
"""

from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads((Path(__file__).resolve().parent / "out" / "plan.json").read_text())
PASSWORD = "Demo#2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# County approvals take records from one shared queue so no two users decide the same record.
QUEUE = list(PLAN["queue"])
SORTS = ["name", "uscc", "status", "warning_count", "submitted_at"]


class FormFields(HTMLParser):
    """The values a browser would post back from the portal form, as they are shown."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and name not in ("csrf_token", "action"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class Official(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # a person reading the page between clicks
    username = ""
    area = "province"

    def on_start(self):
        page = self.client.get("/login/", name="login form")
        token = CSRF.search(page.text).group(1)
        with self.client.post("/login/", name="login", catch_response=True, data={
                "username": self.username, "password": PASSWORD, "csrf_token": token}) as r:
            if "/login" in r.url:
                r.failure("login refused")

    def get(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.ok and "/login" in r.url:
                r.failure("sent back to the login page")
            return r

    @task(4)
    def list_page(self):
        self.get(f"/submissionview/list/?page_SubmissionView={random.randint(0, 50)}",
                 "submission list (page)")

    @task(2)
    def list_sorted(self):
        self.get(f"/submissionview/list/?_oc_SubmissionView={random.choice(SORTS)}"
                 f"&_od_SubmissionView={random.choice(('asc', 'desc'))}",
                 "submission list (sorted)")

    @task(2)
    def list_search(self):
        self.get(f"/submissionview/list/?_flt_0_name=企业{random.randint(1, 999)}",
                 "submission list (search)")

    @task(3)
    def detail(self):
        self.get(f"/submissionview/show/{random.choice(PLAN[self.area])}", "submission detail")

    @task(1)
    def review_record(self):
        self.get(f"/review/show/{random.choice(PLAN[self.area])}", "review record")

    @task(2)
    def dashboard(self):
        self.get(f"/dashboard/?activity={PLAN['activity']}", "dashboard")


class ProvinceAdmin(Official):
    weight = 3
    username = "province_admin"
    area = "province"


class CityReviewer(Official):
    weight = 3
    username = "city_reviewer"
    area = "city"


class CountyReviewer(Official):
    weight = 2
    username = "county_reviewer"
    area = "county"

    @task(2)
    def review_queue(self):
        self.get("/review/list/", "review queue")

    @task(2)
    def approve(self):
        if not QUEUE:
            return
        record = QUEUE.pop()
        page = self.get(f"/review/decide?action=approve&ids={record}", "review decide (form)")
        match = CSRF.search(page.text or "")
        if not match:
            return
        with self.client.post("/review/decide", name="review decide (approve)",
                              catch_response=True,
                              data={"csrf_token": match.group(1), "ids": str(record),
                                    "action": "approve"}) as r:
            if r.ok and "/login" in r.url:
                r.failure("sent back to the login page")


class EnterpriseUser(HttpUser):
    weight = 2
    wait_time = between(1, 3)
    username = "enterprise_user"

    on_start = Official.on_start
    get = Official.get

    @task(3)
    def portal(self):
        self.get("/portal/", "portal")

    @task(2)
    def own_list(self):
        self.get("/submissionview/list/", "submission list (enterprise)")

    @task(3)
    def save_draft(self):
        url = f"/portal/activity/{PLAN['demo_activity']}"
        page = self.get(url, "portal form")
        match = CSRF.search(page.text or "")
        if not match:
            return
        parser = FormFields()
        parser.feed(page.text)
        with self.client.post(url, name="portal form (save draft)", catch_response=True,
                              data=[*parser.fields, ("csrf_token", match.group(1)),
                                    ("action", "save")]) as r:
            if r.ok and "/login" in r.url:
                r.failure("sent back to the login page")


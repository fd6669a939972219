"""The list-page comparison of issue 8 (ours against bare_fab.py): one logged-in user per
locust user, fetching list pages back to back (no think time), so requests/s is the server's
throughput at that concurrency.

USERNAME, LIST_URL and PAGE_ARG choose the app (see bare_fab.py); the view's pages go up to 50.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, constant, task

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USERNAME = os.environ.get("USERNAME", "province_admin")
LIST_URL = os.environ.get("LIST_URL", "/submissionview/list/")
PAGE_ARG = os.environ.get("PAGE_ARG", "page_SubmissionView")


class Lister(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        page = self.client.get("/login/", name="login form")
        token = CSRF.search(page.text).group(1)
        self.client.post("/login/", name="login", data={
            "username": USERNAME, "password": "Demo#2026", "csrf_token": token})

    @task
    def list_page(self):
        with self.client.get(f"{LIST_URL}?{PAGE_ARG}={random.randint(0, 50)}", name="list",
                             catch_response=True) as r:
            if r.ok and "/login" in r.url:
                r.failure("sent back to the login page")

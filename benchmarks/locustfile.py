"""Load scenario (locust, headless): people browsing the lists, opening needs with their
suggestions and explanations, enterprises posting needs, and operators opening the report.

Run against gunicorn serving the demo database (``innomatch seed-demo``), with the app told to
trust one proxy hop, so that each simulated user's X-Forwarded-For address counts as its own
client for the log-in rate limit (all users come from 127.0.0.1 otherwise)::

    INNOMATCH_PROXY_HOPS=1 .venv/bin/gunicorn -c python:webapp.gunicorn_conf \\
        --bind 127.0.0.1:8000 wsgi:app       # as make run serves: 2 workers x 4 threads
    .venv/bin/locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 2m \\
        --host http://127.0.0.1:8000 --csv /tmp/load --only-summary

Every page is checked for its status and for a marker of its content, so an error page
served with 200 still counts as a failure. docs/operations.md (Load) has the figures.
"""

# ruff: noqa: S311 - random choices of pages, not secrets
from __future__ import annotations

import itertools
import random
import re
from typing import Any

from locust import HttpUser, between, task

PASSWORD = "demo-pass-2025"  # noqa: S105 - the demo accounts' published password
ENTERPRISE = "enterprise@demo.innomatch.cn"
OPERATOR = "operator@demo.innomatch.cn"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NEED_LINK = re.compile(r'href="/needs/(\d+)"')
EXPLAIN_LINK = re.compile(r'href="(/needs/\d+/matches/\d+)"')
FIELDS = ["new_energy", "advanced_manufacturing", "electronic_information", "new_materials",
          "bio_medicine", "resources_environment"]
_address = itertools.count(1)


class Visitor(HttpUser):
    """A logged-in member of an enterprise; one user in ten is an operator instead."""

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        n = next(_address)
        # A client address of its own, read by the app through PROXY_HOPS=1.
        self.client.headers["X-Forwarded-For"] = f"10.{n // 250}.{n % 250}.{1 + n % 200}"
        self.is_operator = n % 10 == 0
        self.need_ids: list[int] = []
        page = self.client.get("/login", name="/login")
        token = self._csrf(page.text)
        email = OPERATOR if self.is_operator else ENTERPRISE
        with self.client.post("/login", data={"email": email, "password": PASSWORD,
                                              "csrf_token": token},
                              allow_redirects=False, name="/login [POST]",
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"log-in refused: {answer.status_code}")

    @staticmethod
    def _csrf(html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else ""

    def _page(self, path: str, name: str, marker: str) -> Any:
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code == 0:  # no answer at all: say what the connection did
                answer.failure(f"no response: {answer.error!r}")
            elif answer.status_code != 200:
                answer.failure(f"status {answer.status_code}")
            elif marker not in answer.text:
                answer.failure(f"no {marker!r} on the page")
            return answer

    @task(4)
    def browse_needs(self) -> None:
        """The need list, sometimes filtered by field or on a later page."""
        query = random.choice(["", f"?field={random.choice(FIELDS)}", "?page=2", "?page=3"])
        answer = self._page(f"/needs{query}", "/needs", "需求")
        ids = [int(i) for i in NEED_LINK.findall(answer.text or "")]
        if ids:
            self.need_ids = ids

    @task(3)
    def browse_results(self) -> None:
        """The result list."""
        query = random.choice(["", f"?field={random.choice(FIELDS)}", "?page=2"])
        self._page(f"/results{query}", "/results", "成果")

    @task(5)
    def open_need(self) -> None:
        """A need's page with its suggested results; now and then one suggestion's explanation."""
        if not self.need_ids:
            self.browse_needs()
            return
        need_id = random.choice(self.need_ids)
        answer = self._page(f"/needs/{need_id}", "/needs/[id]", "需求")
        links = EXPLAIN_LINK.findall(answer.text or "")
        if links and random.random() < 0.3:
            self._page(random.choice(links), "/needs/[id]/matches/[id]", "匹配")

    @task(1)
    def post_need(self) -> None:
        """An enterprise posts a need through the form and it is published at once."""
        if self.is_operator:
            return
        form = self._page("/needs/new", "/needs/new", "需求")
        data = {
            "csrf_token": self._csrf(form.text or ""),
            "title": f"压测需求：动力电池极片涂布厚度在线检测 {random.randrange(10**6)}",
            "field": "new_energy",
            "problem": "涂布厚度波动导致电池一致性差，需要非接触式在线检测方案，精度优于 1 微米。",
            "keywords": "涂布 厚度 在线检测",
            "budget_min": "50", "budget_max": "120", "modes": "joint_development",
            "province": "江苏省", "show_org_name": "y", "action": "publish",
        }
        with self.client.post("/needs/new", data=data, allow_redirects=False,
                              name="/needs/new [POST]", catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"not posted: {answer.status_code}")

    @task(1)
    def open_report(self) -> None:
        """Operators open the report (others browse instead)."""
        if not self.is_operator:
            self.browse_results()
            return
        self._page("/reports", "/reports", "对接")

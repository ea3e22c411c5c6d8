"""Locust users of the portal: freelancers and reviewers, signed in (bench/load.py starts them).

    python3 -m uv run python bench/load.py          # seeds, starts gunicorn, runs this, reports

Each simulated person is a real account with its own session (made by bench/load.py before the
run, in LOAD_SESSIONS: signing 200 people in at once would measure the password hasher). Nine in
ten are freelancers: they read their standing and their cases, appeal an action, and write to the
reviewer on an appeal. One in ten are reviewers: they read their queue, claim the next appeal,
read it, add an internal note, and decide it (overturned, with reasons and the cited version).
POSTs do not follow their redirect, so each line measures one request. A response other than the
expected status is a failure (locust's error count).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

import gevent
from locust import HttpUser, between, events, task

with open(os.environ["LOAD_SESSIONS"]) as sessions_file:
    SESSIONS = json.load(sessions_file)
_freelancers = itertools.cycle(SESSIONS["freelancers"])
_reviewers = itertools.cycle(SESSIONS["reviewers"])


@events.init.add_listener
def _fresh_loop_clock(**_kwargs) -> None:
    """gevent's loop caches "now" until it first runs; on a busy machine the imports take seconds
    and `--run-time` was then measured from that stale instant (the run stopped at once)."""
    gevent.get_hub().loop.update_now()


MESSAGE_FORM = re.compile(r'action="/appeals/(\d+)/messages/"')
VERSION_BOX = re.compile(r'name="versions" value="(\d+)"')
REVIEW_URL = re.compile(r"/staff/appeals/(\d+)/$")


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    person: dict

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", self.person["session"])
        self.client.cookies.set("csrftoken", self.person["csrf"])

    def post(self, url: str, data: dict, *, name: str, expect: int = 302):
        with self.client.post(
            url,
            data=data,
            headers={"X-CSRFToken": self.person["csrf"]},
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code} (expected {expect})")
            return response

    def get(self, url: str, *, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response


class Freelancer(SignedIn):
    weight = 9

    def on_start(self) -> None:
        self.person = next(_freelancers)
        super().on_start()
        self.actions = list(self.person["appealable"])  # not appealed yet, window open
        self.appeals: list[int] = []

    @task(4)
    def standing(self) -> None:
        self.get("/standing/", name="GET /standing/")

    @task(4)
    def case(self) -> None:
        action = random.choice(self.person["actions"])
        response = self.get(f"/standing/actions/{action}/", name="GET /standing/actions/[id]/")
        match = MESSAGE_FORM.search(response.text or "")
        if match and int(match.group(1)) not in self.appeals:
            self.appeals.append(int(match.group(1)))

    @task(1)
    def file_appeal(self) -> None:
        if not self.actions:
            return
        action = self.actions.pop()
        response = self.post(
            f"/standing/actions/{action}/appeal/",
            {
                "statement": "The client paid through the marketplace; the receipts are in "
                "my account history.",
                "requested_outcome": "lift",
            },
            name="POST /standing/actions/[id]/appeal/ (file)",
        )
        if response.status_code == 302:
            page = self.get(f"/standing/actions/{action}/", name="GET /standing/actions/[id]/")
            if match := MESSAGE_FORM.search(page.text or ""):
                self.appeals.append(int(match.group(1)))

    @task(1)
    def reply(self) -> None:
        if not self.appeals:
            return
        self.post(
            f"/appeals/{random.choice(self.appeals)}/messages/",
            {"body": "Here is one more detail about the payment."},
            name="POST /appeals/[id]/messages/ (reply)",
        )


class Reviewer(SignedIn):
    weight = 1

    def on_start(self) -> None:
        self.person = next(_reviewers)
        super().on_start()
        self.held: list[int] = []

    @task(4)
    def queue(self) -> None:
        self.get("/staff/queue/", name="GET /staff/queue/")

    @task(2)
    def claim(self) -> None:
        if len(self.held) >= 3:
            return
        response = self.post("/staff/queue/claim-next/", {}, name="POST /staff/queue/claim-next/")
        if match := REVIEW_URL.search(response.headers.get("Location", "")):
            self.held.append(int(match.group(1)))

    @task(3)
    def case(self) -> None:
        if self.held:
            self.get(f"/staff/appeals/{random.choice(self.held)}/", name="GET /staff/appeals/[id]/")

    @task(1)
    def note(self) -> None:
        if self.held:
            self.post(
                f"/staff/appeals/{random.choice(self.held)}/message/",
                {"body": "Checked the payment logs: the transfer is there.", "internal": "on"},
                name="POST /staff/appeals/[id]/message/ (note)",
            )

    @task(1)
    def decide(self) -> None:
        if not self.held:
            return
        appeal = self.held.pop(0)
        page = self.get(f"/staff/appeals/{appeal}/", name="GET /staff/appeals/[id]/")
        versions = VERSION_BOX.findall(page.text or "")[:1]
        self.post(
            f"/staff/appeals/{appeal}/decide/",
            {
                "outcome": "overturned",
                "reasons": "The payment went through the marketplace; the action is lifted.",
                "versions": versions,
            },
            name="POST /staff/appeals/[id]/decide/",
        )

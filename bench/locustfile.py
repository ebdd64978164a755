"""The load run's users (bench/run.py starts it): each is one of the demo people, of mixed
roles (a session bench/run.py made), opening the home page, and the weekly list if their role
may."""

import json
import os
import random

from locust import HttpUser, between, task

SESSIONS = json.loads(os.environ.get("BENCH_SESSIONS", '{"home": [], "weekly": []}'))
COOKIE = os.environ.get("BENCH_SESSION_COOKIE", "sessionid")


class CaseworkUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.session = random.choice(SESSIONS["home"])
        self.client.cookies.set(COOKIE, self.session)

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home page")

    @task(1)
    def weekly_list(self) -> None:
        if self.session in SESSIONS["weekly"]:
            self.client.get("/transfers/weekly/", name="weekly list")

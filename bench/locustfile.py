"""The load run's users (bench/run.py starts it): each signs in as one of the demo roles (a
session bench/run.py made), then opens the home page and the weekly list."""

import json
import os
import random

from locust import HttpUser, between, task

SESSIONS = json.loads(os.environ.get("BENCH_SESSIONS", "[]"))
COOKIE = os.environ.get("BENCH_SESSION_COOKIE", "sessionid")


class CaseworkUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.cookies.set(COOKIE, random.choice(SESSIONS))

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home page")

    @task(1)
    def weekly_list(self) -> None:
        self.client.get("/transfers/weekly/", name="weekly list")

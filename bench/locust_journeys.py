"""The load run of issue 13 (bench/load.py starts it): 50 people of mixed roles sign in through
the login form, then open their home page, lists, case and transfer pages, and take steps. The
Early Help workers start a step-up on one of their cases and withdraw it again (through the
check-answers page): two transitions, each audited, as a worker at a desk would. Any answer
that is not 200 (after redirects) counts as an error."""

import html
import random
import re

from locust import HttpUser, between, task

PASSWORD = "casetransfer-demo"
WORKERS = ["ffp.north", "ffp.south", "fsw.north", "fsw.graft"]
MANAGERS = ["dutytm", "dutyatm", "cintm.north", "cintm.south", "cictm", "ehtm.north", "assesstm"]
OTHERS = ["sw.duty", "sw.cin.north", "cca"]
# Those who keep or read the weekly transfer list.
OVERSIGHT = ["locality.north", "sm.socialcare", "ad", "senioradmin"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="(/cases/[A-Z0-9]+/)"')
TRANSFER_LINK = re.compile(r'href="(/transfers/\d+/)"')
STEP_UP_LINK = re.compile(r'href="(/transfers/step-up/start/[A-Z0-9]+/)"')
SUPERVISOR = re.compile(r'<select[^>]*name="supervisor".*?<option value="(\d+)"', re.S)
URGENCY = re.compile(r'name="urgency"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="urgency"')


def _csrf(response) -> str:
    found = CSRF.search(response.text)
    return found.group(1) if found else ""


def _hidden(text: str) -> dict:
    """The answers a check-answers page carries, to confirm them."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text)
    return {name: html.unescape(value) for name, value in fields}


class Person(HttpUser):
    wait_time = between(0.5, 1.5)
    usernames: list[str] = []
    abstract = True

    def on_start(self) -> None:
        self.username = random.choice(self.usernames)
        page = self.client.get("/accounts/login/", name="sign-in page")
        self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": _csrf(page),
                "login": "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="sign in",
        )
        self.cases: list[str] = []
        self.transfers: list[str] = []

    def _read(self, response) -> None:
        self.cases = list(dict.fromkeys(CASE_LINK.findall(response.text)))[:20] or self.cases
        found = list(dict.fromkeys(TRANSFER_LINK.findall(response.text)))[:20]
        self.transfers = found or self.transfers

    @task(4)
    def home(self) -> None:
        self._read(self.client.get("/", name="home page"))

    @task(2)
    def case_list(self) -> None:
        self._read(self.client.get("/cases/", name="case list"))

    @task(3)
    def case_page(self) -> None:
        if self.cases:
            self.client.get(random.choice(self.cases), name="case page")

    @task(2)
    def transfer_page(self) -> None:
        if self.transfers:
            self.client.get(random.choice(self.transfers), name="transfer page")


class Worker(Person):
    usernames = WORKERS
    weight = 2

    @task(1)
    def step_up_and_withdraw(self) -> None:
        """Start a step-up on a case of theirs with none live, then withdraw it."""
        for case in random.sample(self.cases, min(len(self.cases), 5)):
            page = self.client.get(case, name="case page")
            start = STEP_UP_LINK.search(page.text)
            if start:
                break
        else:
            return
        form = self.client.get(start.group(1), name="step-up form")
        supervisor, urgency = SUPERVISOR.search(form.text), URGENCY.search(form.text)
        if not (supervisor and urgency):
            return
        sent = self.client.post(
            start.group(1),
            {
                "csrfmiddlewaretoken": _csrf(form),
                "supervisor": supervisor.group(1),
                "concerns": "Load test: concerns",
                "work_tried": "Load test: work tried",
                "why_now": "Load test: why now",
                "urgency": urgency.group(1) or urgency.group(2),
            },
            name="step-up: start (transition)",
        )
        transfer = re.search(r"/transfers/(\d+)/$", sent.url or "")
        if not transfer:
            return
        withdraw = f"/transfers/{transfer.group(1)}/withdraw/"
        form = self.client.get(withdraw, name="withdraw form")
        check = self.client.post(
            withdraw,
            {"csrfmiddlewaretoken": _csrf(form), "reason": "Load test: withdrawn"},
            name="withdraw: check answers",
        )
        self.client.post(
            withdraw,
            {**_hidden(check.text), "csrfmiddlewaretoken": _csrf(check), "confirm": "yes"},
            name="withdraw: confirm (transition)",
        )


class Manager(Person):
    usernames = MANAGERS
    weight = 2

    @task(1)
    def inbox_and_queue(self) -> None:
        self._read(self.client.get("/transfers/waiting/", name="transfers waiting"))


class Other(Person):
    usernames = OTHERS
    weight = 1


class Oversight(Person):
    usernames = OVERSIGHT
    weight = 1

    @task(1)
    def weekly_list(self) -> None:
        self.client.get("/transfers/weekly/", name="weekly list")

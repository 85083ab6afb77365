"""Load test of the back-office: case officers, jury members and evaluators doing their daily work.

Run by `manage.py bench_load` (which starts gunicorn and a worker, and writes the plan). Each virtual user
logs in through the real login form, then browses the pages of its persona with a compressed think time;
the ids of detail pages come from the plan (`CLEA_LOAD_PLAN`, JSON written by
`backoffice.benchmarks.load_world`) or from the links of the pages themselves. Every response is checked: a
GET must answer 200, a form post 302 to the expected page; anything else (a 302 to the login page included)
is a failure. Requests are named by route so the statistics group them.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["CLEA_LOAD_PLAN"]).read_text(encoding="utf-8"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PATHWAY_TASK = re.compile(r'href="(/parcours/\d+/[a-z_]+/\d+/)"')
LOGIN_PATH = "/accounts/login/"
# A person reads a page for tens of seconds; compressed here so 50 users put a day's peak on the server.
THINK_TIME = between(
    float(os.environ.get("CLEA_LOAD_WAIT_MIN", "1")), float(os.environ.get("CLEA_LOAD_WAIT_MAX", "3"))
)


def failure_text(response: Any) -> str:
    """The status and where it sends, or the network error (status 0) that locust kept."""
    if response.status_code == 0:
        return f"erreur réseau : {response.error!r}"
    return f"HTTP {response.status_code} {response.headers.get('Location', '')}".strip()


class BackofficeUser(HttpUser):
    abstract = True
    wait_time = THINK_TIME
    persona = ""
    label = ""  # in the login's request name: the report shows every persona at work
    landing = ""  # the page the persona opens first
    _turns: dict[str, itertools.count[int]] = {}

    def on_start(self) -> None:
        accounts = PLAN["personas"][self.persona]
        if not accounts:
            raise StopUser()
        turn = next(self._turns.setdefault(self.persona, itertools.count()))
        self.account: dict[str, Any] = accounts[turn % len(accounts)]
        self.log_in()
        self.land()

    def land(self) -> None:
        self.page(self.landing, self.landing)

    # --- checked requests -------------------------------------------------------------------------------

    def page(self, url: str, name: str) -> str:
        """A GET that must answer 200; returns the HTML ("" on failure)."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(failure_text(response))
                return ""
            response.success()
            return response.text

    def post(self, url: str, data: dict[str, str], token: str, name: str, expected: str) -> None:
        """A form post that must redirect to `expected` (a path prefix)."""
        fields = {**data, "csrfmiddlewaretoken": token}
        headers = {"Referer": f"{self.host}{url}"}
        with self.client.post(
            url, data=fields, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.startswith(expected):
                response.failure(f"{failure_text(response)} (attendu 302 vers {expected})")
            else:
                response.success()

    def log_in(self) -> None:
        form = self.page(LOGIN_PATH, "connexion : formulaire")
        token = CSRF.search(form)
        if not token:
            raise StopUser()
        credentials = {"username": self.account["username"], "password": PLAN["password"]}
        with self.client.post(
            LOGIN_PATH,
            data={**credentials, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{self.host}{LOGIN_PATH}"},
            name=f"connexion : envoi ({self.label})",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            # A wrong password answers 200 (the form again), a lockout 403: both are failures.
            if response.status_code != 302 or location.startswith("/accounts/"):
                response.failure(f"{failure_text(response)} : connexion refusée")
                raise StopUser()
            response.success()

    # --- shared pages ----------------------------------------------------------------------------------

    def some(self, key: str) -> Any:
        values = self.account[key]
        return random.choice(values) if values else None

    def home(self) -> None:
        self.page("/accueil/", "/accueil/")

    def file_list(self) -> None:
        self.page("/candidats/dossiers/", "/candidats/dossiers/")

    def file_detail(self) -> None:
        case_file = self.some("files")
        if case_file is None:
            self.file_list()
            return
        self.page(f"/candidats/dossiers/{case_file['pk']}/detail/", "/candidats/dossiers/[id]/detail/")

    def pathway_process(self) -> None:
        case_file = self.some("files")
        if case_file is None or case_file["process"] is None:
            self.page("/parcours/flows/", "/parcours/flows/")
            return
        self.page(f"/parcours/{case_file['process']}/", "/parcours/[processus]/")

    def tasks_then_one(self, listing: str) -> None:
        """A list of pathway tasks (inbox, queue, all tasks), then one task found on it, as a person clicks
        a line; the task's own page, whose index only redirects there."""
        html = self.page(listing, listing)
        links = PATHWAY_TASK.findall(html)
        if links:
            self.page(f"{random.choice(links)}detail/", "/parcours/[processus]/[étape]/[tâche]/detail/")

    def notifications(self, *, mark_read: bool) -> None:
        html = self.page("/notifications/", "/notifications/")
        token = CSRF.search(html)
        if mark_read and token:
            self.post(
                "/notifications/tout-marquer-lu/",
                {},
                token.group(1),
                "/notifications/tout-marquer-lu/",
                "/notifications/",
            )


class CaseOfficer(BackofficeUser):
    """Chargé·e d'instruction: files of the region, the pathway tasks, the dashboards, the campaigns."""

    weight = 5
    persona = "case_officer"
    label = "chargé·e d'instruction"
    landing = "/tableaux-de-bord/stocks/"  # the morning look at the region's backlog

    @task(3)
    def home_page(self) -> None:
        self.home()

    @task(5)
    def files(self) -> None:
        self.file_list()

    @task(2)
    def files_filtered(self) -> None:
        state = random.choice(PLAN["states"])
        certification = random.choice(PLAN["certifications"])
        self.page(
            f"/candidats/dossiers/?state={state}&certification={certification}",
            "/candidats/dossiers/?state&certification",
        )

    @task(2)
    def files_searched(self) -> None:
        name = self.some("last_names") or "Martin"
        self.page(f"/candidats/dossiers/?_search={name[:4]}", "/candidats/dossiers/?_search")

    @task(6)
    def file(self) -> None:
        self.file_detail()

    @task(2)
    def process(self) -> None:
        self.pathway_process()

    @task(3)
    def inbox(self) -> None:
        self.tasks_then_one("/parcours/inbox/")

    @task(2)
    def queue(self) -> None:
        self.tasks_then_one("/parcours/queue/")

    @task(3)
    def pathway_tasks(self) -> None:
        self.tasks_then_one("/parcours/tasks/")

    @task(1)
    def approval_inbox(self) -> None:
        self.page("/instruction/inbox/", "/instruction/inbox/")

    @task(2)
    def dashboard(self) -> None:
        board = random.choice(["stocks", "flux", "resultats", "campagnes", "charge"])
        self.page(f"/tableaux-de-bord/{board}/", f"/tableaux-de-bord/{board}/")

    @task(1)
    def campaigns(self) -> None:
        self.page("/campagnes/", "/campagnes/")
        campaign = self.some("campaigns")
        if campaign is not None:
            self.page(f"/campagnes/{campaign}/", "/campagnes/[id]/")

    @task(1)
    def juries(self) -> None:
        self.page("/jurys/", "/jurys/")

    @task(1)
    def organisations(self) -> None:
        self.page("/annuaire/organismes/", "/annuaire/organismes/")

    @task(1)
    def inbox_notifications(self) -> None:
        self.notifications(mark_read=random.random() < 0.5)


class JuryMember(BackofficeUser):
    """Membre de jury: the sessions of the region, today's session, the files on its agenda."""

    weight = 3
    persona = "jury_member"
    label = "membre de jury"

    def land(self) -> None:
        """Today's session first (the demo plans it for today), else the list of sessions."""
        session = self.some("sessions")
        if session is None:
            self.page("/jurys/", "/jurys/")
        else:
            self.page(f"/jurys/{session}/", "/jurys/[id]/")

    @task(2)
    def home_page(self) -> None:
        self.home()

    @task(3)
    def sessions(self) -> None:
        self.page("/jurys/", "/jurys/")

    @task(4)
    def session(self) -> None:
        session = self.some("sessions")
        if session is None:
            self.page("/jurys/", "/jurys/")
            return
        self.page(f"/jurys/{session}/", "/jurys/[id]/")

    @task(5)
    def agenda_item(self) -> None:
        item = self.some("agenda")
        if item is None:
            self.page("/jurys/", "/jurys/")
            return
        self.page(f"/jurys/dossiers/{item}/", "/jurys/dossiers/[id]/")

    @task(1)
    def certificates(self) -> None:
        self.page("/certificats/", "/certificats/")

    @task(1)
    def inbox_notifications(self) -> None:
        self.notifications(mark_read=random.random() < 0.5)


class Evaluator(BackofficeUser):
    """Organisme évaluateur: its candidates' files, their pathway steps, its notifications."""

    weight = 2
    persona = "evaluator"
    label = "évaluateur"
    landing = "/candidats/dossiers/"

    @task(2)
    def home_page(self) -> None:
        self.home()

    @task(4)
    def files(self) -> None:
        self.file_list()

    @task(4)
    def file(self) -> None:
        self.file_detail()

    @task(2)
    def inbox(self) -> None:
        self.tasks_then_one("/parcours/inbox/")

    @task(1)
    def queue(self) -> None:
        self.tasks_then_one("/parcours/queue/")

    @task(1)
    def all_tasks(self) -> None:
        self.tasks_then_one("/parcours/tasks/")

    @task(1)
    def process(self) -> None:
        self.pathway_process()

    @task(1)
    def campaigns(self) -> None:
        self.page("/campagnes/", "/campagnes/")
        campaign = self.some("campaigns")
        if campaign is not None:
            self.page(f"/campagnes/{campaign}/", "/campagnes/[id]/")

    @task(2)
    def inbox_notifications(self) -> None:
        self.notifications(mark_read=random.random() < 0.5)

    @task(1)
    def email_preference(self) -> None:
        html = self.page("/notifications/", "/notifications/")
        token = CSRF.search(html)
        if token:
            self.post(
                "/notifications/preferences/",
                {"email_mode": random.choice(["immediate", "digest"])},
                token.group(1),
                "/notifications/preferences/",
                "/notifications/",
            )

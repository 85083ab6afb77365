"""Each demo login in a real browser (Debian's Chromium) on the demo data: the home page and the role's main
pages show the figures and names the selectors read, a full-page screenshot of each goes to
`var/artifacts/screenshots/<login>/<page>.png` (CI keeps the folder as an artefact), and axe-core finds no
serious or critical violation — none at all on the public pages (sign-in, certificate verification).

One seeded database and one browser for the module: the live server's tests flush the database after each
test, so the logins are visited in one test that reports every failure at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page

from casefiles.models import CertificateStatus
from casefiles.selectors import (
    agenda_to_check,
    case_files_for,
    certificates_for,
    held_sessions_for,
    training_plans_for,
    upcoming_sessions_for,
)
from fixtures.demo import DEMO_LOGINS, seed_demo
from workflows.approval.selectors import waiting_applications
from workflows.pathway.selectors import waiting_counts_by_step, waiting_tasks_for

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "screenshots"
SERIOUS = {"serious", "critical"}


@dataclass
class Visit:
    """A page of a login's tour: its name (the screenshot's), its route, and the texts it must show."""

    name: str
    url: str
    expected: list[str] = field(default_factory=list)
    css: list[str] = field(default_factory=list)  # selectors that must match at least one element


def _name(person: Any) -> str:
    return str(person).strip()


def home_expectations(user: Any) -> Visit:
    """What the home page must show, read from the database through the selectors the page uses."""
    home = Visit("accueil", reverse("accueil:index"), css=["main", "h1"])
    counts = waiting_counts_by_step(user) if user.has_perm("casefiles.view_casefile") else []
    if user.username == "evaluateur":
        home.css.append("#waiting-steps")
        home.expected += [step["title"] for step in counts]
        home.expected += [_name(t.process.case_file.candidate) for t in waiting_tasks_for(user, limit=3)]
    if user.username == "formateur":
        home.expected += [_name(plan.case_file.candidate) for plan in training_plans_for(user)[:3]]
        home.expected.append("Dossiers en attente d'un plan de formation")
    if user.username == "instructeur.idf":
        home.expected += [
            row.application.legal_name for row in waiting_applications(user)[:3] if row.application.legal_name
        ]
        items, _total = agenda_to_check(user, limit=3)
        home.expected += [_name(item.case_file.candidate) for item in items]
        home.expected.append("Dossiers à vérifier avant les prochains jurys")
    if user.username == "jury.idf":
        home.expected.append("Prochaines sessions de jury")
        home.expected += [session.region.name for session in upcoming_sessions_for(user)[:1]]
        home.expected += ["Dernières sessions tenues"]
        held = held_sessions_for(user)
        if held:
            home.expected.append(f"{held[0].held_on.day}")
    if user.username in ("superviseur", "admin"):
        home.css += ["#alert-pathway-overdue", "#alert-holders-not-sent", "#alert-accreditations-ending"]
        home.expected.append("Alertes")
    return home


def tour(user: Any) -> list[Visit]:
    """The home page and the role's main pages."""
    visits = [home_expectations(user)]
    files = case_files_for(user).order_by("-opened_on", "-pk")
    first_file = files.first()
    if user.username in ("evaluateur",):
        visits.append(Visit("dossiers", reverse("candidats:dossiers:list"), css=["table"]))
        if first_file is not None:
            visits.append(
                Visit(
                    "dossier",
                    reverse("candidats:dossiers:detail", args=[first_file.pk]),
                    [first_file.candidate.last_name],
                )
            )
        visits.append(Visit("parcours", reverse("parcours:index")))
        visits.append(Visit("certificats", reverse("certificats:index")))
        visits.append(Visit("cles-api", reverse("cles-api:index"), ["Créer une clé"], css=["#create-key"]))
    if user.username == "formateur":
        visits.append(Visit("campagnes", reverse("campagnes:index")))
        visits.append(Visit("habilitations", reverse("annuaire:habilitations:list")))
    if user.username == "instructeur.idf":
        visits.append(Visit("instruction", reverse("instruction:index")))
        visits.append(Visit("campagnes", reverse("campagnes:index")))
        visits.append(Visit("jurys", reverse("jurys:index")))
        session = upcoming_sessions_for(user)[:1]
        if session:
            visits.append(Visit("jury-session", session[0].get_absolute_url(), [session[0].region.name]))
    if user.username == "jury.idf":
        visits.append(Visit("jurys", reverse("jurys:index")))
        session = upcoming_sessions_for(user)[:1] or held_sessions_for(user)[:1]
        if session:
            visits.append(Visit("jury-session", session[0].get_absolute_url(), [session[0].region.name]))
        visits.append(Visit("certificats", reverse("certificats:index")))
    if user.username in ("superviseur", "admin"):
        visits.append(Visit("stocks", reverse("tableaux-de-bord:backlog")))
        visits.append(Visit("parcours", reverse("parcours:index")))
        visits.append(Visit("certificats", reverse("certificats:index")))
    if user.username == "superviseur":
        visits.append(Visit("instruction", reverse("instruction:index")))
        visits.append(Visit("si-cpf", reverse("certificats:transmissions"), ["Préparer une transmission"]))
    if user.username == "admin":
        visits.append(Visit("organismes", reverse("annuaire:organismes:list"), css=["table"]))
    return visits


def axe_problems(page: Page, *, strict: bool) -> list[str]:
    """axe-core's violations on the page: serious and critical ones, or every one on a public page."""
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in violations
        if strict or v["impact"] in SERIOUS
    ]


def check(page: Page, base: str, login: str, visit: Visit, *, strict: bool = False) -> list[str]:
    """Open the page, assert what it shows, save its screenshot and run axe: the problems found."""
    response = page.goto(f"{base}{visit.url}")
    page.wait_for_load_state("networkidle")
    where = f"{login} · {visit.name} ({visit.url})"
    if response is None or response.status != 200:
        return [f"{where}: HTTP {response.status if response else 'sans réponse'}"]
    folder = SCREENSHOTS / login
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{visit.name}.png"), full_page=True)
    problems = []
    text = page.inner_text("body").casefold()  # names may be shown in capitals
    for expected in visit.expected:
        if expected and expected.casefold() not in text:
            problems.append(f"{where}: « {expected} » absent de la page")
    for css in visit.css:
        if page.locator(css).count() == 0:
            problems.append(f"{where}: aucun élément « {css} »")
    if page.locator("main").count() != 1 or page.locator("h1").count() != 1:
        problems.append(f"{where}: {page.locator('main').count()} main, {page.locator('h1').count()} h1")
    if re.search(r"\bNone\b", page.inner_text("main")):
        problems.append(f"{where}: « None » affiché")
    problems += [f"{where}: axe {problem}" for problem in axe_problems(page, strict=strict)]
    return problems


def sign_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_page(locale="fr-FR", viewport={"width": 1440, "height": 900})
    page.goto(f"{base}{reverse('login')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{reverse('accueil:index')}")
    return page


@pytest.fixture
def demo(transactional_db):  # type: ignore[no-untyped-def]
    """The small demo, as a newcomer would seed it today (the live server reads committed rows)."""
    return seed_demo(scale="small", seed=2026, today=timezone.localdate())


def test_every_demo_login_finds_its_work_on_accessible_pages(browser, live_server, demo):
    base = live_server.url
    problems: list[str] = []
    public = browser.new_page(locale="fr-FR")
    problems += check(
        public, base, "public", Visit("connexion", reverse("login"), ["Connexion"]), strict=True
    )
    certificate = (
        certificates_for(get_user_model().objects.get(username="superviseur"))
        .filter(status=CertificateStatus.ISSUED)
        .first()
    )
    verification = reverse("certificate_verify")
    if certificate is not None:
        verification = reverse("certificate_verify_number", args=[certificate.number])
    problems += check(public, base, "public", Visit("verification", verification), strict=True)
    public.close()

    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=[d.username for d in DEMO_LOGINS])
    }
    # Every role has real work waiting in the demo (the README's table says what each login finds).
    upcoming = upcoming_sessions_for(users["jury.idf"])
    work = {
        "files waiting for the evaluator": len(waiting_tasks_for(users["evaluateur"])),
        "plans of the trainer": len(training_plans_for(users["formateur"])),
        "applications for the officer": len(waiting_applications(users["instructeur.idf"])),
        "files to check before the jury": agenda_to_check(users["instructeur.idf"])[1],
        "session of the day": int(bool(upcoming) and upcoming[0].held_on == timezone.localdate()),
        "sessions held": len(held_sessions_for(users["jury.idf"])),
        "certificates": int(certificate is not None),
    }
    assert all(work.values()), work
    for login in DEMO_LOGINS:
        page = sign_in(browser, base, login.username)
        for visit in tour(users[login.username]):
            problems += check(page, base, login.username, visit)
        page.close()

    assert problems == [], "\n".join(problems)

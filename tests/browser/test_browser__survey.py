"""A holder answers the survey from a phone, through the link of the email as delivered from the outbox: the
questionnaire, the thanks, then the same link refused; axe-core finds nothing on these public pages."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.core.cache import cache

from backoffice.surveys import services
from backoffice.surveys.models import Answer, Invitation
from tests.browser.test_browser__demo import axe_problems
from tests.surveys.conftest import (  # noqa: F401
    SIX_MONTHS,
    assessor,
    awarded,
    candidate_data,
    clea,
    employee_member,
    framework,
    holders,
    issued,
    session,
    survey,
    third_member,
    trainer_person,
    training_site,
    two_ready_files,
)
from tests.surveys.helpers import links_for

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def emailed_link(transactional_db, survey):  # type: ignore[no-untyped-def]  # noqa: F811
    """The path of the questionnaire, as the first holder's invitation email gives it."""
    cache.clear()  # the rate limit counts per address: earlier tests' requests came from 127.0.0.1 too
    services.send_due_invitations(SIX_MONTHS)
    invitation = Invitation.objects.order_by("pk").first()
    return urlparse(links_for(invitation)["answer"]).path


def test_a_holder_answers_from_a_phone_and_the_link_then_stops_working(browser, live_server, emailed_link):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR")
    page = context.new_page()

    page.goto(live_server.url + emailed_link)
    assert page.locator("h1").inner_text().startswith("Où en êtes-vous")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    assert axe_problems(page, strict=True) == []
    page.check("input[name=situation][value=salarie]")
    page.check("input[name=contrat][value=cdi]")
    page.check("input[name=temps][value=plein]")
    page.check("input[name=formation][value=non]")
    page.check("input[name=utilite][value='4']")
    page.fill("textarea[name=commentaire]", "Le certificat m'a aidé.")
    page.click("button[type=submit]")

    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Merci pour vos réponses"
    assert axe_problems(page, strict=True) == []
    answers = Answer.objects.get().answers
    assert (answers["situation"], answers["contrat"], answers["utilite"]) == ("salarie", "cdi", "4")

    page.goto(live_server.url + emailed_link)
    assert services.INVALID_LINK in page.inner_text("body")
    assert axe_problems(page, strict=True) == []
    assert Answer.objects.count() == 1
    context.close()

from __future__ import annotations

from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client

from backoffice.surveys.models import Answer, Invitation, OptOut
from backoffice.surveys.services import send_due_invitations
from casefiles.models import Certificate, CertificateStatus

from .conftest import SIX_MONTHS, VALID
from .helpers import links_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(survey) -> dict[str, str]:
    cache.clear()
    send_due_invitations(SIX_MONTHS)
    return links_for(Invitation.objects.order_by("pk").first())


def path_of(url: str) -> str:
    return url[url.index("/enquete/") :]


def text(response) -> str:
    return unescape(response.content.decode())


def test_an_anonymous_person_answers_from_the_link_and_is_thanked(links, holders):
    client = Client()
    form = client.get(path_of(links["answer"]))
    page = text(form)
    assert form.status_code == 200
    assert page.count("<main") == 1 and page.count("<h1>") == 1
    assert (
        '<legend>Quel est votre type de contrat ? <span class="condition">(si vous êtes en emploi salarié)'
        in page
    )
    assert holders[0].certification.name in page
    for certificate in holders:
        assert certificate.holder_last_name not in page and certificate.holder_first_name not in page
    done = client.post(path_of(links["answer"]), VALID)
    assert done.status_code == 302 and done["Location"].endswith("/merci/")
    assert "Merci pour vos réponses" in text(client.get(done["Location"]))
    assert Answer.objects.count() == 1


def test_a_second_post_says_thanks_again_and_stores_nothing_more(links):
    client = Client()
    client.post(path_of(links["answer"]), VALID)
    again = client.post(path_of(links["answer"]), VALID)  # a double click: the answer is saved
    assert again.status_code == 302 and again["Location"].endswith("/merci/")
    assert Answer.objects.count() == 1


def test_a_comment_with_a_nul_or_control_characters_is_cleaned_not_a_server_error(links):
    response = Client().post(path_of(links["answer"]), {**VALID, "commentaire": "bon\x00jour\x07 <b>ok</b>"})
    assert response.status_code == 302
    assert Answer.objects.get().answers["commentaire"] == "bonjour ok"


def test_a_wrong_answer_redisplays_the_form_with_a_french_message(links):
    response = Client().post(path_of(links["answer"]), {**VALID, "utilite": "9"})
    assert response.status_code == 400
    assert "ne fait pas partie des choix proposés" in text(response)
    assert 'value="salarie" checked' in text(response)


def test_an_unknown_token_answers_the_same_invalid_page(db):
    cache.clear()
    response = Client().get("/enquete/jeton-invalide/")
    assert response.status_code == 200 and "Lien invalide" in text(response)
    assert Client().get("/enquete/jeton-invalide/desinscription/").content == response.content


def test_the_opt_out_asks_to_confirm_then_stops_every_later_survey(links):
    client = Client()
    assert "Confirmer" in text(client.get(path_of(links["opt_out"])))
    assert not OptOut.objects.exists()
    assert "C'est noté" in text(client.post(path_of(links["opt_out"])))
    assert OptOut.objects.count() == 1
    assert "Lien invalide" in text(client.get(path_of(links["answer"])))


def test_the_pages_are_rate_limited_per_address(links, settings):
    cache.clear()
    client = Client()
    statuses = {client.get("/enquete/jeton-invalide/").status_code for _ in range(31)}
    assert statuses == {200, 429}


def test_a_link_of_a_revoked_certificate_shows_the_invalid_page_and_its_opt_out_still_works(links, holders):
    Certificate.objects.filter(pk__in=[c.pk for c in holders]).update(status=CertificateStatus.REVOKED)
    client = Client()

    assert "Lien invalide" in text(client.get(path_of(links["answer"])))
    assert "Lien invalide" in text(client.post(path_of(links["answer"]), VALID))
    assert not Answer.objects.exists()
    assert "C'est noté" in text(client.post(path_of(links["opt_out"])))
    assert OptOut.objects.count() == 1

"""The frozen application through HTTP: after the deadline the officer's request (the approval task form)
names what it asks, and the organisation's wizard, upload and answer accept only that."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accreditation.models import AccreditationApplication, AccreditationCampaign, ApplicationStatus
from backoffice.core.audit.events import timeline
from fixtures.demo import make_siret
from tests.accreditation.test_services__instruction import ready_to_submit
from tests.accreditation.test_views__application_wizard import step_data
from tests.workflows.test_flow__approval_http import do
from workflows.approval.commands import submit_and_start

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def frozen(officer, evaluator):
    """A submitted application whose campaign's deadline passed ten days ago."""
    application = submit_and_start(ready_to_submit(officer, evaluator), actor=evaluator)
    AccreditationCampaign.objects.filter(pk=application.campaign_id).update(
        opens_on=TODAY - 40 * DAY, deadline=TODAY - 10 * DAY, board_on=TODAY + 20 * DAY
    )
    return application


def request_by_form(client, application, **items):
    data = {"complete": "0", "message": "Complément", "answer_by": (TODAY + 15 * DAY).isoformat(), **items}
    assert do(client, application, "completeness_check", data).status_code == 302
    return AccreditationApplication.objects.get(pk=application.pk)


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_officers_request_names_documents_sections_and_questions(client_for, officer, evaluator, frozen):
    asked = request_by_form(
        client_for(officer),
        frozen,
        documents=["kbis"],
        sections=["qualiopi"],
        questions="Combien d'évaluateurs ?\n\nQuelles salles ?",
    )

    assert asked.status == ApplicationStatus.INFORMATION_REQUESTED
    assert asked.requested == {
        "documents": ["kbis"],
        "sections": ["qualiopi"],
        "questions": ["Combien d'évaluateurs ?", "Quelles salles ?"],
    }
    page = text(client_for(evaluator).get(f"/campagnes/candidatures/{frozen.pk}/"))
    assert "Pièce : Extrait Kbis" in page and "Question : Quelles salles ?" in page
    assert "les habilitations demandées et l'engagement ne changent plus" in page


def test_after_the_deadline_the_wizard_refuses_an_added_site_and_changes_nothing(
    client_for, officer, evaluator, frozen
):
    request_by_form(client_for(officer), frozen, sections=["sites"])
    staff = client_for(evaluator)
    before = AccreditationApplication.objects.get(pk=frozen.pk).content
    assert staff.get(f"/campagnes/candidatures/{frozen.pk}/etape/")["Location"].endswith(
        "/etape/etablissements/"
    )
    data = step_data(frozen, "etablissements", frozen.organisation.siren)
    added = {k.replace("-0-", "-1-"): v for k, v in data.items() if "-0-" in k}
    added["etablissements-1-siret"] = make_siret(frozen.organisation.siren, 999)

    response = staff.post(
        f"/campagnes/candidatures/{frozen.pk}/etape/etablissements/",
        {**data, **added, "etablissements-TOTAL_FORMS": "2"},
        follow=True,
    )

    assert "les établissements et les habilitations demandées ne changent plus" in text(response)
    assert AccreditationApplication.objects.get(pk=frozen.pk).content == before


def test_after_the_deadline_a_step_the_request_does_not_reopen_is_refused(
    client_for, officer, evaluator, frozen
):
    request_by_form(client_for(officer), frozen, sections=["methods"])
    before = AccreditationApplication.objects.get(pk=frozen.pk).content

    response = client_for(evaluator).post(
        f"/campagnes/candidatures/{frozen.pk}/etape/engagement/",
        {**step_data(frozen, "engagement", frozen.organisation.siren), "engagement-signatory": "Autre"},
        follow=True,
    )

    assert "seules les pièces, réponses et parties du dossier que la demande de complément nomme" in text(
        response
    )
    assert AccreditationApplication.objects.get(pk=frozen.pk).content == before


def test_after_the_deadline_only_the_requested_document_and_answers_are_accepted(
    client_for, officer, evaluator, frozen
):
    request_by_form(client_for(officer), frozen, documents=["kbis"], questions="Combien d'évaluateurs ?")
    staff = client_for(evaluator)
    url = f"/campagnes/candidatures/{frozen.pk}"

    refused = staff.post(
        f"{url}/pieces/",
        {
            "category": "tools",
            "file": SimpleUploadedFile("outils.pdf", b"%PDF-1.4 outils", "application/pdf"),
        },
        follow=True,
    )
    assert "seules les pièces demandées peuvent être jointes (Extrait Kbis)" in text(refused)
    staff.post(
        f"{url}/pieces/",
        {"category": "kbis", "file": SimpleUploadedFile("kbis.pdf", b"%PDF-1.4 recent", "application/pdf")},
    )
    answered = staff.post(f"{url}/repondre/", {"response": "Kbis récent", "answer": ["Deux"]}, follow=True)

    assert "Votre réponse est transmise" in text(answered)
    application = AccreditationApplication.objects.get(pk=frozen.pk)
    assert application.status == ApplicationStatus.SUBMITTED
    assert not application.documents.filter(category="tools").exists()
    assert timeline(application).last().data["answers"] == ["Deux"]

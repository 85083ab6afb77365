"""The surveys' personal data: the invitations and the opt-out are erased with the candidate, the answers
stay (anonymous); the subject-access export says whether the person was invited and answered, never what."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from backoffice.notifications.models import Notification
from backoffice.surveys import services
from backoffice.surveys.models import Answer, Invitation, OptOut
from casefiles.models import CaseFile
from casefiles.services.privacy import anonymise_candidate
from casefiles.subject_access import render_subject_access_pdf, subject_access_data

from .conftest import AWARDED, SIX_MONTHS, VALID
from .helpers import links_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(survey):  # type: ignore[no-untyped-def]
    """The two holders invited to the 6-month wave; the first one answered."""
    services.send_due_invitations(SIX_MONTHS)
    first, second = Invitation.objects.order_by("pk")
    services.answer(links_for(first)["token"], VALID)
    return first, second


def test_the_subject_access_export_says_invited_and_answered_not_what(invited):
    first, second = invited

    data = subject_access_data(first.candidate)

    assert data["enquetes"] == [
        {
            "enquete": "CléA : où en sont-ils ?",
            "vague": "6 mois",
            "invite_le": SIX_MONTHS.strftime("%d/%m/%Y"),
            "a_repondu": "oui",
        }
    ]
    assert "salarie" not in str(data) and "cdi" not in str(data)
    assert subject_access_data(second.candidate)["enquetes"][0]["a_repondu"] == "non"


def test_a_person_never_invited_has_an_empty_survey_section(holders):
    candidate = CaseFile.objects.get(certificate=holders[0]).candidate

    assert subject_access_data(candidate)["enquetes"] == []


def test_anonymising_a_holder_erases_their_invitations_and_opt_out_and_keeps_the_answers(invited):
    first, second = invited
    services.opt_out(links_for(first)["token"])
    candidate = first.candidate
    CaseFile.objects.filter(candidate=candidate).update(closed_on=AWARDED)

    done = anonymise_candidate(candidate.pk, today=AWARDED + dt.timedelta(days=365 * 20))

    assert done is not None
    assert not Invitation.objects.filter(candidate=candidate).exists()
    assert not OptOut.objects.filter(candidate=candidate).exists()
    assert Answer.objects.count() == 1  # kept, anonymous
    assert Invitation.objects.filter(pk=second.pk).exists()  # the other holder's stays
    emails = Notification.objects.filter(template="survey_invitation")
    assert list(emails.values_list("context__survey_invitation", flat=True)) == [second.pk]


def test_the_subject_access_pdf_names_the_survey_and_whether_the_person_answered(invited):
    pdf = render_subject_access_pdf(subject_access_data(invited[0].candidate))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Enquêtes de devenir" in text and "CléA : où en sont-ils ?" in text and "a répondu : oui" in text

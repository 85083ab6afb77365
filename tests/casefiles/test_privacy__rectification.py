"""Rectification: a candidate's identity and contact are corrected through `rectify_candidate`, from the
file page's form, by the people in charge of the file; the trail says who changed which fields, never the
values; bad input is refused in French and changes nothing."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backoffice.core.audit.models import AuditEvent
from casefiles.events import CandidateEvent
from casefiles.models import Candidate
from casefiles.services import rectify_candidate

pytestmark = pytest.mark.django_db


def form_url(case_file) -> str:  # type: ignore[no-untyped-def]
    return f"/candidats/personnes/{case_file.candidate_id}/rectifier/?dossier={case_file.pk}"


def rectifications() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=CandidateEvent.RECTIFIED).order_by("id"))


def posted(case_file, **changes):  # type: ignore[no-untyped-def]
    candidate = Candidate.objects.get(pk=case_file.candidate_id)
    data = {
        "last_name": candidate.last_name,
        "first_name": candidate.first_name,
        "birth_date": candidate.birth_date.isoformat(),
        "sex": candidate.sex,
        "email": candidate.email,
        "phone": candidate.phone,
        "postcode": candidate.postcode,
        "status": candidate.status,
        "sector": candidate.sector,
    }
    return data | changes


def test_the_service_corrects_and_records_the_fields_not_the_values(evaluator, case_file):
    rectify_candidate(
        case_file.candidate,
        changes={"last_name": "Martin-Durand", "email": "lea.md@exemple.fr", "sector": "Petite enfance"},
        actor=evaluator,
    )

    candidate = Candidate.objects.get(pk=case_file.candidate_id)
    assert (candidate.last_name, candidate.email) == ("Martin-Durand", "lea.md@exemple.fr")
    (event,) = rectifications()
    assert (event.actor, event.subject_id, event.data) == (
        evaluator,
        str(candidate.pk),
        {"fields": ["last_name", "email"]},
    )
    assert event.summary == "Données personnelles rectifiées : nom, e-mail."
    assert "lea.md" not in event.summary + str(event.data)


def test_the_form_of_the_file_page_goes_through_the_service(client_for, officer, case_file):
    client = client_for(officer)
    page = unescape(client.get(f"/candidats/dossiers/{case_file.pk}/detail/").content.decode())
    assert form_url(case_file) in page

    response = client.post(form_url(case_file), posted(case_file, phone="06 11 22 33 44"), follow=True)

    assert response.redirect_chain[-1][0] == f"/candidats/dossiers/{case_file.pk}/detail/"
    page = unescape(response.content.decode())
    assert "Les données du·de la candidat·e sont rectifiées." in page
    assert "Données personnelles rectifiées : téléphone." in page  # in the file's timeline
    assert Candidate.objects.get(pk=case_file.candidate_id).phone == "06 11 22 33 44"
    assert [e.actor for e in rectifications()] == [officer]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postcode": "9320"}, "Le code postal doit comporter 5 chiffres."),
        ({"birth_date": "2999-01-01"}, "La date de naissance est invalide (dans le futur ou avant 1900)."),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide."),
        ({}, "Aucune donnée n'a changé."),
    ],
)
def test_bad_input_is_refused_in_french_and_changes_nothing(client_for, officer, case_file, changes, message):
    before = Candidate.objects.filter(pk=case_file.candidate_id).values().get()

    response = client_for(officer).post(form_url(case_file), posted(case_file, **changes))

    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert Candidate.objects.filter(pk=case_file.candidate_id).values().get() == before
    assert rectifications() == []


def test_a_correction_that_would_create_a_twin_is_refused(evaluator, case_file):
    Candidate.objects.create(
        last_name="Martin",
        first_name="Lea",
        birth_date=dt.date(2001, 1, 1),
        postcode="75001",
        status="employee",
    )
    with pytest.raises(ValidationError, match="Un·e autre candidat·e porte déjà ce nom"):
        rectify_candidate(
            case_file.candidate,
            changes={"first_name": "Lea", "birth_date": dt.date(2001, 1, 1)},
            actor=evaluator,
        )
    assert Candidate.objects.get(pk=case_file.candidate_id).first_name == "Léa"


def test_outsiders_cannot_rectify(
    client_for, case_file, officer_of_other_region, evaluator_of_other_organisation, trainer
):
    for outsider in (officer_of_other_region, evaluator_of_other_organisation):
        assert (
            client_for(outsider).post(form_url(case_file), posted(case_file, last_name="X")).status_code
            == 404
        )
        with pytest.raises(PermissionDenied):
            rectify_candidate(case_file.candidate, changes={"last_name": "X"}, actor=outsider)
    with pytest.raises(PermissionDenied):
        rectify_candidate(case_file.candidate, changes={"last_name": "X"}, actor=trainer)
    assert Candidate.objects.get(pk=case_file.candidate_id).last_name == "Martin"
    assert rectifications() == []


def test_an_anonymised_candidate_can_no_longer_be_rectified(supervisor, case_file):
    Candidate.objects.filter(pk=case_file.candidate_id).update(anonymised_on=dt.date.today())
    with pytest.raises(ValidationError, match="anonymisé·e"):
        rectify_candidate(case_file.candidate, changes={"email": "a@b.fr"}, actor=supervisor)


def test_only_identity_and_contact_fields_can_be_rectified(supervisor, case_file):
    with pytest.raises(ValidationError, match="Seules l'identité"):
        rectify_candidate(case_file.candidate, changes={"anonymised_on": dt.date.today()}, actor=supervisor)

"""One person, one record: the identity rule (name, first name, birth date, normalised) as the opening service
and the rectification apply it; a name whose letters an export lost is refused on each path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from backoffice.core.audit.models import AuditEvent
from casefiles.models import Candidate, CaseFile, CaseFileState
from casefiles.rules.identity import identity_key, same_identity
from casefiles.services import open_case_file, rectify_candidate
from tests.casefiles.conftest import TODAY

pytestmark = pytest.mark.django_db
BORN = dt.date(1999, 4, 2)


@pytest.mark.parametrize(
    ("last", "first"),
    [("MARTIN", "Léa"), ("martin", "LEA"), ("Mar-tin", "Lé a"), (" Martin ", "Léa"), ("Mártin", "L'éa")],
)
def test_case_accents_hyphens_apostrophes_and_spaces_do_not_make_another_person(last, first):
    assert identity_key(last, first, BORN) == identity_key("Martin", "Léa", BORN)
    assert same_identity((last, first, BORN), ("Martin", "Léa", BORN))


@pytest.mark.parametrize(
    ("last", "first", "born"),
    [("Martine", "Léa", BORN), ("Martin", "Léo", BORN), ("Martin", "Léa", dt.date(1999, 4, 3))],
)
def test_another_letter_or_birth_date_is_another_person(last, first, born):
    assert identity_key(last, first, born) != identity_key("Martin", "Léa", BORN)
    assert not same_identity((last, first, born), ("Martin", "Léa", BORN))


def test_ligatures_are_read_as_their_letters():
    assert identity_key("Lœuvre", "Lætitia", BORN) == identity_key("LOEUVRE", "Laetitia", BORN)


def _open(site, clea, data, actor):  # type: ignore[no-untyped-def]
    return open_case_file(
        site=site,
        certification=clea,
        opened_on=TODAY - dt.timedelta(days=3),
        candidate_data=data,
        actor=actor,
    )


def test_opening_a_file_for_a_known_person_spelled_otherwise_reuses_their_record(
    evaluator, idf_site, clea, case_file, candidate_data
):
    CaseFile.objects.filter(pk=case_file.pk).update(state=CaseFileState.ABANDONED)

    again = _open(idf_site, clea, {**candidate_data, "last_name": "MARTIN", "first_name": "lea"}, evaluator)

    assert again.candidate_id == case_file.candidate_id
    assert Candidate.objects.count() == 1
    assert Candidate.objects.get().last_name == "Martin"  # the record is not renamed by the new spelling
    assert AuditEvent.objects.filter(verb="casefile.opened", subject_id=str(again.pk)).exists()


def test_a_second_open_file_for_one_person_and_certification_is_refused_whatever_the_spelling(
    evaluator, idf_site, clea, case_file, candidate_data
):
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="MARTIN Léa a déjà un dossier ouvert pour"):
        _open(idf_site, clea, {**candidate_data, "last_name": "MAR-TIN", "first_name": "LEA"}, evaluator)

    assert (Candidate.objects.count(), CaseFile.objects.count()) == (1, 1)
    assert AuditEvent.objects.count() == events


def test_a_name_whose_letters_an_export_lost_is_refused_by_the_service(
    evaluator, idf_site, clea, candidate_data
):
    with pytest.raises(ValidationError, match="enregistrez le fichier en CSV UTF-8"):
        _open(idf_site, clea, {**candidate_data, "last_name": "Nguy?n"}, evaluator)

    assert not Candidate.objects.exists() and not CaseFile.objects.exists()


def test_a_rectification_making_a_person_identical_to_another_one_is_refused(officer, case_file):
    other = Candidate.objects.create(
        last_name="Martine", first_name="Léa", birth_date=BORN, postcode="75011", status="employee"
    )

    with pytest.raises(ValidationError, match="deux dossiers d'une même personne"):
        rectify_candidate(other, changes={"last_name": "MARTIN", "first_name": "Lea"}, actor=None)

    other.refresh_from_db()
    assert (other.last_name, other.first_name) == ("Martine", "Léa")
    assert Candidate.objects.count() == 2
    assert not AuditEvent.objects.filter(verb="candidate.rectified").exists()


def test_a_rectification_of_the_spelling_alone_is_accepted_and_keeps_the_identity_key(case_file):
    candidate = case_file.candidate
    key = candidate.identity_key

    rectify_candidate(candidate, changes={"last_name": "MARTIN"}, actor=None)

    candidate.refresh_from_db()
    assert candidate.last_name == "MARTIN" and candidate.identity_key == key
    assert AuditEvent.objects.filter(verb="candidate.rectified", subject_id=str(candidate.pk)).exists()


def test_a_rectified_identity_is_found_under_its_new_key(
    evaluator, idf_site, clea, case_file, candidate_data
):
    candidate = case_file.candidate
    rectify_candidate(candidate, changes={"last_name": "Martin-Durand"}, actor=None)
    CaseFile.objects.filter(pk=case_file.pk).update(state=CaseFileState.ABANDONED)

    again = _open(idf_site, clea, {**candidate_data, "last_name": "MARTIN DURAND"}, evaluator)

    assert again.candidate_id == candidate.pk and Candidate.objects.count() == 1


def test_a_rectification_to_a_name_with_lost_letters_is_refused(case_file):
    with pytest.raises(ValidationError, match="enregistrez le fichier en CSV UTF-8"):
        rectify_candidate(case_file.candidate, changes={"first_name": "L\ufffda"}, actor=None)

    case_file.candidate.refresh_from_db()
    assert case_file.candidate.first_name == "Léa"

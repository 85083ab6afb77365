"""The candidates file and people: a reference keeps its person (identity is corrected by rectification
only), one person is one record whatever the spelling, what may change is changed with its diff on the
timeline; referrers and fundings as people type them; names an export garbled; staff import on an
organisation's behalf."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accreditation.models import Organisation
from backoffice.core.audit.models import AuditEvent
from backoffice.imports.models import ImportStatus
from casefiles.models import Candidate, CaseFile, CaseFileState
from tests.backoffice.imports_helpers import CANDIDATE_HEADER, candidate_row, checked, csv_bytes, imported

pytestmark = pytest.mark.django_db
HEADER = [*CANDIDATE_HEADER, "financement"]


def _day(days_ago: int = 0) -> str:
    return f"{timezone.localdate() - dt.timedelta(days=days_ago):%d/%m/%Y}"


def _row(site, reference: str = "DOS-12", **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return candidate_row(site.siret, reference, date_accueil=_day(5), **changes)


def _errors(job) -> dict[tuple[int, str], str]:  # type: ignore[no-untyped-def]
    return {(e.line, e.column): e.message for e in job.row_errors.all()}


def test_a_known_reference_carrying_another_identity_is_an_error_naming_the_holder(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site)]), actor=evaluator)

    job = checked(
        csv_bytes([_row(idf_site, nom="Dupont", prenom="Paul", date_naissance="14/07/1985")]), actor=evaluator
    )

    assert (job.invalid_rows, job.updated_rows) == (1, 0)
    assert _errors(job)[(2, "nom")] == (
        "la référence DOS-12 désigne MARTIN Léa, née le 02/04/1999 : "
        "une correction d'identité passe par la rectification du dossier."
    )
    person = Candidate.objects.get()
    assert (person.last_name, person.first_name, person.birth_date) == ("Martin", "Léa", dt.date(1999, 4, 2))


@pytest.mark.parametrize("changes", [{"date_naissance": "03/04/1999"}, {"prenom": "Léo"}])
def test_one_field_of_the_identity_is_enough_to_refuse_the_row(evaluator, idf_site, changes):
    imported(csv_bytes([_row(idf_site)]), actor=evaluator)

    job = checked(csv_bytes([_row(idf_site, **changes)]), actor=evaluator)

    assert job.invalid_rows == 1 and "rectification du dossier" in _errors(job)[(2, "nom")]


def test_another_spelling_of_the_same_identity_is_no_change(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site)]), actor=evaluator)

    job = checked(csv_bytes([_row(idf_site, nom="MAR-TIN", prenom="lea")]), actor=evaluator)

    assert (job.unchanged_rows, job.updated_rows, job.invalid_rows) == (1, 0, 0)
    assert Candidate.objects.get().last_name == "Martin"


def test_contacts_situation_referrer_and_funding_are_updated_with_the_diff_on_the_timeline(
    evaluator, idf_site
):
    imported(csv_bytes([_row(idf_site)], header=HEADER), actor=evaluator)
    changed = _row(
        idf_site,
        email="lea.m@example.org",
        code_postal="75011",
        statut="salarie",
        secteur="Santé",
        prescripteur="ML",
        financement="Pro-A",
    )

    job = imported(csv_bytes([changed], header=HEADER), actor=evaluator)

    assert job.updated_rows == 1
    case_file = CaseFile.objects.select_related("candidate").get()
    person = case_file.candidate
    assert (person.email, person.postcode, person.status, person.sector) == (
        "lea.m@example.org",
        "75011",
        "employee",
        "Santé",
    )
    assert (case_file.referrer, case_file.funding) == ("mission_locale", "pro_a")
    update = AuditEvent.objects.get(verb="casefile.updated", subject_id=str(case_file.pk))
    assert "code postal : 93200 → 75011" in update.summary
    assert "prescripteur : France Travail → Mission locale" in update.summary
    assert "financement : (vide) → Pro-A (reconversion ou promotion par alternance)" in update.summary
    assert update.data["changes"]["postcode"] == ["93200", "75011"]


def test_a_file_without_the_funding_column_leaves_the_funding_as_it_is(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site, financement="CPF")], header=HEADER), actor=evaluator)

    job = checked(csv_bytes([_row(idf_site)]), actor=evaluator)

    assert job.unchanged_rows == 1 and CaseFile.objects.get().funding == "cpf"


def test_a_new_reference_for_a_known_person_spelled_otherwise_reuses_the_person(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site, "DOS-1")]), actor=evaluator)
    CaseFile.objects.update(state=CaseFileState.ABANDONED)

    job = imported(csv_bytes([_row(idf_site, "DOS-2", nom="MARTIN", prenom="Lea")]), actor=evaluator)

    assert job.new_rows == 1
    assert Candidate.objects.count() == 1
    assert CaseFile.objects.filter(candidate=Candidate.objects.get()).count() == 2


def test_a_known_person_spelled_otherwise_never_gets_a_second_open_file(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site, "DOS-1")]), actor=evaluator)

    job = checked(csv_bytes([_row(idf_site, "DOS-2", nom="MARTÍN", prenom="LÉA")]), actor=evaluator)

    assert job.invalid_rows == 1
    assert "MARTIN Léa a déjà un dossier Certification CléA en cours" in job.row_errors.get().message


def test_one_person_twice_in_a_file_under_two_spellings_is_refused_on_the_second_line(evaluator, idf_site):
    rows = [_row(idf_site, "DOS-1"), _row(idf_site, "DOS-2", nom="martin", prenom="Léa ")]

    job = checked(csv_bytes(rows), actor=evaluator)

    assert (job.new_rows, job.invalid_rows) == (1, 1)
    assert "déjà une ligne" in _errors(job)[(3, "reference")]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Mission locale", "mission_locale"),
        ("mission-locale", "mission_locale"),
        ("ML", "mission_locale"),
        ("Cap emploi", "cap_emploi"),
        ("Transitions Pro", "transitions_pro"),
        ("Pôle emploi", "france_travail"),
        ("france_travail", "france_travail"),
        ("Employeur", "employer"),
    ],
)
def test_referrers_are_read_as_people_type_them(evaluator, idf_site, typed, code):
    imported(csv_bytes([_row(idf_site, prescripteur=typed)]), actor=evaluator)

    assert CaseFile.objects.get().referrer == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("CPF", "cpf"),
        ("Mon Compte Formation", "cpf"),
        ("Pro-A", "pro_a"),
        ("pro a", "pro_a"),
        ("Plan de développement des compétences", "employer_plan"),
        ("plan_employeur", "employer_plan"),
        ("OPCO", "opco"),
        ("Région", "region"),
        ("AIF", "france_travail"),
        ("France Travail (AIF)", "france_travail"),
        ("autre", "other"),
    ],
)
def test_fundings_are_read_as_people_type_them_and_kept_on_the_file(evaluator, idf_site, typed, code):
    imported(csv_bytes([_row(idf_site, financement=typed)], header=HEADER), actor=evaluator)

    assert CaseFile.objects.get().funding == code


def test_an_unknown_funding_or_referrer_is_refused_with_the_list(evaluator, idf_site):
    job = checked(
        csv_bytes([_row(idf_site, financement="Bon cadeau", prescripteur="Voisin")], header=HEADER),
        actor=evaluator,
    )

    errors = _errors(job)
    assert "« Bon cadeau » n'est pas un financement reconnu (cpf, pro_a" in errors[(2, "financement")]
    assert "mission_locale" in errors[(2, "prescripteur")]
    assert not CaseFile.objects.exists()


@pytest.mark.parametrize("name", ["Nguy?n", "Nguy\ufffdn"])
def test_a_name_whose_letters_a_windows_export_lost_is_refused_with_the_way_out(evaluator, idf_site, name):
    job = checked(csv_bytes([_row(idf_site, nom=name)]), actor=evaluator)

    assert job.invalid_rows == 1
    assert "enregistrez le fichier en CSV UTF-8" in _errors(job)[(2, "nom")]


def test_a_case_officer_opens_files_by_import_recorded_as_entered_for_the_organisation(officer, idf_site):
    organisation = Organisation.objects.get(pk=idf_site.organisation_id)

    job = imported(csv_bytes([_row(idf_site)]), actor=officer)

    assert job.status == ImportStatus.APPLIED and job.new_rows == 1
    opened = AuditEvent.objects.get(verb="casefile.opened")
    assert opened.actor == officer
    assert opened.summary.endswith(
        f"Saisi par {officer.get_username()} pour le compte de {organisation.legal_name}."
    )
    assert opened.data == {"import": job.pk, "on_behalf_of": organisation.legal_name}


def test_a_case_officers_update_names_the_organisation_too(evaluator, officer, idf_site):
    imported(csv_bytes([_row(idf_site)]), actor=evaluator)

    imported(csv_bytes([_row(idf_site, telephone="0700000000")]), actor=officer)

    update = AuditEvent.objects.get(verb="casefile.updated")
    assert update.actor == officer and "pour le compte de" in update.summary


def test_the_organisations_own_staff_import_without_an_on_behalf_mention(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site)]), actor=evaluator)

    opened = AuditEvent.objects.get(verb="casefile.opened")
    assert opened.actor == evaluator and "pour le compte de" not in opened.summary
    assert "on_behalf_of" not in opened.data


def test_a_file_without_the_referrer_column_leaves_the_referrer_as_it_is(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site, prescripteur="ML")]), actor=evaluator)
    without = [name for name in CANDIDATE_HEADER if name != "prescripteur"]

    job = imported(csv_bytes([_row(idf_site, telephone="0700000000")], header=without), actor=evaluator)

    assert job.updated_rows == 1
    assert CaseFile.objects.get().referrer == "mission_locale"
    update = AuditEvent.objects.get(verb="casefile.updated")
    assert "prescripteur" not in update.summary and "referrer" not in update.data["changes"]


def test_an_empty_referrer_cell_in_the_column_clears_the_referrer(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site, prescripteur="ML")]), actor=evaluator)

    job = imported(csv_bytes([_row(idf_site, prescripteur="")]), actor=evaluator)

    assert job.updated_rows == 1 and CaseFile.objects.get().referrer == ""
    update = AuditEvent.objects.get(verb="casefile.updated")
    assert "prescripteur : Mission locale → (vide)" in update.summary


@pytest.mark.parametrize(
    ("typed", "code", "note"),
    [
        ("OPCO EP", "opco", "OPCO EP"),
        ("Akto", "opco", "Akto"),
        ("CPF de transition", "other", "CPF de transition"),
        ("Agefiph", "other", "Agefiph"),
        ("POEI", "france_travail", "POEI"),
        ("Plan de dév. des compétences", "employer_plan", ""),
        ("OPCO", "opco", ""),
    ],
)
def test_a_funding_label_naming_a_funder_keeps_it_as_the_note(evaluator, idf_site, typed, code, note):
    imported(csv_bytes([_row(idf_site, financement=typed)], header=HEADER), actor=evaluator)

    case_file = CaseFile.objects.get()
    assert (case_file.funding, case_file.funding_note) == (code, note)


def test_the_precision_column_gives_the_note_and_its_change_is_on_the_timeline(evaluator, idf_site):
    header = [*HEADER, "precision_financement"]
    imported(csv_bytes([_row(idf_site, financement="OPCO EP")], header=HEADER), actor=evaluator)

    job = imported(
        csv_bytes([_row(idf_site, financement="opco", precision_financement="OPCO 2i")], header=header),
        actor=evaluator,
    )

    assert job.updated_rows == 1
    case_file = CaseFile.objects.get()
    assert (case_file.funding, case_file.funding_note) == ("opco", "OPCO 2i")
    update = AuditEvent.objects.get(verb="casefile.updated")
    assert "précision du financement : OPCO EP → OPCO 2i" in update.summary
    assert update.data["changes"]["funding_note"] == ["OPCO EP", "OPCO 2i"]


def test_a_file_without_the_funding_columns_leaves_the_note_as_it_is(evaluator, idf_site):
    imported(csv_bytes([_row(idf_site, financement="Agefiph")], header=HEADER), actor=evaluator)

    job = checked(csv_bytes([_row(idf_site)]), actor=evaluator)

    assert job.unchanged_rows == 1
    assert (CaseFile.objects.get().funding, CaseFile.objects.get().funding_note) == ("other", "Agefiph")


@pytest.mark.parametrize(("column", "field"), [("email", "email"), ("telephone", "phone"), ("sexe", "sex")])
def test_a_file_without_a_contact_column_leaves_that_field_as_it_is(evaluator, idf_site, column, field):
    imported(csv_bytes([_row(idf_site)]), actor=evaluator)
    before = getattr(Candidate.objects.get(), field)
    without = [name for name in CANDIDATE_HEADER if name != column]

    job = imported(csv_bytes([_row(idf_site, code_postal="75011")], header=without), actor=evaluator)

    assert job.updated_rows == 1 and before
    assert getattr(Candidate.objects.get(), field) == before
    assert field not in AuditEvent.objects.get(verb="casefile.updated").data["changes"]

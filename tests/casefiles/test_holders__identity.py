"""What the training-account system (CDC) matches a holder on — birth name, sex, place of birth — is kept on
the candidate by every path (opening form, rectification, candidates import new and known, takeover of
historical certificates), checked by one rule; the gaps rule and its SQL form agree; the retention job
erases the new fields; the subject-access export lists them; the holders missing data are listed."""

from __future__ import annotations

import datetime as dt
import io
import json
from html import unescape
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import LegacyBatch
from backoffice.imports import services as imports
from backoffice.imports.contracts import contract_for
from backoffice.imports.models import ImportJob
from casefiles.events import CandidateEvent
from casefiles.models import Candidate, CaseFile, CaseFileState, Certificate, CertificateStatus
from casefiles.rules.holders import (
    GAP_BIRTH_NAME,
    GAP_BIRTHPLACE,
    GAP_SEX,
    IDENTITY_COMPLETE,
    identity_complete_q,
    transmission_gaps,
)
from casefiles.selectors import certificates_missing_identity
from casefiles.services import open_case_file, rectify_candidate
from casefiles.services.privacy import anonymise_candidate
from tests.backoffice.imports_helpers import CANDIDATE_HEADER, candidate_row, checked, csv_bytes, imported
from tests.casefiles.test_legacy__certificates import row as historical_row
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
BIRTH_HEADER = [
    *CANDIDATE_HEADER,
    "nom_naissance",
    "prenom2",
    "prenom3",
    "commune_naissance",
    "pays_naissance",
]
HISTORICAL = "certificats_historiques"
UNKNOWN_COMMUNE = "La commune de naissance 00000 n'existe pas dans le code officiel géographique."
BOTH_GIVEN = "Indiquez soit la commune de naissance (née en France), soit le pays de naissance"
FRANCE = "Pour une personne née en France, indiquez la commune de naissance, pas le pays."


def birth_of(candidate: Candidate) -> tuple[str, str, str, str, str]:
    candidate.refresh_from_db()
    return (
        candidate.birth_name,
        candidate.first_name_2,
        candidate.first_name_3,
        candidate.birth_commune_code,
        candidate.birth_country_code,
    )


# The rule and its SQL form.


@pytest.mark.parametrize(
    ("changes", "gaps"),
    [
        ({}, []),
        ({"birth_name": ""}, [GAP_BIRTH_NAME]),
        ({"sex": ""}, [GAP_SEX]),
        ({"birth_commune_code": ""}, [GAP_BIRTHPLACE]),
        ({"birth_commune_code": "", "birth_country_code": "99350"}, []),
        (
            {"birth_name": "", "sex": "", "birth_commune_code": ""},
            ["nom de naissance", "sexe", "lieu de naissance (commune ou pays)"],
        ),
    ],
)
def test_the_gaps_are_named_in_french_in_a_fixed_order(changes, gaps):
    assert transmission_gaps(CandidateFactory.build(**changes)) == gaps


def test_the_sql_filter_agrees_with_the_rule_on_every_combination():
    people = [
        CandidateFactory(birth_name=name, sex=sex, birth_commune_code=commune, birth_country_code=country)
        for name in ("", "Durand", "D" * 61)  # over 60 characters: the CDC's schema refuses it
        for sex in ("", "M")
        for commune, country in (("", ""), ("69123", ""), ("", "99134"))
    ]

    complete = {c.pk for c in people if not transmission_gaps(c)}
    assert set(Candidate.objects.filter(IDENTITY_COMPLETE).values_list("pk", flat=True)) == complete
    assert set(Candidate.objects.exclude(IDENTITY_COMPLETE).values_list("pk", flat=True)) == (
        {c.pk for c in people} - complete
    )
    assert len(complete) == 2


def test_the_filter_reads_through_a_relation(evaluator, case_file):
    files = CaseFile.objects.filter(pk=case_file.pk)
    assert not files.filter(
        identity_complete_q("candidate__")
    ).exists()  # the fixture's person: no birth data

    rectify_candidate(
        case_file.candidate,
        changes={"birth_name": "Martin", "birth_commune_code": "93066"},
        actor=evaluator,
    )

    assert files.filter(identity_complete_q("candidate__")).exists()


# The model and the opening service: one rule, normalised codes.


@pytest.mark.parametrize(
    ("commune", "country", "stored"),
    [
        ("69123", "", ("69123", "")),
        ("6088", "", ("06088", "")),  # a spreadsheet dropped Nice's zero
        ("2a004", "", ("2A004", "")),  # Ajaccio
        ("", "134", ("", "99134")),  # the CDC's three digits
        ("", "99350", ("", "99350")),
    ],
)
def test_the_opening_keeps_a_good_birthplace_normalised(
    evaluator, idf_site, clea, candidate_data, commune, country, stored
):
    case_file = open_case_file(
        site=idf_site,
        certification=clea,
        opened_on=TODAY,
        candidate_data=candidate_data
        | {"birth_name": "Martin", "birth_commune_code": commune, "birth_country_code": country},
        actor=evaluator,
    )

    assert birth_of(case_file.candidate)[3:] == stored
    assert transmission_gaps(case_file.candidate) == []


def test_a_person_taken_over_without_postcode_nor_status_gets_their_birth_data_completed(
    evaluator, officer, idf_site, clea, candidate_data
):
    """The takeover writes people without postcode or status: completing their identity for the CDC must not
    require inventing them, at the opening of a file or in the rectification."""
    known = CandidateFactory(
        **{k: candidate_data[k] for k in ("last_name", "first_name", "birth_date")},
        birth_name="",
        birth_commune_code="",
        birth_country_code="",
        sex="",
        postcode="",
        status="",
    )
    open_case_file(
        site=idf_site,
        certification=clea,
        opened_on=TODAY,
        candidate_data=candidate_data | {"birth_name": "Martin", "birth_commune_code": "69123"},
        actor=evaluator,
    )
    known.refresh_from_db()
    assert (known.birth_name, known.birth_commune_code, known.sex) == (
        "Martin",
        "69123",
        candidate_data["sex"],
    )
    assert (known.postcode, known.status) == ("", "")

    rectify_candidate(known, changes={"birth_name": "Martin-Durand"}, actor=evaluator)
    known.refresh_from_db()
    assert known.birth_name == "Martin-Durand" and transmission_gaps(known) == []


def test_opening_a_file_for_a_known_person_completes_their_missing_birth_data_never_overwrites(
    evaluator, idf_site, clea, candidate_data
):
    known = CandidateFactory(
        **{k: candidate_data[k] for k in ("last_name", "first_name", "birth_date")},
        birth_name="",
        birth_commune_code="",
        birth_country_code="",
        first_name_2="Jeanne",
    )
    case_file = open_case_file(
        site=idf_site,
        certification=clea,
        opened_on=TODAY,
        candidate_data=candidate_data
        | {"birth_name": "Martin", "birth_commune_code": "69123", "first_name_2": "Autre"},
        actor=evaluator,
    )

    known.refresh_from_db()
    assert case_file.candidate_id == known.pk
    assert (known.birth_name, known.birth_commune_code, known.first_name_2) == ("Martin", "69123", "Jeanne")
    event = AuditEvent.objects.filter(verb=CandidateEvent.RECTIFIED, subject_id=str(known.pk)).get()
    assert "nom de naissance, commune de naissance" in event.summary


@pytest.mark.parametrize(
    ("commune", "country", "field", "message"),
    [
        ("00000", "", "birth_commune_code", UNKNOWN_COMMUNE),
        ("69123", "99350", "birth_country_code", BOTH_GIVEN),
        ("", "99100", "birth_country_code", FRANCE),
        ("", "99999", "birth_country_code", "Le pays de naissance 99999 n'existe pas"),
    ],
)
def test_the_opening_refuses_a_bad_birthplace_on_its_field_and_writes_nothing(
    evaluator, idf_site, clea, candidate_data, commune, country, field, message
):
    with pytest.raises(ValidationError) as refused:
        open_case_file(
            site=idf_site,
            certification=clea,
            opened_on=TODAY,
            candidate_data=candidate_data | {"birth_commune_code": commune, "birth_country_code": country},
            actor=evaluator,
        )

    assert refused.value.message_dict[field][0].startswith(message)
    assert not Candidate.objects.exists() and not CaseFile.objects.exists()


# The opening form (HTTP).


def open_form_data(site: Any, clea: Any, **changes: str) -> dict[str, Any]:
    return {
        "site": site.pk,
        "certification": clea.pk,
        "opened_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        "last_name": "Diallo",
        "birth_name": "Sow",
        "first_name": "Awa",
        "first_name_2": "Fatou",
        "birth_date": "1998-03-12",
        "sex": "F",
        "birth_commune_code": "",
        "birth_country_code": "Sénégal — 99341",
        "postcode": "93200",
        "status": "jobseeker",
    } | changes


def test_the_opening_form_keeps_the_birth_data(client_for, evaluator, idf_site, clea):
    client = client_for(evaluator)
    page = unescape(client.get("/parcours/open_file/").content.decode())
    assert "Pour une personne née à l'étranger, indiquez le pays ; née en France, la commune." in page

    response = client.post("/parcours/open_file/", open_form_data(idf_site, clea))

    assert response.status_code == 302, response.context["form"].errors
    candidate = Candidate.objects.get(last_name="Diallo")
    assert birth_of(candidate) == ("Sow", "Fatou", "", "", "99341")


def test_the_opening_form_shows_a_bad_birthplace_on_its_field_and_saves_nothing(
    client_for, evaluator, idf_site, clea
):
    data = open_form_data(idf_site, clea, birth_commune_code="69123", birth_country_code="99350")

    response = client_for(evaluator).post("/parcours/open_file/", data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["birth_commune_code"][0].startswith(BOTH_GIVEN)
    assert errors["birth_country_code"][0].startswith(BOTH_GIVEN)
    assert not Candidate.objects.exists() and not CaseFile.objects.exists()


def test_a_commune_not_existing_on_the_birth_date_is_refused_by_the_form(
    client_for, evaluator, idf_site, clea
):
    from backoffice.core.places.models import Commune

    former = Commune.objects.filter(valid_to__isnull=False, valid_to__gt=dt.date(1950, 1, 1)).order_by(
        "code"
    )[0]
    data = open_form_data(
        idf_site,
        clea,
        birth_commune_code=former.code,
        birth_country_code="",
        birth_date=f"{former.valid_to + dt.timedelta(days=400):%Y-%m-%d}",
    )
    if Commune.objects.filter(code=former.code, valid_to__isnull=True).exists():
        pytest.skip("this code is still borne by a current commune")

    response = client_for(evaluator).post("/parcours/open_file/", data)

    assert response.status_code == 200
    assert "n'était pas en vigueur" in response.context["form"].errors["birth_commune_code"][0]
    assert not Candidate.objects.exists()


# The rectification (form and service).


def rectification_data(candidate: Candidate, **changes: str) -> dict[str, str]:
    return {
        "last_name": candidate.last_name,
        "birth_name": candidate.birth_name,
        "first_name": candidate.first_name,
        "first_name_2": candidate.first_name_2,
        "first_name_3": candidate.first_name_3,
        "birth_date": candidate.birth_date.isoformat(),
        "sex": candidate.sex,
        "birth_commune_code": candidate.birth_commune_code,
        "birth_country_code": candidate.birth_country_code,
        "email": candidate.email,
        "phone": candidate.phone,
        "postcode": candidate.postcode,
        "status": candidate.status,
        "sector": candidate.sector,
    } | changes


def rectify_url(case_file: CaseFile) -> str:
    return f"/candidats/personnes/{case_file.candidate_id}/rectifier/?dossier={case_file.pk}"


def test_the_rectification_completes_the_identity_and_names_the_fields(client_for, officer, case_file):
    data = rectification_data(
        case_file.candidate, birth_name="Durand", birth_commune_code="Lyon (69) — 69123"
    )

    response = client_for(officer).post(rectify_url(case_file), data)

    assert response.status_code == 302
    assert birth_of(case_file.candidate) == ("Durand", "", "", "69123", "")
    event = AuditEvent.objects.get(verb=CandidateEvent.RECTIFIED)
    assert event.summary == "Données personnelles rectifiées : nom de naissance, commune de naissance."
    assert "Durand" not in event.summary + json.dumps(event.data)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"birth_commune_code": "00000"}, "birth_commune_code", "La commune 00000 n'existe pas"),
        ({"birth_commune_code": "69123", "birth_country_code": "99350"}, "birth_commune_code", BOTH_GIVEN),
        ({"birth_country_code": "99100"}, "birth_country_code", FRANCE),
        ({"birth_name": "Dupont2"}, "birth_name", "« Dupont2 » n'est pas un nom valide"),
    ],
)
def test_the_rectification_form_refuses_a_bad_birth_data_on_its_field(
    client_for, officer, case_file, changes, field, message
):
    before = Candidate.objects.filter(pk=case_file.candidate_id).values().get()

    response = client_for(officer).post(
        rectify_url(case_file), rectification_data(case_file.candidate, **changes)
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field][0].startswith(message)
    assert message in unescape(response.content.decode())
    assert Candidate.objects.filter(pk=case_file.candidate_id).values().get() == before
    assert not AuditEvent.objects.filter(verb=CandidateEvent.RECTIFIED).exists()


def test_the_rectification_service_refuses_a_bad_birthplace_too(evaluator, case_file):
    with pytest.raises(ValidationError) as refused:
        rectify_candidate(case_file.candidate, changes={"birth_country_code": "99100"}, actor=evaluator)

    assert refused.value.message_dict == {"birth_country_code": [FRANCE]}
    assert birth_of(case_file.candidate)[3:] == ("", "")


def test_outsiders_cannot_reach_the_rectification_form(
    client_for, case_file, officer_of_other_region, evaluator_of_other_organisation
):
    for outsider in (officer_of_other_region, evaluator_of_other_organisation):
        client = client_for(outsider)
        assert client.get(rectify_url(case_file)).status_code == 404
        data = rectification_data(case_file.candidate, birth_name="Intrus")
        assert client.post(rectify_url(case_file), data).status_code == 404
    assert birth_of(case_file.candidate)[0] == ""


# The candidates import: new rows, known references, the same file again.


def birth_row(site: Any, reference: str = "DOS-1", **changes: str) -> dict[str, str]:
    birth = {"nom_naissance": "Martin", "prenom2": "Marie", "commune_naissance": "69123"}
    return candidate_row(site.siret, reference, date_accueil=f"{TODAY - dt.timedelta(days=3):%d/%m/%Y}") | (
        birth | changes
    )


def test_a_new_row_keeps_the_birth_data_and_the_template_names_the_columns(evaluator, idf_site):
    assert contract_for("candidates").template_header()[6:11] == [
        "nom_naissance",
        "prenom2",
        "prenom3",
        "commune_naissance",
        "pays_naissance",
    ]
    rows = [
        birth_row(idf_site),
        birth_row(idf_site, "DOS-2", prenom="Zoé", commune_naissance="", pays_naissance="352"),
    ]

    job = imported(csv_bytes(rows, header=BIRTH_HEADER), actor=evaluator)

    assert (job.new_rows, job.invalid_rows) == (2, 0)
    assert birth_of(Candidate.objects.get(first_name="Léa")) == ("Martin", "Marie", "", "69123", "")
    assert birth_of(Candidate.objects.get(first_name="Zoé")) == ("Martin", "Marie", "", "", "99352")


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"commune_naissance": "00000"}, "commune_naissance", UNKNOWN_COMMUNE),
        ({"pays_naissance": "99350"}, "commune_naissance", BOTH_GIVEN),
        ({"commune_naissance": "", "pays_naissance": "100"}, "pays_naissance", FRANCE),
        ({"nom_naissance": "Dupont2"}, "nom_naissance", "« Dupont2 » n'est pas un nom valide"),
        ({"prenom3": "Ann?"}, "prenom3", "« Ann? » : des lettres ont été perdues"),
    ],
)
def test_a_bad_row_is_refused_on_its_column_and_nothing_is_written(
    evaluator, idf_site, changes, column, message
):
    job = checked(csv_bytes([birth_row(idf_site, **changes)], header=BIRTH_HEADER), actor=evaluator)

    assert (job.invalid_rows, job.new_rows) == (1, 0)
    errors = list(job.row_errors.values_list("column", "message"))
    assert errors[0][0] == column and errors[0][1].startswith(message), errors
    with pytest.raises(ValidationError):
        imports.confirm_import(job, skip_invalid=False, actor=evaluator)
    assert not Candidate.objects.exists()


def test_a_known_reference_updates_the_birth_data_with_the_diff_on_the_timeline(evaluator, idf_site):
    imported(csv_bytes([birth_row(idf_site, nom_naissance="")], header=BIRTH_HEADER), actor=evaluator)
    candidate = Candidate.objects.get()
    assert transmission_gaps(candidate) == [GAP_BIRTH_NAME]

    row = birth_row(idf_site, nom_naissance="Bernard", commune_naissance="", pays_naissance="99139")
    job = imported(csv_bytes([row], header=BIRTH_HEADER), actor=evaluator)

    assert job.updated_rows == 1
    assert birth_of(candidate) == ("Bernard", "Marie", "", "", "99139")
    update = AuditEvent.objects.get(verb="casefile.updated")
    assert update.summary.startswith(
        "Mis à jour par import : nom de naissance : (vide) → Bernard ; "
        "commune de naissance : 69123 → (vide) ; pays de naissance : (vide) → 99139."
    )
    assert update.data["changes"]["birth_country_code"] == ["", "99139"]
    again = checked(csv_bytes([row], header=BIRTH_HEADER), actor=evaluator)
    assert (again.updated_rows, again.unchanged_rows) == (0, 1)
    assert AuditEvent.objects.filter(verb="casefile.updated").count() == 1


def test_a_file_without_the_columns_leaves_the_birth_data_as_it_is(evaluator, idf_site):
    imported(csv_bytes([birth_row(idf_site)], header=BIRTH_HEADER), actor=evaluator)
    candidate = Candidate.objects.get()

    job = imported(csv_bytes([birth_row(idf_site, secteur="Commerce")]), actor=evaluator)  # the old template

    assert job.updated_rows == 1
    assert birth_of(candidate) == ("Martin", "Marie", "", "69123", "")
    assert list(AuditEvent.objects.get(verb="casefile.updated").data["changes"]) == ["sector"]


def test_a_known_reference_with_a_bad_birthplace_changes_nothing(evaluator, idf_site):
    imported(csv_bytes([birth_row(idf_site)], header=BIRTH_HEADER), actor=evaluator)
    candidate = Candidate.objects.get()

    job = checked(
        csv_bytes([birth_row(idf_site, commune_naissance="00000")], header=BIRTH_HEADER), actor=evaluator
    )

    assert job.invalid_rows == 1
    assert list(job.row_errors.values_list("column", "message")) == [("commune_naissance", UNKNOWN_COMMUNE)]
    assert birth_of(candidate) == ("Martin", "Marie", "", "69123", "")


# The takeover of historical certificates.


@pytest.fixture
def batch(supervisor) -> LegacyBatch:  # type: ignore[no-untyped-def]
    cache.clear()
    return LegacyBatch.objects.create(label="Reprise des certificats", created_by=supervisor)


def take_over(rows: list[dict[str, str]], *, actor: Any, batch: LegacyBatch) -> ImportJob:
    from tests.backoffice.imports_helpers import upload

    header = contract_for(HISTORICAL).template_header()
    job = imports.create_import(
        contract=HISTORICAL, upload=upload(csv_bytes(rows, header=header), "certificats.csv"), actor=actor
    )
    ImportJob.objects.filter(pk=job.pk).update(legacy_batch=batch)
    imports.check_import(job.pk)
    job.refresh_from_db()
    return job


def test_a_new_holder_of_a_historical_certificate_keeps_the_birth_data(supervisor, batch, idf_site):
    rows = [historical_row(idf_site, nom_naissance="Durand", commune_naissance="", pays_naissance="341")]

    job = take_over(rows, actor=supervisor, batch=batch)
    assert job.invalid_rows == 0, list(job.row_errors.values_list("column", "message"))
    imports.confirm_import(job, skip_invalid=False, actor=supervisor)
    imports.apply_import(job.pk)

    holder = Candidate.objects.get()
    assert birth_of(holder) == ("Durand", "", "", "", "99341")
    assert transmission_gaps(holder) == []
    again = take_over(rows, actor=supervisor, batch=batch)
    assert (again.unchanged_rows, again.invalid_rows) == (1, 0)


def test_a_historical_row_with_a_bad_birthplace_is_refused_and_writes_nothing(supervisor, batch, idf_site):
    rows = [historical_row(idf_site, commune_naissance="75056", pays_naissance="99350")]

    job = take_over(rows, actor=supervisor, batch=batch)

    assert job.invalid_rows == 1
    (column, message), *_ = job.row_errors.values_list("column", "message")
    assert column == "commune_naissance" and message.startswith(BOTH_GIVEN)
    with pytest.raises(ValidationError):
        imports.confirm_import(job, skip_invalid=False, actor=supervisor)
    assert not Candidate.objects.exists() and not Certificate.objects.exists()


# Personal data: the retention job and the right of access.


def test_the_retention_job_erases_the_birth_data(evaluator, idf_site, clea):
    from tests.casefiles.test_privacy__anonymisation import make_file

    candidate = CandidateFactory(first_name_2="Marie", first_name_3="Jeanne", birth_name="Durand")
    long_ago = TODAY - dt.timedelta(days=7 * 365)
    make_file(candidate, idf_site, CaseFileState.ABANDONED, long_ago, long_ago + dt.timedelta(days=30))
    AuditEvent.objects.create(
        verb="casefile.updated",
        subject_type=ContentType.objects.get_for_model(Candidate),
        subject_id=str(candidate.pk),
        subject_label=str(candidate),
        summary="Mis à jour par import : nom de naissance : (vide) → Durand ; "
        "deuxième prénom : (vide) → Marie.",
    )

    assert anonymise_candidate(candidate.pk) is not None

    assert birth_of(candidate) == ("", "", "", "", "")
    assert transmission_gaps(candidate) == [GAP_BIRTH_NAME, GAP_BIRTHPLACE]
    assert not AuditEvent.objects.filter(summary__contains="Durand").exists()


def test_the_subject_access_export_lists_the_birth_data_with_readable_places(
    client_for, officer, evaluator, case_file
):
    rectify_candidate(
        case_file.candidate,
        changes={"birth_name": "Durand", "first_name_2": "Marie", "birth_commune_code": "69123"},
        actor=evaluator,
    )

    response = client_for(officer).get(
        f"/candidats/personnes/{case_file.candidate_id}/donnees-personnelles.json"
    )

    identity = json.loads(response.content)["candidat"]
    assert (identity["nom_de_naissance"], identity["deuxieme_prenom"], identity["troisieme_prenom"]) == (
        "Durand",
        "Marie",
        "",
    )
    assert (identity["commune_de_naissance"], identity["pays_de_naissance"]) == ("Lyon (69) — 69123", "")
    pdf = client_for(officer).get(f"/candidats/personnes/{case_file.candidate_id}/donnees-personnelles.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Nom de naissance Durand" in " ".join(text.split())
    assert "Lyon (69) — 69123" in text


# The holders the CDC could not match.


def certificate_of(candidate: Candidate, site: Any, *, status: str = CertificateStatus.ISSUED) -> Certificate:
    from tests.casefiles.test_privacy__anonymisation import certify, make_file

    case_file = make_file(candidate, site, CaseFileState.CERTIFIED, TODAY - dt.timedelta(days=90), TODAY)
    session = _session(site)
    certificate = certify(case_file, session)
    Certificate.objects.filter(pk=certificate.pk).update(status=status)
    return certificate


def _session(site: Any) -> Any:
    from casefiles.models import JurySession, JurySessionStatus

    return JurySession.objects.get_or_create(
        region=site.region, held_on=TODAY, defaults={"status": JurySessionStatus.CLOSED, "cutoff_on": TODAY}
    )[0]


def test_the_holders_missing_data_are_listed_with_their_gaps_and_the_form_to_complete(
    idf_site, django_assert_max_num_queries
):
    complete = certificate_of(CandidateFactory(), idf_site)
    no_name = certificate_of(CandidateFactory(birth_name=""), idf_site)
    nothing = certificate_of(CandidateFactory(birth_name="", sex="", birth_commune_code=""), idf_site)
    certificate_of(CandidateFactory(birth_name=""), idf_site, status=CertificateStatus.REVOKED)
    certificate_of(CandidateFactory(birth_name=""), idf_site, status=CertificateStatus.PENDING)

    with django_assert_max_num_queries(1):
        rows = certificates_missing_identity(Certificate.objects.all())

    assert [(r.certificate.pk, r.gaps) for r in rows] == [
        (no_name.pk, [GAP_BIRTH_NAME]),
        (nothing.pk, [GAP_BIRTH_NAME, GAP_SEX, GAP_BIRTHPLACE]),
    ]
    assert rows[0].rectify_url == (
        f"/candidats/personnes/{no_name.case_file.candidate_id}/rectifier/?dossier={no_name.case_file_id}"
    )
    assert complete.pk not in [r.certificate.pk for r in rows]


def test_the_file_page_says_what_the_cdc_would_miss_and_where_to_complete_it(client_for, officer, case_file):
    url = f"/candidats/dossiers/{case_file.pk}/detail/"
    page = unescape(client_for(officer).get(url).content.decode())

    assert (
        "À compléter pour le compte formation du·de la titulaire : nom de naissance, "
        "lieu de naissance (commune ou pays)" in page
    )
    assert rectify_url(case_file) in page

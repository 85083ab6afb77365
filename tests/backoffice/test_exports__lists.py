"""Exports of the five lists, returned at once when small: columns, content in CSV and XLSX, the user's scope,
the list's filters and search, the buttons on the lists, and bad requests."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accreditation.models import AccreditationStatus, Certification, FrameworkVersion
from casefiles.models import (
    AgendaItem,
    Assessment,
    AssessmentKind,
    Candidate,
    CaseFile,
    CaseFileState,
    Certificate,
    CertificateStatus,
    Decision,
    JurySession,
    JurySessionStatus,
)
from tests.factories import AccreditationFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)
INJECTION = '=HYPERLINK("http://pirate.example","clic")'

CASE_FILE_COLUMNS = [
    "dossier", "reference_organisme", "nom", "prenom", "code_certification", "certification",
    "organisme_evaluateur", "etablissement_evaluateur", "siret_etablissement", "region", "etat", "ouvert_le",
    "evaluation_prealable_le", "acquis_valables_jusqu_au", "pret_pour_jury_le", "clos_le",
]  # fmt: skip
CERTIFICATE_COLUMNS = [
    "numero_certificat", "code_certification", "intitule_certification", "nom", "prenom", "region",
    "date_obtention", "statut", "date_session_jury", "transmis_le", "duplicatas",
]  # fmt: skip
DECISION_COLUMNS = [
    "date_session", "region", "lieu", "dossier", "nom", "prenom", "code_certification",
    "etablissement_evaluateur", "siret_etablissement", "decision", "motif", "decide_le", "numero_certificat",
]  # fmt: skip
ACCREDITATION_COLUMNS = [
    "siret", "etablissement", "siren", "raison_sociale", "region", "code_certification", "certification",
    "role", "valide_du", "valide_jusqu_au", "statut", "statut_modifie_le", "motif_statut",
]  # fmt: skip


# Data: files, assessments, sessions, decisions and certificates in Île-de-France and in Auvergne-Rhône-Alpes.


def make_file(site, last_name: str, *, state=CaseFileState.READY_FOR_JURY, reference: str = "", days_ago=60):
    clea = Certification.objects.get(code="CLEA")
    candidate = Candidate.objects.create(
        last_name=last_name,
        first_name="Inès",
        birth_date=dt.date(1990, 5, 17),
        postcode="93200",
        status="jobseeker",
        email=f"{last_name.lower()}@example.org",
    )
    return CaseFile.objects.create(
        candidate=candidate,
        certification=clea,
        framework_version=FrameworkVersion.objects.get(certification=clea, status="published"),
        evaluation_site=site,
        reference=reference,
        state=state,
        opened_on=TODAY - dt.timedelta(days=days_ago),
        positioned_on=TODAY - dt.timedelta(days=days_ago - 5),
        expires_on=TODAY - dt.timedelta(days=days_ago - 5) + dt.timedelta(days=5 * 365),
    )


def assess(case_file, assessor, results: dict[str, bool], *, kind=AssessmentKind.POSITIONING, on=TODAY):
    return Assessment.objects.create(
        case_file=case_file, kind=kind, assessed_on=on, assessor=assessor, results=results
    )


def make_session(region, *, held_on=TODAY, place="Paris, Transitions Pro", status=JurySessionStatus.CLOSED):
    return JurySession.objects.create(
        region=region, held_on=held_on, place=place, status=status, cutoff_on=held_on - dt.timedelta(days=14)
    )


def decide_on(session, case_file, decision: str = "", reason: str = ""):
    return AgendaItem.objects.create(
        session=session,
        case_file=case_file,
        decision=decision,
        reason=reason,
        decided_at=timezone.make_aware(dt.datetime.combine(session.held_on, dt.time(15, 30)))
        if decision
        else None,
    )


def certify(
    case_file, session, number: str, *, status=CertificateStatus.ISSUED, awarded_on=TODAY, exported=False
):
    return Certificate.objects.create(
        case_file=case_file,
        number=number,
        certification=case_file.certification,
        region=session.region,
        session=session,
        holder_last_name=case_file.candidate.last_name,
        holder_first_name=case_file.candidate.first_name,
        awarded_on=awarded_on,
        status=status,
        exported_at=timezone.now() if exported else None,
    )


def build_world(idf, ara, idf_site, ara_site, evaluator) -> dict:
    """IDF: Bernard (ready for jury, a formula as reference), Moreau (certified) and Petit (awarded, revoked);
    ARA: Lyonnais (certified). One closed session per region."""
    bernard = make_file(idf_site, "Bernard", reference=INJECTION, days_ago=30)
    moreau = make_file(idf_site, "Moreau", state=CaseFileState.CERTIFIED, reference="EVA-2", days_ago=90)
    petit = make_file(idf_site, "Petit", state=CaseFileState.CERTIFIED, days_ago=120)
    lyonnais = make_file(ara_site, "Lyonnais", state=CaseFileState.CERTIFIED, days_ago=40)
    assess(bernard, evaluator, {"D1.1": True, "D1.2": False})
    assess(bernard, evaluator, {"D1.2": True}, kind=AssessmentKind.FINAL, on=TODAY + dt.timedelta(days=20))
    assess(lyonnais, evaluator, {"D1.1": True})
    idf_session, ara_session = make_session(idf), make_session(ara, place="Lyon")
    decide_on(idf_session, moreau, Decision.AWARD)
    decide_on(idf_session, petit, Decision.AWARD, reason="@SUM(1+1)")
    decide_on(idf_session, bernard)  # on the agenda, not decided: not exported
    decide_on(ara_session, lyonnais, Decision.AWARD)
    certificates = {
        "moreau": certify(
            moreau, idf_session, "CLEA-2026-IDF-00001", awarded_on=TODAY - dt.timedelta(days=1)
        ),
        "petit": certify(
            petit, idf_session, "CLEA-2026-IDF-00002", status=CertificateStatus.REVOKED, exported=True
        ),
        "lyonnais": certify(lyonnais, ara_session, "CLEA-2026-ARA-00001"),
    }
    return {
        "files": {"bernard": bernard, "moreau": moreau, "petit": petit, "lyonnais": lyonnais},
        "sessions": {"idf": idf_session, "ara": ara_session},
        "certificates": certificates,
    }


@pytest.fixture
def world(idf, ara, idf_site, ara_site, evaluator):
    return build_world(idf, ara, idf_site, ara_site, evaluator)


# Reading the exports back


def csv_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))


def csv_header(response) -> list[str]:
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_of(response) -> tuple[list[str], list[dict[str, object]], list]:
    """Headers, rows as dicts, and the rows' cells (for their types)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["X-Content-Type-Options"] == "nosniff"
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *cells = list(sheet.iter_rows())
    names = [cell.value for cell in header]
    return names, [dict(zip(names, [c.value for c in row], strict=True)) for row in cells], cells


def export(client, slug: str, fmt: str = "csv", query: str = ""):
    return client.post(f"/exports/{slug}.{fmt}" + (f"?{query}" if query else ""))


def names(rows) -> list[str]:
    return [row["nom"] for row in rows]


# Case files


def test_officer_exports_the_case_files_of_the_region_as_csv(client_for, officer, world, idf_site):
    response = export(client_for(officer), "dossiers")

    rows = csv_of(response)
    assert csv_header(response) == CASE_FILE_COLUMNS
    assert names(rows) == ["Bernard", "Moreau", "Petit"]  # the list's order: newest opened first
    bernard = rows[0]
    assert bernard["dossier"] == str(world["files"]["bernard"].pk)
    assert bernard["reference_organisme"] == "'" + INJECTION
    assert bernard["prenom"] == "Inès" and bernard["code_certification"] == "CLEA"
    assert bernard["siret_etablissement"] == idf_site.siret and bernard["region"] == "Île-de-France"
    assert bernard["etat"] == "Prêt pour le jury"
    assert bernard["ouvert_le"] == (TODAY - dt.timedelta(days=30)).strftime("%d/%m/%Y")
    assert bernard["clos_le"] == ""
    assert response["Content-Disposition"].startswith('attachment; filename="dossiers-')


def test_an_export_is_in_the_audit_trail_with_who_what_and_the_filters(client_for, officer, world):
    from backoffice.core.audit.models import AuditEvent

    export(client_for(officer), "dossiers", query="state=ready_for_jury")

    event = AuditEvent.objects.get(verb="export.downloaded")
    assert event.actor == officer and event.data["kind"] == "case_files" and event.data["rows"] == 1
    assert event.data["filters"] == {"state": ["ready_for_jury"]}


def test_case_files_export_holds_no_personal_data_beyond_the_list(client_for, officer, world):
    content = export(client_for(officer), "dossiers").content.decode("utf-8-sig")
    assert "bernard@example.org" not in content
    assert "17/05/1990" not in content and "1990-05-17" not in content


def test_case_files_xlsx_keeps_numbers_and_dates_typed_and_neutralises_formulas(client_for, officer, world):
    header, rows, cells = xlsx_of(export(client_for(officer), "dossiers", "xlsx"))

    assert header == CASE_FILE_COLUMNS
    assert names(rows) == ["Bernard", "Moreau", "Petit"]
    assert rows[0]["dossier"] == world["files"]["bernard"].pk
    assert rows[0]["ouvert_le"] == dt.datetime.combine(TODAY - dt.timedelta(days=30), dt.time())
    assert cells[0][header.index("ouvert_le")].is_date
    assert rows[0]["reference_organisme"] == "'" + INJECTION
    assert cells[0][header.index("reference_organisme")].data_type == "s"


def test_case_files_export_applies_the_list_filters_and_search(client_for, officer, world):
    client = client_for(officer)
    certified = names(csv_of(export(client, "dossiers", query="state=certified")))
    searched = names(csv_of(export(client, "dossiers", query="_search=bern")))
    ordered = names(csv_of(export(client, "dossiers", query="_orderby=opened_on")))

    assert certified == ["Moreau", "Petit"]
    assert searched == ["Bernard"]
    assert ordered == ["Petit", "Moreau", "Bernard"]
    # The same filters narrow the list page itself (the export reads through the list's own code).
    page = client.get("/candidats/dossiers/?state=certified").content.decode()
    assert "MOREAU" in page and "BERNARD" not in page


def test_case_files_export_ignores_meaningless_filters_like_the_list(client_for, officer, world):
    client = client_for(officer)
    rows = csv_of(
        export(client, "dossiers", query="state=nimporte&certification=99999999999999999999999&page=7")
    )
    assert names(rows) == ["Bernard", "Moreau", "Petit"]


@pytest.mark.parametrize("outsider", ["officer_of_other_region", "evaluator_of_other_organisation"])
def test_outsider_gets_none_of_the_regions_case_files(request, client_for, world, outsider):
    client = client_for(request.getfixturevalue(outsider))
    expected = ["Lyonnais"] if outsider == "officer_of_other_region" else []
    assert names(csv_of(export(client, "dossiers"))) == expected
    assert [row["nom"] for row in xlsx_of(export(client, "dossiers", "xlsx"))[1]] == expected


def test_evaluator_exports_only_the_files_of_their_organisation(client_for, evaluator, world):
    assert names(csv_of(export(client_for(evaluator), "dossiers"))) == ["Bernard", "Moreau", "Petit"]


def test_trainer_who_cannot_see_the_case_files_list_gets_404(client_for, trainer, world):
    assert export(client_for(trainer), "dossiers").status_code == 404
    assert export(client_for(trainer), "resultats-evaluations").status_code == 404


# Assessment results


def test_assessment_results_give_one_row_per_assessment_with_its_subdomain_results(
    client_for, officer, world
):
    response = export(client_for(officer), "resultats-evaluations")

    rows = csv_of(response)
    header = csv_header(response)
    assert header[:13] == [
        "dossier", "reference_organisme", "nom", "prenom", "code_certification", "version_referentiel",
        "etablissement_evaluateur", "siret_etablissement", "region", "evaluation", "evalue_le",
        "sous_domaines_evalues", "sous_domaines_acquis",
    ]  # fmt: skip
    assert header[13:16] == ["sous_domaine_d1_1", "sous_domaine_d1_2", "sous_domaine_d1_3"]
    assert header[-1] == "sous_domaine_d7_4" and len(header) == 13 + 28
    positioning, final = rows
    assert (positioning["nom"], positioning["evaluation"]) == ("Bernard", "Évaluation préalable")
    assert positioning["sous_domaine_d1_1"] == "acquis"
    assert positioning["sous_domaine_d1_2"] == "non acquis"
    assert positioning["sous_domaine_d2_1"] == ""  # not assessed
    assert (positioning["sous_domaines_evalues"], positioning["sous_domaines_acquis"]) == ("2", "1")
    assert positioning["reference_organisme"] == "'" + INJECTION
    assert (final["evaluation"], final["sous_domaine_d1_2"], final["sous_domaine_d1_1"]) == (
        "Évaluation finale",
        "acquis",
        "",
    )


def test_assessment_results_xlsx_keeps_counts_and_dates_typed(client_for, officer, world):
    header, rows, cells = xlsx_of(export(client_for(officer), "resultats-evaluations", "xlsx"))
    assert [row["evaluation"] for row in rows] == ["Évaluation préalable", "Évaluation finale"]
    assert rows[0]["sous_domaines_acquis"] == 1 and rows[0]["sous_domaines_evalues"] == 2
    assert rows[0]["evalue_le"] == dt.datetime.combine(TODAY, dt.time())
    assert cells[0][header.index("evalue_le")].is_date


def test_assessment_results_are_read_with_their_assessments_in_a_constant_number_of_queries(
    client_for, officer, evaluator, world, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice.exports import services

    assess(world["files"]["moreau"], evaluator, {"D7.4": False})
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)  # three assessments: a full batch, then one row
    client = client_for(officer)

    with CaptureQueriesContext(connection) as three:
        rows = csv_of(export(client, "resultats-evaluations"))
    assert [(row["nom"], row["sous_domaine_d1_2"], row["sous_domaine_d7_4"]) for row in rows] == [
        ("Bernard", "non acquis", ""),
        ("Bernard", "acquis", ""),
        ("Moreau", "", "non acquis"),
    ]
    for _ in range(3):  # three more batches
        assess(world["files"]["moreau"], evaluator, {"D7.4": True, "D7.3": True})
    with CaptureQueriesContext(connection) as six:
        rows = csv_of(export(client, "resultats-evaluations"))

    assert len(rows) == 6 and len(six.captured_queries) == len(three.captured_queries)


def test_assessment_results_follow_the_case_files_list_filters_and_scope(
    client_for, officer, officer_of_other_region, world
):
    assert csv_of(export(client_for(officer), "resultats-evaluations", query="state=certified")) == []
    outsider_rows = csv_of(export(client_for(officer_of_other_region), "resultats-evaluations"))
    assert names(outsider_rows) == ["Lyonnais"]


# Certificates


def test_officer_exports_the_regions_certificates_as_csv(client_for, officer, world):
    response = export(client_for(officer), "certificats")

    rows = csv_of(response)
    assert csv_header(response) == CERTIFICATE_COLUMNS
    assert [row["numero_certificat"] for row in rows] == ["CLEA-2026-IDF-00002", "CLEA-2026-IDF-00001"]
    revoked, issued = rows
    assert (issued["nom"], issued["statut"], issued["region"]) == ("Moreau", "Délivré", "Île-de-France")
    assert issued["date_obtention"] == (TODAY - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert issued["date_session_jury"] == TODAY.strftime("%d/%m/%Y")
    assert issued["transmis_le"] == "" and revoked["transmis_le"] != ""
    assert revoked["statut"] == "Retiré"


def test_certificates_export_applies_the_list_filters(client_for, officer, world):
    client = client_for(officer)
    issued = csv_of(export(client, "certificats", query="statut=issued"))
    not_transmitted = csv_of(export(client, "certificats", query="non_transmis=1"))
    assert [row["numero_certificat"] for row in issued] == ["CLEA-2026-IDF-00001"]
    assert [row["numero_certificat"] for row in not_transmitted] == ["CLEA-2026-IDF-00001"]


def test_certificates_xlsx_keeps_dates_typed(client_for, officer, world):
    header, rows, cells = xlsx_of(export(client_for(officer), "certificats", "xlsx"))
    assert header == CERTIFICATE_COLUMNS
    assert rows[1]["date_obtention"] == dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time())
    assert cells[1][header.index("date_obtention")].is_date
    assert rows[1]["duplicatas"] == 0


@pytest.mark.parametrize(
    ("outsider", "expected"),
    [("officer_of_other_region", ["CLEA-2026-ARA-00001"]), ("evaluator_of_other_organisation", [])],
)
def test_outsider_gets_none_of_the_regions_certificates(request, client_for, world, outsider, expected):
    rows = csv_of(export(client_for(request.getfixturevalue(outsider)), "certificats"))
    assert [row["numero_certificat"] for row in rows] == expected


# Jury decisions


def test_jury_member_exports_the_decisions_of_the_regions_sessions(client_for, jury_member, world):
    response = export(client_for(jury_member), "decisions-jury")

    rows = csv_of(response)
    assert csv_header(response) == DECISION_COLUMNS
    assert names(rows) == ["Moreau", "Petit"]  # Bernard is on the agenda, undecided: no decision to export
    moreau, petit = rows
    assert (moreau["decision"], moreau["numero_certificat"]) == (
        "Attribuer le certificat",
        "CLEA-2026-IDF-00001",
    )
    assert (moreau["lieu"], moreau["region"]) == ("Paris, Transitions Pro", "Île-de-France")
    assert moreau["decide_le"] == f"{TODAY:%d/%m/%Y} 15:30"
    assert petit["motif"] == "'@SUM(1+1)"


def test_decisions_export_of_one_session_from_its_page(client_for, officer, officer_of_other_region, world):
    idf_session, ara_session = world["sessions"]["idf"], world["sessions"]["ara"]
    client = client_for(officer)
    assert names(csv_of(export(client, "decisions-jury", query=f"session={idf_session.pk}"))) == [
        "Moreau",
        "Petit",
    ]
    assert csv_of(export(client, "decisions-jury", query=f"session={ara_session.pk}")) == []
    assert csv_of(export(client, "decisions-jury", query="session=abc")) == []
    outsider = client_for(officer_of_other_region)
    assert csv_of(export(outsider, "decisions-jury", query=f"session={idf_session.pk}")) == []
    assert names(csv_of(export(outsider, "decisions-jury"))) == ["Lyonnais"]


def test_decisions_xlsx_keeps_dates_typed(client_for, jury_member, world):
    header, rows, cells = xlsx_of(export(client_for(jury_member), "decisions-jury", "xlsx"))
    assert header == DECISION_COLUMNS
    assert rows[0]["decide_le"] == dt.datetime.combine(TODAY, dt.time(15, 30))
    assert cells[0][header.index("date_session")].is_date
    assert rows[1]["motif"] == "'@SUM(1+1)"


def test_evaluator_who_cannot_see_the_juries_gets_404_for_their_decisions(client_for, evaluator, world):
    assert export(client_for(evaluator), "decisions-jury").status_code == 404


# Accreditations


@pytest.fixture
def suspended(idf_site):
    return AccreditationFactory(
        site=idf_site,
        certification=Certification.objects.get(code="CLEA_NUM"),
        status=AccreditationStatus.SUSPENDED,
        status_reason="-Contrôle défavorable",
    )


def test_evaluator_exports_the_accreditations_of_their_organisation(
    client_for, evaluator, idf_site, ara_site, suspended
):
    response = export(client_for(evaluator), "habilitations")

    rows = csv_of(response)
    assert csv_header(response) == ACCREDITATION_COLUMNS
    assert {row["code_certification"] for row in rows} == {"CLEA", "CLEA_NUM"}
    assert {row["siret"] for row in rows} == {idf_site.siret}
    numerique = next(row for row in rows if row["code_certification"] == "CLEA_NUM")
    assert (numerique["statut"], numerique["motif_statut"]) == ("Suspendue", "'-Contrôle défavorable")
    assert (
        numerique["role"] == "Évaluateur" and numerique["raison_sociale"] == idf_site.organisation.legal_name
    )


def test_accreditations_export_applies_the_list_filters_and_search(
    client_for, supervisor, idf_site, ara_site, suspended
):
    client = client_for(supervisor)
    assert [
        row["motif_statut"] for row in csv_of(export(client, "habilitations", query="status=suspended"))
    ] == ["'-Contrôle défavorable"]
    assert {
        row["siret"] for row in csv_of(export(client, "habilitations", query=f"_search={ara_site.siret}"))
    } == {ara_site.siret}
    assert len(csv_of(export(client, "habilitations"))) == 3


def test_accreditations_xlsx_keeps_dates_typed(client_for, officer, idf_site, suspended):
    header, rows, cells = xlsx_of(export(client_for(officer), "habilitations", "xlsx"))
    assert header == ACCREDITATION_COLUMNS
    assert {row["siret"] for row in rows} == {idf_site.siret}
    assert all(row[header.index("valide_du")].is_date for row in cells)


@pytest.mark.parametrize("outsider", ["officer_of_other_region", "evaluator_of_other_organisation"])
def test_outsider_gets_none_of_the_regions_accreditations(request, client_for, idf_site, suspended, outsider):
    rows = csv_of(export(client_for(request.getfixturevalue(outsider)), "habilitations"))
    assert idf_site.siret not in {row["siret"] for row in rows}


# The buttons on the lists


def test_each_list_shows_its_export_buttons_with_its_current_filters(client_for, officer, world):
    client = client_for(officer)
    idf_session = world["sessions"]["idf"]
    pages = {
        "/candidats/dossiers/?state=certified&page=1": [
            "/exports/dossiers.csv?state=certified",
            "/exports/dossiers.xlsx?state=certified",
            "/exports/resultats-evaluations.csv?state=certified",
            "/exports/resultats-evaluations.xlsx?state=certified",
        ],
        "/certificats/?statut=issued": [
            "/exports/certificats.csv?statut=issued",
            "/exports/certificats.xlsx?statut=issued",
        ],
        "/jurys/": ["/exports/decisions-jury.csv", "/exports/decisions-jury.xlsx"],
        f"/jurys/{idf_session.pk}/": [f"/exports/decisions-jury.csv?session={idf_session.pk}"],
        "/annuaire/habilitations/?status=active&_search=Paris": [
            "/exports/habilitations.xlsx?status=active&amp;_search=Paris"
        ],
    }
    for url, actions in pages.items():
        page = client.get(url).content.decode()
        assert "Exporter CSV" in page and "Exporter XLSX" in page, url
        for action in actions:
            assert f'action="{action}"' in page, (url, action)


# Bad requests


def test_unknown_list_or_format_gets_404(client_for, officer):
    client = client_for(officer)
    assert client.post("/exports/inconnue.csv").status_code == 404
    assert client.post("/exports/dossiers.pdf").status_code == 404


def test_an_export_is_asked_for_by_post_only(client_for, officer):
    assert client_for(officer).get("/exports/dossiers.csv").status_code == 405


def test_filters_too_long_come_back_as_a_french_message(client_for, officer, world):
    response = client_for(officer).post("/exports/dossiers.csv?_search=" + "x" * 3000, follow=True)
    assert response.redirect_chain[-1][0] == "/exports/"
    assert "Les filtres de la liste sont trop longs pour un export" in response.content.decode()


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    response = client.post("/exports/dossiers.csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

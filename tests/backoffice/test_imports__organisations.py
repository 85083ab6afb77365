"""The organisations file (initial migration): one row per site; organisations by SIREN, sites by SIRET,
written through the accreditation services and audited; officers import only in their regions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accreditation.models import Organisation, Site
from accreditation.validators import luhn_check_digit
from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services
from backoffice.imports.models import ImportStatus
from fixtures.demo import make_siret
from tests.backoffice.imports_helpers import checked, csv_bytes, imported, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "siren",
    "raison_sociale",
    "nda",
    "siret",
    "nom_etablissement",
    "adresse",
    "code_postal",
    "commune",
    "departement",
]
SIREN, OTHER_SIREN = "732829320", "552100554"


def site_row(siren: str = SIREN, index: int = 1, **changes: str) -> dict[str, str]:
    row = {
        "siren": siren,
        "raison_sociale": "Formations du Centre",
        "nda": "11755555555",
        "siret": make_siret(siren, index),
        "nom_etablissement": f"Formations du Centre – site {index}",
        "adresse": "12 rue de la République",
        "code_postal": "93200",
        "commune": "Saint-Denis",
        "departement": "93",
    }
    row.update(changes)
    return row


def _csv(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(rows, header=HEADER)


def _checked(rows: list[dict[str, str]], actor) -> object:  # type: ignore[no-untyped-def]
    return checked(_csv(rows), actor=actor, contract="organisations", name="organismes.csv")


def _imported(rows: list[dict[str, str]], actor, **kwargs) -> object:  # type: ignore[no-untyped-def]
    return imported(_csv(rows), actor=actor, contract="organisations", name="organismes.csv", **kwargs)


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return [
        site_row(index=1),
        site_row(
            index=2,
            nom_etablissement="Formations du Centre – Paris",
            code_postal="75011",
            commune="Paris",
            departement="75",
        ),
        site_row(
            OTHER_SIREN,
            raison_sociale="Compétences Rhône",
            nda="",
            code_postal="69003",
            commune="Lyon",
            departement="69",
        ),
    ]


def test_a_valid_file_registers_each_organisation_and_its_sites(supervisor, rows):
    job = _imported(rows, supervisor)

    assert job.status == ImportStatus.APPLIED, job.outcome
    assert (job.rows, job.new_rows, job.invalid_rows) == (3, 3, 0)
    centre = Organisation.objects.get(siren=SIREN)
    assert (centre.legal_name, centre.nda) == ("Formations du Centre", "11755555555")
    sites = {s.siret: s for s in Site.objects.select_related("region", "department")}
    assert [s.region.code for s in sites.values() if s.organisation_id == centre.pk] == ["IDF", "IDF"]
    lyon = sites[make_siret(OTHER_SIREN, 1)]
    assert (lyon.region.code, lyon.department.code, lyon.postcode) == ("ARA", "69", "69003")
    assert [d.code for d in lyon.departments_covered.all()] == ["69"]
    assert AuditEvent.objects.filter(verb="organisation.registered", actor=supervisor).count() == 2
    assert AuditEvent.objects.filter(verb="site.added", actor=supervisor).count() == 3


def test_the_dry_run_writes_nothing(supervisor, rows):
    job = _checked(rows, supervisor)

    assert job.status == ImportStatus.VALIDATED and (job.new_rows, job.invalid_rows) == (3, 0)
    assert not Organisation.objects.filter(siren__in=[SIREN, OTHER_SIREN]).exists()


def test_an_xlsx_workbook_with_number_cells_is_read(supervisor):
    siren = "41234567" + luhn_check_digit("41234567")
    siret = make_siret(siren, 7)
    values = [
        int(siren),
        "Ain Formation",
        None,
        int(siret),
        "Bourg",
        "1 place Carriat",
        1000,
        "Bourg-en-Bresse",
        1,
    ]

    job = imported(
        xlsx_bytes([HEADER, values]), actor=supervisor, contract="organisations", name="organismes.xlsx"
    )

    assert job.status == ImportStatus.APPLIED and job.new_rows == 1, job.outcome
    site = Site.objects.get(siret=siret)
    assert (site.postcode, site.department.code, site.region.code) == ("01000", "01", "ARA")


def test_reimporting_the_same_file_changes_nothing_and_says_so(supervisor, rows):
    _imported(rows, supervisor)
    events = AuditEvent.objects.count()

    again = _checked(rows, supervisor)

    assert (again.unchanged_rows, again.new_rows, again.updated_rows) == (3, 0, 0)
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(again, skip_invalid=False, actor=supervisor)
    assert AuditEvent.objects.count() == events + 1  # the upload only


def test_changed_rows_update_the_organisation_and_site_and_the_trail_says_what_changed(supervisor, rows):
    _imported(rows, supervisor)
    for row in rows[:2]:
        row["raison_sociale"] = "Formations du Centre SAS"
    rows[1].update(code_postal="92100", commune="Boulogne-Billancourt", departement="92")

    job = _imported(rows, supervisor)

    assert (job.updated_rows, job.unchanged_rows, job.new_rows) == (2, 1, 0)
    assert Organisation.objects.get(siren=SIREN).legal_name == "Formations du Centre SAS"
    moved = Site.objects.get(siret=rows[1]["siret"])
    assert (moved.department.code, moved.region.code, moved.city) == ("92", "IDF", "Boulogne-Billancourt")
    assert [d.code for d in moved.departments_covered.all()] == ["92"]
    renamed = AuditEvent.objects.get(verb="organisation.updated")
    assert renamed.data["legal_name"] == {
        "avant": "Formations du Centre",
        "après": "Formations du Centre SAS",
    }
    site_update = AuditEvent.objects.get(verb="site.updated")
    assert site_update.subject_id == str(moved.pk) and site_update.data["postcode"]["après"] == "92100"


def test_bad_rows_are_listed_with_line_column_and_french_message(supervisor):
    siret = make_siret(SIREN, 2)
    wrong_key = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    rows = [
        site_row(index=1),
        site_row(index=2, siret=wrong_key),
        site_row(index=3, siret=make_siret(OTHER_SIREN, 3)),
        site_row(index=4, departement="99"),
        site_row(index=1, nom_etablissement="Doublon"),
        site_row(index=5, raison_sociale="Autre nom"),
        site_row(index=6, siren="123456789"),
        site_row(index=7, code_postal="75011"),
        site_row(index=8, nda="123"),
    ]

    job = _checked(rows, supervisor)

    errors = {(e.line, e.column): e.message for e in job.row_errors.all()}
    assert (job.new_rows, job.invalid_rows) == (1, 8), errors
    assert "clé de contrôle incorrecte" in errors[(3, "siret")]
    assert f"ne commence pas par le SIREN {SIREN}" in errors[(4, "siret")]
    assert "département « 99 » inconnu" in errors[(5, "departement")]
    assert "déjà présent ligne 2" in errors[(6, "siret")]
    assert "« Formations du Centre » ligne 2" in errors[(7, "raison_sociale")]
    assert "SIREN 123456789 est invalide" in errors[(8, "siren")]
    assert "n'est pas dans le département 93" in errors[(9, "code_postal")]
    assert "11 chiffres" in errors[(10, "nda")]


def test_an_officer_imports_sites_of_their_region_only(officer, rows):
    job = _imported(rows, officer, skip_invalid=True)

    assert (job.new_rows, job.invalid_rows) == (2, 1)
    error = job.row_errors.get()
    assert (error.line, error.column) == (4, "departement") and "pas dans votre périmètre" in error.message
    assert Site.objects.filter(region__code="IDF", organisation__siren=SIREN).count() == 2
    assert not Organisation.objects.filter(siren=OTHER_SIREN).exists()


def test_an_officer_of_another_region_gets_row_errors_and_nothing_is_written(officer_of_other_region):
    job = _checked([site_row(index=1)], officer_of_other_region)

    assert (job.new_rows, job.invalid_rows) == (0, 1)
    assert "pas dans votre périmètre" in job.row_errors.get(column="departement").message
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(job, skip_invalid=True, actor=officer_of_other_region)
    assert not Organisation.objects.filter(siren=SIREN).exists()


def test_an_officer_cannot_move_a_site_of_another_region_into_theirs(officer, ara_site):
    organisation = ara_site.organisation
    row = site_row(
        organisation.siren, siret=ara_site.siret, raison_sociale=organisation.legal_name, nda=organisation.nda
    )

    job = _checked([row], officer)

    assert job.invalid_rows == 1
    assert "hors de votre périmètre" in job.row_errors.get(column="siret").message
    ara_site.refresh_from_db()
    assert ara_site.department.code == "69"


@pytest.mark.parametrize("contract", ["organisations", "jury_members"])
def test_an_evaluator_may_not_import_staff_files(evaluator, contract):
    with pytest.raises(PermissionDenied):
        services.create_import(contract=contract, upload=upload(_csv([site_row()])), actor=evaluator)


def test_the_template_carries_the_columns(client_for, officer):
    response = client_for(officer).get("/imports/modele/organisations.csv")

    lines = response.content.decode("utf-8-sig").splitlines()
    assert response.status_code == 200 and lines[0].split(";") == HEADER
    assert lines[1].startswith("732829320;")


def test_the_template_example_row_imports(supervisor):
    from backoffice.imports.contracts import contract_for

    contract = contract_for("organisations")
    content = csv_bytes([dict(zip(HEADER, contract.template_rows()[0], strict=True))], header=HEADER)

    job = checked(content, actor=supervisor, contract="organisations", name="modele.csv")

    assert (job.new_rows, job.invalid_rows) == (1, 0), list(job.row_errors.values_list("message", flat=True))

"""Imports judge each row by the evaluation site's accreditation as it stood on the row's own date: a past
year's files are imported at a site whose accreditation has expired and been renewed since, and a row dated
when the site was not accredited is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accreditation.models import AccreditationRole, Certification, Department
from accreditation.services import expire_accreditations, grant_accreditation, suspend_accreditation
from backoffice.core.audit.models import AuditEvent
from backoffice.imports.models import ImportStatus
from casefiles.models import Assessment, CaseFile
from tests.backoffice.imports_helpers import candidate_row, checked, csv_bytes, imported
from tests.backoffice.test_imports__results import results_csv, results_row
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def site(evaluator):  # type: ignore[no-untyped-def]
    """A site of the evaluator's organisation, with no accreditation yet."""
    return SiteFactory(
        organisation=evaluator.scope.organisation,
        department=Department.objects.get(code="93"),
        name="Antenne Nord",
    )


def grant(site, supervisor, start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    return grant_accreditation(
        site,
        certification=Certification.objects.get(code="CLEA"),
        role=AccreditationRole.EVALUATOR,
        valid_from=start,
        valid_to=end,
        actor=supervisor,
    )


def test_a_past_years_files_are_imported_at_a_site_whose_accreditation_expired_and_was_renewed(
    evaluator, supervisor, site
):
    grant(site, supervisor, dt.date(2020, 1, 1), dt.date(2022, 12, 31))
    grant(site, supervisor, dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    grant(site, supervisor, dt.date(2026, 1, 1), dt.date(2028, 12, 31))
    expire_accreditations(today=max(TODAY, dt.date(2026, 1, 1)))  # the 2020–2022 period at least has expired
    assert site.accreditations.get(valid_from=dt.date(2020, 1, 1)).status == "expired"
    rows = [
        candidate_row(site.siret, "DOS-2021-1", date_accueil="15/03/2021"),
        candidate_row(site.siret, "DOS-2024-1", nom="Hélène", prenom="Zoé", date_accueil="10/06/2024"),
    ]

    job = imported(csv_bytes(rows), actor=evaluator)

    assert job.status == ImportStatus.APPLIED and (job.new_rows, job.invalid_rows) == (2, 0)
    opened = dict(CaseFile.objects.values_list("reference", "opened_on"))
    assert opened == {"DOS-2021-1": dt.date(2021, 3, 15), "DOS-2024-1": dt.date(2024, 6, 10)}
    assert AuditEvent.objects.filter(verb="casefile.opened", data={"import": job.pk}).count() == 2


def test_it_refuses_a_row_dated_when_the_site_was_not_accredited(evaluator, supervisor, site):
    grant(site, supervisor, dt.date(2020, 1, 1), dt.date(2022, 6, 30))
    grant(site, supervisor, dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    rows = [
        candidate_row(site.siret, "DOS-A", date_accueil="15/09/2022"),
        candidate_row(site.siret, "DOS-B", nom="Hélène", prenom="Zoé", date_accueil="15/05/2022"),
    ]

    job = checked(csv_bytes(rows), actor=evaluator)

    assert (job.new_rows, job.invalid_rows) == (1, 1)
    error = job.row_errors.get()
    assert (error.line, error.column) == (2, "siret_evaluateur")
    assert (
        error.message
        == "Antenne Nord n'est pas habilité comme évaluateur pour Certification CléA le 15/09/2022."
    )
    assert not CaseFile.objects.exists()


def test_a_suspension_refuses_the_rows_dated_from_its_first_day_only(evaluator, supervisor, site):
    accreditation = grant(site, supervisor, TODAY - 400 * DAY, TODAY + 400 * DAY)
    suspend_accreditation(accreditation, reason="Contrôle qualité", actor=supervisor)
    rows = [
        candidate_row(site.siret, "DOS-AVANT", date_accueil=f"{TODAY - DAY:%d/%m/%Y}"),
        candidate_row(
            site.siret, "DOS-PENDANT", nom="Hélène", prenom="Zoé", date_accueil=f"{TODAY:%d/%m/%Y}"
        ),
    ]

    job = imported(csv_bytes(rows), actor=evaluator, skip_invalid=True)

    assert list(CaseFile.objects.values_list("reference", flat=True)) == ["DOS-AVANT"]
    assert "n'est pas habilité comme évaluateur" in job.row_errors.get(line=3).message


def test_the_results_import_refuses_a_positioning_dated_in_a_suspension(
    evaluator, assessor, supervisor, site
):
    accreditation = grant(site, supervisor, TODAY - 400 * DAY, TODAY + 400 * DAY)
    imported(
        csv_bytes([candidate_row(site.siret, "DOS-1", date_accueil=f"{TODAY - 9 * DAY:%d/%m/%Y}")]),
        actor=evaluator,
    )
    suspend_accreditation(accreditation, reason="Contrôle qualité", actor=supervisor)
    during = results_csv([results_row(site.siret, "DOS-1", assessor.email)])  # dated today

    job = checked(during, actor=evaluator, contract="results", name="resultats.csv")

    assert job.invalid_rows == 1
    assert job.row_errors.get().message == (
        f"Antenne Nord n'était pas habilité comme évaluateur pour ce dossier le {TODAY:%d/%m/%Y}."
    )
    before = results_csv(
        [results_row(site.siret, "DOS-1", assessor.email, date_evaluation=f"{TODAY - 2 * DAY:%d/%m/%Y}")]
    )
    applied = imported(before, actor=evaluator, contract="results", name="resultats.csv")
    assert applied.status == ImportStatus.APPLIED and applied.new_rows == 1
    assert Assessment.objects.get().assessed_on == TODAY - 2 * DAY

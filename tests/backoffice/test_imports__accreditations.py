"""The accreditations file of the takeover (`habilitations`): one row per status change; each accreditation is
granted and its history replayed through the accreditation services, back-dated to the old system's days,
carrying the migration batch; re-importing changes nothing; a bad row leaves its whole accreditation out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatusChange,
    Certification,
    Department,
)
from accreditation.models.organisations import status_on
from accreditation.rules import default_valid_to
from accreditation.services import (
    expire_accreditations,
    grant_accreditation,
    reinstate_accreditation,
    suspend_accreditation,
    withdraw_accreditation,
)
from backoffice.core.audit.events import historical_moment
from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import LegacyBatch
from backoffice.imports import services
from backoffice.imports.contracts import contract_for
from backoffice.imports.contracts.base import rows_of
from backoffice.imports.models import ImportJob, ImportStatus
from backoffice.imports.reading import open_table
from tests.backoffice.imports_helpers import csv_bytes, imported, upload
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

HEADER = ["siret", "certification", "role", "date_debut", "date_fin", "statut", "date_statut", "motif"]
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
D = dt.date


def row(siret: str, start: str = "01/09/2019", **cells: str) -> dict[str, str]:
    values = {"siret": siret, "certification": "CLEA", "role": "evaluateur", "date_debut": start}
    values.update(cells)
    return values


def _job(rows: list[dict[str, str]], actor: Any, batch: LegacyBatch) -> ImportJob:
    """Upload in the migration batch and run the dry run, as the worker does."""
    content = csv_bytes(rows, header=HEADER)
    job = services.create_import(
        contract="habilitations", upload=upload(content, "habilitations.csv"), actor=actor
    )
    ImportJob.objects.filter(pk=job.pk).update(legacy_batch=batch)
    services.check_import(job.pk)
    job.refresh_from_db()
    return job


def _apply(job: ImportJob, actor: Any, *, skip_invalid: bool = False) -> ImportJob:
    services.confirm_import(job, skip_invalid=skip_invalid, actor=actor)
    services.apply_import(job.pk)
    job.refresh_from_db()
    return job


def _errors(job: ImportJob) -> dict[tuple[int, str], str]:
    return {(e.line, e.column): e.message for e in job.row_errors.all()}


def _history(accreditation: Accreditation) -> list[tuple[str, dt.date, str]]:
    return list(
        accreditation.status_changes.order_by("effective_on", "recorded_at", "pk").values_list(
            "status", "effective_on", "reason"
        )
    )


def _status_on(accreditation: Accreditation, day: dt.date) -> str:
    return Accreditation.objects.annotate(day_status=status_on(day)).get(pk=accreditation.pk).day_status


def _in_force(accreditation: Accreditation, day: dt.date) -> bool:
    return Accreditation.objects.in_force(on=day).filter(pk=accreditation.pk).exists()


@pytest.fixture
def batch(supervisor) -> LegacyBatch:  # type: ignore[no-untyped-def]
    return LegacyBatch.objects.create(label="Reprise des habilitations", created_by=supervisor)


@pytest.fixture
def site(db):  # type: ignore[no-untyped-def]
    return SiteFactory(department=Department.objects.get(code="93"))


@pytest.fixture
def other_site(db):  # type: ignore[no-untyped-def]
    return SiteFactory(department=Department.objects.get(code="69"))


@pytest.fixture
def history_rows(site, other_site) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Three accreditations, rows out of order: suspended then reinstated (expired since), withdrawn,
    still running."""
    return [
        row(
            site.siret,
            date_fin="31/08/2022",
            statut="Rétablie",
            date_statut="10/05/2021",
            motif="Dossiers complétés",
        ),
        row(other_site.siret, "01/06/2023", certification="clea_num", role="Formatrice"),
        row(site.siret, date_fin="31/08/2022"),
        row(
            other_site.siret,
            "01/06/2023",
            certification="CLEA_NUM",
            role="formateur",
            statut="retirée",
            date_statut="01/02/2024",
            motif="Cessation d'activité",
        ),
        row(
            site.siret,
            date_fin="31/08/2022",
            statut="SUSPENDUE",
            date_statut="15/03/2021",
            motif="Contrôle qualité",
        ),
        row(site.siret, (TODAY - 100 * DAY).strftime("%d/%m/%Y"), role="Évaluateur"),
    ]


@pytest.fixture
def taken_over(history_rows, supervisor, batch):  # type: ignore[no-untyped-def]
    job = _apply(_job(history_rows, supervisor, batch), supervisor)
    assert job.status == ImportStatus.APPLIED, (job.outcome, _errors(job))
    return job


def _grant(site: Any, start: dt.date, end: dt.date, actor: Any) -> Accreditation:
    """An accreditation recorded here, by the service a campaign's decision uses."""
    clea = Certification.objects.get(code="CLEA")
    return grant_accreditation(
        site, certification=clea, role="evaluator", valid_from=start, valid_to=end, actor=actor
    )


def _clea(site: Any, start: dt.date) -> Accreditation:
    return Accreditation.objects.get(site=site, certification__code="CLEA", valid_from=start)


# A good file


def test_a_history_is_replayed_through_the_services_at_its_own_dates(taken_over, site):
    accreditation = _clea(site, D(2019, 9, 1))

    assert (taken_over.rows, taken_over.new_rows, taken_over.invalid_rows) == (6, 6, 0)
    assert accreditation.valid_to == D(2022, 8, 31)
    assert _history(accreditation) == [
        ("active", D(2019, 9, 1), ""),
        ("suspended", D(2021, 3, 15), "Contrôle qualité"),
        ("active", D(2021, 5, 10), "Dossiers complétés"),
        ("expired", D(2022, 9, 1), "Fin de la période de validité"),
    ]
    # Expired the day after its end, as the daily run would have done: the last change dates the status.
    assert (accreditation.status, accreditation.status_changed_on) == ("expired", D(2022, 9, 1))


def test_a_withdrawal_ends_the_history_and_a_running_accreditation_stays_active(taken_over, site, other_site):
    withdrawn = Accreditation.objects.get(site=other_site)
    running = _clea(site, TODAY - 100 * DAY)

    assert (withdrawn.certification.code, withdrawn.role) == ("CLEA_NUM", AccreditationRole.TRAINER)
    assert withdrawn.valid_to == D(2026, 5, 31)  # the default rule of grant_accreditation: 3 years
    assert _history(withdrawn) == [
        ("active", D(2023, 6, 1), ""),
        ("withdrawn", D(2024, 2, 1), "Cessation d'activité"),
    ]
    assert (withdrawn.status, withdrawn.status_changed_on) == ("withdrawn", D(2024, 2, 1))
    assert _history(running) == [("active", TODAY - 100 * DAY, "")]
    assert (running.status, running.status_changed_on) == ("active", TODAY - 100 * DAY)


@pytest.mark.parametrize(
    ("day", "status", "in_force"),
    [
        (D(2019, 8, 31), "active", False),  # before its period
        (D(2019, 9, 1), "active", True),
        (D(2021, 3, 14), "active", True),
        (D(2021, 3, 15), "suspended", False),  # from the first day of the suspension
        (D(2021, 5, 9), "suspended", False),
        (D(2021, 5, 10), "active", True),  # reinstated
        (D(2022, 8, 31), "active", True),  # the last day of its validity
        (D(2022, 9, 1), "expired", False),
        (TODAY, "expired", False),
    ],
)
def test_the_status_on_any_past_day_is_the_one_the_old_system_had(taken_over, site, day, status, in_force):
    accreditation = _clea(site, D(2019, 9, 1))

    assert _status_on(accreditation, day) == status
    assert _in_force(accreditation, day) is in_force


@pytest.mark.parametrize(
    ("day", "status", "in_force"),
    [
        (D(2024, 1, 31), "active", True),
        (D(2024, 2, 1), "withdrawn", False),
        (TODAY, "withdrawn", False),
    ],
)
def test_the_status_of_a_withdrawn_accreditation_on_past_days(taken_over, other_site, day, status, in_force):
    accreditation = Accreditation.objects.get(site=other_site)

    assert _status_on(accreditation, day) == status
    assert _in_force(accreditation, day) is in_force


def test_the_audit_events_are_dated_on_their_historical_day_and_marked_with_the_batch(
    taken_over, site, supervisor, batch
):
    accreditation = _clea(site, D(2019, 9, 1))
    events = list(
        AuditEvent.objects.filter(
            subject_id=str(accreditation.pk), verb__startswith="accreditation."
        ).order_by("occurred_at", "id")
    )

    assert [(e.verb, e.occurred_at, e.actor) for e in events] == [
        ("accreditation.granted", historical_moment(D(2019, 9, 1)), supervisor),
        ("accreditation.suspended", historical_moment(D(2021, 3, 15)), supervisor),
        ("accreditation.reinstated", historical_moment(D(2021, 5, 10)), supervisor),
        ("accreditation.expired", historical_moment(D(2022, 9, 1)), None),  # the system's act, as every day
    ]
    assert {e.data["reprise"] for e in events} == {batch.pk}
    assert events[1].data["on"] == "2021-03-15"
    changes = accreditation.status_changes.order_by("effective_on")
    assert [c.recorded_at for c in changes] == [e.occurred_at for e in events]


def test_every_accreditation_created_carries_the_batch(taken_over, site, other_site, batch):
    created = Accreditation.objects.filter(site__in=[site, other_site])

    assert created.count() == 3
    assert set(created.values_list("legacy_batch", flat=True)) == {batch.pk}


def test_an_expiry_in_the_file_is_recorded_on_its_day_or_on_the_day_after_the_end(site, supervisor, batch):
    rows = [
        row(site.siret, "01/01/2016", date_fin="31/12/2018", statut="Expirée", date_statut="03/01/2019"),
        row(site.siret, "01/01/2019", date_fin="31/12/2021", statut="expiree"),
    ]

    job = _apply(_job(rows, supervisor, batch), supervisor)

    assert job.new_rows == 2, _errors(job)
    assert _history(_clea(site, D(2016, 1, 1)))[-1] == (
        "expired",
        D(2019, 1, 3),
        "Fin de la période de validité",
    )
    assert _history(_clea(site, D(2019, 1, 1)))[-1] == (
        "expired",
        D(2022, 1, 1),
        "Fin de la période de validité",
    )


def test_a_row_active_on_the_start_is_the_grant(site, supervisor, batch):
    rows = [
        row(site.siret, date_fin="31/08/2022", statut="Actif", date_statut="01/09/2019"),
        row(
            site.siret, date_fin="31/08/2022", statut="Suspension", date_statut="01/09/2019", motif="Contrôle"
        ),
    ]

    job = _apply(_job(rows, supervisor, batch), supervisor)

    assert job.new_rows == 2, _errors(job)
    assert _history(_clea(site, D(2019, 9, 1))) == [
        ("active", D(2019, 9, 1), ""),
        ("suspended", D(2019, 9, 1), "Contrôle"),
        ("expired", D(2022, 9, 1), "Fin de la période de validité"),
    ]
    assert _status_on(_clea(site, D(2019, 9, 1)), D(2019, 9, 1)) == "suspended"


def test_an_accreditation_whose_rows_straddle_batches_is_judged_and_written_whole(
    site, other_site, supervisor, batch, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    rows = [
        row(site.siret, date_fin="31/08/2022"),
        row(other_site.siret, date_fin="31/08/2022"),
        row(
            other_site.siret,
            date_fin="31/08/2022",
            statut="suspendue",
            date_statut="01/02/2020",
            motif="Contrôle",
        ),
        row(
            site.siret, date_fin="31/08/2022", statut="suspendue", date_statut="01/02/2020", motif="Contrôle"
        ),
        row(site.siret, date_fin="31/08/2022", statut="retablie", date_statut="01/03/2020"),
        row(other_site.siret, date_fin="31/08/2022", statut="rétablie", date_statut="01/02/2020"),
        row(other_site.siret, date_fin="31/08/2022", statut="retablie", date_statut="01/03/2020"),
    ]

    job = _apply(_job(rows, supervisor, batch), supervisor, skip_invalid=True)

    assert (job.new_rows, job.invalid_rows) == (3, 4), _errors(job)
    assert [status for status, _, _ in _history(_clea(site, D(2019, 9, 1)))] == [
        "active",
        "suspended",
        "active",
        "expired",
    ]
    assert _history(_clea(site, D(2019, 9, 1)))[2][2].startswith("Suspension levée")
    # Suspended and reinstated the same day (in the file's order), then reinstated again: refused on line 8 —
    # and the whole accreditation with it, its first line (in the first batch) included.
    errors = _errors(job)
    assert errors[(8, "statut")] == (
        "après le statut « active » du 01/02/2020 (ligne 7), une habilitation « active » ne peut pas être "
        "rétablie."
    )
    assert errors[(3, "")] == "habilitation non reprise : voir l'erreur de la ligne 8."
    assert not Accreditation.objects.filter(site=other_site).exists()


# Safe to run twice


def test_reimporting_the_same_file_changes_nothing_and_says_so(taken_over, history_rows, supervisor, batch):
    changes, accreditations = AccreditationStatusChange.objects.count(), Accreditation.objects.count()

    again = _job(history_rows, supervisor, batch)

    assert (again.unchanged_rows, again.new_rows, again.invalid_rows) == (6, 0, 0), _errors(again)
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(again, skip_invalid=False, actor=supervisor)
    assert (AccreditationStatusChange.objects.count(), Accreditation.objects.count()) == (
        changes,
        accreditations,
    )


def test_an_accreditation_expired_later_by_the_daily_run_is_unchanged(site, supervisor, batch):
    # Recorded here (by a campaign), then expired by the daily run a few days late: the file agrees.
    accreditation = _grant(site, D(2020, 1, 1), D(2022, 12, 31), supervisor)
    expire_accreditations(today=D(2023, 1, 5))

    job = _job([row(site.siret, "01/01/2020", date_fin="31/12/2022")], supervisor, batch)

    assert (job.unchanged_rows, job.invalid_rows) == (1, 0), _errors(job)
    assert accreditation.status_changes.count() == 2


def test_an_accreditation_recorded_with_another_history_is_an_error_never_merged(
    taken_over, site, supervisor, batch
):
    running_start = TODAY - 100 * DAY
    rows = [
        row(site.siret, date_fin="31/08/2022"),
        row(
            site.siret,
            date_fin="31/08/2022",
            statut="suspendue",
            date_statut="15/03/2021",
            motif="Autre motif",
        ),
        row(
            site.siret,
            date_fin="31/08/2022",
            statut="retablie",
            date_statut="10/05/2021",
            motif="Dossiers complétés",
        ),
        row(site.siret, f"{running_start:%d/%m/%Y}", date_fin=f"{TODAY + 400 * DAY:%d/%m/%Y}"),
        row(site.siret, "01/01/2015", date_fin="31/12/2017"),
    ]
    changes = AccreditationStatusChange.objects.count()

    job = _job(rows, supervisor, batch)

    errors = _errors(job)
    assert (job.new_rows, job.invalid_rows) == (1, 4), errors
    assert errors[(2, "statut")] == (
        "cette habilitation est déjà enregistrée avec un autre historique (active le 01/09/2019, suspendue "
        "le "
        "15/03/2021 (« Contrôle qualité »), active le 10/05/2021 (« Dossiers complétés ») ; le fichier : "
        "active "
        "le 01/09/2019, suspendue le 15/03/2021 (« Autre motif »), active le 10/05/2021 (« Dossiers "
        "complétés »)) : "
        "la reprise ne modifie pas une habilitation déjà enregistrée."
    )
    assert errors[(3, "")] == errors[(4, "")] == "habilitation non reprise : voir l'erreur de la ligne 2."
    assert errors[(5, "date_fin")] == (
        "cette habilitation est déjà enregistrée, valide jusqu'au "
        f"{default_valid_to(running_start):%d/%m/%Y} "
        f"(le fichier dit le {TODAY + 400 * DAY:%d/%m/%Y}) : la reprise ne modifie pas une habilitation déjà "
        "enregistrée."
    )
    _apply(job, supervisor, skip_invalid=True)
    assert AccreditationStatusChange.objects.count() == changes + 2  # the new one, granted and expired
    assert _history(_clea(site, D(2019, 9, 1)))[1][2] == "Contrôle qualité"


# Bad input: a French message on its line and column, and nothing of the accreditation written

FUTURE = f"{TODAY + 10 * DAY:%d/%m/%Y}"


@pytest.mark.parametrize(
    ("rows", "line", "column", "message"),
    [
        (
            [row("{site}"), row("{site}", statut="rétablie")],
            3,
            "date_statut",
            "obligatoire avec un statut : la date d'effet du changement.",
        ),
        ([row("{site}", "01/01/9999")], 2, "date_debut", "la date de début ne peut pas être dans le futur."),
        (
            [row("73282932000074")],
            2,
            "siret",
            "SIRET 73282932000074 inconnu : aucun établissement enregistré sous ce numéro (importez d'abord "
            "le "
            "fichier des organismes et établissements).",
        ),
        (
            [row("{site}", certification="CLEA_PRO")],
            2,
            "certification",
            "« CLEA_PRO » n'est pas une certification reconnu (CLEA, CLEA_NUM ou CLEA_MGT).",
        ),
        (
            [row("{site}", role="jury")],
            2,
            "role",
            "« jury » n'est pas un rôle reconnu (evaluateur, formateur).",
        ),
        (
            [row("{site}", date_fin="01/09/2019")],
            2,
            "date_fin",
            "la date de fin doit être postérieure à la date de début (01/09/2019).",
        ),
        ([row("{site}", FUTURE)], 2, "date_debut", "la date de début ne peut pas être dans le futur."),
        (
            [row("{site}", "01/01/2020", statut="suspendue", date_statut=FUTURE, motif="Contrôle")],
            2,
            "date_statut",
            "la date du statut ne peut pas être dans le futur.",
        ),
        (
            [row("{site}", "31/12/2014")],
            2,
            "date_debut",
            "Certification CléA n'existait pas avant 2015 : une habilitation ne peut pas commencer le "
            "31/12/2014.",
        ),
        (
            [row("{site}", "01/06/2018", certification="CLEA_NUM")],
            2,
            "date_debut",
            "CléA Numérique n'existait pas avant 2019 : une habilitation ne peut pas commencer le "
            "01/06/2018.",
        ),
        (
            [row("{site}", "01/06/2021", certification="CLEA_MGT", role="formateur")],
            2,
            "date_debut",
            "CléA Management n'existait pas avant 2022 : une habilitation ne peut pas commencer le "
            "01/06/2021.",
        ),
        (
            [
                row("{site}", date_fin="31/08/2022"),
                row(
                    "{site}",
                    date_fin="30/06/2023",
                    statut="suspendue",
                    date_statut="01/02/2020",
                    motif="Contrôle",
                ),
            ],
            3,
            "date_fin",
            "date de fin différente de celle de la ligne 2 (31/08/2022) : une habilitation a une seule "
            "période.",
        ),
        (
            [row("{site}", "01/01/2020", date_fin="31/12/2022"), row("{site}", "01/06/2022")],
            2,
            "date_debut",
            "la période du 01/01/2020 au 31/12/2022 chevauche celle de l'habilitation de la ligne 3 (du "
            "01/06/2022 "
            "au 31/05/2025) pour le même établissement, la même certification et le même rôle.",
        ),
        (
            [row("{site}", statut="retablie", date_statut="01/02/2020", motif="Erreur")],
            2,
            "statut",
            "après l'accord du 01/09/2019, une habilitation « active » ne peut pas être rétablie.",
        ),
        (
            [
                row("{site}"),
                row("{site}", statut="retiree", date_statut="01/02/2020", motif="Cessation d'activité"),
                row("{site}", statut="suspendue", date_statut="01/03/2020", motif="Contrôle"),
            ],
            4,
            "statut",
            "après le statut « retirée » du 01/02/2020 (ligne 3), une habilitation « retirée » ne peut pas "
            "être "
            "suspendue.",
        ),
        (
            [row("{site}", statut="suspendue", date_statut="01/02/2020")],
            2,
            "motif",
            "obligatoire pour une suspension ou un retrait.",
        ),
        (
            [row("{site}", statut="retiree", date_statut="01/02/2020", motif="  ")],
            2,
            "motif",
            "obligatoire pour une suspension ou un retrait.",
        ),
        (
            [row("{site}", statut="suspendue", motif="Contrôle")],
            2,
            "date_statut",
            "obligatoire avec un statut : la date d'effet du changement.",
        ),
        (
            [
                row(
                    "{site}",
                    date_fin="31/08/2022",
                    statut="suspendue",
                    date_statut="01/09/2022",
                    motif="Contrôle",
                )
            ],
            2,
            "date_statut",
            "le 01/09/2022 est hors de la période de l'habilitation (du 01/09/2019 au 31/08/2022).",
        ),
        (
            [row("{site}", statut="suspendue", date_statut="31/08/2019", motif="Contrôle")],
            2,
            "date_statut",
            "le 31/08/2019 est hors de la période de l'habilitation (du 01/09/2019 au 31/08/2022).",
        ),
        (
            [row("{site}", date_fin="31/08/2022", statut="expiree", date_statut="31/08/2022")],
            2,
            "date_statut",
            "une habilitation valide jusqu'au 31/08/2022 expire le 01/09/2022 au plus tôt.",
        ),
        (
            [row("{site}", date_statut="01/02/2020")],
            2,
            "date_statut",
            "une date de statut va avec un statut : indiquez-le, ou videz la cellule.",
        ),
        (
            [row("{site}", "1/13/2020")],
            2,
            "date_debut",
            "« 1/13/2020 » n'est pas une date qui existe.",
        ),
    ],
    ids=[
        "reinstated-without-date",
        "start-in-year-9999",
        "unknown-siret",
        "unknown-certification",
        "bad-role",
        "end-before-start",
        "start-in-future",
        "status-in-future",
        "clea-before-2015",
        "clea-num-before-2019",
        "clea-mgt-before-2022",
        "different-end",
        "overlap-in-file",
        "reinstated-while-active",
        "suspended-after-withdrawal",
        "suspension-without-reason",
        "withdrawal-without-reason",
        "status-without-date",
        "status-after-period",
        "status-before-period",
        "expired-before-end",
        "date-without-status",
        "impossible-date",
    ],
)
def test_bad_rows_get_a_french_error_and_nothing_is_written(
    site, supervisor, batch, rows, line, column, message
):
    rows = [{name: value.replace("{site}", site.siret) for name, value in r.items()} for r in rows]

    job = _job(rows, supervisor, batch)

    errors = _errors(job)
    assert errors[(line, column)] == message, errors
    assert (job.new_rows, job.invalid_rows) == (0, len(rows))
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(job, skip_invalid=True, actor=supervisor)
    assert not Accreditation.objects.filter(site=site).exists()


def test_a_period_overlapping_a_recorded_accreditation_is_refused(site, supervisor, batch):
    _grant(site, D(2021, 1, 1), D(2023, 12, 31), supervisor)
    withdrawn = _grant(site, D(2017, 1, 1), D(2019, 12, 31), supervisor)
    withdraw_accreditation(withdrawn, reason="Erreur de saisie", actor=supervisor)
    rows = [
        row(site.siret, "01/01/2019", date_fin="31/12/2021"),
        row(site.siret, "01/01/2016", date_fin="31/12/2018"),
    ]

    job = _job(rows, supervisor, batch)

    assert (job.new_rows, job.invalid_rows) == (1, 1), _errors(job)
    assert _errors(job)[(2, "date_debut")] == (
        "la période du 01/01/2019 au 31/12/2021 chevauche l'habilitation enregistrée du 01/01/2021 au "
        "31/12/2023 (active) pour le même établissement, la même certification et le même rôle."
    )
    _apply(job, supervisor, skip_invalid=True)  # a withdrawn accreditation overlaps nothing (the rule's)
    assert sorted(Accreditation.objects.filter(site=site).values_list("valid_from", flat=True)) == [
        D(2016, 1, 1),
        D(2017, 1, 1),
        D(2021, 1, 1),
    ]


def test_setting_bad_rows_aside_writes_the_good_accreditations_whole_and_none_of_the_bad(
    site, other_site, supervisor, batch
):
    rows = [
        row(site.siret, date_fin="31/08/2022"),
        row(other_site.siret, date_fin="31/08/2022"),
        row(
            other_site.siret,
            date_fin="31/08/2022",
            statut="suspendue",
            date_statut="01/02/2020",
            motif="Contrôle",
        ),
        row(other_site.siret, date_fin="31/08/2022", statut="retiree", date_statut="01/03/2020"),
    ]

    job = _apply(_job(rows, supervisor, batch), supervisor, skip_invalid=True)

    assert (job.new_rows, job.invalid_rows) == (1, 3)
    assert Accreditation.objects.filter(site=site).count() == 1
    assert not Accreditation.objects.filter(site=other_site).exists()
    assert not AuditEvent.objects.filter(verb="accreditation.suspended").exists()


def test_an_overlap_recorded_since_the_check_refuses_the_file_at_apply(site, supervisor, batch):
    rows = [
        row(site.siret, date_fin="31/08/2022"),
        row(
            site.siret, date_fin="31/08/2022", statut="suspendue", date_statut="01/02/2020", motif="Contrôle"
        ),
    ]
    job = _job(rows, supervisor, batch)
    # Meanwhile, a supervisor records an overlapping accreditation by hand.
    recorded = _grant(site, D(2020, 1, 1), D(2022, 12, 31), supervisor)

    job = _apply(job, supervisor)

    assert job.status == ImportStatus.NOT_APPLIED
    assert list(Accreditation.objects.filter(site=site)) == [recorded]
    assert AccreditationStatusChange.objects.filter(accreditation__site=site).count() == 1


def test_a_change_refused_while_writing_rolls_its_whole_accreditation_back(
    site, other_site, supervisor, batch, monkeypatch
):
    from backoffice.imports.contracts import accreditations

    def refused(*args: Any, **kwargs: Any) -> None:
        raise ValidationError("Une habilitation « active » ne peut pas être suspendue.")

    monkeypatch.setitem(accreditations._VERBS, "suspended", refused)
    rows = [
        row(site.siret, date_fin="31/08/2022"),
        row(
            site.siret, date_fin="31/08/2022", statut="suspendue", date_statut="01/02/2020", motif="Contrôle"
        ),
        row(other_site.siret, date_fin="31/08/2022"),
        row(other_site.siret, "01/01/2023", role="jury"),  # set aside at the check
    ]

    job = _apply(_job(rows, supervisor, batch), supervisor, skip_invalid=True)

    assert (job.status, job.new_rows, job.invalid_rows) == (ImportStatus.APPLIED, 1, 3), job.outcome
    assert _errors(job)[(3, "")] == "Une habilitation « active » ne peut pas être suspendue."
    assert not Accreditation.objects.filter(site=site).exists()  # the grant is rolled back with it
    assert AuditEvent.objects.filter(verb="accreditation.granted", data__reprise=batch.pk).count() == 1
    assert Accreditation.objects.filter(site=other_site).count() == 1


def test_a_batch_is_checked_in_three_queries(
    site, other_site, supervisor, batch, django_assert_max_num_queries
):
    sites = [site, other_site, *(SiteFactory() for _ in range(8))]
    rows = [
        row(s.siret, start, date_fin=end, statut=status, date_statut=on, motif=reason)
        for s in sites
        for start, end in (("01/01/2016", "31/12/2018"), ("01/01/2019", "31/12/2021"))
        for status, on, reason in (("", "", ""), ("suspendue", start.replace("01/01", "01/06"), "Contrôle"))
    ]
    job = _job(rows, supervisor, batch)
    assert job.invalid_rows == 0, _errors(job)
    checker = contract_for("habilitations").checker(job, applying=False)
    with job.file.open("rb") as handle:
        table = open_table(handle, size=job.size)
        lines = list(rows_of(table.columns, table.rows))

    with django_assert_max_num_queries(3):
        checker.check(lines)

    assert {line.action for line in lines} == {"new"}


def test_the_template_rows_import_once_the_organisations_template_is(supervisor, batch):
    organisations = contract_for("organisations")
    imported(
        csv_bytes(
            [dict(zip(organisations.template_header(), organisations.template_rows()[0], strict=True))],
            header=organisations.template_header(),
        ),
        actor=supervisor,
        contract="organisations",
        name="organismes.csv",
    )
    contract = contract_for("habilitations")
    assert contract.template_header() == HEADER
    rows = [dict(zip(HEADER, values, strict=True)) for values in contract.template_rows()]

    job = _apply(_job(rows, supervisor, batch), supervisor)

    assert (job.new_rows, job.invalid_rows) == (3, 0), _errors(job)
    accreditation = Accreditation.objects.get(site__siret="73282932000074")
    assert [status for status, _, _ in _history(accreditation)] == [
        "active",
        "suspended",
        "active",
        "expired",
    ]


# The back-dated status change, through the services directly


@pytest.fixture
def granted(site, supervisor) -> Accreditation:  # type: ignore[no-untyped-def]
    return grant_accreditation(
        site,
        certification=Certification.objects.get(code="CLEA"),
        role=AccreditationRole.EVALUATOR,
        valid_from=TODAY - 300 * DAY,
        actor=supervisor,
    )


def test_a_supervisor_back_dates_a_suspension_to_the_day_it_took_effect(granted, supervisor):
    suspend_accreditation(granted, reason="Contrôle du 10", actor=supervisor, on=TODAY - 10 * DAY)
    reinstate_accreditation(granted, reason="Contrôle levé", actor=supervisor, on=TODAY - 3 * DAY)

    granted.refresh_from_db()
    assert _history(granted)[1:] == [
        ("suspended", TODAY - 10 * DAY, "Contrôle du 10"),
        ("active", TODAY - 3 * DAY, "Contrôle levé"),
    ]
    assert (granted.status, granted.status_changed_on) == ("active", TODAY - 3 * DAY)
    assert [_in_force(granted, TODAY - n * DAY) for n in (11, 10, 4, 3)] == [True, False, False, True]
    event = AuditEvent.objects.get(verb="accreditation.suspended", subject_id=str(granted.pk))
    assert event.data["on"] == (TODAY - 10 * DAY).isoformat() and "reprise" not in event.data


def test_a_back_dated_withdrawal_takes_effect_from_its_day(granted, supervisor):
    withdraw_accreditation(granted, reason="Cessation d'activité", actor=supervisor, on=TODAY - 30 * DAY)

    assert _status_on(granted, TODAY - 31 * DAY) == "active"
    assert _status_on(granted, TODAY - 30 * DAY) == "withdrawn"


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [
        (-1, "La date d'effet d'un changement de statut ne peut pas être dans le futur."),
        (
            301,
            "La date d'effet ({on}) précède le début de validité de l'habilitation ({start}).",
        ),
        (20, "La date d'effet ({on}) précède le dernier changement de statut enregistré ({last})."),
    ],
    ids=["future", "before-validity", "before-last-change"],
)
def test_a_back_dated_change_must_fit_the_history(granted, supervisor, days_ago, message):
    suspend_accreditation(granted, reason="Contrôle", actor=supervisor, on=TODAY - 15 * DAY)
    changes = AccreditationStatusChange.objects.count()
    on = TODAY - days_ago * DAY

    with pytest.raises(ValidationError) as error:
        reinstate_accreditation(granted, reason="Contrôle levé", actor=supervisor, on=on)

    assert error.value.messages == [
        message.format(
            on=f"{on:%d/%m/%Y}", start=f"{TODAY - 300 * DAY:%d/%m/%Y}", last=f"{TODAY - 15 * DAY:%d/%m/%Y}"
        )
    ]
    granted.refresh_from_db()
    assert (granted.status, AccreditationStatusChange.objects.count()) == ("suspended", changes)

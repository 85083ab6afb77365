"""The takeover of the certificates the old system issued (`certificats_historiques`): each row finds or
creates its holder, a closed file "certifié (reprise)", the historical jury session and the certificate under
its number as issued, with a timeline dated on the historical days; the verification page, the withdrawal, the
duplicate, the numbering of new certificates, the dashboards and the holders' transmission all treat them as
the others; bad rows are refused in French with nothing written; a file imported again changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from html import unescape
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from accreditation.models import FrameworkVersion
from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import LegacyBatch
from backoffice.dashboards.facts import refresh_facts
from backoffice.dashboards.filters import read_filters
from backoffice.dashboards.outcomes import outcome_tables
from backoffice.dashboards.throughput import delays_table, flow_table
from backoffice.imports import services
from backoffice.imports.contracts import contract_for
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles import selectors
from casefiles.models import (
    Candidate,
    CaseFile,
    CaseFileState,
    CdcStatus,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    JurySession,
    JurySessionStatus,
)
from casefiles.rules.takeover import awarded_before_it_existed, version_in_force
from casefiles.services import render_certificate_pdf, revoke_certificate
from casefiles.services.certificates import _take_numbers
from casefiles.services.legacy import CertificateToTakeOver, take_over_certificates
from tests.backoffice.imports_helpers import csv_bytes, upload
from tests.backoffice.test_views__certificates import award_everyone
from tests.casefiles.conftest import TODAY

pytestmark = pytest.mark.django_db
CONTRACT = "certificats_historiques"
HEADER = contract_for(CONTRACT).template_header()
NUMBER = "CLEA-2019-IDF-000123"
OLD_NUMBER = "CLEA-IDF-2016-42"  # the first years' numbering: not in today's form


@pytest.fixture(autouse=True)
def empty_rate_limits():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def batch(supervisor) -> LegacyBatch:  # type: ignore[no-untyped-def]
    return LegacyBatch.objects.create(label="Reprise des certificats", created_by=supervisor)


def row(site: Any, **changes: str) -> dict[str, str]:
    values = {
        "numero": NUMBER,
        "certification": "CLEA",
        "nom": "Martin",
        "prenom": "Léa",
        "date_naissance": "02/04/1990",
        "sexe": "F",
        "nom_naissance": "",
        "lieu_naissance": "Dakar (Sénégal)",
        "date_attribution": "12/03/2019",
        "region": "IDF",
        "date_jury": "05/03/2019",
        "siret_evaluateur": site.siret,
        "retire": "non",
        "date_retrait": "",
        "motif_retrait": "",
        "transmis": "oui",
        "date_transmission": "20/03/2019",
    }
    values.update(changes)
    return values


def checked(rows: list[dict[str, str]], *, actor: Any, batch: LegacyBatch) -> ImportJob:
    """Upload the file into the batch and run the dry run (the worker's first step)."""
    job = services.create_import(
        contract=CONTRACT, upload=upload(csv_bytes(rows, header=HEADER), "certificats.csv"), actor=actor
    )
    ImportJob.objects.filter(pk=job.pk).update(legacy_batch=batch)
    services.check_import(job.pk)
    job.refresh_from_db()
    return job


def taken_over(rows: list[dict[str, str]], *, actor: Any, batch: LegacyBatch) -> ImportJob:
    """Upload, check, confirm and apply."""
    job = checked(rows, actor=actor, batch=batch)
    assert job.invalid_rows == 0, errors_of(job)
    services.confirm_import(job, skip_invalid=False, actor=actor)
    services.apply_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED, (job.outcome, list(job.row_errors.values_list("message")))
    return job


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(job.row_errors.order_by("line", "id").values_list("line", "column", "message"))


def written() -> tuple[int, int, int, int, int]:
    return (
        Candidate.objects.count(),
        CaseFile.objects.count(),
        Certificate.objects.count(),
        JurySession.objects.count(),
        AuditEvent.objects.filter(verb__startswith="casefile.").count(),
    )


def page(response: Any) -> str:
    return unescape(response.content.decode())


def verify(number: str) -> str:
    response = Client(REMOTE_ADDR="198.51.100.7").get(f"/verifier/{number}/")
    assert response.status_code == 200
    return page(response)


def noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


# Good rows


def test_a_new_holder_gets_a_person_a_closed_file_a_historical_session_and_the_certificate_as_issued(
    supervisor, batch, idf, idf_site
):
    job = taken_over([row(idf_site)], actor=supervisor, batch=batch)

    assert (job.new_rows, job.invalid_rows) == (1, 0)
    certificate = Certificate.objects.select_related("case_file__candidate", "session").get()
    case_file, person, session = certificate.case_file, certificate.case_file.candidate, certificate.session
    assert (person.last_name, person.first_name, person.birth_date, person.sex) == (
        "Martin",
        "Léa",
        dt.date(1990, 4, 2),
        "F",
    )
    assert person.identity_key == "martin|lea|1990-04-02" and person.legacy_batch == batch
    assert (case_file.state, case_file.process_id, case_file.legacy_batch) == (
        CaseFileState.CERTIFIED,
        None,
        batch,
    )
    assert (case_file.opened_on, case_file.closed_on) == (dt.date(2019, 3, 5), dt.date(2019, 3, 12))
    assert case_file.closing_reason.startswith(
        "Certifié (reprise de l'ancien système) : certificat n° " + NUMBER
    )
    assert case_file.evaluation_site == idf_site
    clea_versions = FrameworkVersion.objects.filter(certification__code="CLEA").order_by("published_at", "pk")
    assert case_file.framework_version == clea_versions.first()  # none was published yet in 2019
    assert (session.region, session.held_on, session.status, session.legacy_batch) == (
        idf,
        dt.date(2019, 3, 5),
        JurySessionStatus.CLOSED,
        batch,
    )
    assert (certificate.number, certificate.status, certificate.awarded_on, certificate.region) == (
        NUMBER,
        CertificateStatus.ISSUED,
        dt.date(2019, 3, 12),
        idf,
    )
    assert (certificate.holder_last_name, certificate.holder_first_name) == ("Martin", "Léa")
    assert certificate.exported_at == noon(dt.date(2019, 3, 20)) and certificate.issued_at == noon(
        dt.date(2019, 3, 12)
    )
    assert (certificate.pdf.name, certificate.duplicates, certificate.legacy_batch) == ("", 0, batch)


def test_a_known_person_is_found_by_the_identity_rule_whatever_the_spelling(
    supervisor, batch, idf_site, case_file
):
    known = case_file.candidate  # Martin Léa, born 02/04/1999, with a file of her own

    taken_over(
        [row(idf_site, nom="MAR-TIN", prenom="lea", date_naissance="02/04/1999", sexe="")],
        actor=supervisor,
        batch=batch,
    )

    certificate = Certificate.objects.select_related("case_file").get()
    assert certificate.case_file.candidate_id == known.pk and Candidate.objects.count() == 1
    known.refresh_from_db()
    assert (known.last_name, known.first_name, known.sex, known.legacy_batch) == ("Martin", "Léa", "F", None)
    # The certificate keeps the name as the old system printed it.
    assert (certificate.holder_last_name, certificate.holder_first_name) == ("MAR-TIN", "lea")


def test_two_certificates_of_one_new_person_share_one_record_and_a_jury_one_session(
    supervisor, batch, idf_site
):
    taken_over(
        [
            row(idf_site),
            row(
                idf_site,
                numero="CLEANUM-2020-IDF-000001",
                nom="MARTIN",
                prenom="LEA",
                certification="CLEA_NUM",
                date_attribution="05/03/2020",
                date_jury="05/03/2020",
                date_transmission="20/03/2020",
            ),
            row(
                idf_site,
                numero="CLEA-2019-IDF-000124",
                nom="Diallo",
                prenom="Awa",
                date_naissance="01/01/1985",
            ),
        ],
        actor=supervisor,
        batch=batch,
    )

    assert Candidate.objects.count() == 2
    martin = Candidate.objects.get(last_name="Martin")
    assert martin.case_files.count() == 2
    assert JurySession.objects.count() == 2  # IDF on 05/03/2019 (two certificates), IDF on 05/03/2020


def test_a_revoked_certificate_is_taken_over_revoked_with_its_date_and_reason(supervisor, batch, idf_site):
    taken_over(
        [
            row(
                idf_site,
                retire="oui",
                date_retrait="01/10/2019",
                motif_retrait="Fraude à l'évaluation établie",
            )
        ],
        actor=supervisor,
        batch=batch,
    )

    certificate = Certificate.objects.get()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_at == noon(dt.date(2019, 10, 1))
    assert certificate.revocation_reason == "Fraude à l'évaluation établie"
    text = verify(NUMBER)
    assert "Certificat retiré" in text and "Léa MARTIN" in text and "Fraude" not in text


def test_a_certificate_not_transmitted_is_to_send_and_late_and_a_transmitted_one_presumed_accepted(
    supervisor, officer, batch, idf_site
):
    taken_over(
        [row(idf_site), row(idf_site, numero="CLEA-2019-IDF-000124", transmis="non", date_transmission="")],
        actor=supervisor,
        batch=batch,
    )

    pending = Certificate.objects.get(number="CLEA-2019-IDF-000124")
    assert pending.exported_at is None and pending.cdc_status == CdcStatus.TO_SEND
    sent = Certificate.objects.get(number=NUMBER)
    assert sent.exported_at is not None and sent.cdc_status == CdcStatus.ACCEPTED
    backlog = selectors.transmission_backlog(selectors.certificates_for(officer))
    assert backlog == {"not_transmitted": 1, "late": 1, "reminded": 1}


def test_an_old_format_number_is_kept_as_issued_reported_on_the_timeline_and_verified(
    supervisor, batch, idf_site
):
    taken_over(
        [row(idf_site, numero=OLD_NUMBER, date_attribution="12/10/2016", date_jury="12/10/2016")],
        actor=supervisor,
        batch=batch,
    )

    certificate = Certificate.objects.get()
    assert certificate.number == OLD_NUMBER
    awarded = AuditEvent.objects.get(verb="casefile.certificate_awarded")
    assert "Numéro dans un format de l'ancien système, repris tel quel." in awarded.summary
    assert awarded.data["old_format"] is True
    assert CertificateCounter.objects.count() == 0  # no series of today's form to move on
    for typed in (OLD_NUMBER, OLD_NUMBER.lower()):
        text = verify(typed)
        assert "Certificat valide" in text and "Léa MARTIN" in text and "12 octobre 2016" in text
        assert f"Numéro {OLD_NUMBER}" in " ".join(text.replace("<dt>", " ").replace("</dt><dd>", " ").split())


def test_the_verification_page_answers_for_a_migrated_number_as_for_a_new_one(supervisor, batch, idf_site):
    taken_over([row(idf_site)], actor=supervisor, batch=batch)

    text = verify(NUMBER)

    assert "Certificat valide" in text and "Léa MARTIN" in text and "Certification CléA" in text
    assert "12 mars 2019" in text
    for private in ("02/04/1990", "Dakar", idf_site.siret, idf_site.name):
        assert private not in text
    # A malformed number nobody holds still gets the service's message.
    assert "Numéro mal formé" in verify("pas-un-numero")


def test_the_files_timeline_reads_taken_over_with_the_historical_dates(
    client_for, supervisor, batch, idf_site
):
    job = taken_over(
        [row(idf_site, retire="oui", date_retrait="01/10/2019", motif_retrait="Erreur de saisie du jury")],
        actor=supervisor,
        batch=batch,
    )
    case_file = CaseFile.objects.get()

    events = list(AuditEvent.objects.for_subject(case_file).order_by("occurred_at"))

    assert [(e.verb, timezone.localtime(e.occurred_at)) for e in events] == [
        ("casefile.opened", noon(dt.date(2019, 3, 5))),
        ("casefile.certificate_awarded", noon(dt.date(2019, 3, 12))),
        ("casefile.certificate_revoked", noon(dt.date(2019, 10, 1))),
    ]
    assert all(e.data["reprise"] == batch.pk and e.data["import"] == job.pk for e in events)
    assert all(e.actor == supervisor for e in events)
    text = page(client_for(supervisor).get(case_file.get_absolute_url()))
    assert "05/03/2019 12:00 — Dossier Certification CléA repris de l'ancien système" in text
    assert (
        f"12/03/2019 12:00 — Certificat attribué par le jury Île-de-France du 05/03/2019 : n° {NUMBER}."
        in text
    )
    assert "01/10/2019 12:00 — Certificat " + NUMBER + " retiré : Erreur de saisie du jury" in text
    assert text.count("repris de l'ancien système</span>") == 3
    assert "None" not in text and "Certifié" in text


def test_the_pages_of_a_migrated_certificate_its_file_and_its_session_show_no_gap(
    client_for, officer, jury_member, supervisor, batch, idf_site
):
    taken_over([row(idf_site, transmis="non", date_transmission="")], actor=supervisor, batch=batch)
    certificate = Certificate.objects.select_related("case_file", "session").get()
    pages = {
        officer: [
            "/certificats/",
            certificate.get_absolute_url(),
            certificate.case_file.get_absolute_url(),
            certificate.session.get_absolute_url(),
        ],
        jury_member: [certificate.session.get_absolute_url()],
    }

    for user, urls in pages.items():
        for url in urls:
            response = client_for(user).get(url)
            assert response.status_code == 200, (user, url)
            assert "None" not in page(response), (user, url)
    text = page(client_for(officer).get(certificate.get_absolute_url()))
    assert f"Lot de reprise n° {batch.pk}".lower() in text.lower() and "— (non transmis)" in text


def test_a_migrated_certificate_is_revoked_by_the_usual_service(supervisor, batch, idf_site):
    taken_over([row(idf_site)], actor=supervisor, batch=batch)
    certificate = Certificate.objects.get()

    revoke_certificate(certificate, reason="Fraude découverte en 2026", actor=supervisor)

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED and certificate.revoked_at is not None
    assert timezone.localdate(certificate.revoked_at) == TODAY
    event = AuditEvent.objects.get(verb="casefile.certificate_revoked")
    assert "reprise" not in event.data and event.summary.endswith("Fraude découverte en 2026")
    assert "Certificat retiré" in verify(NUMBER)


def test_a_duplicate_is_rendered_from_the_data_of_a_migrated_certificate(
    client_for, officer, supervisor, batch, idf_site
):
    taken_over([row(idf_site)], actor=supervisor, batch=batch)
    certificate = Certificate.objects.get()
    client = client_for(officer)
    detail = page(client.get(f"/certificats/{certificate.pk}/"))
    assert "délivré par l'ancien système" in detail and 'id="pdf"' not in detail and 'id="reissue"' in detail
    # No second original is ever produced: the stored PDF is missing, and stays so.
    assert client.get(f"/certificats/{certificate.pk}/certificat.pdf").status_code == 404
    assert render_certificate_pdf(certificate.pk) is False

    response = client.post(f"/certificats/{certificate.pk}/duplicata/")

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.duplicates == 1 and str(certificate.pdf.name).endswith(f"{NUMBER}-duplicata-1.pdf")
    served = client.get(f"/certificats/{certificate.pk}/certificat.pdf")
    text = PdfReader(io.BytesIO(b"".join(served.streaming_content))).pages[0].extract_text()
    assert NUMBER in text and "Duplicata n° 1" in text and "Léa MARTIN" in text
    assert "12 mars 2019" in text and "Île-de-France" in text
    assert AuditEvent.objects.filter(verb="casefile.certificate_reissued").count() == 1


def test_numbering_continues_after_the_highest_migrated_number_of_each_series(
    supervisor, batch, idf_site, session, jury_member
):
    year = TODAY.year
    taken_over(
        [
            row(
                idf_site,
                numero=f"CLEA-{year}-IDF-000041",
                date_attribution=f"{TODAY:%d/%m/%Y}",
                date_jury=f"{TODAY:%d/%m/%Y}",
                transmis="non",
                date_transmission="",
            ),
            row(
                idf_site,
                numero=f"CLEA-{year}-IDF-000007",
                nom="Diallo",
                date_attribution=f"{TODAY:%d/%m/%Y}",
                date_jury=f"{TODAY:%d/%m/%Y}",
                transmis="non",
                date_transmission="",
            ),
            row(idf_site, numero="CLEA-2019-ARA-000300", region="ARA"),
        ],
        actor=supervisor,
        batch=batch,
    )

    assert dict(CertificateCounter.objects.values_list("region_code", "last_number")) == {
        "IDF": 41,
        "ARA": 300,
    }
    # A new certificate issued by the usual path: the session's two files follow the highest migrated number.
    awarded = award_everyone(session, jury_member)
    assert sorted(c.number for c in awarded) == [f"CLEA-{year}-IDF-000042", f"CLEA-{year}-IDF-000043"]
    assert _take_numbers("CLEA", 2019, "ARA", 1) == ["CLEA-2019-ARA-000301"]


def test_a_counter_already_further_stays_where_it_is(supervisor, batch, idf_site):
    CertificateCounter.objects.create(prefix="CLEA", year=2019, region_code="IDF", last_number=500)

    taken_over([row(idf_site)], actor=supervisor, batch=batch)

    assert CertificateCounter.objects.get().last_number == 500


def test_the_dashboards_count_the_history_at_its_dates(supervisor, batch, idf_site):
    taken_over(
        [
            row(idf_site),
            row(
                idf_site,
                numero="CLEA-2019-IDF-000124",
                nom="Diallo",
                retire="oui",
                date_retrait="01/10/2019",
                motif_retrait="Fraude",
            ),
        ],
        actor=supervisor,
        batch=batch,
    )
    refresh_facts()
    query = QueryDict(mutable=True)
    query.update({"start": "2019-01-01", "end": "2019-12-31"})
    _, filters = read_filters(supervisor, query)
    assert filters is not None

    outcomes = {table.key: table for table in outcome_tables(supervisor, filters)}
    flows = flow_table(supervisor, filters, weekly=False)
    delays = delays_table(supervisor, filters)

    assert dict(outcomes["synthese"].rows)["participants"] == 2
    assert dict(outcomes["synthese"].rows)["certifiés"] == 1  # the revoked one is not
    march = next(r for r in flows.rows if r[0] == "03/2019")
    assert march[flows.headers.index("certifiés")] == 2
    # Only the award is known of a migrated file: no delay is made up for it.
    assert [r[1] for r in delays.rows] == [0, 0, 0, 0]


def test_the_writer_looks_the_holders_up_again_when_its_caller_did_not_lock_them(
    supervisor, batch, idf, idf_site, clea, framework, case_file
):
    item = CertificateToTakeOver(
        number="CLEA-2019-IDF-000900",
        certification=clea,
        framework_id=framework.pk,
        region=idf,
        site=idf_site,
        jury_on=dt.date(2019, 3, 5),
        awarded_on=dt.date(2019, 3, 12),
        person={"last_name": "MARTIN", "first_name": "Léa", "birth_date": dt.date(1999, 4, 2), "sex": "F"},
    )

    [pk] = take_over_certificates([item], batch_id=batch.pk, actor=supervisor, source={})

    assert Certificate.objects.get(pk=pk).case_file.candidate_id == case_file.candidate_id
    assert Candidate.objects.count() == 1


# Safe to run twice


def test_importing_the_same_file_again_changes_nothing(supervisor, batch, idf_site):
    rows = [
        row(idf_site),
        row(
            idf_site,
            numero=OLD_NUMBER,
            nom="Diallo",
            date_attribution="12/10/2016",
            date_jury="12/10/2016",
            retire="oui",
            date_retrait="01/10/2017",
            motif_retrait="Fraude",
        ),
    ]
    taken_over(rows, actor=supervisor, batch=batch)
    before = written()
    counter = list(CertificateCounter.objects.values_list("prefix", "year", "region_code", "last_number"))

    again = checked(
        rows, actor=supervisor, batch=LegacyBatch.objects.create(label="Bis", created_by=supervisor)
    )

    assert (again.unchanged_rows, again.new_rows, again.invalid_rows) == (2, 0, 0)
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(again, skip_invalid=False, actor=supervisor)
    assert written() == before
    assert (
        list(CertificateCounter.objects.values_list("prefix", "year", "region_code", "last_number"))
        == counter
    )


def test_another_file_of_the_same_jury_reuses_its_historical_session(supervisor, batch, idf_site):
    taken_over([row(idf_site)], actor=supervisor, batch=batch)
    other = LegacyBatch.objects.create(label="Deuxième fichier", created_by=supervisor)

    taken_over([row(idf_site, numero="CLEA-2019-IDF-000124", nom="Diallo")], actor=supervisor, batch=other)

    assert JurySession.objects.count() == 1
    assert Certificate.objects.get(number="CLEA-2019-IDF-000124").legacy_batch == other


# Bad input: French row errors, nothing written


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"certification": "CLEA_NUM", "date_attribution": "12/03/2018", "date_jury": "12/03/2018"},
            "date_attribution",
            "CléA Numérique n'est délivrée que depuis 2019 : une attribution le 12/03/2018 est "
            "impossible (date ou certification erronée).",
        ),
        (
            {
                "certification": "CLEA_MGT",
                "date_attribution": "30/12/2021",
                "date_jury": "30/12/2021",
                "date_transmission": "05/01/2022",
            },
            "date_attribution",
            "CléA Management n'est délivrée que depuis 2022",
        ),
        (
            {"date_attribution": "12/03/2014", "date_jury": "12/03/2014"},
            "date_attribution",
            "Certification CléA n'est délivrée que depuis 2015",
        ),
        (
            {
                "date_attribution": f"{TODAY + dt.timedelta(days=1):%d/%m/%Y}",
                "transmis": "non",
                "date_transmission": "",
            },
            "date_attribution",
            "la date d'attribution ne peut pas être dans le futur.",
        ),
        (
            {"retire": "oui", "motif_retrait": "Fraude"},
            "date_retrait",
            "obligatoire pour un certificat retiré (retire = oui).",
        ),
        (
            {"retire": "oui", "date_retrait": "01/10/2019"},
            "motif_retrait",
            "obligatoire pour un certificat retiré (retire = oui).",
        ),
        ({"retire": "peut-être"}, "retire", "« peut-être » : indiquez oui ou non."),
        (
            {"retire": "non", "motif_retrait": "Fraude"},
            "retire",
            "« non » : laissez date_retrait et motif_retrait vides (ou indiquez « oui »).",
        ),
        (
            {"retire": "oui", "date_retrait": "01/01/2019", "motif_retrait": "Fraude"},
            "date_retrait",
            "le retrait (01/01/2019) doit suivre l'attribution (12/03/2019) et ne pas être dans le futur.",
        ),
        (
            {"transmis": "oui", "date_transmission": ""},
            "date_transmission",
            "obligatoire pour un certificat transmis (transmis = oui).",
        ),
        ({"region": "XYZ"}, "region", "« XYZ » n'est pas un code de région reconnu (ARA, BFC,"),
        (
            {"certification": "CLEA_PRO"},
            "certification",
            "« CLEA_PRO » n'est pas un code de certification reconnu (CLEA, CLEA_NUM ou CLEA_MGT).",
        ),
        (
            {"date_jury": "13/03/2019"},
            "date_jury",
            "la session du jury (13/03/2019) ne peut pas suivre l'attribution (12/03/2019).",
        ),
        ({"siret_evaluateur": ""}, "siret_evaluateur", "obligatoire."),
        ({"numero": ""}, "numero", "obligatoire."),
        ({"numero": "CLEA/2016/00042"}, "numero", "« CLEA/2016/00042 » : une barre oblique"),
        ({"numero": "X" * 41}, "numero", "40 caractères au plus (41 saisis)."),
        (
            {"date_attribution": "31/02/2019"},
            "date_attribution",
            "« 31/02/2019 » n'est pas une date qui existe.",
        ),
        ({"nom": "Nguy?n"}, "nom", "« Nguy?n » : des lettres ont été perdues à l'export"),
        ({"nom_naissance": "Dupont2"}, "nom_naissance", "« Dupont2 » n'est pas un nom valide"),
    ],
)
def test_a_bad_row_is_refused_in_french_and_nothing_is_written(
    supervisor, batch, idf_site, changes, column, message
):
    before = written()

    job = checked([row(idf_site, **changes)], actor=supervisor, batch=batch)

    assert (job.invalid_rows, job.new_rows) == (1, 0)
    [(line, found_column, found_message)] = errors_of(job)
    assert (line, found_column) == (2, column) and found_message.startswith(message), found_message
    with pytest.raises(ValidationError):
        services.confirm_import(job, skip_invalid=False, actor=supervisor)
    assert written() == before


def test_an_unknown_siret_is_refused(supervisor, batch, idf_site):
    job = checked([row(idf_site, siret_evaluateur="73282932000074")], actor=supervisor, batch=batch)

    assert errors_of(job) == [
        (
            2,
            "siret_evaluateur",
            "SIRET 73282932000074 inconnu : reprenez d'abord les organismes et "
            "établissements (import « organisations »).",
        )
    ]


def test_a_number_twice_in_the_file_is_refused_on_its_second_line(supervisor, batch, idf_site):
    job = checked(
        [row(idf_site), row(idf_site, numero=NUMBER.lower(), nom="Diallo")], actor=supervisor, batch=batch
    )

    assert (job.new_rows, job.invalid_rows) == (1, 1)
    assert errors_of(job) == [(3, "numero", "numéro déjà présent ligne 2.")]


def test_a_number_a_certificate_of_the_back_office_holds_is_refused(
    supervisor, batch, idf_site, session, jury_member
):
    [first, _] = sorted(award_everyone(session, jury_member), key=lambda c: c.number)

    job = checked([row(idf_site, numero=first.number)], actor=supervisor, batch=batch)

    assert errors_of(job) == [
        (
            2,
            "numero",
            f"le numéro {first.number} est celui d'un certificat délivré par le back-office "
            f"(BERNARD Inès, attribué le {TODAY:%d/%m/%Y}).",
        )
    ]


def test_a_number_taken_over_with_other_data_is_refused_with_the_differences(supervisor, batch, idf_site):
    taken_over([row(idf_site)], actor=supervisor, batch=batch)

    job = checked(
        [row(idf_site, date_attribution="13/03/2019", prenom="Lena", transmis="non", date_transmission="")],
        actor=supervisor,
        batch=batch,
    )

    assert errors_of(job) == [
        (
            2,
            "numero",
            f"le certificat n° {NUMBER} (MARTIN Léa) est déjà repris avec d'autres données ("
            "titulaire : MARTIN Léa → MARTIN Lena, née le 02/04/1990 ; "
            "date d'attribution : 12/03/2019 → 13/03/2019 ; "
            "date de transmission : 20/03/2019 → —) : pour le reprendre autrement, annulez d'abord le lot de "
            f"reprise n° {batch.pk}.",
        )
    ]


def test_an_identity_two_people_share_is_refused(supervisor, batch, idf_site):
    for last_name in ("Martin", "MARTIN"):  # two records of one person, left by the history
        Candidate.objects.create(
            last_name=last_name,
            first_name="Léa",
            birth_date=dt.date(1990, 4, 2),
            sex="F",
            postcode="93200",
            status="other",
        )
    first, second = Candidate.objects.order_by("pk").values_list("pk", flat=True)

    job = checked([row(idf_site)], actor=supervisor, batch=batch)

    assert errors_of(job) == [
        (
            2,
            "nom",
            f"MARTIN Léa, née le 02/04/1990, est enregistré·e 2 fois (candidat·es n° {first}, {second}) : "
            "faites fusionner ces doublons par un·e administrateur·rice, puis reprenez la ligne.",
        )
    ]


def test_a_row_that_became_invalid_before_the_apply_leaves_nothing_half_written(supervisor, batch, idf_site):
    rows = [row(idf_site), row(idf_site, numero="CLEA-2019-IDF-000124", nom="Diallo")]
    job = checked(rows, actor=supervisor, batch=batch)
    services.confirm_import(job, skip_invalid=False, actor=supervisor)
    # Meanwhile another file takes the second number over for someone else.
    taken_over([row(idf_site, numero="CLEA-2019-IDF-000124", nom="Camara")], actor=supervisor, batch=batch)
    before = written()

    services.apply_import(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.NOT_APPLIED and "rien n'a été importé" in job.outcome
    assert written() == before
    assert not Certificate.objects.filter(number=NUMBER).exists()


def test_a_takeover_file_outside_any_batch_is_refused_at_the_check(supervisor, idf_site):
    job = services.create_import(
        contract=CONTRACT, upload=upload(csv_bytes([row(idf_site)], header=HEADER), "c.csv"), actor=supervisor
    )
    ImportJob.objects.filter(pk=job.pk).update(legacy_batch=None)

    services.check_import(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED and "aucun lot de reprise" in job.file_error


# The rules


def test_the_version_in_force_is_the_last_published_by_the_day_or_else_the_earliest():
    versions = [(dt.date(2018, 1, 15), 7), (dt.date(2021, 6, 1), 9), (None, 3)]
    assert version_in_force(versions, dt.date(2019, 3, 12)) == 7
    assert version_in_force(versions, dt.date(2021, 6, 1)) == 9
    assert version_in_force([(dt.date(2018, 1, 15), 7), (dt.date(2021, 6, 1), 9)], dt.date(2016, 1, 1)) == 7
    assert version_in_force([], dt.date(2019, 1, 1)) is None


def test_a_certification_cannot_be_awarded_before_it_existed():
    assert awarded_before_it_existed("CLEA", dt.date(2014, 12, 31)) == dt.date(2015, 1, 1)
    assert awarded_before_it_existed("CLEA", dt.date(2015, 1, 1)) is None
    assert awarded_before_it_existed("CLEA_NUM", dt.date(2018, 6, 1)) == dt.date(2019, 1, 1)
    assert awarded_before_it_existed("CLEA_MGT", dt.date(2022, 1, 1)) is None


# The benchmark


def test_the_benchmark_times_check_and_apply_and_leaves_nothing_behind(db):
    from accreditation.models import Organisation

    def counts() -> tuple[int, ...]:
        return (
            *written(),
            Organisation.objects.count(),
            ImportJob.objects.count(),
            LegacyBatch.objects.count(),
        )

    before, out = counts(), io.StringIO()

    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("bench_legacy_certificates", "--rows", "60", stdout=out)
        assert counts() == before
        return
    call_command("bench_legacy_certificates", "--rows", "60", stdout=out)

    lines = out.getvalue().splitlines()
    measures = [
        line.split(" | ")[0].removeprefix("| ")
        for line in lines
        if line.startswith("| ") and "---" not in line
    ]
    assert measures[1:] == [
        "vérification (dry run)",
        "import (personnes, dossiers, sessions, certificats, compteurs, historique)",
        "de bout en bout (dépôt → import)",
        "ré-import, vérification (rien ne change)",
    ]
    assert any(
        line.startswith("Objectif 50,000 lignes vérifiées et importées en moins de 60 s") for line in lines
    )
    assert counts() == before and CertificateCounter.objects.count() == 0

"""The retention job: candidates whose files are all closed for longer than the period are anonymised —
known answers field by field, a dry run that changes nothing, a second run that changes nothing, one
transaction and one audit event per candidate, and the outcome figures identical before and after."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.http import QueryDict

from accreditation.models import Certification, FrameworkVersion
from backoffice.core.audit.models import AuditEvent
from backoffice.dashboards.facts import refresh_facts
from backoffice.dashboards.filters import read_filters
from backoffice.dashboards.models import FileFact
from backoffice.dashboards.outcomes import outcome_tables
from casefiles.events import CandidateEvent
from casefiles.models import (
    AgendaItem,
    Candidate,
    CaseFile,
    CaseFileDocument,
    CaseFileState,
    Certificate,
    CertificateStatus,
    Decision,
    JurySession,
    JurySessionStatus,
    TrainingPlan,
)
from casefiles.personal_data import AtExpiry, fields_at_expiry
from casefiles.rules.privacy import coarse_birth_date, coarse_postcode
from casefiles.services import anonymise_candidates

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
PDF = b"%PDF-1.4\n% compte rendu nominatif\n%%EOF\n"


def make_candidate(last_name: str, born: dt.date, *, sex: str, status: str, sector: str) -> Candidate:
    return Candidate.objects.create(
        last_name=last_name,
        first_name="Camille",
        birth_date=born,
        sex=sex,
        status=status,
        sector=sector,
        email=f"{last_name.lower()}@exemple.fr",
        phone="06 12 34 56 78",
        postcode="93200",
    )


def make_file(candidate, site, state, opened_on, closed_on) -> CaseFile:  # type: ignore[no-untyped-def]
    clea = Certification.objects.get(code="CLEA")
    return CaseFile.objects.create(
        candidate=candidate,
        certification=clea,
        framework_version=FrameworkVersion.objects.get(certification=clea, status="published"),
        evaluation_site=site,
        state=state,
        opened_on=opened_on,
        positioned_on=opened_on,
        closed_on=closed_on,
        closing_reason=f"Note libre sur {candidate.last_name}" if closed_on else "",
        reference=f"REF-{candidate.last_name}",
        funding="cpf",
        funding_note=f"Abondé par la mairie de {candidate.last_name}",
    )


def attach(case_file: CaseFile, uploader, name: str) -> CaseFileDocument:  # type: ignore[no-untyped-def]
    document = CaseFileDocument(
        case_file=case_file,
        category="positioning_report",
        original_name=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256=f"{case_file.pk:064d}",
        uploaded_by=uploader,
    )
    document.file.save(document.sha256, ContentFile(PDF), save=False)
    document.save()
    return document


def certify(case_file: CaseFile, session: JurySession) -> Certificate:
    return Certificate.objects.create(
        case_file=case_file,
        number=f"CLEA-{case_file.opened_on.year}-{session.region.code}-{case_file.pk:06d}",
        certification=case_file.certification,
        region=session.region,
        session=session,
        holder_last_name=case_file.candidate.last_name,
        holder_first_name=case_file.candidate.first_name,
        awarded_on=case_file.closed_on or TODAY,
        status=CertificateStatus.ISSUED,
    )


@pytest.fixture
def world(idf_site, ara_site, evaluator, trainer):  # type: ignore[no-untyped-def]
    """A, B and F are due (every file closed more than 5 years ago); C closed last year, D has an open
    file, E a closed file without a closing date: those three stay as they are."""
    idf_jury, ara_jury = (
        JurySession.objects.create(
            region=site.region, held_on=dt.date(2014, 9, 1), cutoff_on=dt.date(2014, 8, 1),
            status=JurySessionStatus.CLOSED,
        )
        for site in (idf_site, ara_site)
    )  # fmt: skip
    day, S = dt.date, CaseFileState
    people = {
        "A": make_candidate("Arnaud", day(1990, 7, 20), sex="F", status="jobseeker", sector="Petite enfance"),
        "B": make_candidate("Bernard", day(1975, 11, 30), sex="M", status="employee", sector="Commerce"),
        "F": make_candidate("Fabre", day(1992, 2, 29), sex="", status="other", sector=""),
        "C": make_candidate("Chevalier", day(1980, 1, 1), sex="F", status="jobseeker", sector="Santé"),
        "D": make_candidate("Dubois", day(1970, 6, 30), sex="M", status="jobseeker", sector="Commerce"),
        "E": make_candidate("Etienne", day(1999, 9, 9), sex="F", status="employee", sector="Accueil"),
    }  # fmt: skip
    files = {
        "A": make_file(people["A"], idf_site, S.CERTIFIED, day(2014, 3, 15), day(2014, 9, 1)),
        "B1": make_file(people["B"], idf_site, S.ABANDONED, day(2009, 5, 2), day(2010, 1, 10)),
        "B2": make_file(people["B"], idf_site, S.REFUSED, day(2015, 2, 1), day(2015, 12, 1)),
        "F": make_file(people["F"], idf_site, S.ABANDONED, day(2015, 12, 31), day(2016, 2, 1)),
        "C": make_file(
            people["C"], ara_site, S.CERTIFIED, TODAY - dt.timedelta(days=730),
            TODAY - dt.timedelta(days=365),
        ),
        "D1": make_file(people["D"], idf_site, S.ABANDONED, day(2010, 1, 1), day(2012, 1, 1)),
        "D2": make_file(people["D"], idf_site, S.POSITIONING, TODAY, None),
        "E": make_file(people["E"], idf_site, S.EXPIRED, day(2010, 1, 1), None),
    }  # fmt: skip
    certify(files["A"], idf_jury)
    certify(files["C"], ara_jury)
    TrainingPlan.objects.create(
        case_file=files["B2"], number=1, training_site=idf_site, trainer=trainer, hours=40,
        starts_on=dt.date(2015, 3, 1), ends_on=dt.date(2015, 6, 1),
    )  # fmt: skip
    AgendaItem.objects.create(
        session=idf_jury, case_file=files["B2"], officer_note="Mme Bernard était souffrante",
        decision=Decision.REFUSE, reason="Absence de M. Bernard à l'évaluation finale",
    )  # fmt: skip
    documents = {
        "A": attach(files["A"], evaluator, "CR Arnaud.pdf"),
        "B1": attach(files["B1"], evaluator, "B.pdf"),
    }
    return people, files, documents


def reloaded(candidate: Candidate) -> dict:
    return model_to_dict(Candidate.objects.get(pk=candidate.pk))


def anonymised_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=CandidateEvent.ANONYMISED).order_by("id"))


def test_the_birth_date_keeps_only_the_age_reached_on_each_opening_day():
    assert coarse_birth_date(dt.date(1990, 7, 20), [dt.date(2014, 3, 15)]) == dt.date(1990, 3, 16)
    # two files: the latest lower bound among the openings (ages 33 and 39 kept)
    openings = [dt.date(2009, 5, 2), dt.date(2015, 2, 1)]
    assert coarse_birth_date(dt.date(1975, 11, 30), openings) == dt.date(1975, 5, 3)
    # born on 29 February, opened on 31 December
    assert coarse_birth_date(dt.date(1992, 2, 29), [dt.date(2015, 12, 31)]) == dt.date(1992, 1, 1)
    # opened on 29 February of a leap year, and no file at all
    assert coarse_birth_date(dt.date(1990, 8, 8), [dt.date(2016, 2, 29)]) == dt.date(1990, 3, 1)
    assert coarse_birth_date(dt.date(1990, 8, 8), []) == dt.date(1990, 1, 1)


def test_the_postcode_keeps_only_the_department():
    assert [coarse_postcode(code) for code in ("93200", "97411", "20090", "")] == [
        "93000",
        "97400",
        "20000",
        "",
    ]


def test_the_dry_run_says_who_would_be_anonymised_and_changes_nothing(world):
    people, files, _ = world
    before = {key: reloaded(person) for key, person in people.items()}

    report = anonymise_candidates(dry_run=True)

    assert [(item.candidate_id, item.case_file_ids, item.documents) for item in report.candidates] == [
        (people["A"].pk, [files["A"].pk], 1),
        (people["B"].pk, [files["B1"].pk, files["B2"].pk], 1),
        (people["F"].pk, [files["F"].pk], 0),
    ]
    lines = report.lines()
    assert lines[0].startswith("Simulation (aucune modification). 3 candidat·e(s) seraient anonymisé·es")
    assert f"dossier(s) n° {files['B1'].pk}, {files['B2'].pk}" in lines[2]
    assert {key: reloaded(person) for key, person in people.items()} == before
    assert CaseFileDocument.objects.count() == 2 and not anonymised_events()


def test_a_due_candidate_is_anonymised_field_by_field(world, django_capture_on_commit_callbacks):
    people, files, documents = world
    stored = documents["A"].file.storage
    assert stored.exists(documents["A"].file.name)

    with django_capture_on_commit_callbacks(execute=True):
        report = anonymise_candidates()

    assert [item.candidate_id for item in report.candidates] == [people[k].pk for k in "ABF"]
    arnaud = Candidate.objects.get(pk=people["A"].pk)
    assert (arnaud.last_name, arnaud.first_name) == ("Anonymisé·e", f"n° {arnaud.pk}")
    assert (arnaud.email, arnaud.phone, arnaud.postcode) == ("", "", "93000")
    assert arnaud.identity_key == f"anonymisee|n{arnaud.pk}|1990-03-16"  # the real name is not kept in it
    assert arnaud.birth_date == dt.date(1990, 3, 16)
    assert (arnaud.sex, arnaud.status, arnaud.sector) == ("F", "jobseeker", "Petite enfance")
    assert arnaud.anonymised_on == TODAY
    assert Candidate.objects.get(pk=people["B"].pk).birth_date == dt.date(1975, 5, 3)
    assert Candidate.objects.get(pk=people["F"].pk).birth_date == dt.date(1992, 1, 1)
    file_a = CaseFile.objects.get(pk=files["A"].pk)
    assert (file_a.reference, file_a.closing_reason, file_a.funding_note) == ("", "", "")
    assert file_a.funding == "cpf"  # a code of the list, counted by the outcomes: not personal once anonymous
    assert (file_a.state, file_a.closed_on) == (CaseFileState.CERTIFIED, dt.date(2014, 9, 1))
    item = AgendaItem.objects.get(case_file=files["B2"])
    assert (item.officer_note, item.reason, item.decision) == ("", "", Decision.REFUSE)
    assert not CaseFileDocument.objects.exists()
    assert not stored.exists(documents["A"].file.name) and not stored.exists(documents["B1"].file.name)
    # the certificate register keeps the holder's name: the number stays verifiable
    assert Certificate.objects.get(case_file=files["A"]).holder_last_name == "Arnaud"
    assert TrainingPlan.objects.filter(case_file=files["B2"]).exists()


def test_every_field_the_registry_says_is_erased_is_empty_afterwards(world):
    people, _, _ = world
    anonymise_candidates()
    checks = [
        (Candidate, Candidate.objects.filter(pk__in=[people[k].pk for k in "ABF"])),
        (CaseFile, CaseFile.objects.filter(candidate__in=[people[k].pk for k in "ABF"])),
        (AgendaItem, AgendaItem.objects.filter(case_file__candidate=people["B"])),
    ]
    for model, rows in checks:
        names = fields_at_expiry(model, AtExpiry.ERASE)
        assert names, model
        assert rows.exists()
        for row in rows.values(*names):
            assert set(row.values()) == {""}, (model, row)


def test_candidates_not_due_are_left_untouched(world):
    people, _, _ = world
    before = {key: reloaded(people[key]) for key in "CDE"}
    anonymise_candidates()
    assert {key: reloaded(people[key]) for key in "CDE"} == before
    assert (
        CaseFile.objects.get(candidate=people["D"], state=CaseFileState.ABANDONED).reference == "REF-Dubois"
    )


def test_one_event_per_candidate_without_the_erased_values(world):
    people, files, _ = world
    anonymise_candidates()
    events = anonymised_events()
    assert [(e.subject_id, e.actor_id, e.actor_label) for e in events] == [
        (str(people[k].pk), None, "système") for k in "ABF"
    ]
    assert events[1].data == {"case_files": [files["B1"].pk, files["B2"].pk], "documents_deleted": 1}
    written = json.dumps([[e.subject_label, e.summary, e.data] for e in events], ensure_ascii=False)
    for erased in (
        "Arnaud",
        "Bernard",
        "Fabre",
        "Camille",
        "@exemple.fr",
        "06 12",
        "93200",
        "REF-",
        "1990-07-20",
    ):
        assert erased not in written


def test_a_second_run_changes_nothing(world):
    people, _, _ = world
    anonymise_candidates()
    after_first = {key: reloaded(person) for key, person in people.items()}
    files_after_first = list(CaseFile.objects.order_by("pk").values())
    events = AuditEvent.objects.count()

    report = anonymise_candidates()

    assert report.candidates == [] and report.lines()[0].startswith("0 candidat·e(s) anonymisé·es")
    assert {key: reloaded(person) for key, person in people.items()} == after_first
    assert list(CaseFile.objects.order_by("pk").values()) == files_after_first
    assert AuditEvent.objects.count() == events


def test_a_failure_leaves_that_candidate_whole_and_the_others_done(world, monkeypatch):
    people, files, _ = world
    from casefiles.services import privacy

    real = privacy._anonymise_identity

    def fail_for_bernard(candidate, case_files, today):  # type: ignore[no-untyped-def]
        real(candidate, case_files, today)
        if candidate.pk == people["B"].pk:
            raise RuntimeError("disque plein")

    monkeypatch.setattr(privacy, "_anonymise_identity", fail_for_bernard)

    report = anonymise_candidates()

    assert [item.candidate_id for item in report.candidates] == [people["A"].pk, people["F"].pk]
    assert report.failed == [people["B"].pk]
    assert "Échec, rien n'a été modifié pour : candidat·e(s) n° " in report.lines()[-1]
    bernard = Candidate.objects.get(pk=people["B"].pk)
    assert (bernard.last_name, bernard.email, bernard.anonymised_on) == (
        "Bernard",
        "bernard@exemple.fr",
        None,
    )
    assert CaseFileDocument.objects.filter(case_file=files["B1"]).exists()
    assert AgendaItem.objects.get(case_file=files["B2"]).reason.startswith("Absence")
    assert not AuditEvent.objects.filter(verb=CandidateEvent.ANONYMISED, subject_id=str(people["B"].pk))


def test_the_outcome_figures_are_identical_before_and_after(world, supervisor):
    _, filters = read_filters(supervisor, QueryDict(""))
    refresh_facts()
    before = [(table.key, table.rows) for table in outcome_tables(supervisor, filters)]
    ages_before = dict(FileFact.objects.values_list("case_file_id", "age"))

    report = anonymise_candidates()
    refresh_facts()

    assert len(report.candidates) == 3
    assert [(table.key, table.rows) for table in outcome_tables(supervisor, filters)] == before
    assert dict(FileFact.objects.values_list("case_file_id", "age")) == ages_before
    assert before[0][1][0] == ["participants", 8]  # the figures compared are not empty


def test_the_retention_period_comes_from_the_settings(world, settings):
    settings.CANDIDATE_RETENTION_YEARS = 30
    assert anonymise_candidates(dry_run=True).candidates == []
    settings.CANDIDATE_RETENTION_YEARS = 0
    with pytest.raises(Exception, match="CANDIDATE_RETENTION_YEARS doit valoir au moins 1"):
        anonymise_candidates(dry_run=True)


def test_the_command_prints_a_french_report_and_dry_run_writes_nothing(world):
    people, files, _ = world
    out = io.StringIO()
    call_command("anonymise_candidates", "--dry-run", stdout=out)
    assert "Simulation (aucune modification). 3 candidat·e(s) seraient anonymisé·es" in out.getvalue()
    assert f"candidat·e n° {people['A'].pk} : dossier(s) n° {files['A'].pk} ; 1 pièce(s) à supprimer" in (
        out.getvalue()
    )
    assert Candidate.objects.get(pk=people["A"].pk).last_name == "Arnaud"

    out = io.StringIO()
    call_command("anonymise_candidates", stdout=out)
    assert out.getvalue().startswith("3 candidat·e(s) anonymisé·es")
    assert "Arnaud" not in out.getvalue()
    assert Candidate.objects.get(pk=people["A"].pk).last_name == "Anonymisé·e"


def test_the_monthly_actor_is_scheduled_and_anonymises(world):
    from dramatiq_crontab import scheduler

    from casefiles.tasks import anonymise_expired_candidates

    people, _, _ = world
    anonymise_expired_candidates.fn()
    assert Candidate.objects.get(pk=people["F"].pk).anonymised_on == TODAY
    job = {job.name: job for job in scheduler.get_jobs()}["anonymise_expired_candidates"]
    fields = {field.name: str(field) for field in job.trigger.fields}
    assert (fields["day"], fields["hour"], fields["minute"], fields["month"]) == ("1", "3", "0", "*")


def test_the_audit_trail_keeps_its_events_but_loses_the_names(world, evaluator):
    from backoffice.core.audit.events import record

    people, files, _ = world
    arnaud = people["A"]
    record("case_file.note", actor=evaluator, subject=files["A"], summary="Entretien avec Camille Arnaud",
           data={"email": "arnaud@exemple.fr", "old": {"last_name": "ARNAUD"}})  # fmt: skip
    record("candidate.seen", actor=evaluator, subject=arnaud, summary="Fiche de ARNAUD Camille consultée")
    record("case_file.note", actor=evaluator, subject=files["C"], summary="Entretien avec Camille Chevalier")
    about = AuditEvent.objects.for_subject(files["A"]) | AuditEvent.objects.for_subject(arnaud)
    before = about.count()

    anonymise_candidates()

    events = list(about.order_by("id"))
    assert len(events) == before + 1  # nothing deleted; the anonymisation's own event added
    texts = " ".join(f"{e.subject_label} {e.summary} {e.data}" for e in events)
    assert "Arnaud" not in texts and "ARNAUD" not in texts and "arnaud@exemple.fr" not in texts
    assert f"Entretien avec Anonymisé·e n° {arnaud.pk}" in texts
    assert events[0].actor == evaluator  # who did what and when stays
    chevalier = AuditEvent.objects.for_subject(files["C"]).get()  # not due: untouched
    assert chevalier.summary == "Entretien avec Camille Chevalier"

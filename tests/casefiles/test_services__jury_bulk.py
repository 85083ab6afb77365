"""A jury session's work done set-based: the officer's check, the bulk award, the close and the issuance write
the rows and events the per-file path wrote, in a number of statements that does not grow with the files."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Certification
from backoffice.core import bulksql
from backoffice.core.accounts.models import User
from backoffice.core.audit.events import timeline
from casefiles.models import (
    AgendaItem,
    CaseFile,
    CaseFileState,
    Certificate,
    CertificateStatus,
    Decision,
    Vote,
)
from casefiles.selectors import voters_for
from casefiles.selectors.conflicts import voters_by_item
from casefiles.services import adjourn_item, decide, declare_interest, open_session
from casefiles.services.credentials import allocate_entries
from casefiles.services.decisions import award_recommended
from casefiles.services.sessions import check_agenda_item, check_agenda_items
from tests.casefiles.conftest import TODAY, plan_today, ready_file
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.commands import close_jury_session, issue_certificates
from workflows.pathway.flow import CandidatePathwayFlow
from workflows.pathway.tasks import issue_certificate_job

pytestmark = pytest.mark.django_db


def letters(n: int) -> str:
    return "Durand-" + chr(ord("a") + n // 26) + chr(ord("a") + n % 26)


@pytest.fixture
def make_files(idf_site, clea, framework, evaluator, assessor):  # type: ignore[no-untyped-def]
    counter = iter(range(1000))

    def make(count: int) -> list[CaseFile]:
        return [
            ready_file(idf_site, clea, framework, evaluator, assessor, last_name=letters(next(counter)))
            for _ in range(count)
        ]

    return make


def vote(session, item, actor, choice, reason=""):  # type: ignore[no-untyped-def]
    seats = list(session.members.all())
    return decide(
        item,
        votes={m.pk: choice for m in seats},
        reason=reason,
        actor=actor,
        stated_at_table=[m.pk for m in seats],
    )


def shape(process_id: int) -> dict:
    """A process and its tasks as Viewflow wrote them, without ids and times."""
    process = CandidatePathwayProcess.objects.get(pk=process_id)
    tasks = CandidatePathwayTask.objects.filter(process_id=process_id).order_by("pk")
    return {
        "process": (process.status, process.finished is not None),
        "tasks": [
            (
                t.flow_task.name,
                t.flow_task_type,
                t.status,
                t.started is not None,
                t.finished is not None,
                t.owner_permission,
                str(t.token),
                sorted(p.flow_task.name for p in t.previous.all()),
            )
            for t in tasks
        ],
    }


def after_jury(process_id: int) -> list[tuple]:
    """The tasks from the jury step on."""
    tasks = shape(process_id)["tasks"]
    names = [t[0] for t in tasks]
    return tasks[names.index("ready_for_jury") :]


def events_since(case_file: CaseFile, verb_from: str) -> list[tuple[str, str, dict]]:
    rows = list(timeline(case_file).values_list("verb", "summary", "data"))
    verbs = [verb for verb, _, _ in rows]
    return rows[verbs.index(verb_from) :] if verb_from in verbs else []


def test_the_officer_checks_many_files_with_the_rule_and_events_of_one(session, officer):
    first, second = session.agenda.order_by("id")
    with pytest.raises(Exception, match="Motivez l'avis"):
        check_agenda_items(session, [(first, True, ""), (second, False, " ")], actor=officer)
    first.refresh_from_db()
    assert first.checked_by is None  # nothing saved when one check is refused

    check_agenda_items(session, [(first, True, ""), (second, False, " Pièce manquante ")], actor=officer)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.recommended, first.officer_note, first.checked_by) == (True, "", officer)
    assert (second.recommended, second.officer_note, second.checked_by) == (False, "Pièce manquante", officer)
    assert timeline(first.case_file).get(verb="casefile.jury_checked").summary == (
        "Instruction avant jury : attribution recommandée."
    )
    assert timeline(second.case_file).get(verb="casefile.jury_checked").summary == (
        "Instruction avant jury : attribution non recommandée (Pièce manquante)"
    )
    with pytest.raises(ValidationError) as refused:  # one file: the message as it always read
        check_agenda_item(first, recommended=False, note="", actor=officer)
    assert refused.value.messages == ["Motivez l'avis lorsque l'attribution n'est pas recommandée."]


def test_the_bulk_award_writes_what_a_unanimous_decide_writes(
    session, officer, jury_member, employee_member, make_files
):
    [third] = make_files(1)
    from casefiles.services import add_to_agenda

    add_to_agenda(session, third, actor=officer)
    bulk_one, bulk_two, by_hand = session.agenda.order_by("id")
    check_agenda_items(session, [(bulk_one, True, ""), (bulk_two, True, "")], actor=officer)
    open_session(session, present=list(session.members.all()), actor=jury_member)
    declare_interest(bulk_two, recused=False, actor=jury_member)  # declared beforehand: not stated twice

    assert award_recommended(session, actor=jury_member, members_declared=True) == (2, [])
    vote(session, by_hand, jury_member, Decision.AWARD)  # the per-file path, as reference

    def written(item: AgendaItem) -> dict:
        item.refresh_from_db()
        return {
            "item": (item.decision, item.reason, item.decided_by_id, item.decided_at is not None),
            "votes": sorted(Vote.objects.filter(item=item).values_list("member_id", "round", "choice")),
            "declared": sorted(item.declarations.values_list("member_id", "recused")),
            "events": [
                (verb, summary, {k: v for k, v in data.items()})
                for verb, summary, data in timeline(item.case_file)
                .filter(verb__in=["casefile.jury_declared", "casefile.jury_decided"])
                .values_list("verb", "summary", "data")
            ],
        }

    reference = written(by_hand)
    assert reference["events"][-1] == (
        "casefile.jury_decided",
        "Décision du jury : Attribuer le certificat — 2 voix sur 2.",
        {
            "session": session.pk,
            "round": 1,
            "votes": {"award": 2},
            "decision": "award",
            "casting_vote": False,
        },
    )
    assert written(bulk_one) == reference
    two = written(bulk_two)
    # The member who declared beforehand has their own declaration's event; the other one is stated at
    # the table.
    assert {k: v for k, v in two.items() if k != "events"} == {
        k: v for k, v in reference.items() if k != "events"
    }
    assert [e[0] for e in two["events"]] == [
        "casefile.jury_declared",
        "casefile.jury_declared",
        "casefile.jury_decided",
    ]
    assert two["events"][-1] == reference["events"][-1]


def test_the_voters_of_many_files_are_those_of_each_file(session, jury_member, employee_member):
    open_session(session, present=list(session.members.all()), actor=jury_member)
    first, second = session.agenda.order_by("id")
    declare_interest(first, recused=True, actor=employee_member)
    # the officer's check makes the checker conflicted on that file
    AgendaItem.objects.filter(pk=second.pk).update(checked_by=jury_member)
    items = list(session.agenda.order_by("id"))
    present = list(session.members.filter(present=True).select_related("user"))
    by_item = voters_by_item(items, present)
    for item in items:
        assert by_item[item.pk] == voters_for(item)
    assert [m.user for m in by_item[first.pk]] == [jury_member]
    assert [m.user for m in by_item[second.pk]] == [employee_member]


def run_session(officer_pk, jury_pk, session, outcomes):  # type: ignore[no-untyped-def]
    """Decide each file of the session as `outcomes` says (award files in bulk)."""
    officer, jury = User.objects.get(pk=officer_pk), User.objects.get(pk=jury_pk)
    items = list(session.agenda.order_by("id"))
    check_agenda_items(
        session,
        [(i, o == "award", "" if o == "award" else "Avis") for i, o in zip(items, outcomes, strict=True)],
        actor=officer,
    )
    open_session(session, present=list(session.members.all()), actor=jury)
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome == "return":
            vote(session, item, jury, Decision.RETURN, "Preuves D3 insuffisantes")
        elif outcome == "refuse":
            vote(session, item, jury, Decision.REFUSE, "Fraude avérée")
        elif outcome == "adjourn":
            adjourn_item(item, reason="Attestation à produire", actor=jury)
    award_recommended(session, actor=jury, members_declared=True)
    return items


def test_closing_writes_per_outcome_the_rows_and_events_of_the_per_file_path(
    officer, idf, jury_member, employee_member, make_files, media_root
):
    files = make_files(5)
    session = plan_today(idf, jury_member, employee_member, actor=officer)
    outcomes = ["award", "return", "award", "refuse", "adjourn"]
    items = run_session(officer.pk, jury_member.pk, session, outcomes)

    certificates = close_jury_session(session, actor=jury_member)

    session.refresh_from_db()
    assert [c.number for c in certificates] == [
        f"CLEA-{TODAY.year}-IDF-000001",
        f"CLEA-{TODAY.year}-IDF-000002",
    ]
    assert [c.case_file_id for c in certificates] == [items[0].case_file_id, items[2].case_file_id]
    by_file = {f.pk: f for f in CaseFile.objects.filter(pk__in=[f.pk for f in files])}
    awarded, returned, awarded_too, refused, adjourned = (by_file[i.case_file_id] for i in items)
    minutes = f"Procès-verbal du {session} : "
    url = {"url": session.minutes_url()}

    for case_file, certificate in ((awarded, certificates[0]), (awarded_too, certificates[1])):
        assert (case_file.state, case_file.closed_on) == (CaseFileState.CERTIFIED, TODAY)
        assert case_file.closing_reason == f"Certificat {certificate.number} attribué par le {session}"
        assert (certificate.status, certificate.awarded_on, certificate.session_id) == (
            "pending",
            TODAY,
            session.pk,
        )
        assert (certificate.holder_last_name, certificate.holder_first_name) == (
            case_file.candidate.last_name,
            case_file.candidate.first_name,
        )
        assert events_since(case_file, "casefile.certificate_awarded") == [
            (
                "casefile.certificate_awarded",
                f"Certificat attribué par le {session} : n° {certificate.number}.",
                {"certificate": certificate.pk, "number": certificate.number},
            ),
            ("casefile.jury_minutes", minutes + "attribuer le certificat.", url),
        ]
    assert (returned.state, returned.returned_on, returned.return_reason) == (
        "returned",
        TODAY,
        "Preuves D3 insuffisantes",
    )
    assert events_since(returned, "casefile.returned_by_jury") == [
        (
            "casefile.returned_by_jury",
            "Dossier renvoyé par le jury à l'organisme évaluateur : Preuves D3 insuffisantes",
            {"reason": "Preuves D3 insuffisantes"},
        ),
        ("casefile.jury_minutes", minutes + "renvoyer à l'organisme évaluateur.", url),
    ]
    assert (refused.state, refused.closed_on, refused.closing_reason) == ("refused", TODAY, "Fraude avérée")
    assert events_since(refused, "casefile.refused") == [
        ("casefile.refused", "Certificat refusé par le jury : Fraude avérée", {}),
        ("casefile.jury_minutes", minutes + "refuser.", url),
    ]
    assert adjourned.state == CaseFileState.READY_FOR_JURY
    assert events_since(adjourned, "casefile.jury_minutes") == [
        ("casefile.jury_minutes", minutes + "ajourné (Attestation à produire).", url)
    ]

    permission = CandidatePathwayFlow.jury_return._owner_permission
    jury = ("ready_for_jury", "FUNCTION", "DONE", True, True, None, "start", ["all_domains_acquired"])
    switch = ("jury_outcome", "SWITCH", "DONE", False, True, None, "start", ["ready_for_jury"])
    assert after_jury(awarded.process_id) == [
        jury,
        switch,
        ("certificate_issued", "FUNCTION", "NEW", False, False, None, "start", ["jury_outcome"]),
    ]
    assert after_jury(returned.process_id) == [
        jury,
        switch,
        ("jury_return", "HUMAN", "NEW", False, False, permission, "start", ["jury_outcome"]),
    ]
    assert after_jury(refused.process_id) == [
        jury,
        switch,
        ("refused", "END", "DONE", True, True, None, "start", ["jury_outcome"]),
    ]
    assert after_jury(adjourned.process_id) == [
        ("ready_for_jury", "FUNCTION", "NEW", False, False, None, "start", ["all_domains_acquired"])
    ]
    assert shape(refused.process_id)["process"] == (PROCESS.DONE, True)
    assert shape(awarded.process_id)["process"][1] is False
    assert shape(returned.process_id)["process"][1] is False


def test_the_flows_moved_in_bulk_are_those_viewflow_writes_one_by_one(
    officer, idf, jury_member, employee_member, make_files, media_root
):
    files = make_files(3)
    session = plan_today(idf, jury_member, employee_member, actor=officer)
    items = run_session(officer.pk, jury_member.pk, session, ["award", "return", "refuse"])
    close_jury_session(session, actor=jury_member)
    # The reference: files in the same states, moved by Viewflow itself, one at a time.
    references = make_files(3)
    for case_file, state in zip(references, ["certified", "returned", "refused"], strict=True):
        CaseFile.objects.filter(pk=case_file.pk).update(state=state)
        task = CandidatePathwayTask.objects.get(
            process_id=case_file.process_id, flow_task=CandidatePathwayFlow.ready_for_jury, status=STATUS.NEW
        )
        with transaction.atomic():
            CandidatePathwayFlow.ready_for_jury.run(task)

    assert len(files) == 3
    for item, reference in zip(items, references, strict=True):
        case_file = CaseFile.objects.get(pk=item.case_file_id)
        assert shape(case_file.process_id) == shape(reference.process_id)


@contextmanager
def counted():  # type: ignore[no-untyped-def]
    """The statements of the block, with cold caches as on a fresh request."""
    ContentType.objects.clear_cache()
    bulksql._sequence.cache_clear()  # the id sequences' names, looked up once per process
    with CaptureQueriesContext(connection) as context:
        yield context


def measure(officer_pk, jury_pk, session, outcomes, monkeypatch):  # type: ignore[no-untyped-def]
    officer, jury = User.objects.get(pk=officer_pk), User.objects.get(pk=jury_pk)
    items = list(session.agenda.order_by("id"))
    counts = {}
    with counted() as q:
        check_agenda_items(
            session,
            [(i, o == "award", "" if o == "award" else "Avis") for i, o in zip(items, outcomes, strict=True)],
            actor=officer,
        )
    counts["check"] = len(q)
    jury = User.objects.get(pk=jury_pk)
    open_session(session, present=list(session.members.all()), actor=jury)
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome == "return":
            vote(session, item, jury, Decision.RETURN, "Preuves D3 insuffisantes")
        elif outcome == "refuse":
            vote(session, item, jury, Decision.REFUSE, "Fraude avérée")
        elif outcome == "adjourn":
            adjourn_item(item, reason="Attestation à produire", actor=jury)
    jury = User.objects.get(pk=jury_pk)
    with counted() as q:
        award_recommended(session, actor=jury, members_declared=True)
    counts["award"] = len(q)
    jury = User.objects.get(pk=jury_pk)
    with counted() as q:
        certificates = close_jury_session(session, actor=jury)
    counts["close"] = len(q)
    # The ISSUED events are recorded together and the organisation and the candidate told of each
    # certificate (the notification rules), in a few statements whatever their number.
    with counted() as q:
        issue_certificates([c.pk for c in certificates])
    counts["issue"] = len(q)
    return counts, certificates


def test_the_queries_do_not_grow_with_the_files(
    officer, idf, jury_member, employee_member, make_files, monkeypatch
):
    make_files(3)
    # The certification's first revocation list exists (made once, by the first credential ever issued).
    allocate_entries(Certification.objects.get(code="CLEA").pk, 1)
    small = plan_today(idf, jury_member, employee_member, actor=officer)
    # One return in each session: a return's event is recorded one by one, as its notification follows it.
    few, few_certificates = measure(
        officer.pk, jury_member.pk, small, ["award", "return", "refuse"], monkeypatch
    )
    make_files(12)
    large = plan_today(idf, jury_member, employee_member, actor=officer)
    outcomes = ["return", "refuse", "refuse", "adjourn", "adjourn"] + ["award"] * 7
    many, many_certificates = measure(officer.pk, jury_member.pk, large, outcomes, monkeypatch)

    assert many == few
    assert few["close"] < 80
    numbers = [c.number for c in few_certificates + many_certificates]
    assert numbers == [f"CLEA-{TODAY.year}-IDF-{n:06d}" for n in range(1, 9)]  # consecutive, no gap
    assert set(Certificate.objects.values_list("status", flat=True)) == {CertificateStatus.ISSUED}
    for certificate in many_certificates:
        process = certificate.case_file.process
        process.refresh_from_db()
        assert process.status == PROCESS.DONE
        assert shape(process.pk)["tasks"][-2:] == [
            ("certificate_issued", "FUNCTION", "DONE", True, True, None, "start", ["jury_outcome"]),
            ("end", "END", "DONE", True, True, None, "start", ["certificate_issued"]),
        ]


def test_an_issued_certificate_and_the_minutes_are_rendered_on_first_request(
    client_for, session, officer, jury_member, media_root
):
    run_session(officer.pk, jury_member.pk, session, ["award", "refuse"])
    [certificate] = close_jury_session(session, actor=jury_member)
    issue_certificates([certificate.pk])
    certificate.refresh_from_db()
    session.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED and not certificate.pdf and not session.minutes

    response = client_for(officer).get(reverse("certificats:pdf", kwargs={"pk": certificate.pk}))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    certificate.refresh_from_db()
    assert certificate.pdf.name.endswith(f"{certificate.number}.pdf")
    text = PdfReader(certificate.pdf.open("rb")).pages[0].extract_text()
    assert certificate.number in text
    response = client_for(jury_member).get(reverse("jurys:minutes", kwargs={"pk": session.pk}))
    assert response.status_code == 200
    session.refresh_from_db()
    assert "Procès-verbal" in PdfReader(session.minutes.open("rb")).pages[0].extract_text()
    # The job, delivered afterwards (twice), issues and renders nothing more.
    issue_certificate_job(certificate.pk)
    issue_certificate_job(certificate.pk)
    assert timeline(certificate.case_file).filter(verb="casefile.certificate_issued").count() == 1
    assert [p.name for p in (media_root / "certificats").iterdir()] == [f"{certificate.number}.pdf"]


def test_a_certificate_revoked_before_any_download_never_becomes_a_clean_pdf(
    client_for, session, officer, jury_member, supervisor, media_root
):
    from casefiles.services import revoke_certificate

    run_session(officer.pk, jury_member.pk, session, ["award", "refuse"])
    [certificate] = close_jury_session(session, actor=jury_member)
    issue_certificates([certificate.pk])
    certificate.refresh_from_db()
    revoke_certificate(certificate, reason="Fraude établie après la session.", actor=supervisor)

    response = client_for(officer).get(reverse("certificats:pdf", kwargs={"pk": certificate.pk}))

    assert response.status_code == 404
    certificate.refresh_from_db()
    assert not certificate.pdf
    issue_certificate_job(certificate.pk)  # a late job renders nothing either
    certificate.refresh_from_db()
    assert not certificate.pdf

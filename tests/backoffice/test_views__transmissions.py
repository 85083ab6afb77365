"""Holders to the training-account system (SI CPF): a supervisor asks for a transmission, the worker builds
and validates the XML, the person deposits it and uploads the CDC's receipt; rejected holders are sent again
once corrected, accepted ones never; the 3-month deadline and the reminders."""

from __future__ import annotations

import datetime as dt
import os
import threading
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from lxml import etree

from accreditation.models import Certification
from backoffice.core.audit.models import AuditEvent
from backoffice.notifications.models import Channel, Notification
from backoffice.notifications.reminders import remind_transmissions
from casefiles.cdc.receipts import build_receipt
from casefiles.cdc.validation import validate_flux
from casefiles.events import CertificateEvent
from casefiles.models import (
    Candidate,
    CdcStatus,
    Certificate,
    Passage,
    PassageOutcome,
    Transmission,
    TransmissionStatus,
)
from casefiles.services import revoke_certificate, transmissions
from casefiles.tasks import build_transmission_file
from tests.casefiles.conftest import TODAY

pytestmark = pytest.mark.django_db

NS = {"c": "urn:cdc:cpf:pc5:schema:1.0.0"}
NO_MATCH = ("TITULAIRE_INCONNU", "Aucun titulaire ne correspond aux données transmises.")


@pytest.fixture(autouse=True)
def rs_code(db):  # type: ignore[no-untyped-def]
    Certification.objects.filter(code="CLEA").update(rs_code="RS5080")


def built(actor, django_capture_on_commit_callbacks) -> Transmission:  # type: ignore[no-untyped-def]
    """A transmission asked for, then built by the worker's job (as the message enqueued on commit would)."""
    with django_capture_on_commit_callbacks() as callbacks:
        transmission = transmissions.request_transmission(actor=actor)
    assert [c.__qualname__ for c in callbacks] == ["request_transmission.<locals>.<lambda>"]
    build_transmission_file.fn(transmission.pk)
    transmission.refresh_from_db()
    return transmission


def receipt_for(
    transmission: Transmission, *, rejected: tuple[str, ...] = (), exists: tuple[str, ...] = ()
) -> bytes:
    ids = list(transmission.passage_rows.values_list("id_technique", flat=True))
    return build_receipt(
        id_flux=transmission.id_flux,
        file_name=transmission.file_name,
        accepted=[i for i in ids if i not in rejected and i not in exists],
        rejected=[(i, *NO_MATCH) for i in rejected]
        + [(i, "DOUBLON", "Ce passage de certification existe déjà") for i in exists],
        processed_on=dt.datetime.now(dt.UTC),
    )


def deposited(transmission: Transmission, supervisor) -> Transmission:  # type: ignore[no-untyped-def]
    return transmissions.mark_deposited(transmission, actor=supervisor)


# The whole loop


def test_the_loop_build_validate_receipt_correct_and_send_only_the_corrected_holder_again(
    supervisor,
    issued,
    django_capture_on_commit_callbacks,
):
    bernard, moreau = issued
    first = built(supervisor, django_capture_on_commit_callbacks)

    assert first.status == TransmissionStatus.READY and first.passages == 2
    assert validate_flux(first.file.path) == []
    tree = etree.parse(first.file.path)
    assert tree.findtext("c:emetteur/c:idClient", namespaces=NS) == "DEMO0001"
    assert tree.xpath("//c:certification/c:code/text()", namespaces=NS) == ["RS5080"]
    assert sorted(tree.xpath("//c:idTechnique/text()", namespaces=NS)) == sorted(
        [bernard.number, moreau.number]
    )
    assert tree.xpath("//c:urlPreuve/text()", namespaces=NS)[0].endswith(f"/verifier/{bernard.number}/")
    assert tree.xpath("//c:nomNaissance/text()", namespaces=NS) == ["Bernard", "Moreau"]
    assert tree.xpath("//c:codeInsee/text()", namespaces=NS) == ["75056", "75056"]
    assert set(Certificate.objects.values_list("cdc_status", flat=True)) == {CdcStatus.SENT}

    deposited(first, supervisor)
    counts = transmissions.apply_receipt(
        first, receipt_for(first, rejected=(moreau.number,)), name="accuse.xml", actor=supervisor
    )
    assert counts == {"accepted": 1, "rejected": 1, "unchanged": 0}
    bernard.refresh_from_db()
    moreau.refresh_from_db()
    assert bernard.cdc_status == CdcStatus.ACCEPTED
    assert moreau.cdc_status == CdcStatus.REJECTED and "Aucun titulaire" in moreau.cdc_message
    events = AuditEvent.objects.filter(
        verb=CertificateEvent.CDC_REJECTED, subject_id=str(moreau.case_file_id)
    )
    assert events.count() == 1 and "Aucun titulaire" in events.get().summary

    # Not corrected: nothing to send (a holder rejected and not corrected would be rejected again).
    with pytest.raises(ValidationError, match="Aucun titulaire à transmettre"):
        transmissions.request_transmission(actor=supervisor)

    Candidate.objects.filter(pk=moreau.case_file.candidate_id).update(birth_name="Moreau-Lefèvre")
    second = built(supervisor, django_capture_on_commit_callbacks)

    assert list(second.passage_rows.values_list("id_technique", flat=True)) == [moreau.number]
    tree = etree.parse(second.file.path)
    assert tree.xpath("//c:nomNaissance/text()", namespaces=NS) == ["Moreau-Lefèvre"]
    assert AuditEvent.objects.filter(verb=CertificateEvent.CDC_REQUEUED).count() == 1


def test_already_exists_counts_as_accepted_and_accepted_holders_are_never_sent_again(
    supervisor,
    issued,
    django_capture_on_commit_callbacks,
):
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    transmissions.apply_receipt(
        first, receipt_for(first, exists=(issued[1].number,)), name="a.xml", actor=supervisor
    )
    assert set(Certificate.objects.values_list("cdc_status", flat=True)) == {CdcStatus.ACCEPTED}
    first.refresh_from_db()
    assert first.status == TransmissionStatus.PROCESSED and (first.accepted, first.rejected) == (2, 0)
    Candidate.objects.update(birth_name="Autre")  # even changed, an accepted holder stays accepted
    with pytest.raises(ValidationError, match="Aucun titulaire à transmettre"):
        transmissions.request_transmission(actor=supervisor)


def test_the_same_receipt_twice_changes_nothing(supervisor, issued, django_capture_on_commit_callbacks):
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    content = receipt_for(first, rejected=(issued[0].number,))
    transmissions.apply_receipt(first, content, name="a.xml", actor=supervisor)
    events = AuditEvent.objects.count()
    assert transmissions.apply_receipt(first, content, name="a.xml", actor=supervisor) == {
        "accepted": 0,
        "rejected": 0,
        "unchanged": 2,
    }
    assert AuditEvent.objects.count() == events + 1  # only the receipt's own line on the transmission


def test_the_rectification_of_a_rejected_holder_puts_them_back_to_send_at_once(
    supervisor, officer, issued, django_capture_on_commit_callbacks
):
    from casefiles.services import rectify_candidate

    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    transmissions.apply_receipt(
        first, receipt_for(first, rejected=(issued[0].number,)), name="a.xml", actor=supervisor
    )
    candidate = Candidate.objects.get(pk=issued[0].case_file.candidate_id)
    rectify_candidate(
        candidate, changes={"phone": "0601020304"}, actor=officer
    )  # not what the CDC matches on
    issued[0].refresh_from_db()
    assert issued[0].cdc_status == CdcStatus.REJECTED
    rectify_candidate(candidate, changes={"birth_name": "Bernard-Lefèvre"}, actor=officer)
    issued[0].refresh_from_db()
    assert issued[0].cdc_status == CdcStatus.TO_SEND


def test_a_holder_with_an_incomplete_identity_is_not_sent(
    supervisor, issued, django_capture_on_commit_callbacks
):
    Candidate.objects.filter(pk=issued[0].case_file.candidate_id).update(birth_commune_code="")
    transmission = built(supervisor, django_capture_on_commit_callbacks)
    assert list(transmission.passage_rows.values_list("id_technique", flat=True)) == [issued[1].number]
    issued[0].refresh_from_db()
    assert issued[0].cdc_status == CdcStatus.TO_SEND


def test_a_certification_without_its_rs_code_keeps_its_holders_waiting_and_says_so(
    supervisor, issued, client_for
):
    Certification.objects.filter(code="CLEA").update(rs_code="")
    with pytest.raises(ValidationError, match="Aucun titulaire à transmettre"):
        transmissions.request_transmission(actor=supervisor)
    text = unescape(client_for(supervisor).get("/certificats/transmissions/").content.decode())
    assert "Sans code RS" in text and "Certification CléA" in text


def test_a_holder_born_abroad_is_sent_with_the_cdc_country_code(
    supervisor, issued, django_capture_on_commit_callbacks
):
    Candidate.objects.filter(pk=issued[0].case_file.candidate_id).update(
        birth_commune_code="", birth_country_code="99350"
    )
    transmission = built(supervisor, django_capture_on_commit_callbacks)
    tree = etree.parse(transmission.file.path)
    assert tree.xpath("//c:codePaysNaissance/text()", namespaces=NS) == ["350"]
    assert validate_flux(transmission.file.path) == []


def test_a_revoked_certificate_is_not_sent_and_an_accepted_one_revoked_is_listed_for_removal(
    supervisor,
    issued,
    client_for,
    django_capture_on_commit_callbacks,
):
    revoke_certificate(issued[1], reason="Fraude", actor=supervisor)
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    assert first.passages == 1
    transmissions.apply_receipt(first, receipt_for(first), name="a.xml", actor=supervisor)
    revoke_certificate(issued[0], reason="Erreur de jury", actor=supervisor)

    text = unescape(client_for(supervisor).get("/certificats/transmissions/").content.decode())
    removals = text[text.index('id="removals"') :]
    assert issued[0].number in removals and issued[1].number not in removals

    client_for(supervisor).post(f"/certificats/{issued[0].pk}/retire-du-si-cpf/")
    issued[0].refresh_from_db()
    assert issued[0].cdc_removed_at is not None
    assert AuditEvent.objects.filter(verb=CertificateEvent.CDC_REMOVED).count() == 1


# Bad input: nothing changed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ceci n'est pas du XML", "Accusé refusé"),
        (
            b"<?xml version='1.0'?><accuseTraitement xmlns='urn:cdc:cpf:pc5:accuse:1.0.0'><idFlux>",
            "Accusé refusé",
        ),
        (b"<?xml version='1.0'?><flux xmlns='urn:cdc:cpf:pc5:schema:1.0.0'/>", "Accusé refusé"),
    ],
    ids=["not-xml", "truncated", "another-schema"],
)
def test_a_receipt_that_cannot_be_read_changes_nothing(
    supervisor,
    issued,
    content,
    message,
    django_capture_on_commit_callbacks,
):
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    with pytest.raises(ValidationError, match=message):
        transmissions.apply_receipt(first, content, name="a.xml", actor=supervisor)
    assert set(Certificate.objects.values_list("cdc_status", flat=True)) == {CdcStatus.SENT}


def test_a_receipt_of_another_transmission_or_naming_an_unknown_holder_changes_nothing(
    supervisor,
    issued,
    django_capture_on_commit_callbacks,
):
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    now = dt.datetime.now(dt.UTC)
    other_flux = build_receipt(
        id_flux="CLEA-AUTRE", file_name=first.file_name, accepted=[], rejected=[], processed_on=now
    )
    other_file = build_receipt(
        id_flux=first.id_flux, file_name="autre.xml", accepted=[], rejected=[], processed_on=now
    )
    unknown = build_receipt(
        id_flux=first.id_flux,
        file_name=first.file_name,
        accepted=["CLEA-1999-IDF-00001"],
        rejected=[],
        processed_on=now,
    )
    for content, message in (
        (other_flux, "concerne le flux"),
        (other_file, "concerne le fichier"),
        (unknown, "ne sont pas dans cette transmission"),
    ):
        with pytest.raises(ValidationError, match=message):
            transmissions.apply_receipt(first, content, name="a.xml", actor=supervisor)
    assert set(Certificate.objects.values_list("cdc_status", flat=True)) == {CdcStatus.SENT}
    assert not Passage.objects.exclude(outcome=PassageOutcome.PENDING).exists()


def test_a_receipt_before_the_deposit_is_refused(supervisor, issued, django_capture_on_commit_callbacks):
    first = built(supervisor, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="une fois le fichier déposé"):
        transmissions.apply_receipt(first, receipt_for(first), name="a.xml", actor=supervisor)


def test_a_second_request_while_one_is_building_is_told(supervisor, issued):
    transmissions.request_transmission(actor=supervisor)
    with pytest.raises(ValidationError, match="déjà en préparation"):
        transmissions.request_transmission(actor=supervisor)
    assert Transmission.objects.count() == 1


def test_a_file_that_fails_the_schema_is_never_offered_and_the_holders_stay_to_send(
    supervisor,
    issued,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    monkeypatch.setattr(transmissions, "validate_flux", lambda path, version: ["ligne 3 : valeur refusée"])
    transmission = built(supervisor, django_capture_on_commit_callbacks)
    assert transmission.status == TransmissionStatus.FAILED and not transmission.file
    assert "valeur refusée" in transmission.problems
    assert set(Certificate.objects.values_list("cdc_status", flat=True)) == {CdcStatus.TO_SEND}
    assert not Passage.objects.exists()


def test_the_worker_message_delivered_twice_builds_once(
    supervisor, issued, django_capture_on_commit_callbacks
):
    transmission = built(supervisor, django_capture_on_commit_callbacks)
    name = transmission.file.name
    build_transmission_file.fn(transmission.pk)
    transmission.refresh_from_db()
    assert transmission.file.name == name and Passage.objects.count() == 2


@pytest.mark.parametrize("persona", ["officer", "evaluator", "jury_member", "officer_of_other_region"])
def test_only_a_national_supervisor_transmits(request, persona, issued):
    with pytest.raises(PermissionDenied):
        transmissions.request_transmission(actor=request.getfixturevalue(persona))


# Pages


def test_the_supervisor_follows_the_whole_loop_through_the_pages(
    client_for,
    supervisor,
    issued,
    django_capture_on_commit_callbacks,
):
    client = client_for(supervisor)
    listing = unescape(client.get("/certificats/transmissions/").content.decode())
    assert '<strong id="due">2</strong>' in listing and "Préparer la transmission" in listing

    with django_capture_on_commit_callbacks():
        response = client.post("/certificats/transmissions/preparer/", follow=True)
    transmission = Transmission.objects.get()
    assert "Préparation en cours" in unescape(response.content.decode())
    build_transmission_file.fn(transmission.pk)

    detail = unescape(client.get(f"/certificats/transmissions/{transmission.pk}/").content.decode())
    assert "Prête à déposer" in detail and f"{transmission.id_flux}.xml" in detail
    download = client.get(f"/certificats/transmissions/{transmission.pk}/fichier.xml")
    assert download["Content-Type"] == "application/xml"
    assert download["Content-Disposition"] == f'attachment; filename="{transmission.id_flux}.xml"'
    assert b"urn:cdc:cpf:pc5:schema:1.0.0" in b"".join(download.streaming_content)

    client.post(f"/certificats/transmissions/{transmission.pk}/depose/")
    transmission.refresh_from_db()
    upload = SimpleUploadedFile("accuse.xml", receipt_for(transmission, rejected=(issued[1].number,)))
    response = client.post(
        f"/certificats/transmissions/{transmission.pk}/accuse/", {"accuse": upload}, follow=True
    )
    text = unescape(response.content.decode())
    assert "1 titulaire(s) accepté(s), 1 rejeté(s)" in text and "Aucun titulaire ne correspond" in text

    bad = SimpleUploadedFile("accuse.xml", b"pas du xml")
    text = unescape(
        client.post(
            f"/certificats/transmissions/{transmission.pk}/accuse/", {"accuse": bad}, follow=True
        ).content.decode()
    )
    assert "Accusé refusé, rien n'a changé" in text

    officer_page = unescape(client.get("/certificats/").content.decode())
    assert 'id="rejected"' in officer_page and issued[1].number in officer_page


@pytest.mark.parametrize("persona", ["officer", "evaluator", "jury_member", "officer_of_other_region"])
def test_outsiders_get_404_on_every_transmission_url(request, client_for, persona, supervisor, issued):
    transmission = transmissions.request_transmission(actor=supervisor)
    client = client_for(request.getfixturevalue(persona))
    base = f"/certificats/transmissions/{transmission.pk}/"
    assert client.get("/certificats/transmissions/").status_code == 404
    assert client.get(base).status_code == 404
    assert client.get(base + "fichier.xml").status_code == 404
    assert client.post("/certificats/transmissions/preparer/").status_code == 404
    assert client.post(base + "depose/").status_code == 404
    assert Transmission.objects.count() == 1


# The deadline and the reminders


def test_supervisors_are_reminded_once_of_holders_never_sent_two_months_after_the_award(supervisor, issued):
    Certificate.objects.update(awarded_on=TODAY - dt.timedelta(days=65))
    remind_transmissions(TODAY)
    written = Notification.objects.count()
    remind_transmissions(
        TODAY + dt.timedelta(days=1)
    )  # the next morning: the same holders, no second reminder
    assert Notification.objects.count() == written
    notes = Notification.objects.filter(template="cdc_not_sent", recipient=supervisor, channel=Channel.IN_APP)
    assert notes.count() == 1 and "2 titulaire(s)" in notes.get().subject


def test_holders_awarded_less_than_two_months_ago_remind_nobody(supervisor, issued):
    assert remind_transmissions(TODAY) == 0


def test_the_regions_officers_learn_of_each_rejected_holder(
    officer,
    officer_of_other_region,
    supervisor,
    issued,
    django_capture_on_commit_callbacks,
):
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    transmissions.apply_receipt(
        first, receipt_for(first, rejected=(issued[0].number,)), name="a.xml", actor=supervisor
    )
    notes = Notification.objects.filter(template="cdc_rejected", channel=Channel.IN_APP)
    assert set(notes.values_list("recipient__username", flat=True)) == {officer.username}
    assert issued[0].number in notes.first().context["number"]


# Personal data


def test_the_files_are_deleted_a_year_after_their_receipt_and_the_answers_stay(
    supervisor, issued, django_capture_on_commit_callbacks
):
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    transmissions.apply_receipt(first, receipt_for(first), name="a.xml", actor=supervisor)
    first.refresh_from_db()
    path = first.file.path
    assert transmissions.purge_transmission_files(today=TODAY + dt.timedelta(days=300)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert transmissions.purge_transmission_files(today=TODAY + dt.timedelta(days=370)) == 1
    first.refresh_from_db()
    assert not first.file and first.accepted == 2
    assert not os.path.exists(path)
    assert set(Passage.objects.values_list("outcome", flat=True)) == {PassageOutcome.ACCEPTED}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the unique index waits on PostgreSQL only")
def test_two_transmissions_asked_at_once_build_one_and_tell_the_other(transactional_db, monkeypatch):
    """Both requests pass the "one already building?" check together: the partial unique index decides."""
    monkeypatch.setattr(transmissions, "due_certificates", lambda: Certification.objects.all())
    barrier, outcomes = threading.Barrier(2), []
    real_filter, waited = Transmission.objects.filter, set()

    def after_the_check(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_filter(*args, **kwargs)
        me = threading.current_thread().name
        if kwargs.get("status") == TransmissionStatus.BUILDING and me.startswith("ask") and me not in waited:
            waited.add(me)
            barrier.wait(timeout=10)  # both have looked: nobody building yet
        return found

    monkeypatch.setattr(Transmission.objects, "filter", after_the_check)

    def ask() -> None:
        try:
            with transaction.atomic():
                outcomes.append(transmissions.request_transmission(actor=None).id_flux)
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, name=f"ask-{n}") for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Transmission.objects.count() == 1
    assert sorted(o.startswith("CLEA-") for o in outcomes) == [False, True]
    assert any("déjà en préparation" in o for o in outcomes)


# Holes closed (review)


def test_a_holder_rejected_twice_is_not_sent_again_until_corrected_again(
    supervisor, issued, django_capture_on_commit_callbacks
):
    moreau = issued[1]
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    transmissions.apply_receipt(
        first, receipt_for(first, rejected=(moreau.number,)), name="a.xml", actor=supervisor
    )
    Candidate.objects.filter(pk=moreau.case_file.candidate_id).update(birth_name="Correction")
    second = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    transmissions.apply_receipt(
        second, receipt_for(second, rejected=(moreau.number,)), name="b.xml", actor=supervisor
    )

    assert transmissions.requeue_corrected(actor=supervisor) == 0  # compared with what T2 sent, not T1
    moreau.refresh_from_db()
    assert moreau.cdc_status == CdcStatus.REJECTED


def test_a_name_too_long_for_the_cdc_is_an_incomplete_identity_and_the_others_go(
    supervisor, issued, client_for, django_capture_on_commit_callbacks
):
    Candidate.objects.filter(pk=issued[0].case_file.candidate_id).update(birth_name="B" * 61)
    transmission = built(supervisor, django_capture_on_commit_callbacks)
    assert transmission.status == TransmissionStatus.READY
    assert list(transmission.passage_rows.values_list("id_technique", flat=True)) == [issued[1].number]
    text = unescape(client_for(supervisor).get("/certificats/").content.decode())
    assert "plus de 60 caractères" in text[text.index('id="incomplete"') :]


def test_a_holder_the_format_refuses_is_left_out_and_named_without_the_value(
    supervisor, issued, django_capture_on_commit_callbacks
):
    Candidate.objects.filter(pk=issued[0].case_file.candidate_id).update(birth_name="Bern\x07ard")
    transmission = built(supervisor, django_capture_on_commit_callbacks)
    assert transmission.status == TransmissionStatus.READY and transmission.passages == 1
    assert issued[0].number in transmission.problems and "Bern" not in transmission.problems
    issued[0].refresh_from_db()
    assert issued[0].cdc_status == CdcStatus.TO_SEND
    assert not Passage.objects.filter(certificate=issued[0]).exists()


def test_a_certificate_revoked_while_the_file_is_written_is_left_out(
    supervisor, issued, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks():
        transmission = transmissions.request_transmission(actor=supervisor)
    real_write = transmissions._write

    def write_then_revoke(*args, **kwargs):  # type: ignore[no-untyped-def]
        written = real_write(*args, **kwargs)
        if not Certificate.objects.filter(pk=issued[1].pk, status="revoked").exists():
            revoke_certificate(issued[1], reason="Fraude", actor=supervisor)
        return written

    monkeypatch.setattr(transmissions, "_write", write_then_revoke)
    build_transmission_file.fn(transmission.pk)
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.READY and transmission.passages == 1
    tree = etree.parse(transmission.file.path)
    assert tree.xpath("//c:idTechnique/text()", namespaces=NS) == [issued[0].number]
    assert "retiré pendant la préparation" in transmission.problems


def test_a_transmission_given_up_puts_its_unanswered_holders_back_to_send(
    supervisor, issued, client_for, django_capture_on_commit_callbacks
):
    first = deposited(built(supervisor, django_capture_on_commit_callbacks), supervisor)
    path = first.file.path
    client = client_for(supervisor)
    refused = client.post(f"/certificats/transmissions/{first.pk}/abandonner/", {"reason": ""}, follow=True)
    assert "motif est obligatoire" in unescape(refused.content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/certificats/transmissions/{first.pk}/abandonner/", {"reason": "Refusé en entier par la CDC"}
        )
    first.refresh_from_db()
    assert first.status == TransmissionStatus.ABANDONED and not first.file and not os.path.exists(path)
    assert set(Certificate.objects.values_list("cdc_status", flat=True)) == {CdcStatus.TO_SEND}
    assert not Passage.objects.exists()
    again = built(supervisor, django_capture_on_commit_callbacks)
    assert again.passages == 2


def test_a_transmission_stuck_while_built_can_be_given_up_then_asked_again(supervisor, issued):
    stuck = transmissions.request_transmission(actor=supervisor)  # its message was lost: never built
    transmissions.abandon_transmission(stuck, reason="Préparation bloquée", actor=supervisor)
    assert transmissions.request_transmission(actor=supervisor).status == TransmissionStatus.BUILDING


def test_the_usual_name_is_not_sent_when_it_is_the_birth_name_in_other_capitals(
    supervisor, issued, django_capture_on_commit_callbacks
):
    Candidate.objects.filter(pk=issued[0].case_file.candidate_id).update(birth_name="BERNARD")
    transmission = built(supervisor, django_capture_on_commit_callbacks)
    tree = etree.parse(transmission.file.path)
    usual = tree.xpath("//c:nomUsage", namespaces=NS)
    assert all(element.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true" for element in usual)


def test_a_transmission_abandoned_while_built_stays_abandoned_with_its_reason(
    supervisor, issued, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks():
        transmission = transmissions.request_transmission(actor=supervisor)
    real_write = transmissions._write

    def abandoned_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        written = real_write(*args, **kwargs)
        transmissions.abandon_transmission(transmission, reason="Bloquée", actor=supervisor)
        return written

    monkeypatch.setattr(transmissions, "_write", abandoned_meanwhile)
    assert transmissions.build_transmission(transmission.pk) == "déjà traitée"
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.ABANDONED and transmission.problems == "Bloquée"
    assert not Passage.objects.exists()
    assert set(Certificate.objects.values_list("cdc_status", flat=True)) == {CdcStatus.TO_SEND}
    assert not AuditEvent.objects.filter(verb="transmission.failed").exists()


def test_a_transmission_abandoned_before_its_claim_claims_nothing(supervisor, issued):
    transmission = transmissions.request_transmission(actor=supervisor)
    transmissions.abandon_transmission(transmission, reason="Bloquée", actor=supervisor)
    assert transmissions.build_transmission(transmission.pk) == "déjà traitée"
    transmissions._claim(transmission)
    assert not Passage.objects.exists()

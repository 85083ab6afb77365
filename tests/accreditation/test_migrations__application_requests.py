"""Data migration 0010: an application waiting at deploy time for the answer to a request made before
requests named their items gets what it asks — the documents its event names, else any document (its message
says which) and no section — so that after the deadline the organisation can still join documents and answer,
while the scope it asked stays frozen."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accreditation.models import ApplicationDocumentCategory, ApplicationStatus
from accreditation.rules import editable_sections, requested_documents, requested_labels
from accreditation.services import (
    answer_information_request,
    attach_application_document,
    save_content,
    submit_application,
)
from fixtures.demo import make_siret
from tests.accreditation.test_services__frozen_application import (
    ask,
    pass_the_deadline,
    pdf,
    reloaded,
    verbs,
)
from tests.accreditation.test_services__instruction import ready_to_submit

pytestmark = pytest.mark.django_db

BEFORE = [("accreditation", "0009_application_request_items_and_clock")]


@pytest.fixture
def submitted(officer, evaluator):  # type: ignore[no-untyped-def]
    return submit_application(ready_to_submit(officer, evaluator), actor=evaluator)


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _migrated_as_before_requests_named_their_items(application) -> None:  # type: ignore[no-untyped-def]
    """Back to before 0010, with the application as the old request left it (nothing named, no clock), then
    forward: 0010 fills in what it asks."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    with connection.cursor() as cursor:  # the rows written below are checked as they come, not at the end
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    old = _migrate(BEFORE)
    old.get_model("accreditation", "AccreditationApplication").objects.filter(pk=application.pk).update(
        requested={}, check_due_at=None, clock_paused_at=None
    )
    _migrate(leaves)


def test_a_request_waiting_past_the_deadline_can_still_be_answered_with_documents_but_not_a_new_site(
    submitted,
    officer,
    evaluator,
):
    pass_the_deadline(submitted)
    ask(submitted, officer)  # "Complément": the documents are named in the message only

    _migrated_as_before_requests_named_their_items(submitted)

    application = reloaded(submitted)
    assert application.status == ApplicationStatus.INFORMATION_REQUESTED
    assert requested_documents(application) == list(ApplicationDocumentCategory.values)
    assert editable_sections(application) == []
    assert requested_labels(application.requested) == ["Pièces : celles qu'indique le message de la demande"]
    content = copy.deepcopy(application.content)
    content["sites"].append({**content["sites"][0], "siret": make_siret(application.organisation.siren, 999)})
    with pytest.raises(ValidationError, match="habilitations demandées ne changent plus"):
        save_content(application, content=content, actor=evaluator)
    assert len(reloaded(submitted).content["sites"]) == 1

    attach_application_document(application, upload=pdf("tools"), category="tools", actor=evaluator)
    answer_information_request(application, response="Outils d'évaluation joints", actor=evaluator)

    answered = reloaded(submitted)
    assert answered.status == ApplicationStatus.SUBMITTED
    assert answered.documents.filter(category="tools").exists()
    assert verbs(submitted)[-2:] == ["application.document_added", "application.information_provided"]


def test_a_request_whose_event_names_documents_asks_those_documents_only(
    submitted,
    officer,
    evaluator,
):
    pass_the_deadline(submitted)
    ask(submitted, officer, documents=["kbis"])

    _migrated_as_before_requests_named_their_items(submitted)

    application = reloaded(submitted)
    assert application.requested == {"documents": ["kbis"], "sections": [], "questions": []}
    with pytest.raises(ValidationError, match="Pièce demandée non jointe : Extrait Kbis"):
        answer_information_request(application, response="Voici", actor=evaluator)
    attach_application_document(application, upload=pdf("kbis"), category="kbis", actor=evaluator)
    answer_information_request(application, response="Kbis à jour joint", actor=evaluator)
    assert reloaded(submitted).status == ApplicationStatus.SUBMITTED

"""The board's decision letter: rendered by the worker after the decision commits, or on its first download;
the organisation and Certif'Pro staff download it, nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accreditation.services import (
    check_completeness,
    propose_to_board,
    record_board_decision,
)
from accreditation.tasks import render_decision_letter_job
from tests.accreditation.test_services__instruction import (  # noqa: F401
    review,
    scopes_of,
    second_supervisor,
    submitted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(submitted, officer, supervisor, second_supervisor, django_capture_on_commit_callbacks):  # noqa: F811
    check_completeness(submitted, complete=True, actor=officer)
    review(submitted, supervisor)
    propose_to_board(submitted, choices=scopes_of(submitted), actor=second_supervisor)
    with django_capture_on_commit_callbacks() as callbacks:
        record_board_decision(submitted, choices=scopes_of(submitted, (True, False)), actor=second_supervisor)
    submitted.refresh_from_db()
    return submitted, callbacks


def _text(response) -> str:  # type: ignore[no-untyped-def]
    import io

    content = b"".join(response.streaming_content)
    return " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())


def test_the_worker_renders_the_letter_once_after_the_decision(decided):
    application, callbacks = decided
    assert not application.decision_letter
    assert "enqueue render_decision_letter_job" in [c.__qualname__ for c in callbacks]

    render_decision_letter_job.fn(application.pk)
    application.refresh_from_db()
    first = application.decision_letter.name
    render_decision_letter_job.fn(application.pk)  # a redelivered message changes nothing
    application.refresh_from_db()
    assert first and application.decision_letter.name == first


def test_the_organisation_downloads_its_letter_rendered_on_first_request(decided, client_for, evaluator):
    application, _ = decided
    url = reverse("campagnes:application_letter", kwargs={"pk": application.pk})

    response = client_for(evaluator).get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Formateurs non formés" in _text(response)
    application.refresh_from_db()
    assert application.decision_letter  # stored: the next download reads it
    summary = client_for(evaluator).get(reverse("campagnes:application", kwargs={"pk": application.pk}))
    assert url in summary.content.decode()


def test_an_outsider_organisation_gets_nothing(decided, client_for, evaluator_of_other_organisation):
    application, _ = decided
    url = reverse("campagnes:application_letter", kwargs={"pk": application.pk})

    assert client_for(evaluator_of_other_organisation).get(url).status_code == 404
    application.refresh_from_db()
    assert not application.decision_letter  # nothing rendered for an outsider


def test_no_letter_before_the_decision(submitted, client_for, evaluator):  # noqa: F811
    url = reverse("campagnes:application_letter", kwargs={"pk": submitted.pk})
    assert client_for(evaluator).get(url).status_code == 404

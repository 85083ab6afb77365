"""Large lists are exported in the background: a job sent to the worker on commit, written once for its
requester's scope and filters, listed on /exports/ and downloadable by the requester only."""

from __future__ import annotations

import csv
import datetime as dt
import io

import dramatiq
import pytest
from django.utils import timezone
from dramatiq.middleware.time_limit import TimeLimitExceeded

from accreditation.models import Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.exports import services
from backoffice.exports.models import ExportJob, ExportKind, ExportStatus
from backoffice.exports.tasks import prepare_export_job, purge_expired_exports_due
from fixtures.reference import load_reference_data
from tests.backoffice.test_exports__lists import build_world, make_file
from tests.factories import AccreditationFactory, SiteFactory, UserFactory


@pytest.fixture
def world(idf, ara, idf_site, ara_site, evaluator):
    return build_world(idf, ara, idf_site, ara_site, evaluator)


@pytest.fixture
def sent(monkeypatch):
    """The job ids sent to the worker (no broker needed: the message is recorded, not delivered)."""
    messages: list[int] = []
    monkeypatch.setattr(prepare_export_job, "send", lambda job_id: messages.append(job_id))
    return messages


@pytest.fixture
def small_inline_limit(settings):
    settings.EXPORT_INLINE_MAX_ROWS = 1


def rows_of(job: ExportJob) -> list[dict[str, str]]:
    with job.file.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def ask(client, django_capture_on_commit_callbacks, url: str):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)
    return response, callbacks


@pytest.mark.django_db
class TestRequest:
    def test_a_large_list_becomes_a_job_sent_to_the_worker_once_committed(
        self, client_for, officer, world, sent, small_inline_limit, django_capture_on_commit_callbacks
    ):
        response, callbacks = ask(
            client_for(officer),
            django_capture_on_commit_callbacks,
            "/exports/dossiers.csv?state=certified&page=2",
        )

        assert response.status_code == 302 and response["Location"] == "/exports/"
        job = ExportJob.objects.get()
        assert (job.requested_by, job.kind, job.format) == (officer, ExportKind.CASE_FILES, "csv")
        assert job.filters == {"state": ["certified"]}  # the page number is not a filter
        assert job.status == ExportStatus.PENDING and not job.file
        assert len(callbacks) == 1 and sent == [job.pk]

    def test_nothing_is_sent_when_the_request_is_rolled_back(
        self, client_for, officer, world, sent, small_inline_limit, django_capture_on_commit_callbacks
    ):
        from django.db import transaction

        with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
            services.request_export(
                actor=officer, kind=_kind(ExportKind.CASE_FILES), fmt="csv", filters=_query("")
            )
            transaction.set_rollback(True)
        assert callbacks == [] and sent == [] and not ExportJob.objects.exists()

    def test_a_list_within_the_limit_is_returned_at_once_without_job(self, client_for, officer, world, sent):
        response = client_for(officer).post("/exports/dossiers.csv")
        assert response.status_code == 200 and response.content.count(b"\r\n") == 4
        assert not ExportJob.objects.exists() and sent == []


def _kind(kind: ExportKind):
    from backoffice.core.exports.kinds import KINDS

    return KINDS[kind]


def _query(text: str):
    from django.http import QueryDict

    return QueryDict(text)


@pytest.fixture
def job(client_for, officer, world, sent, small_inline_limit, django_capture_on_commit_callbacks):
    ask(client_for(officer), django_capture_on_commit_callbacks, "/exports/dossiers.csv?state=certified")
    return ExportJob.objects.get()


@pytest.mark.django_db
class TestWorker:
    def test_the_worker_writes_the_requesters_filtered_rows_once(self, job, media_root):
        prepare_export_job.fn(job.pk)

        job.refresh_from_db()
        assert job.status == ExportStatus.DONE and job.row_count == 2 and job.finished_at is not None
        assert [row["nom"] for row in rows_of(job)] == ["Moreau", "Petit"]
        assert job.file.name.startswith(f"exports/{job.requested_by_id}/")
        assert (media_root / job.file.name).exists()

    def test_a_redelivered_message_after_done_changes_nothing(self, job, media_root):
        prepare_export_job.fn(job.pk)
        job.refresh_from_db()
        before = (job.file.name, job.finished_at, job.row_count)

        assert services.prepare_export(job.pk) == "skipped"
        prepare_export_job.fn(job.pk)

        job.refresh_from_db()
        assert (job.file.name, job.finished_at, job.row_count) == before
        assert len(list((media_root / "exports" / str(job.requested_by_id)).iterdir())) == 1

    def test_the_worker_reads_the_requesters_scope_of_today(self, job, ara, world):
        set_user_scope(job.requested_by, regions=[ara], actor=None)  # moved to another region meanwhile

        prepare_export_job.fn(job.pk)

        job.refresh_from_db()
        assert [row["nom"] for row in rows_of(job)] == ["Lyonnais"]

    def test_a_requester_who_lost_access_gets_a_failed_job_with_a_french_reason(self, job):
        job.requested_by.groups.clear()

        assert services.prepare_export(job.pk) == "refused"

        job.refresh_from_db()
        assert job.status == ExportStatus.FAILED and not job.file
        assert job.error == "Vous n'avez plus accès à cette liste : l'export n'a pas été préparé."

    @pytest.mark.parametrize("failure", [RuntimeError, TimeLimitExceeded], ids=["error", "time_limit"])
    def test_a_failure_is_recorded_and_a_retry_takes_the_job_up_again(self, job, monkeypatch, failure):
        def broken(*args, **kwargs):
            raise failure("base indisponible")

        with monkeypatch.context() as patched:
            patched.setattr(services, "write_export", broken)
            with pytest.raises(failure):
                prepare_export_job.fn(job.pk)  # re-raised: Dramatiq retries the message
        job.refresh_from_db()
        assert job.status == ExportStatus.FAILED and job.error.startswith("L'export n'a pas pu être préparé.")

        prepare_export_job.fn(job.pk)

        job.refresh_from_db()
        assert job.status == ExportStatus.DONE and job.error == "" and job.row_count == 2

    def test_a_job_another_worker_is_writing_is_left_alone_unless_stale(self, job):
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, started_at=timezone.now())
        assert services.prepare_export(job.pk) == "skipped"

        ExportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
        assert services.prepare_export(job.pk) == "done"

    def test_a_message_for_a_missing_job_is_acknowledged(self, db):
        assert services.prepare_export(987654321) == "missing"

    def test_the_nightly_purge_deletes_old_files_and_keeps_the_job(self, job, media_root, client_for):
        prepare_export_job.fn(job.pk)
        job.refresh_from_db()
        path = media_root / job.file.name
        ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))

        purge_expired_exports_due.fn()
        purge_expired_exports_due.fn()

        job.refresh_from_db()
        assert not path.exists() and not job.file and job.status == ExportStatus.DONE
        client = client_for(job.requested_by)
        assert client.get(f"/exports/{job.pk}/telecharger/").status_code == 404
        assert "supprimé" in client.get("/exports/").content.decode()


@pytest.mark.django_db
class TestDownload:
    @pytest.fixture
    def done(self, job):
        prepare_export_job.fn(job.pk)
        job.refresh_from_db()
        return job

    def test_the_requester_downloads_the_file_as_an_attachment(self, done, client_for, officer):
        response = client_for(officer).get(f"/exports/{done.pk}/telecharger/")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith('attachment; filename="dossiers-')
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert "Moreau" in body and "Bernard" not in body

    @pytest.mark.parametrize(
        "other", ["supervisor", "officer_of_other_region", "jury_member", "administrator"]
    )
    def test_anyone_else_gets_404_even_national_staff(self, request, done, client_for, other):
        client = client_for(request.getfixturevalue(other))
        assert client.get(f"/exports/{done.pk}/telecharger/").status_code == 404
        assert f"/exports/{done.pk}/telecharger/" not in client.get("/exports/").content.decode()

    def test_a_job_not_ready_yet_gets_404(self, job, client_for, officer):
        assert client_for(officer).get(f"/exports/{job.pk}/telecharger/").status_code == 404

    def test_the_exports_page_lists_the_requesters_jobs_with_their_status(
        self, done, job, client_for, officer
    ):
        page = client_for(officer).get("/exports/").content.decode()
        assert "Dossiers candidats" in page and "Prêt" in page and "état : certified" in page
        assert f'href="/exports/{done.pk}/telecharger/"' in page


@pytest.mark.django_db
def test_the_exports_page_runs_a_constant_number_of_queries(
    client_for,
    officer,
    world,
    sent,
    small_inline_limit,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client = client_for(officer)
    ask(client, django_capture_on_commit_callbacks, "/exports/dossiers.csv")
    client.get("/exports/")  # warm caches (session, content types)
    with django_assert_max_num_queries(12) as one:
        assert client.get("/exports/").status_code == 200
    with_one_job = len(one)
    for fmt in ("csv", "xlsx") * 5:
        ask(client, django_capture_on_commit_callbacks, f"/exports/certificats.{fmt}")
    with django_assert_max_num_queries(with_one_job):
        page = client.get("/exports/").content.decode()
    assert page.count("data-export-id=") == 11


# Through a real worker on the configured broker (Redis in CI), as the other worker tests.


@pytest.fixture
def committed_world(transactional_db):  # type: ignore[no-untyped-def]
    # Worker threads use their own connections: the rows must be committed.
    load_reference_data()
    site = SiteFactory(department=Department.objects.get(code="93"))
    AccreditationFactory(site=site)
    for name in ("Bernard", "Moreau", "Petit"):
        make_file(site, name)
    officer = UserFactory(username="officer.worker", role=Role.CASE_OFFICER)
    set_user_scope(officer, regions=[site.region], actor=None)
    return officer


def test_the_worker_prepares_the_export_once_even_if_the_message_is_redelivered(
    committed_world, client_for, settings, media_root
):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        response = client_for(committed_world).post("/exports/dossiers.csv?_search=r")  # sent on commit
        assert response.status_code == 302
        broker.join(prepare_export_job.queue_name, timeout=30_000)
        job = ExportJob.objects.get()
        job_done = (job.status, job.row_count, job.file.name, job.finished_at)
        prepare_export_job.send(job.pk)  # a redelivered message
        broker.join(prepare_export_job.queue_name, timeout=30_000)
        worker.join()
    finally:
        worker.stop()

    job.refresh_from_db()
    assert job_done[:2] == (ExportStatus.DONE, 2)
    assert sorted(row["nom"] for row in rows_of(job)) == [
        "Bernard",
        "Moreau",
    ]  # the search applied: not Petit
    assert (job.status, job.row_count, job.file.name, job.finished_at) == job_done
    assert len(list((media_root / "exports" / str(committed_world.pk)).iterdir())) == 1


@pytest.mark.django_db
def test_a_request_answers_even_if_the_broker_is_down_and_the_sweeper_sends_the_job_later(
    client_for, officer, world, monkeypatch, small_inline_limit, django_capture_on_commit_callbacks
):
    from backoffice.exports.tasks import prepare_pending_exports

    def broker_down(job_id: int) -> None:
        raise ConnectionError("Redis ne répond pas")

    monkeypatch.setattr(prepare_export_job, "send", broker_down)
    response, _ = ask(client_for(officer), django_capture_on_commit_callbacks, "/exports/dossiers.csv")

    assert response.status_code == 302  # saved and answered: the enqueue's failure is only logged
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.PENDING
    resent: list[int] = []
    monkeypatch.setattr(prepare_export_job, "send", resent.append)
    prepare_pending_exports()
    assert resent == []  # not yet: it may still be on its way
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    prepare_pending_exports()
    assert resent == [job.pk]

"""The notifications page (/notifications/) and the bell of the top bar: a person sees, marks read and
sets the emails of their own notifications only."""

from __future__ import annotations

import re
from html import unescape
from itertools import count

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from backoffice.notifications.models import EmailMode, Notification, Preference

pytestmark = pytest.mark.django_db

PAGE = "/notifications/"
_keys = count()


def notification(user, subject: str = "Dossier ouvert", *, read: bool = False) -> Notification:  # type: ignore[no-untyped-def]
    return Notification.objects.create(
        recipient=user,
        channel="in_app",
        template="file_opened",
        subject=subject,
        key=f"unique-key-{next(_keys)}",
        status="sent",
        link="/candidats/dossiers/1/detail/",
        read_at=timezone.now() if read else None,
    )


def bell_count(page: str) -> int:
    match = re.search(r'id="notifications-bell"[^>]*data-unread-count="(\d+)"', page)
    assert match, "the bell is missing from the top bar"
    return int(match.group(1))


def test_a_person_sees_their_own_notifications_newest_first_not_an_outsiders(
    client_for, evaluator, officer_of_other_region
):
    # given
    notification(evaluator, "Dossier de Jeanne ouvert")
    notification(evaluator, "Dossier de Paul prêt pour le jury")
    notification(officer_of_other_region, "Dossier de Lyon ouvert")
    # when
    response = client_for(evaluator).get(PAGE)
    page = unescape(response.content.decode())
    # then
    assert response.status_code == 200
    assert page.index("Dossier de Paul prêt pour le jury") < page.index("Dossier de Jeanne ouvert")
    assert "Dossier de Lyon ouvert" not in page
    assert '<a href="/candidats/dossiers/1/detail/">Dossier de Paul prêt pour le jury</a>' in page


def test_emails_are_not_listed_as_in_app_notifications(client_for, evaluator):
    Notification.objects.create(
        recipient=evaluator,
        channel="email",
        template="file_opened",
        subject="Courriel seulement",
        key="k-mail",
    )
    assert "Courriel seulement" not in client_for(evaluator).get(PAGE).content.decode()


def test_unread_notifications_are_marked_and_opening_the_page_does_not_read_them(client_for, evaluator):
    unread = notification(evaluator, "Nouveau dossier")
    read = notification(evaluator, "Ancien dossier", read=True)
    page = client_for(evaluator).get(PAGE).content.decode()
    assert f'data-notification-id="{unread.pk}" data-unread="1"' in page
    assert f'data-notification-id="{read.pk}" data-unread="0"' in page
    assert "Non lue" in page
    unread.refresh_from_db()
    assert unread.read_at is None


def test_the_list_is_paginated_by_fifty(client_for, evaluator):
    for number in range(51):
        notification(evaluator, f"Notification numéro {number:02d}")
    client = client_for(evaluator)
    first = client.get(PAGE).content.decode()
    second = client.get(PAGE, {"page": 2}).content.decode()
    assert "Notification numéro 50" in first and "Notification numéro 00" not in first
    assert "Notification numéro 00" in second and "Page 2 sur 2" in second


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_person_marks_one_notification_read(client_for, evaluator):
    one, other = notification(evaluator), notification(evaluator)
    response = client_for(evaluator).post(f"/notifications/{one.pk}/marquer-lu/")
    assert response.status_code == 302 and response.url == PAGE
    one.refresh_from_db()
    other.refresh_from_db()
    assert one.read_at is not None
    assert other.read_at is None


def test_a_person_marks_all_their_notifications_read_not_an_outsiders(
    client_for, evaluator, officer_of_other_region
):
    mine = [notification(evaluator), notification(evaluator)]
    theirs = notification(officer_of_other_region)
    response = client_for(evaluator).post("/notifications/tout-marquer-lu/", follow=True)
    assert "2 notifications marquées comme lues." in [str(m) for m in response.context["messages"]]
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_outsider_cannot_mark_someone_elses_notification_read(
    client_for, evaluator, officer_of_other_region
):
    theirs = notification(officer_of_other_region)
    response = client_for(evaluator).post(f"/notifications/{theirs.pk}/marquer-lu/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post_with_its_csrf_token(evaluator):
    from django.test import Client

    mine = notification(evaluator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(evaluator)
    assert client.get(f"/notifications/{mine.pk}/marquer-lu/").status_code == 405
    assert client.post(f"/notifications/{mine.pk}/marquer-lu/").status_code == 403
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_person_chooses_a_daily_digest_and_is_told_so(client_for, evaluator):
    client = client_for(evaluator)
    assert 'value="immediate" id="id_email_mode_0" required checked' in client.get(PAGE).content.decode()
    response = client.post("/notifications/preferences/", {"email_mode": "digest"})
    assert response.status_code == 302 and response.url == PAGE
    assert Preference.objects.get(user=evaluator).email_mode == EmailMode.DIGEST
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Préférence enregistrée : un récapitulatif par jour par courriel."
    ]
    assert 'value="digest" id="id_email_mode_1" required checked' in client.get(PAGE).content.decode()
    from backoffice.core.audit.models import AuditEvent

    changed = AuditEvent.objects.get(verb="notification.preference_changed")
    assert changed.actor == evaluator and changed.summary == "Courriels : Un récapitulatif par jour."


def test_an_unknown_email_mode_is_refused(client_for, evaluator):
    response = client_for(evaluator).post("/notifications/preferences/", {"email_mode": "jamais"})
    assert response.status_code == 302
    assert not Preference.objects.filter(user=evaluator).exists()
    from backoffice.core.audit.models import AuditEvent

    assert not AuditEvent.objects.filter(verb="notification.preference_changed").exists()


@pytest.mark.parametrize("where", [PAGE, "/accueil/", "/exports/"])
def test_the_bell_shows_the_unread_count_on_every_page(client_for, evaluator, officer_of_other_region, where):
    notification(evaluator)
    notification(evaluator)
    notification(evaluator, read=True)
    notification(officer_of_other_region)
    page = client_for(evaluator).get(where).content.decode()
    assert bell_count(page) == 2
    assert 'href="/notifications/"' in page


def test_the_bell_drops_to_zero_once_all_are_read(client_for, evaluator):
    notification(evaluator)
    client = client_for(evaluator)
    client.post("/notifications/tout-marquer-lu/")
    assert bell_count(client.get("/accueil/").content.decode()) == 0


def test_the_login_page_has_no_bell(client):
    assert "notifications-bell" not in client.get("/accounts/login/").content.decode()


def test_the_list_page_costs_the_same_queries_with_3_or_30_notifications(
    client_for, evaluator, django_assert_max_num_queries
):
    # given: 3 notifications, the session and the site's menu warmed up
    for _ in range(3):
        notification(evaluator)
    client = client_for(evaluator)
    client.get(PAGE)
    with django_assert_max_num_queries(12) as few:
        assert client.get(PAGE).status_code == 200
    # when: 30
    for _ in range(27):
        notification(evaluator)
    # then
    with django_assert_max_num_queries(len(few)):
        page = client.get(PAGE).content.decode()
    assert page.count('data-unread="1"') == 30


def test_the_bell_is_on_the_flow_pages_too(client_for, officer):
    notification(officer)
    response = client_for(officer).get("/parcours/", follow=True)
    assert response.status_code == 200
    assert bell_count(response.content.decode()) == 1

"""« Mot de passe oublié » : a French email with a one-time link, a new password, a login with it."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from backoffice.core.audit.models import AuditEvent

NEW_PASSWORD = "cheval-agrafe-Batterie-correcte"


def request_reset(client: Client, email: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("password_reset"), {"email": email})


def test_the_login_page_links_to_the_forgotten_password_page(db):
    page = Client().get(reverse("login")).content.decode()

    assert (
        f'href="{reverse("password_reset")}" class="mdc-typography vf-page-lockscreen-reset-link">'
        "Mot de passe oublié ?" in page
    )
    assert Client().get(reverse("password_reset")).status_code == 200


def test_a_person_resets_a_forgotten_password_end_to_end(officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = Client()

    response = request_reset(client, officer.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [officer.email]
    assert email.subject == "Back-office CléA : redéfinir votre mot de passe"
    assert "Une demande de nouveau mot de passe a été faite pour votre compte « officer.idf »" in email.body
    assert "expire au bout de 24 heures" in email.body
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", email.body)
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "court", "new_password2": "court"})
    assert "trop court" in weak.content.decode()
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    assert AuditEvent.objects.filter(verb="user.password_reset", subject_id=str(officer.pk)).exists()

    fresh = Client()
    assert (
        fresh.post(reverse("login"), {"username": "officer.idf", "password": NEW_PASSWORD}).status_code == 302
    )
    assert fresh.get("/accueil/").status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_the_link_works_only_once(officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = Client()
    request_reset(client, officer.email)
    path = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(path, follow=True)

    page = again.content.decode()
    assert 'name="new_password1"' not in page
    assert "Le lien de mise à jour du mot de passe n’était pas valide" in page


def test_an_unknown_address_gets_the_same_answer_and_no_email(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = request_reset(Client(), "personne@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []

"""A national supervisor follows the takeover in a real browser: the batches, what one wrote, a migrated
number verified on the public page, then the batch undone before go-live (confirmed by a checkbox) — no
serious accessibility problem, no script error."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command

from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.legacy.models import BatchStatus, LegacyBatch
from casefiles.models import Certificate
from fixtures.legacy_folder import build_legacy_folder
from fixtures.reference import load_reference_data
from tests.browser.test_browser__demo import axe_problems
from tests.browser.test_browser__login import sign_in
from tests.factories import UserFactory


def test_a_supervisor_reviews_a_batch_verifies_a_migrated_number_and_undoes_it(
    browser, live_server, transactional_db, tmp_path
):
    load_reference_data()  # the live server reads committed rows
    supervisor = UserFactory(username="supervision", role=Role.SUPERVISOR)
    set_user_scope(supervisor, national=True, actor=None)
    folder = build_legacy_folder(tmp_path / "reprise", scale="small", seed=3, today=dt.date(2026, 12, 6))
    call_command("migrate_history", str(folder.path), "--utilisateur", "supervision", stdout=StringIO())
    batch = LegacyBatch.objects.get()
    number = Certificate.objects.filter(legacy_batch=batch).order_by("awarded_on").first().number

    page = sign_in(browser, live_server.url, "supervision")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/imports/reprise/")
    assert "400 certificats" in page.inner_text("#batches")
    page.click(f"#batches a[href='/imports/reprise/{batch.pk}/']")
    assert "certificats_historiques.csv" in page.inner_text("#jobs")
    assert axe_problems(page, strict=False) == []

    public = browser.new_page(locale="fr-FR")
    public.goto(f"{live_server.url}/verifier/{number}/")
    assert "Certificat valide" in public.inner_text("main")

    page.click("#undo")  # not without the confirmation
    assert LegacyBatch.objects.get().status == BatchStatus.OPEN
    page.check("#undo-confirm")
    page.click("#undo")
    page.wait_for_selector("text=Lot de reprise annulé")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE and not Certificate.objects.exists()
    assert page.locator("#undo").count() == 0
    assert errors == []

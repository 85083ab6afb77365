"""The jury members file (initial migration): one account per e-mail, with the jury member role and a
region; new accounts sign in through the password reset; every write is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accreditation.scoping import scope_of
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, roles_of
from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services
from backoffice.imports.models import ImportStatus
from tests.backoffice.imports_helpers import checked, csv_bytes, imported, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["email", "nom", "prenom", "region", "college"]


def member_row(email: str = "claire.dupont@example.org", **changes: str) -> dict[str, str]:
    row = {"email": email, "nom": "Dupont", "prenom": "Claire", "region": "IDF", "college": "employeurs"}
    row.update(changes)
    return row


def _csv(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(rows, header=HEADER)


def _checked(rows, actor):  # type: ignore[no-untyped-def]
    return checked(_csv(rows), actor=actor, contract="jury_members", name="jurys.csv")


def _imported(rows, actor, **kwargs):  # type: ignore[no-untyped-def]
    return imported(_csv(rows), actor=actor, contract="jury_members", name="jurys.csv", **kwargs)


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return [
        member_row(),
        member_row("Marc.Petit@Example.org", nom="Petit", prenom="Marc", region="ara", college="salariés"),
    ]


def _regions(user: User) -> list[str]:
    return sorted(r.code for r in user.scope.regions.all())


def test_a_valid_file_opens_active_jury_member_accounts_without_password(supervisor, rows):
    job = _imported(rows, supervisor)

    assert job.status == ImportStatus.APPLIED and (job.new_rows, job.invalid_rows) == (2, 0), job.outcome
    claire, marc = (
        User.objects.get(username="claire.dupont@example.org"),
        User.objects.get(email="marc.petit@example.org"),
    )
    assert marc.username == "marc.petit@example.org" and (marc.last_name, marc.first_name) == (
        "Petit",
        "Marc",
    )
    assert all(u.is_active and not u.has_usable_password() for u in (claire, marc))
    assert (
        roles_of(claire) == {Role.JURY_MEMBER} and _regions(claire) == ["IDF"] and _regions(marc) == ["ARA"]
    )
    for verb in ("user.created", "user.roles_changed", "scope.changed"):
        events = AuditEvent.objects.filter(verb=verb, subject_id__in=[str(claire.pk), str(marc.pk)])
        assert events.count() == 2 and all(e.actor == supervisor for e in events), verb
    assert AuditEvent.objects.get(verb="user.created", subject_id=str(claire.pk)).data == {"import": job.pk}


def test_the_dry_run_writes_nothing(supervisor, rows):
    job = _checked(rows, supervisor)

    assert job.status == ImportStatus.VALIDATED and job.new_rows == 2
    assert not User.objects.filter(username__endswith="@example.org", groups__name="Membre de jury").exists()


def test_an_xlsx_workbook_is_read(supervisor):
    content = xlsx_bytes([HEADER, ["lea.roux@example.org", "Roux", "Léa", "HDF", None]])

    job = imported(content, actor=supervisor, contract="jury_members", name="jurys.xlsx")

    assert job.status == ImportStatus.APPLIED and job.new_rows == 1
    assert _regions(User.objects.get(username="lea.roux@example.org")) == ["HDF"]


def test_reimporting_the_same_file_changes_nothing_and_says_so(supervisor, rows):
    _imported(rows, supervisor)
    events = AuditEvent.objects.count()

    again = _checked(rows, supervisor)

    assert (again.unchanged_rows, again.new_rows, again.updated_rows) == (2, 0, 0)
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(again, skip_invalid=False, actor=supervisor)
    assert AuditEvent.objects.count() == events + 1  # the upload only


def test_a_changed_name_or_region_updates_the_account_and_the_trail_says_what_changed(supervisor, rows):
    _imported(rows, supervisor)
    rows[0]["nom"] = "Dupont-Martin"
    rows[1]["region"] = "IDF"

    job = _imported(rows, supervisor)

    assert (job.updated_rows, job.unchanged_rows, job.new_rows) == (2, 0, 0)
    claire = User.objects.get(username="claire.dupont@example.org")
    marc = User.objects.get(username="marc.petit@example.org")
    assert claire.last_name == "Dupont-Martin" and _regions(marc) == ["IDF"]
    renamed = AuditEvent.objects.get(verb="user.updated", subject_id=str(claire.pk))
    assert renamed.data["changes"] == {"last_name": ["Dupont", "Dupont-Martin"]}
    moved = AuditEvent.objects.filter(verb="scope.changed", subject_id=str(marc.pk)).latest("id")
    assert moved.data["regions"] == ["IDF"] and moved.actor == supervisor


def test_bad_rows_are_listed_with_line_column_and_french_message(supervisor, officer):
    rows = [
        member_row(),
        member_row("paul@example.org", region="XYZ"),
        member_row("pas-une-adresse"),
        member_row("CLAIRE.dupont@example.org"),
        member_row("zoe@example.org", college="patronat"),
        member_row(officer.email),
        member_row("jean@example.org", nom="J3an"),
    ]

    job = _checked(rows, supervisor)

    errors = {(e.line, e.column): e.message for e in job.row_errors.all()}
    assert (job.new_rows, job.invalid_rows) == (1, 6), errors
    assert "« XYZ » n'est pas un code de région" in errors[(3, "region")] and "IDF" in errors[(3, "region")]
    assert "n'est pas une adresse e-mail valide" in errors[(4, "email")]
    assert "déjà présente ligne 2" in errors[(5, "email")]
    assert "n'est pas un collège reconnu" in errors[(6, "college")]
    assert "pas (seulement) membre de jury" in errors[(7, "email")]
    assert "n'est pas un nom valide" in errors[(8, "nom")]


def test_an_officer_opens_accounts_for_their_own_region_only(officer, rows):
    job = _imported(rows, officer, skip_invalid=True)

    assert (job.new_rows, job.invalid_rows) == (1, 1)
    assert "Auvergne" in job.row_errors.get(line=3, column="region").message
    assert list(User.objects.filter(groups__name="Membre de jury").values_list("username", flat=True)) == [
        "claire.dupont@example.org"
    ]


def test_an_officer_of_another_region_gets_row_errors_and_nothing_is_written(officer_of_other_region):
    job = _checked([member_row()], officer_of_other_region)

    assert (job.new_rows, job.invalid_rows) == (0, 1)
    assert "pas dans votre périmètre" in job.row_errors.get(column="region").message
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(job, skip_invalid=True, actor=officer_of_other_region)
    assert not User.objects.filter(username="claire.dupont@example.org").exists()


def test_an_officer_cannot_change_a_jury_member_of_another_region(officer, supervisor):
    _imported([member_row(region="ARA")], supervisor)

    job = _checked([member_row(region="IDF")], officer)

    assert "hors de votre périmètre" in job.row_errors.get(column="email").message
    assert _regions(User.objects.get(username="claire.dupont@example.org")) == ["ARA"]


def test_the_import_never_changes_a_staff_account(supervisor, officer):
    job = _checked([member_row(officer.email, region="ARA")], supervisor)

    assert job.invalid_rows == 1
    assert roles_of(User.objects.get(pk=officer.pk)) == {Role.CASE_OFFICER}
    assert scope_of(User.objects.get(pk=officer.pk)).region_ids == scope_of(officer).region_ids


def test_the_template_carries_the_columns(client_for, officer):
    response = client_for(officer).get("/imports/modele/jury_members.csv")

    lines = response.content.decode("utf-8-sig").splitlines()
    assert response.status_code == 200 and lines[0].split(";") == HEADER

"""Jury members (initial migration): one row is one jury member's account, keyed by e-mail (the username
too). A new account is active without a password (its owner uses the password reset), holds the jury
member role and the row's region; every write is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from accreditation.models import Region
from accreditation.scoping import scope_of
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role, group_name
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from casefiles.models import College

from .. import cells
from ..cells import CellError
from .base import INVALID, NEW, UNCHANGED, UPDATED, Checker, Column, Contract, Row

COLLEGES: dict[str, str] = {
    "employeurs": College.EMPLOYERS,
    "employeur": College.EMPLOYERS,
    "salaries": College.EMPLOYEES,
    "salarie": College.EMPLOYEES,
}
# The verbs the user admin writes (core/accounts/admin.py): one trail for accounts, whoever opens them.
USER_CREATED, USER_UPDATED, USER_ROLES_CHANGED = "user.created", "user.updated", "user.roles_changed"
NAME_FIELDS = ("last_name", "first_name", "email")


class JuryMembersContract(Contract):
    key = "jury_members"
    label = "Membres de jury"
    columns = (
        Column(
            "email",
            True,
            "Adresse e-mail : identifiant de connexion, une ligne par personne",
            "claire.dupont@example.org",
        ),
        Column("nom", True, "Nom", "Dupont"),
        Column("prenom", True, "Prénom", "Claire"),
        Column("region", True, "Code de la région du jury (IDF, ARA, HDF…)", "IDF"),
        Column(
            "college",
            False,
            "employeurs ou salaries — informatif, non enregistré : le collège se choisit à chaque session",
            "employeurs",
        ),
    )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        return JuryMembersChecker(job.uploaded_by, source={"import": job.pk}, lock=applying)


class JuryMembersChecker(Checker):
    def __init__(self, actor: Actor, *, source: dict[str, Any], lock: bool = False) -> None:
        self.actor, self.source, self.lock, self.scope = actor, source, lock, scope_of(actor)
        self.regions = {region.code.upper(): region for region in Region.objects.all()}
        self.role_group = group_name(Role.JURY_MEMBER)
        self.first_line: dict[str, int] = {}

    def check(self, batch: list[Row]) -> None:
        accounts = self._accounts(batch)
        for row in batch:
            self._check_row(row, accounts)
            if not row.valid:
                row.action = INVALID

    def _accounts(self, batch: list[Row]) -> dict[str, list[Any]]:
        """The batch's existing accounts by lower-cased username and e-mail; locked while applying."""
        wanted = {row.cells.get("email", "").strip().lower() for row in batch} - {""}
        users = (
            get_user_model()
            .objects.annotate(login=Lower("username"), address=Lower("email"))
            .filter(Q(login__in=wanted) | Q(address__in=wanted))
        )
        if self.lock:
            users = users.select_for_update(of=("self",))
        found: dict[str, list[Any]] = {}
        for user in users.prefetch_related("groups", "scope__regions"):
            for key in {user.login, user.address} & wanted:
                found.setdefault(key, []).append(user)
        return found

    def _check_row(self, row: Row, accounts: dict[str, list[Any]]) -> None:
        email = row.read("email", _login)
        person = {
            "last_name": row.read("nom", cells.person_name),
            "first_name": row.read("prenom", cells.person_name),
        }
        region = row.read("region", self._region)
        row.read("college", lambda v: cells.choice(v, COLLEGES, required=False, label="un collège"))
        if not row.valid:
            return
        if not (self.scope.national or region.pk in self.scope.region_ids):
            row.fail(
                "region",
                f"la région {region.name} n'est pas dans votre périmètre : la ligne n'est pas importée.",
            )
            return
        first = self.first_line.setdefault(email, row.line)
        if first != row.line:
            row.fail("email", f"adresse déjà présente ligne {first} : une ligne par personne.")
            return
        row.data = {"email": email, "person": {**person, "email": email}, "region": region}
        matches = accounts.get(email, [])
        if len(matches) > 1:
            row.fail("email", "plusieurs comptes ont cette adresse : corrigez-les dans l'administration.")
        elif matches:
            self._compare(row, matches[0])
        else:
            row.action = NEW

    def _region(self, value: str) -> Region:
        code = value.strip().upper()
        if not code:
            raise CellError("obligatoire.")
        if code not in self.regions:
            raise CellError(
                f"« {value[:10]} » n'est pas un code de région ({', '.join(sorted(self.regions))})."
            )
        return self.regions[code]

    def _compare(self, row: Row, user: Any) -> None:
        """An account already there: only a jury member's own account, in the importer's regions, changes."""
        roles = {group.name for group in user.groups.all()}
        if user.is_superuser or roles != {self.role_group}:
            row.fail(
                "email",
                "cette adresse est celle d'un compte qui n'est pas (seulement) membre de jury : "
                "modifiez-le dans l'administration.",
            )
            return
        if not user.is_active:
            row.fail("email", "ce compte est désactivé : réactivez-le dans l'administration avant l'import.")
            return
        scope = getattr(user, "scope", None)
        regions = {region.pk for region in scope.regions.all()} if scope else set()
        if not (self.scope.national or regions <= self.scope.region_ids):
            row.fail("email", "ce membre de jury siège dans une région hors de votre périmètre.")
            return
        changes = {
            name: (getattr(user, name), value)
            for name, value in row.data["person"].items()
            if (getattr(user, name).lower() if name == "email" else getattr(user, name)) != value
        }
        if regions != {row.data["region"].pk}:
            changes["regions"] = (
                sorted(r.code for r in scope.regions.all()) if scope else [],
                [row.data["region"].code],
            )
        row.data["user"], row.changes = user, changes
        row.action = UPDATED if changes else UNCHANGED

    def apply(self, batch: list[Row]) -> None:
        for row in batch:
            if row.action not in (NEW, UPDATED):
                continue
            try:
                if row.action == NEW:
                    open_jury_member_account(row.data, actor=self.actor, source=self.source)
                else:
                    update_jury_member_account(row.data, row.changes, actor=self.actor, source=self.source)
            except ValidationError as error:
                # Changed since the check (an account opened meanwhile): its savepoint is rolled back.
                row.fail("email", " ".join(error.messages))
                row.action = INVALID


@transaction.atomic
def open_jury_member_account(data: dict[str, Any], *, actor: Actor, source: dict[str, Any]) -> Any:
    """An active account without a usable password, with the jury member role and its region."""
    user = get_user_model()(username=data["email"], is_active=True, **data["person"])
    user.set_unusable_password()
    user.full_clean()
    user.save()
    role = Group.objects.get(name=group_name(Role.JURY_MEMBER))
    user.groups.add(role)
    record(
        USER_CREATED,
        actor=actor,
        subject=user,
        summary="Compte de membre de jury créé par import.",
        data=source,
    )
    record(
        USER_ROLES_CHANGED,
        actor=actor,
        subject=user,
        summary=f"Rôles : {role.name}",
        data={"avant": [], "après": [role.name], **source},
    )
    set_user_scope(user, regions=[data["region"]], actor=actor)
    return user


@transaction.atomic
def update_jury_member_account(
    data: dict[str, Any], changes: dict[str, tuple[Any, Any]], *, actor: Actor, source: dict[str, Any]
) -> Any:
    """The account's name, address and region as the file gives them."""
    user = data["user"]
    fields = [name for name in NAME_FIELDS if name in changes]
    if fields:
        for name in fields:
            setattr(user, name, changes[name][1])
        user.full_clean(exclude=["password"])
        user.save(update_fields=fields)
        record(
            USER_UPDATED,
            actor=actor,
            subject=user,
            summary="Compte modifié par import.",
            data={"champs": fields, "changes": {name: list(changes[name]) for name in fields}, **source},
        )
    if "regions" in changes:
        set_user_scope(user, regions=[data["region"]], actor=actor)
    return user


def _login(value: str) -> str:
    address = cells.email(value)
    if not address:
        raise CellError("obligatoire.")
    if len(address) > 150:
        raise CellError("150 caractères au plus : l'adresse sert d'identifiant de connexion.")
    try:
        UnicodeUsernameValidator()(address)
    except ValidationError as error:
        raise CellError(f"« {address[:40]} » ne peut pas servir d'identifiant de connexion.") from error
    return address

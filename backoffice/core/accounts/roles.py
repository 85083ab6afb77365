"""The roles of the back-office, each a Django group with its permissions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models


class Role(models.TextChoices):
    CASE_OFFICER = "case_officer", "Chargé·e d'instruction"
    SUPERVISOR = "supervisor", "Superviseur·e"
    JURY_MEMBER = "jury_member", "Membre de jury"
    EVALUATOR_STAFF = "evaluator_staff", "Organisme évaluateur"
    TRAINER_STAFF = "trainer_staff", "Organisme de formation"
    ADMINISTRATOR = "administrator", "Administrateur·rice"


_REFERENCE = [
    "accreditation.view_region",
    "accreditation.view_department",
    "accreditation.view_certification",
    "accreditation.view_frameworkversion",
    "accreditation.view_domain",
    "accreditation.view_subdomain",
    "accreditation.view_criterion",
]
_ORGANISATIONS_READ = [
    "accreditation.view_organisation",
    "accreditation.view_site",
    "accreditation.view_accreditation",
]
_ORGANISATIONS_WRITE = [
    "accreditation.add_organisation",
    "accreditation.change_organisation",
    "accreditation.add_site",
    "accreditation.change_site",
    "accreditation.add_accreditation",
    "accreditation.change_accreditation",
]

_PATHWAY_VIEW = [
    "workflows.view_candidatepathwayprocess",
    "casefiles.view_casefile",
    "casefiles.view_candidate",
]
_PATHWAY_EVALUATOR = [
    *_PATHWAY_VIEW,
    "workflows.can_open_file_candidatepathwayprocess",
    "workflows.can_positioning_candidatepathwayprocess",
    "workflows.can_training_plan_candidatepathwayprocess",
    "workflows.can_final_evaluation_candidatepathwayprocess",
    "workflows.can_jury_return_candidatepathwayprocess",
]

_APPROVAL_OFFICER = [
    "workflows.view_accreditationapprovalprocess",
    "workflows.can_completeness_check_accreditationapprovalprocess",
    "workflows.can_review_accreditationapprovalprocess",
]
_APPROVAL_SUPERVISOR = [
    *_APPROVAL_OFFICER,
    "workflows.can_proposal_accreditationapprovalprocess",
    "workflows.can_board_decision_accreditationapprovalprocess",
    "workflows.manage_accreditationapprovalprocess",
]

# Permissions are model-wide; what each person sees is narrowed by accreditation.scoping.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CASE_OFFICER: [
        *_REFERENCE,
        *_ORGANISATIONS_READ,
        *_ORGANISATIONS_WRITE,
        *_PATHWAY_VIEW,
        *_APPROVAL_OFFICER,
        "audit.view_auditevent",
    ],
    Role.SUPERVISOR: [
        *_REFERENCE,
        *_ORGANISATIONS_READ,
        *_ORGANISATIONS_WRITE,
        *_PATHWAY_VIEW,
        "workflows.manage_candidatepathwayprocess",
        *_APPROVAL_SUPERVISOR,
        "audit.view_auditevent",
    ],
    Role.JURY_MEMBER: [*_REFERENCE, *_ORGANISATIONS_READ],
    Role.EVALUATOR_STAFF: [*_REFERENCE, *_ORGANISATIONS_READ, *_PATHWAY_EVALUATOR],
    Role.TRAINER_STAFF: [*_REFERENCE, *_ORGANISATIONS_READ],
    Role.ADMINISTRATOR: [],  # every permission, see sync_roles
}


def group_name(role: Role) -> str:
    return str(role.label)


def roles_of(user: Any) -> frozenset[Role]:
    """The roles a user holds, from group membership (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_clea_roles", None)
    if cached is None:
        by_name = {group_name(role): role for role in Role}
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(by_name[name] for name in names if name in by_name)
        if user.is_superuser:
            cached = cached | {Role.ADMINISTRATOR}
        user._clea_roles = cached
    return cached


def has_role(user: Any, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def sync_roles() -> None:
    """Create or update one group per role with exactly its permissions."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=group_name(role))
        if role == Role.ADMINISTRATOR:
            group.permissions.set(Permission.objects.all())
            continue
        wanted = ROLE_PERMISSIONS[role]
        perms: list[Permission] = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            perms.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    # Permissions of every app must exist first; post_migrate runs per app, so create them all.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    if sender.label != "accounts":
        return
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()

"""What the load test's virtual users work on: for each persona, the demo accounts and the ids in each one's
scope (files, processes, jury sessions, agenda items, campaigns), read through the selectors the pages use.

The plan is written to a JSON file that the locustfile reads (`CLEA_LOAD_PLAN`): locust runs in its own
process, without Django.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from accreditation.models import Certification
from accreditation.selectors import campaigns_for
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name
from casefiles.models import AgendaItem, CaseFileState
from casefiles.selectors import case_files_for, jury_sessions_for

PERSONAS: dict[str, Role] = {
    "case_officer": Role.CASE_OFFICER,
    "jury_member": Role.JURY_MEMBER,
    "evaluator": Role.EVALUATOR_STAFF,
}
# The demo's printed logins: without them the database was not seeded with `manage.py seed_demo`.
DEMO_USERNAMES = {"case_officer": "instructeur.idf", "jury_member": "jury.idf", "evaluator": "evaluateur"}
IDS_PER_ACCOUNT = 200  # enough variety for the detail pages, a small file


def missing_demo_users() -> list[str]:
    """The demo logins of the load test's personas that do not exist or cannot log in."""
    active = set(
        User.objects.filter(username__in=DEMO_USERNAMES.values(), is_active=True).values_list(
            "username", flat=True
        )
    )
    return sorted(set(DEMO_USERNAMES.values()) - active)


def account_plan(user: User) -> dict[str, Any]:
    """The ids one account's pages show, so that detail pages are requested inside its scope."""
    files = list(case_files_for(user).select_related("candidate").order_by("pk")[:IDS_PER_ACCOUNT])
    sessions = jury_sessions_for(user).order_by("-held_on", "pk")
    return {
        "username": user.username,
        "files": [{"pk": f.pk, "process": f.process_id} for f in files],
        "last_names": sorted({f.candidate.last_name for f in files}),
        "sessions": list(sessions.values_list("pk", flat=True)[:IDS_PER_ACCOUNT]),
        "agenda": list(
            AgendaItem.objects.filter(session__in=sessions)
            .order_by("pk")
            .values_list("pk", flat=True)[:IDS_PER_ACCOUNT]
        ),
        "campaigns": list(campaigns_for(user).order_by("-pk").values_list("pk", flat=True)[:20]),
    }


def persona_accounts(role: Role) -> list[dict[str, Any]]:
    """Active accounts of a role; those with files or sessions in scope first-class: when some have data,
    only they are used, so that the detail pages are exercised (the demo's data sits in Île-de-France)."""
    users = User.objects.filter(groups__name=group_name(role), is_active=True).order_by("username")
    # Accounts that can sign in: people imported without a password yet (jury members) cannot.
    accounts = [account_plan(user) for user in users if user.has_usable_password()]
    with_data = [account for account in accounts if account["files"] or account["sessions"]]
    return with_data or accounts


def build_plan() -> dict[str, Any]:
    return {
        "password": settings.DEMO_PASSWORD,
        "states": [state.value for state in CaseFileState],
        "certifications": list(Certification.objects.order_by("pk").values_list("pk", flat=True)),
        "personas": {persona: persona_accounts(role) for persona, role in PERSONAS.items()},
    }


def write_plan(folder: Path) -> Path:
    """The plan as a file readable by its owner only (it holds the demo password)."""
    path = folder / "plan.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(build_plan(), ensure_ascii=False))
    return path


def volumes() -> dict[str, int]:
    """What the database holds, for the report."""
    from accreditation.models import Accreditation, Organisation, Site
    from casefiles.models import CaseFile, JurySession

    return {
        "organismes": Organisation.objects.count(),
        "établissements": Site.objects.count(),
        "habilitations": Accreditation.objects.count(),
        "dossiers candidats": CaseFile.objects.count(),
        "sessions de jury": JurySession.objects.count(),
        "comptes": User.objects.count(),
    }

"""Who does a state change: the `actor` every service takes (keyword-only) and records in its audit event.

- `Actor`: a signed-in person (the project's `User`). A service that needs a person to answer for the
  change (a decision, an instruction step, a jury vote) takes an `Actor`.
- `SystemActor`: an `Actor`, or None for the system — the periodic jobs (accreditation expiry, instruction
  timers, anonymisation, lifecycle sweeps, certificate generation, imports), the data fixtures and the
  benchmarks. The audit event then says "système".

Views pass `request.user` (typed `User | AnonymousUser` by django-stubs) through `actor_of(request)`,
which narrows it: every page that changes state requires a signed-in user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias, cast

if TYPE_CHECKING:
    from django.http import HttpRequest

    from backoffice.core.accounts.models import User

Actor: TypeAlias = "User"
SystemActor: TypeAlias = "User | None"


def actor_of(request: HttpRequest) -> Actor:
    """The person who makes a change from a page: `request.user`, which every page that changes state has
    already required to be signed in (the login middleware or `LoginRequiredMixin`)."""
    return cast("User", request.user)

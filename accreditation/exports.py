"""The accreditation lists that can be exported, registered from `AccreditationConfig.ready()`.

Rows come from the list's own scoped viewset and filters, for the requesting user.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from accreditation.resources import AccreditationListResource
from accreditation.views.directory import AccreditationViewset, OrganisationsApp
from backoffice.core.exports.kinds import ExportKind, Kind, register
from backoffice.core.exports.lists import viewset_rows


def accreditation_rows(user: Any, filters: QueryDict) -> QuerySet:
    """The accreditations list (/annuaire/habilitations/): its filters (status, role, certification)
    and search."""
    return viewset_rows(AccreditationViewset, user, filters)


def register_export_kinds() -> None:
    register(
        Kind(
            ExportKind.ACCREDITATIONS,
            may_export=lambda user: bool(user.has_perm(OrganisationsApp.permission)),
            rows=accreditation_rows,
            resource=lambda rows: AccreditationListResource(),
        ),
    )

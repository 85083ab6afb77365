"""The API's personas: keys of the evaluator's organisation (read, write), a key of another organisation, a
revoked key; a client that sends a key; a candidate and an assessment as the contracts' JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accreditation.models import Organisation, SubDomain
from accreditation.scoping import scope_of
from backoffice.api.services import create_api_key, revoke_api_key
from tests.backoffice.test_views__certificates import awarded  # noqa: F401  (certificates of the organisation)
from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    candidate_data,
    clea,
    employee_member,
    framework,
    session,
    third_member,
    trainer_person,
    training_site,
    two_ready_files,
)


@pytest.fixture(autouse=True)
def fresh_rate_limits():  # type: ignore[no-untyped-def]
    """Each test starts with a full allowance of calls per key."""
    cache.clear()


class Api:
    """A client of the API holding one key (or none)."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers={**self.headers, **headers})

    def post(self, path: str, body: Any = None, *, raw: bytes | None = None, **headers: str) -> Any:
        data = raw if raw is not None else _json(body)
        return self.client.post(
            path, data, content_type="application/json", headers={**self.headers, **headers}
        )

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.patch(
            path, _json(body), content_type="application/json", headers={**self.headers, **headers}
        )


def at(reference: str, tail: str = "") -> str:
    """The API address of the file of that reference (its id), and of one of its parts (`tail`)."""
    from casefiles.models import CaseFile

    return f"/api/v1/dossiers/{CaseFile.objects.get(reference=reference).pk}/{tail}"


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


@pytest.fixture
def keys(evaluator, idf_site):  # type: ignore[no-untyped-def]
    """The evaluator's organisation's keys: their full texts by scope."""
    organisation = idf_site.organisation
    _, write = create_api_key(organisation, name="Logiciel de gestion", scope="write", actor=evaluator)
    _, read = create_api_key(organisation, name="Tableau de suivi", scope="read", actor=evaluator)
    return {"write": write, "read": read}


@pytest.fixture
def writer(keys) -> Api:  # type: ignore[no-untyped-def]
    return Api(keys["write"])


@pytest.fixture
def reader(keys) -> Api:  # type: ignore[no-untyped-def]
    return Api(keys["read"])


@pytest.fixture
def outsider(evaluator_of_other_organisation) -> Api:  # type: ignore[no-untyped-def]
    organisation = Organisation.objects.get(pk=scope_of(evaluator_of_other_organisation).organisation_id)
    _, text = create_api_key(
        organisation, name="Autre logiciel", scope="write", actor=evaluator_of_other_organisation
    )
    return Api(text)


@pytest.fixture
def revoked(evaluator, idf_site) -> Api:  # type: ignore[no-untyped-def]
    key, text = create_api_key(idf_site.organisation, name="Ancien logiciel", scope="write", actor=evaluator)
    revoke_api_key(key, actor=evaluator)
    return Api(text)


@pytest.fixture
def anonymous() -> Api:
    return Api(None)


def candidate(siret: str, reference: str = "DOS-1", **changes: Any) -> dict[str, Any]:
    """A row of the candidates contract, as JSON."""
    body = {
        "reference": reference,
        "siret_evaluateur": siret,
        "certification": "CLEA",
        "nom": "Martin",
        "prenom": "Léa",
        "date_naissance": "1999-04-02",
        "sexe": "F",
        "email": "lea.martin@example.org",
        "telephone": "06 12 34 56 78",
        "code_postal": "93200",
        "statut": "demandeur_emploi",
        "prescripteur": "france_travail",
        "date_accueil": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
    }
    body.update(changes)
    return body


def positioning(assessor_email: str, *, missing: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """An assessment of every CléA sub-domain: acquired but those of the `missing` domains."""
    codes = SubDomain.objects.filter(domain__framework_version__certification__code="CLEA").values_list(
        "code", flat=True
    )
    body = {
        "type": "prealable",
        "date_evaluation": timezone.localdate().isoformat(),
        "evaluateur": assessor_email,
        "resultats": {code: code.split(".")[0] not in missing for code in codes},
    }
    body.update(changes)
    return body

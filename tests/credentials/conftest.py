"""Issued certificates (two, in Île-de-France) with their credentials, and the helpers to read a VC-JWT as
an outside verifier would: the keys taken from the published DID document, never from our code."""

from __future__ import annotations

import base64
import json
import warnings

import pytest
from django.test import Client
from joserfc import jws
from joserfc.jwk import import_key
from joserfc.jws import JWSRegistry

from tests.backoffice.test_views__certificates import awarded, certificate, issued  # noqa: F401
from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    candidate_data,
    clea,
    employee_member,
    framework,
    session,
    third_member,
    two_ready_files,
)

REGISTRY = JWSRegistry(algorithms=["EdDSA", "ES256"])


def published_keys() -> dict[str, object]:
    """The public keys of /.well-known/did.json, by their id."""
    document = Client().get("/.well-known/did.json").json()
    return {method["id"]: import_key(method["publicKeyJwk"]) for method in document["verificationMethod"]}


def read_jwt(token: str) -> tuple[dict, dict]:
    """Header and payload of a VC-JWT, its signature checked by joserfc with the DID document's key."""
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    key = published_keys()[header["kid"]]
    with warnings.catch_warnings():  # joserfc prefers RFC 9864's name for EdDSA
        warnings.simplefilter("ignore")
        return header, json.loads(jws.deserialize_compact(token, key, registry=REGISTRY).payload)


@pytest.fixture
def client() -> Client:
    return Client(REMOTE_ADDR="198.51.100.9")

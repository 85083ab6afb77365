"""The keys the credentials and status lists are signed with (settings.CREDENTIAL_KEY_PATHS: JWK files, the
first signs, the others are earlier keys kept for verification), Certif'Pro's `did:web` identifier and the
DID document that publishes every public key.

The algorithm follows the key: EdDSA for an Ed25519 key (the name most verifiers of credentials know; RFC
9864's fully-specified "Ed25519" is accepted too), ES256 for a P-256 key. Nothing else is ever accepted
("none", HMAC, RSA: refused before any signature is checked)."""

from __future__ import annotations

import functools
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey, import_key
from joserfc.jws import JWSRegistry

ALGORITHMS = {"EdDSA": "Ed25519", "Ed25519": "Ed25519", "ES256": "P-256"}  # algorithm → the key's curve
REGISTRY = JWSRegistry(algorithms=list(ALGORITHMS))


class KeyConfigurationError(Exception):
    """A key file of CREDENTIAL_KEY_PATHS is missing or not a usable JWK."""


@dataclass(frozen=True)
class SigningKey:
    thumbprint: str
    key: OKPKey | ECKey
    algorithm: str

    @property
    def kid(self) -> str:
        """The key's id as the JWS header and the DID document name it: the DID and the JWK thumbprint."""
        return f"{issuer_did()}#{self.thumbprint}"

    @property
    def curve(self) -> str:
        return ALGORITHMS[self.algorithm]

    def public_jwk(self) -> dict[str, Any]:
        return {**self.key.as_dict(private=False), "kid": self.thumbprint, "alg": self.algorithm}


def issuer_did() -> str:
    """`did:web:` and the public address's host (its port encoded as the method says): the DID document is
    then at https://<host>/.well-known/did.json."""
    host = urlsplit(settings.PUBLIC_BASE_URL).netloc
    return "did:web:" + quote(host, safe="")


def _path(name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


@functools.lru_cache(maxsize=4)
def _load(paths: tuple[str, ...]) -> tuple[SigningKey, ...]:
    keys = []
    for name in paths:
        try:
            data = json.loads(_path(name).read_text())
            key = import_key(data)
        except (OSError, ValueError, TypeError) as error:
            raise KeyConfigurationError(f"Clé de signature illisible : {name} ({error}).") from error
        if isinstance(key, OKPKey) and key.as_dict()["crv"] == "Ed25519":
            algorithm = "EdDSA"
        elif isinstance(key, ECKey) and key.as_dict()["crv"] == "P-256":
            algorithm = "ES256"
        else:
            raise KeyConfigurationError(f"Clé de signature d'un type non pris en charge : {name}.")
        keys.append(SigningKey(thumbprint=key.thumbprint(), key=key, algorithm=algorithm))
    return tuple(keys)


def credential_keys() -> tuple[SigningKey, ...]:
    """Every key, the signing one first (read once per process and per setting)."""
    return _load(tuple(settings.CREDENTIAL_KEY_PATHS))


def signing_key() -> SigningKey | None:
    """The key new credentials are signed with; None when none is configured (no credential is issued)."""
    keys = credential_keys()
    return keys[0] if keys and keys[0].key.is_private else None


def key_for(kid: str) -> SigningKey | None:
    """One of our keys, current or retired, by the id a JWS header names."""
    return next((key for key in credential_keys() if key.kid == kid), None)


def sign(payload: dict[str, Any], *, typ: str) -> tuple[str, SigningKey]:
    """The compact JWS of `payload` (JSON) with the signing key, and the key."""
    key = signing_key()
    if key is None:
        raise KeyConfigurationError("Aucune clé de signature des attestations n'est configurée.")
    header = {"alg": key.algorithm, "kid": key.kid, "typ": typ, "cty": "vc"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    with warnings.catch_warnings():  # joserfc prefers RFC 9864's "Ed25519": most verifiers know "EdDSA"
        warnings.simplefilter("ignore")
        return jws.serialize_compact(header, body, key.key, registry=REGISTRY), key


def verify(token: str, key: SigningKey) -> bytes:
    """The payload of a compact JWS signed by `key` (raises joserfc's errors otherwise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jws.deserialize_compact(token, key.key, registry=REGISTRY).payload


def did_document() -> dict[str, Any]:
    """The DID document of Certif'Pro: every key, current and retired, as a JsonWebKey verification method
    usable for assertions (credentials, status lists)."""
    did = issuer_did()
    methods = [
        {"id": key.kid, "type": "JsonWebKey", "controller": did, "publicKeyJwk": key.public_jwk()}
        for key in credential_keys()
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "alsoKnownAs": [settings.PUBLIC_BASE_URL.rstrip("/") + "/"],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }

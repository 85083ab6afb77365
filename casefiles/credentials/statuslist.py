"""The W3C Bitstring Status List: a list's bits (one per entry, 1 = revoked), encoded as the recommendation
says — GZIP, then base64url without padding behind the multibase prefix « u » — and the status list
credential that carries them. Index 0 is the first (most significant) bit of the first byte."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from collections.abc import Iterable
from typing import Any

CONTEXT = "https://www.w3.org/ns/credentials/v2"
PURPOSE = "revocation"
TTL_MS = 60 * 60 * 1000  # a verifier may keep a list an hour


class StatusListError(ValueError):
    """An encoded list that cannot be read (not multibase base64url, not GZIP, too short)."""


def encode(size: int, revoked: Iterable[int]) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same text (a list republished unchanged is the same list).
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode(encoded: str, *, at_least: int = 0) -> bytes:
    if not encoded.startswith("u"):
        raise StatusListError("La liste de statuts n'est pas encodée en base64url multibase (préfixe « u »).")
    body = encoded[1:]
    try:
        compressed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        data = gzip.decompress(compressed) if compressed else b""
    except (ValueError, OSError, EOFError) as error:
        raise StatusListError("La liste de statuts est illisible.") from error
    if not data:
        raise StatusListError("La liste de statuts est vide.")
    if len(data) * 8 < at_least:
        raise StatusListError("La liste de statuts est plus courte que l'entrée demandée.")
    return data


def bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError("L'entrée demandée est hors de la liste de statuts.")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(*, url: str, issuer: str, encoded: str, at: dt.datetime) -> dict[str, Any]:
    return {
        "@context": [CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#liste",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded,
            "ttl": TTL_MS,
        },
    }


def status_entry(*, list_url: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }

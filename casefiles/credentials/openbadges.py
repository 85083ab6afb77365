"""The Open Badges 3.0 credential of a certificate (an `OpenBadgeCredential`, W3C Verifiable Credentials
data model 2.0), as data. Built from the certificate alone (its certification, framework, dates); the holder
is named only by a salted hash of their e-mail (or, without one, of their name): never in clear, never the
birth date."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
ISSUER_NAME = "Certif'Pro"
ISSUER_URL = "https://www.certifpro.fr"
PARIS = ZoneInfo("Europe/Paris")


def identity_hash(value: str, salt: str) -> str:
    """As Open Badges says: « sha256$ » and the hex SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()


def subject_identifier(*, email: str, first_name: str, last_name: str) -> dict[str, Any]:
    """Whoever knows the holder's e-mail (normalised: trimmed, lower case) can check it is theirs; without
    an e-mail, their name as printed on the certificate (« Prénom NOM »)."""
    salt = secrets.token_hex(16)
    if email.strip():
        value, kind = email.strip().lower(), "emailAddress"
    else:
        value, kind = f"{first_name.strip()} {last_name.strip().upper()}", "name"
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(value, salt),
        "identityType": kind,
        "hashed": True,
        "salt": salt,
    }


def base_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def achievement(
    *, code: str, name: str, rs_code: str, framework: str, framework_label: str, domains: list[str]
) -> dict[str, Any]:
    narrative = (
        f"Le ou la titulaire a acquis les {len(domains)} domaines du référentiel « {framework_label} » "
        f"(version {framework}), validés par un jury régional paritaire après une évaluation finale "
        "conduite par un organisme évaluateur habilité par Certif'Pro :\n"
        + "\n".join(f"- {domain}" for domain in domains)
    )
    data: dict[str, Any] = {
        "id": f"{base_url()}/certifications/{code.lower()}/{framework}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": name,
        "description": (
            f"{name}, certificat interprofessionnel délivré par Certif'Pro (référentiel {framework})."
        ),
        "criteria": {"narrative": narrative},
        "inLanguage": "fr",
        "version": framework,
    }
    if rs_code:
        data["humanCode"] = rs_code
        data["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": f"{name} ({rs_code})",
                "targetUrl": f"https://www.francecompetences.fr/recherche/rs/{rs_code.removeprefix('RS')}/",
                "targetType": "ext:RS",
                "targetCode": rs_code,
            }
        ]
    return data


def open_badge_credential(
    *,
    credential_id: str,
    issuer_did: str,
    awarded_on: dt.date,
    achievement: dict[str, Any],
    identifier: dict[str, Any],
    status: dict[str, Any],
    number: str,
    verification_url: str,
) -> dict[str, Any]:
    # The award day starts at midnight in France (a credential issued that night is already valid).
    valid_from = dt.datetime.combine(awarded_on, dt.time(), tzinfo=PARIS).astimezone(dt.UTC)
    return {
        "@context": CONTEXTS,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{achievement['name']} — certificat n° {number}",
        "issuer": {
            "id": issuer_did,
            "type": ["Profile"],
            "name": ISSUER_NAME,
            "url": ISSUER_URL,
            "description": "Association paritaire nationale qui délivre les certificats CléA.",
        },
        "validFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "awardedDate": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [identifier],
            "achievement": achievement,
        },
        "evidence": [
            {
                "id": verification_url,
                "type": ["Evidence"],
                "name": f"Vérification publique du certificat n° {number}",
            }
        ],
        "credentialStatus": status,
    }


def jwt_claims(credential: dict[str, Any], *, issued_at: dt.datetime) -> dict[str, Any]:
    """The credential with the registered claims Open Badges 3.0's VC-JWT proof asks for (`iss` = the
    issuer, `jti` = the credential's id, `nbf` = validFrom, `iat`), which VC-JOSE-COSE allows beside it."""
    valid_from = dt.datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    return {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(valid_from.timestamp()),
        "iat": int(issued_at.timestamp()),
    }

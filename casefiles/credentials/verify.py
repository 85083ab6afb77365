"""What holds of a credential someone gives us (the holder's `.jwt` or `.json`, a status list): checked as
any verifier would — the signature against Certif'Pro's DID document (current and earlier keys), the
issuer, the validity dates, the status list entry (the list itself verified the same way) — and said in
French, one sentence per check. Never raises on any input; nothing is "valid" unless every check holds."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.formats import date_format
from joserfc.errors import JoseError

from . import keys, statuslist

MAX_CREDENTIAL_BYTES = 64 * 1024
ENVELOPE_PREFIX = "data:application/vc+jwt,"


@dataclass
class Line:
    ok: bool
    text: str


@dataclass
class CredentialVerdict:
    lines: list[Line] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    number: str = ""  # the certificate's number, when the credential is one of ours

    @property
    def valid(self) -> bool:
        return bool(self.lines) and all(line.ok for line in self.lines)

    def fail(self, text: str) -> CredentialVerdict:
        self.lines.append(Line(False, text))
        return self

    def hold(self, text: str) -> None:
        self.lines.append(Line(True, text))


def extract_token(text: str) -> str | None:
    """The compact JWS in what was given: the JWT itself, or the JSON « enveloped » credential of the
    VC data model 2.0 (`data:application/vc+jwt,…`) the holder's page offers as `.json`."""
    text = text.strip().lstrip("\ufeff")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
        identifier = data.get("id", "") if isinstance(data, dict) else ""
        if isinstance(identifier, str) and identifier.startswith(ENVELOPE_PREFIX):
            return identifier.removeprefix(ENVELOPE_PREFIX)
        return None
    return text if text.count(".") == 2 and " " not in text and "\n" not in text else None


def _header(token: str) -> dict[str, Any] | None:
    part = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def _checked(token: str, verdict: CredentialVerdict, what: str) -> dict[str, Any] | None:
    """The payload of a JWS signed by one of our keys, else None with the reason in `verdict`."""
    header = _header(token)
    if header is None:
        verdict.fail(f"{what} illisible : ce n'est pas un jeton signé (JWT) valide.")
        return None
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in keys.ALGORITHMS:
        verdict.fail(
            f"Algorithme de signature refusé (« {str(algorithm)[:20]} ») : "
            "seuls EdDSA et ES256 sont acceptés."
        )
        return None
    kid = header.get("kid", "")
    if not isinstance(kid, str):
        verdict.fail(f"{what} illisible : l'identifiant de sa clé (kid) n'est pas un texte.")
        return None
    if header.get("typ", "vc+jwt") not in {"vc+jwt", "vc+ld+jwt", "JWT"}:
        verdict.fail(
            f"{what} d'un type inattendu (« {str(header.get('typ'))[:20]} ») : ce n'est pas un VC-JWT."
        )
        return None
    if kid.split("#", 1)[0] != keys.issuer_did():
        verdict.fail(
            f"{what} émise par un autre émetteur que Certif'Pro ({kid.split('#', 1)[0][:80] or 'inconnu'}) : "
            "elle ne peut pas être vérifiée ici."
        )
        return None
    key = keys.key_for(kid)
    if key is None or keys.ALGORITHMS[algorithm] != key.curve:
        verdict.fail(f"{what} signée par une clé que Certif'Pro ne publie pas : signature non reconnue.")
        return None
    try:
        payload = json.loads(keys.verify(token, key))
    except (JoseError, ValueError, RecursionError):
        verdict.fail(
            f"Signature invalide : {what.lower()} a été modifiée ou n'a pas été signée par Certif'Pro."
        )
        return None
    if not isinstance(payload, dict):
        verdict.fail(f"{what} illisible : son contenu n'est pas un objet JSON.")
        return None
    current = keys.signing_key()
    retired = "" if current is not None and current.kid == kid else " (une clé antérieure, toujours publiée)"
    verdict.hold(f"Signature valide : clé de Certif'Pro publiée dans son document DID{retired}.")
    return payload


def _issuer(payload: dict[str, Any]) -> str:
    issuer = payload.get("issuer")
    return str(issuer.get("id", "")) if isinstance(issuer, dict) else str(issuer or "")


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _french_date(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def verify_credential(text: str, *, now: dt.datetime | None = None) -> CredentialVerdict:
    """The checks of one credential (`_verify`), whatever the input: anything unexpected is « illisible »."""
    try:
        return _verify(text, now=now)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
        return CredentialVerdict().fail("Attestation illisible : son contenu n'a pas la forme attendue.")


def _verify(text: str, *, now: dt.datetime | None = None) -> CredentialVerdict:
    verdict = CredentialVerdict()
    if len(text.encode()) > MAX_CREDENTIAL_BYTES:
        return verdict.fail("Ce fichier est trop volumineux pour être une attestation (64 Ko au plus).")
    token = extract_token(text)
    if token is None:
        return verdict.fail("Ce contenu n'est ni une attestation signée (JWT) ni son enveloppe JSON.")
    payload = _checked(token, verdict, "Attestation")
    if payload is None:
        return verdict
    verdict.payload = payload
    if _issuer(payload) != keys.issuer_did():
        return verdict.fail(
            "L'émetteur déclaré dans l'attestation n'est pas Certif'Pro : elle n'est pas valide."
        )
    declared = payload.get("type")
    types: list[Any] = declared if isinstance(declared, list) else []
    if "OpenBadgeCredential" not in types:
        return verdict.fail("Ce document signé n'est pas une attestation de certificat CléA.")
    now = now or timezone.now()
    valid_from, valid_until = _moment(payload.get("validFrom")), payload.get("validUntil")
    if valid_from is None:
        return verdict.fail("L'attestation ne dit pas depuis quand elle est valide : elle n'est pas valide.")
    if valid_from > now:
        verdict.fail(f"L'attestation n'est valide qu'à partir du {_french_date(valid_from)}.")
    if valid_until is not None:
        until = _moment(valid_until)
        if until is None or until <= now:
            verdict.fail(
                f"L'attestation a expiré le {_french_date(until)}."
                if until
                else "La date d'expiration de l'attestation est illisible."
            )
    _check_status(payload, verdict)
    achievement = (payload.get("credentialSubject") or {}).get("achievement") or {}
    verdict.number = _number(payload)
    name = str(achievement.get("name", "certificat"))
    if verdict.valid:
        number = f", certificat n° {verdict.number}" if verdict.number else ""
        verdict.hold(f"Émise par Certif'Pro : {name}{number}, attribué le {_french_date(valid_from)}.")
    return verdict


def _number(payload: dict[str, Any]) -> str:
    from casefiles.models import Credential

    identifier = str(payload.get("id", ""))
    if not identifier.startswith("urn:uuid:"):
        return ""
    credential = (
        Credential.objects.filter(uuid__iexact=identifier.removeprefix("urn:uuid:"))
        .select_related("certificate")
        .first()
        if _is_uuid(identifier.removeprefix("urn:uuid:"))
        else None
    )
    return credential.certificate.number if credential else ""


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_status(payload: dict[str, Any], verdict: CredentialVerdict) -> None:
    """The entry of the credential in its status list, read from the list as published and verified."""
    from casefiles.models import StatusList
    from casefiles.services.credentials import current_status_list

    entry = payload.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        verdict.fail("L'attestation ne dit pas où vérifier son statut : sa révocation ne peut être exclue.")
        return
    try:
        index = int(entry.get("statusListIndex", ""))
        match = resolve(urlsplit(str(entry.get("statusListCredential", ""))).path)
    except (ValueError, TypeError, Resolver404):
        verdict.fail("L'entrée de statut de l'attestation est illisible.")
        return
    status_list = (
        StatusList.objects.filter(
            certification__code__iexact=match.kwargs.get("code", ""), number=match.kwargs.get("number", 0)
        ).first()
        if match.url_name == "status_list"
        else None
    )
    if status_list is None:
        verdict.fail("La liste de statuts de l'attestation est inconnue de Certif'Pro.")
        return
    published = current_status_list(status_list)
    if published.stale:  # not republished since a change (no signing key here): the register says
        _check_register(payload, index, status_list, verdict)
        return
    scratch = CredentialVerdict()
    list_payload = _checked(published.jwt, scratch, "Liste de statuts") if published.jwt else None
    subject = (list_payload or {}).get("credentialSubject") or {}
    try:
        revoked = statuslist.bit(
            statuslist.decode(str(subject.get("encodedList", "")), at_least=index), index
        )
    except statuslist.StatusListError as error:
        verdict.fail(f"Statut introuvable : {error}")
        return
    if revoked:
        verdict.fail("Certificat retiré (révoqué) par Certif'Pro : l'attestation n'est plus valide.")
    else:
        when = _french_date(published.published_at or timezone.now())
        verdict.hold(f"Non révoqué : liste de statuts publiée le {when}.")


def _check_register(
    payload: dict[str, Any], index: int, status_list: Any, verdict: CredentialVerdict
) -> None:
    """The status from Certif'Pro's register when the published list is behind a change."""
    from casefiles.models import CertificateStatus, Credential

    identifier = str(payload.get("id", "")).removeprefix("urn:uuid:")
    credential = (
        Credential.objects.filter(uuid=identifier, status_list=status_list, status_index=index)
        .select_related("certificate")
        .first()
        if _is_uuid(identifier)
        else None
    )
    if credential is None:
        verdict.fail("Statut introuvable : l'attestation n'est pas dans le registre de Certif'Pro.")
    elif credential.certificate.status == CertificateStatus.REVOKED:
        verdict.fail("Certificat retiré (révoqué) par Certif'Pro : l'attestation n'est plus valide.")
    else:
        verdict.hold(
            "Non révoqué : registre de Certif'Pro (la liste publique est en cours de republication)."
        )

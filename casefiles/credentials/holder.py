"""The holder's private page: its link, derived from the secret key, the certificate and a nonce (like
Django's password-reset links: the token is never stored, so no database copy reveals it; a new nonce
ends the earlier links), and the LinkedIn « add a certification » link, prefilled."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from casefiles.models import Certificate

SALT = "casefiles.holder-page"
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def _token(certificate: Certificate, secret: str | bytes) -> str:
    value = f"{certificate.pk}:{certificate.number}:{certificate.holder_link_nonce}"
    return salted_hmac(SALT, value, secret=secret, algorithm="sha256").hexdigest()[:40]


def holder_token(certificate: Certificate) -> str:
    return _token(certificate, settings.SECRET_KEY)


def check_holder_token(certificate: Certificate, token: str) -> bool:
    """The token of this certificate's current link (made with the current or an earlier secret key)."""
    return any(
        constant_time_compare(_token(certificate, secret), token or "")
        for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    )


def holder_url(certificate: Certificate) -> str:
    path = reverse("holder_page", kwargs={"pk": certificate.pk, "token": holder_token(certificate)})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def linkedin_url(certificate: Certificate, verification_url: str) -> str:
    """LinkedIn's form to add a certification to one's profile, filled in: name, issuer, date, number and
    the public verification page."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.certification.name,
        "issueYear": certificate.awarded_on.year,
        "issueMonth": certificate.awarded_on.month,
        "certId": certificate.number,
        "certUrl": verification_url,
    }
    if settings.LINKEDIN_ORGANIZATION_ID:
        params["organizationId"] = settings.LINKEDIN_ORGANIZATION_ID
    else:
        params["organizationName"] = "Certif'Pro"
    return f"{LINKEDIN_ADD}?{urlencode(params)}"

"""The secrets of private links never reach the logs."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from backoffice.core.security.private_links import PrivateLinksFilter, mask
from casefiles.credentials.holder import holder_url


def test_the_paths_secrets_are_masked():
    token = "c57bb29941f3f172e592d4462ed69ca0ae523c95"
    assert mask(f"Not Found: /mon-certificat/17/{token}/certificat.pdf") == (
        "Not Found: /mon-certificat/17/…/certificat.pdf"
    )
    assert mask(f'"GET /enquete/{token}/merci/ HTTP/1.1" 200') == '"GET /enquete/…/merci/ HTTP/1.1" 200'
    assert mask("/certificats/17/") == "/certificats/17/"


@pytest.mark.django_db
def test_a_404_on_a_holders_link_is_logged_without_its_token(certificate, caplog):
    url = holder_url(certificate).split("://", 1)[1].split("/", 1)[1]
    token = url.split("/")[2]
    handler_filter = PrivateLinksFilter()
    caplog.handler.addFilter(handler_filter)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        Client().get(f"/{url}attestation.jwt".replace(token, token[:-1] + "0"))
        Client().get(f"/mon-certificat/{certificate.pk}/{token}/inconnu/")
    caplog.handler.removeFilter(handler_filter)
    assert caplog.records and all(token not in r.getMessage() for r in caplog.records)

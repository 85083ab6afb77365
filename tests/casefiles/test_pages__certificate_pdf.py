"""The certificate PDF reads as an official document: one page, the Certif'Pro logo and wordmark, the number,
the holder, the certification, the date of award, the deciding jury and the issuer."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import formats
from pypdf import PdfReader

from casefiles.documents import render_certificate
from tests.backoffice.test_views__certificates import awarded, certificate, issued  # noqa: F401
from tests.casefiles.conftest import TODAY

pytestmark = pytest.mark.django_db


def pdf_text(certificate) -> tuple[int, str]:  # noqa: F811
    reader = PdfReader(io.BytesIO(render_certificate(certificate)))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def test_the_certificate_is_one_page_naming_number_holder_certification_date_and_issuer(certificate):  # noqa: F811
    pages, text = pdf_text(certificate)

    assert pages == 1
    assert "Certif'Pro" in text  # the logo's wordmark
    assert certificate.number in text
    assert "Inès BERNARD" in text
    assert "Certification CléA" in text
    assert formats.date_format(TODAY, "j F Y") in text
    assert "jury paritaire régional Île-de-France" in text
    assert "Délivré par Certif'Pro, association nationale paritaire" in text
    assert "None" not in text


def test_a_duplicate_says_so_on_its_single_page(certificate):  # noqa: F811
    certificate.duplicates = 2

    pages, text = pdf_text(certificate)

    assert pages == 1 and "Duplicata n° 2" in text

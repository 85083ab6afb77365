"""Documents of a case file rendered as PDF (WeasyPrint, with the system's Pango and fonts)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import AgendaItem, CaseFile, Certificate, DomainAcquisition, DomainStatus, JurySession


def statement_html(case_file: CaseFile) -> str:
    """The candidate's attestation des acquis as HTML: each domain of the file's framework, acquired or to
    train, dated today."""
    grid = (
        DomainAcquisition.objects.filter(case_file=case_file)
        .select_related("domain")
        .order_by("domain__position")
    )
    return render_to_string(
        "casefiles/statement_of_acquisitions.html",
        {
            "case_file": case_file,
            "grid": grid,
            "acquired": [row for row in grid if row.status == DomainStatus.ACQUIRED],
            "issued_on": timezone.localdate(),
        },
    )


def render_statement_of_acquisitions(case_file: CaseFile, html: str | None = None) -> bytes:
    """The attestation des acquis as a PDF."""
    from weasyprint import HTML  # heavy import: only when a document is asked for

    return HTML(string=html if html is not None else statement_html(case_file)).write_pdf()


def verification_url(number: str) -> str:
    """The public verification page of a certificate number (what its QR code points to)."""
    path = reverse("certificate_verify_number", kwargs={"number": number})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def render_certificate(certificate: Certificate) -> bytes:
    """The certificate in French: holder, certification, date, number, session, QR code to verification."""
    import segno
    from weasyprint import HTML

    url = verification_url(certificate.number)
    html = render_to_string(
        "casefiles/certificate.html",
        {
            "certificate": certificate,
            "session": certificate.session,
            "qr_code": segno.make(url, error="m").svg_data_uri(scale=4),
            "verification_url": url,
        },
    )
    return HTML(string=html).write_pdf()


def render_minutes(session: JurySession) -> bytes:
    """The session's procès-verbal: members and attendance, each file with its decision, votes and reason."""
    from weasyprint import HTML

    from .selectors import rule_for

    agenda = (
        AgendaItem.objects.filter(session=session)
        .select_related("case_file__candidate", "case_file__evaluation_site", "case_file__certification")
        .prefetch_related("votes__member__user", "declarations__member__user")
        .order_by("id")
    )
    html = render_to_string(
        "casefiles/minutes.html",
        {
            "session": session,
            "members": session.members.select_related("user"),
            "agenda": agenda,
            "certificates": {c.case_file_id: c for c in session.certificates.all()},
            "rule": rule_for(session.region),
        },
    )
    return HTML(string=html).write_pdf()

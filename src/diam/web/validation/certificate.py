"""The certificate of a validated stage: a one-page PDF (WeasyPrint, as the reports are)
with the organisation, stage, dates, validators, the verification URL, its QR code and the
signed certificate code."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from diam.web.assessments.services import model_for
from diam.web.validation.models import ValidationDecision
from diam.web.validation.services.decision import verification_url


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url` (no XML prolog, dark modules only)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=3, border=2, omitsize=False
    )
    return buffer.getvalue().decode()


def certificate_html(decision: ValidationDecision) -> str:
    assessment = decision.request.assessment
    model = model_for(assessment)
    url = verification_url(decision)
    return render_to_string(
        "validation/certificate.html",
        {
            "decision": decision,
            "organisation": decision.organisation,
            "assessment": assessment,
            "stage_info": model.stage_info(decision.stage),
            "model": model,
            "url": url,
            "qr": mark_safe(qr_svg(url)),  # noqa: S308 - SVG built by segno from our own URL
            "programme": settings.DIAM_PROGRAMME_NAME,
        },
    )


def certificate_pdf(decision: ValidationDecision) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # heavy; only when needed

    pdf: bytes = HTML(string=certificate_html(decision)).write_pdf()
    return pdf

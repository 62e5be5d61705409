"""The embeddable SVG badge: what the registry says about one organisation, drawn server-side.

The URL carries only the organisation's random badge token; the stage, the dates and the
status come from the latest decision in the database, so no edit of the URL changes them.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string

from diam.web.validation.models import ValidationDecision

_COLOURS = {"valid": "#1a7f37", "expired": "#8a6d00", "revoked": "#b42318", "none": "#57606a"}


def badge_lines(decision: ValidationDecision | None, today: dt.date) -> tuple[str, str, str]:
    """(status, main text, second line) of the badge."""
    if decision is None:
        return "none", "Not validated", "diam imaging IT maturity"
    status = decision.status_on(today)
    if status == "revoked":
        return status, f"Stage {decision.stage}: revoked", "validation withdrawn"
    if status == "expired":
        return status, f"Stage {decision.stage}: expired", f"on {decision.valid_until:%d %b %Y}"
    return (
        status,
        f"Validated stage {decision.stage}",
        f"valid until {decision.valid_until:%d %b %Y}",
    )


def badge_svg(
    *, organisation_name: str, decision: ValidationDecision | None, today: dt.date
) -> str:
    status, main, second = badge_lines(decision, today)
    return render_to_string(
        "validation/badge.svg",
        {
            "status": status,
            "main": main,
            "second": second,
            "name": organisation_name[:48],
            "colour": _COLOURS[status],
        },
    )

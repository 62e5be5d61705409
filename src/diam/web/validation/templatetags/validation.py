"""Template tags the assessments pages use to show an assessment's validation.

`{% validation_banner assessment %}` names who validated it and when (or that it is under
validation); `{% validation_panel assessment membership %}` is the results page's section:
the request button, the review's progress, or the decision.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from diam.web.assessments.models import Assessment, Status
from diam.web.validation import selectors

register = template.Library()


def _live(assessment: Assessment) -> Any:
    """`live_request`, read once per page: the results page shows the banner and the panel,
    which asked the same question twice. Only these tags keep it on the instance, and they run
    when the page renders, after whatever the view changed."""
    if not assessment.is_locked:
        return None
    if not hasattr(assessment, "_live_request"):
        assessment._live_request = selectors.live_request(assessment)  # type: ignore[attr-defined]
    return assessment._live_request  # type: ignore[attr-defined]


@register.inclusion_tag("validation/_banner.html")
def validation_banner(assessment: Assessment, membership: Any = None) -> dict[str, Any]:
    live = _live(assessment)
    decision = getattr(live, "decision", None) if live is not None else None
    return {"assessment": assessment, "membership": membership, "live": live, "decision": decision}


@register.inclusion_tag("validation/_panel.html")
def validation_panel(assessment: Assessment, membership: Any, stage: int) -> dict[str, Any]:
    live = _live(assessment)
    return {
        "assessment": assessment,
        "membership": membership,
        "live": live,
        "decision": getattr(live, "decision", None) if live is not None else None,
        "progress": selectors.review_progress(live) if live is not None else None,
        "stage": stage,
        "minimum": settings.DIAM_VALIDATION_MIN_STAGE,
        "submitted": assessment.status == Status.SUBMITTED,
    }


@register.simple_tag
def reopen_refusal_text(assessment: Assessment) -> str:
    """Why validation keeps a submitted assessment from being reopened ('' when it does not)."""
    return selectors.reopen_refusal(assessment)

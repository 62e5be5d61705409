"""`{% verification_status organisation %}`: the organisation's verification, for its settings."""

from __future__ import annotations

from typing import Any

from django import template

from diam.web.accounts.models import Organisation
from diam.web.verification.selectors import verification_of

register = template.Library()


@register.inclusion_tag("verification/_status.html")
def verification_status(organisation: Organisation) -> dict[str, Any]:
    return {"organisation": organisation, "verification": verification_of(organisation)}

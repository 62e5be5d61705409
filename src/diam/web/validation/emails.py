"""E-mails of the validation workflow: one short notice per step, sent after the step commits.

Sent through Django's configured backend (console in development, locmem in tests, SMTP by
settings) with one plain-text template; links use SITE_URL, never the request's host.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from diam.web.accounts.models import Membership, ProgrammeRole, Role, User
from diam.web.validation.models import ValidationRequest, ValidatorAssignment


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def validation_url(validation: ValidationRequest) -> str:
    return absolute(reverse("validation", args=[validation.pk]))


def organisation_recipients(validation: ValidationRequest) -> list[str]:
    """The request's contact and the organisation's admins."""
    admins = Membership.objects.filter(
        organisation_id=validation.organisation_id, role=Role.ADMIN, user__is_active=True
    ).values_list("user__email", flat=True)
    return _unique([validation.contact_email, *admins])


def validator_recipients(validation: ValidationRequest) -> list[str]:
    return _unique(
        ValidatorAssignment.objects.filter(
            request=validation, validator__is_active=True
        ).values_list("validator__email", flat=True)
    )


def programme_admin_recipients() -> list[str]:
    return _unique(
        User.objects.filter(is_active=True)
        .filter(Q(programme_role=ProgrammeRole.ADMIN) | Q(is_superuser=True))
        .values_list("email", flat=True)
    )


def _unique(emails: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for email in emails:
        if email:
            seen.setdefault(email.lower(), None)
    return list(seen)


def notify(
    *,
    recipients: Iterable[str],
    subject: str,
    lines: Iterable[str],
    url: str,
) -> None:
    """Queue one notice to each recipient, sent only if the surrounding transaction commits."""
    to = _unique(recipients)
    if not to:
        return
    body = render_to_string(
        "validation/emails/notice.txt",
        {"lines": list(lines), "url": url, "programme": settings.DIAM_PROGRAMME_NAME},
    )
    subject = " ".join(f"[diam] {subject}".split())
    messages = [(subject, body, None, [address]) for address in to]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))

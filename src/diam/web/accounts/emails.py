"""E-mails the accounts app sends, each as plain text with an HTML alternative.

Sent through Django's configured backend (console in development, locmem in tests, SMTP by
settings). Templates live in templates/accounts/emails/.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from diam.web.accounts.models import Invitation


def send_invitation(*, invitation: Invitation, url: str) -> None:
    """E-mail the invited address the link that accepts the invitation."""
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "role": invitation.get_role_display(),
        "url": url,
        "max_age_days": settings.INVITATION_MAX_AGE_DAYS,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("accounts/emails/invitation_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # a subject must be one line
        body=render_to_string("accounts/emails/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("accounts/emails/invitation.html", context), "text/html"
    )
    message.send()

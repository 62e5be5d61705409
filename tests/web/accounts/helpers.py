"""Shared helpers for the accounts tests."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client

from diam.web.accounts.models import Organisation
from diam.web.accounts.services import organisation_state

STRONG_PASSWORD = "Quiet-Lantern-Harbour-42"


def signup_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Riverside Imaging Centre",
        "org_type": "imaging_centre",
        "country": "IE",
        "region": "",
        "beds": "",
        "annual_exams": "60000",
        "service_areas": ["radiology", "cardiology"],
        "benchmarking_consent": "on",
        "full_name": "Dana Founder",
        "email": "dana@riverside.example",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def org_settings_data(organisation: Organisation, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": organisation.name,
        "org_type": organisation.org_type,
        "country": organisation.country.code,
        "region": "",
        "beds": organisation.beds or "",
        "annual_exams": organisation.annual_exams or "",
        "service_areas": organisation.service_areas,
        "benchmarking_consent": "on" if organisation.benchmarking_consent else None,
        # The settings form's version: the stored settings it was drawn from.
        "state": organisation_state(organisation=Organisation.objects.get(pk=organisation.pk))
        if organisation.pk
        else None,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def link_path(body: str, prefix: str) -> str:
    """The path of the first link in an e-mail body whose path starts with `prefix`."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s\"<]*)", body)
    assert match, f"no link to {prefix} in:\n{body}"
    return match.group(1)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def last_mail() -> mail.EmailMessage:
    assert mail.outbox, "no e-mail was sent"
    return mail.outbox[-1]


def anonymous() -> Client:
    return Client()

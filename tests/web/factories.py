"""Plain factory functions for web tests."""

from __future__ import annotations

from typing import Any

from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import assessment_create

PASSWORD = "correct horse battery staple"


def make_user(email: str, name: str = "", **extra: Any) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, name=name or email, **extra)


def make_organisation(name: str = "St Elsewhere Hospital", **extra: Any) -> Organisation:
    defaults: dict[str, Any] = {
        "country": "NL",
        "org_type": "hospital",
        "beds": 450,
        "annual_exams": 180_000,
        "service_areas": ["radiology"],
    }
    return Organisation.objects.create(name=name, **{**defaults, **extra})


def make_member(user: User, organisation: Organisation, role: str = Role.CONTRIBUTOR) -> Membership:
    return Membership.objects.create(user=user, organisation=organisation, role=role)


def make_assessment(
    organisation: Organisation, user: User, *, version: str | None = None, **overrides: Any
) -> Assessment:
    """A draft on the model `version` (default: the latest, 2.0.0); tests that rely on facts
    of 1.0.0 (QS-09's AI choice, PM-08's N/A, skip logic) pin `version="1.0.0"`."""
    assessment = assessment_create(
        organisation=organisation, user=user, title="Test assessment", model_version=version
    )
    for key, value in overrides.items():
        setattr(assessment, key, value)
    if overrides:
        assessment.save()
    return assessment

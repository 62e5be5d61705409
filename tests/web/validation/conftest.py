"""Personas of the validation tests, on top of alice/bob/vic (St Elsewhere) and carol:
val and vera (validators, members of no organisation), pam (programme admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from diam.web.accounts.models import ProgrammeRole, User
from diam.web.assessments.models import Answer, Assessment
from diam.web.assessments.services import assessment_submit, model_for
from diam.web.validation import keys
from diam.web.validation.models import ValidationRequest, Verdict
from diam.web.validation.services.requests import validation_request, validator_assign
from diam.web.validation.services.review import review_verdict
from tests.web.conftest import client_for
from tests.web.factories import make_user
from tests.web.reports.conftest import met_value


@pytest.fixture(autouse=True)
def private_files(settings: Any, tmp_path: Path) -> None:
    """Evidence and the signing key live in a temporary directory, never in data/."""
    settings.MEDIA_ROOT = tmp_path / "evidence"
    settings.DIAM_CREDENTIAL_KEY_DIR = tmp_path / "keys"
    settings.SITE_URL = "https://diam.example.org"


@pytest.fixture
def signing_key(private_files: None) -> str:
    return keys.key_create()[0]


@pytest.fixture
def val(db: None) -> User:
    return make_user("val@example.org", "Val Idator", programme_role=ProgrammeRole.VALIDATOR)


@pytest.fixture
def vera(db: None) -> User:
    return make_user("vera@example.org", "Vera Second", programme_role=ProgrammeRole.VALIDATOR)


@pytest.fixture
def pam(db: None) -> User:
    return make_user("pam@example.org", "Pam Programme", programme_role=ProgrammeRole.ADMIN)


@pytest.fixture
def val_client(val: User) -> Client:
    return client_for(val)


@pytest.fixture
def pam_client(pam: User) -> Client:
    return client_for(pam)


def fill_all_met(assessment: Assessment, user: User) -> None:
    Answer.objects.bulk_create(
        Answer(assessment=assessment, criterion_id=c.id, value=met_value(c), updated_by=user)
        for c in model_for(assessment).criteria
    )


@pytest.fixture
def submitted(assessment: Assessment, alice: User) -> Assessment:
    """St Elsewhere's assessment with every criterion met (stage 7), submitted."""
    fill_all_met(assessment, alice)
    return assessment_submit(assessment=assessment, user=alice)


def request_for(assessment: Assessment, user: User) -> ValidationRequest:
    return validation_request(
        assessment=assessment,
        user=user,
        contact_name="Alice Admin",
        contact_email="alice@example.org",
        proposed_dates="10-12 March",
    )


@pytest.fixture
def requested(submitted: Assessment, alice: User) -> ValidationRequest:
    return request_for(submitted, alice)


@pytest.fixture
def in_review(requested: ValidationRequest, val: User, pam: User) -> ValidationRequest:
    validator_assign(validation=requested, validator=val, user=pam)
    requested.refresh_from_db()
    return requested


def accept_all(
    validation: ValidationRequest, validator: User, *, except_: set[str] = frozenset()
) -> None:
    for item in validation.items.all():
        verdict = Verdict.REJECTED if item.criterion_id in except_ else Verdict.ACCEPTED
        review_verdict(
            validation=validation,
            criterion_id=item.criterion_id,
            verdict=verdict,
            message="Not seen on site." if verdict == Verdict.REJECTED else "",
            user=validator,
        )

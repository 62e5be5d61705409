"""Validation status and the registry through the API: the same states, decisions and listing
as the pages, scoped to the token's organisation; the registry public and paginated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from diam.web.accounts.models import Organisation, ProgrammeRole, Role, User
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import assessment_create, assessment_submit
from diam.web.validation import keys
from diam.web.validation.models import ValidationDecision
from diam.web.validation.services.decision import (
    decision_revoke,
    recognition_update,
    validation_decide,
)
from diam.web.validation.services.requests import validation_withdraw, validator_assign
from tests.web.api.conftest import CheckedClient, api_client, token_for
from tests.web.factories import make_member, make_organisation, make_user
from tests.web.validation.conftest import accept_all, fill_all_met, request_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "evidence"
    settings.DIAM_CREDENTIAL_KEY_DIR = tmp_path / "keys"
    settings.SITE_URL = "https://diam.example.org"
    keys.key_create()


def _validated(org: Organisation, admin: User) -> ValidationDecision:
    """A submitted assessment of `org`, every claim accepted by a validator: decided."""
    validator = make_user(
        f"val-{org.pk}@example.org", "Val", programme_role=ProgrammeRole.VALIDATOR
    )
    pam = User.objects.filter(email="pam@example.org").first() or make_user(
        "pam@example.org", "Pam", programme_role=ProgrammeRole.ADMIN
    )
    assessment = assessment_create(organisation=org, user=admin)
    fill_all_met(assessment, admin)
    assessment_submit(assessment=assessment, user=admin)
    validation = request_for(assessment, admin)
    validator_assign(validation=validation, validator=validator, user=pam)
    accept_all(validation, validator)
    return validation_decide(validation=validation, user=validator, narrative="Seen on site.")


def test_the_validation_status_follows_the_request_to_its_decision(
    alice: User, org: Organisation, assessment: Assessment, vic: User, carol_api: CheckedClient
) -> None:
    viewer = api_client(token_for(vic, org, Role.VIEWER, can_write=False))
    path = f"/api/assessments/{assessment.pk}/validation"
    body = viewer.get(path).json()
    assert body == {
        "assessment_id": assessment.pk,
        "state": "none",
        "request": None,
        "decision": None,
        "history": [],
    }
    fill_all_met(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    first = request_for(assessment, alice)
    validation_withdraw(validation=first, user=alice, reason="Dates did not suit.")
    second = request_for(assessment, alice)
    body = viewer.get(path).json()
    assert body["state"] == "requested" and body["request"]["id"] == second.pk
    assert body["request"]["progress"]["total"] > 0 and body["decision"] is None
    assert [h["state"] for h in body["history"]] == ["requested", "withdrawn"]

    val = make_user("val@example.org", "Val Idator", programme_role=ProgrammeRole.VALIDATOR)
    pam = make_user("pam@example.org", "Pam", programme_role=ProgrammeRole.ADMIN)
    validator_assign(validation=second, validator=val, user=pam)
    assert viewer.get(path).json()["state"] == "in_review"
    accept_all(second, val)
    decision = validation_decide(validation=second, user=val, narrative="ok")
    body = viewer.get(path).json()
    assert (
        body["state"] == "decided"
        and body["request"]["progress"]["done"] == (body["request"]["progress"]["total"])
    )
    assert body["decision"]["stage"] == decision.stage and body["decision"]["status"] == "valid"
    assert body["decision"]["validators"] == ["Val Idator"]
    assert body["decision"]["verify_url"].endswith(f"/verify/{decision.code}/")
    # Another organisation's token does not learn that the validation exists.
    response = carol_api.get(path)
    assert response.status_code == 404 and response.json()["message"]


def test_the_registry_is_public_paginated_and_lists_only_opted_in_organisations(
    alice: User, org: Organisation
) -> None:
    decisions = {}
    for name, country in (("Alpha Clinic", "BE"), ("Beta Hospital", "DE"), ("Gamma", "NL")):
        other = make_organisation(name, country=country)
        admin = make_user(f"admin@{name.split()[0].lower()}.org", "Admin")
        make_member(admin, other, Role.ADMIN)
        decisions[name] = _validated(other, admin)
        if name != "Gamma":  # Gamma never opted in
            recognition_update(organisation=other, listed=True, user=admin)
    pam = User.objects.get(email="pam@example.org")
    decision_revoke(decision=decisions["Alpha Clinic"], user=pam, reason="Evidence withdrawn.")
    ValidationDecision.objects.filter(pk=decisions["Beta Hospital"].pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    anonymous = CheckedClient()
    body = anonymous.get("/api/registry?per_page=1").json()
    assert (body["count"], body["pages"], body["page"]) == (2, 2, 1)
    first = body["items"][0]
    assert first["organisation"] == "Alpha Clinic" and first["country"] == "BE"
    assert first["status"] == "revoked" and first["revoked_on"] == str(timezone.localdate())
    second = anonymous.get("/api/registry?per_page=1&page=2").json()["items"]
    assert [(e["organisation"], e["status"]) for e in second] == [("Beta Hospital", "expired")]
    assert anonymous.get("/api/registry?page=3").json()["items"] == []
    # The registry page lists the same organisations in the same states.
    page = anonymous.get("/registry/").content.decode()
    assert "Alpha Clinic" in page and "Beta Hospital" in page and "Gamma" not in page
    response = anonymous.get("/api/registry?per_page=0")
    assert response.status_code == 422 and response.json()["errors"][0]["field"]

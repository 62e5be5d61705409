"""Validation status and the registry through the API: the same states, decisions and listing
as the pages, scoped to the token's organisation; the registry public and paginated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from diam.web.accounts.models import Organisation, ProgrammeRole, Role, User
from diam.web.assessments.models import Assessment, AssessmentEvent
from diam.web.assessments.services import assessment_create, assessment_submit
from diam.web.audit.models import AuditEvent
from diam.web.validation import keys
from diam.web.validation.models import ValidationDecision, ValidationRequest
from diam.web.validation.services.decision import (
    decision_revoke,
    recognition_update,
    validation_decide,
)
from diam.web.validation.services.requests import validation_withdraw, validator_assign
from tests.web.api.conftest import CheckedClient, api_client, token_for
from tests.web.conftest import client_for
from tests.web.factories import make_assessment, make_member, make_organisation, make_user
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


# --- requesting and withdrawing ------------------------------------------------------------------

REQUEST = {
    "contact_name": " Alice Admin ",
    "contact_email": "alice@example.org",
    "contact_phone": "+32 2 555 01 01",
    "proposed_dates": "10-12 March or 24-26 March",
    "note": "Two sites.",
}


def _post(client: CheckedClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def _trail(action: str) -> list[tuple[Any, ...]]:
    return [
        (e.actor_id, e.organisation_id, e.target_type, e.summary, e.detail, e.ip)
        for e in AuditEvent.objects.filter(action=action).order_by("pk")
    ]


def test_an_admin_requests_and_withdraws_a_validation_as_the_pages_do(
    alice: User,
    org: Organisation,
    assessment: Assessment,
    alice_api: CheckedClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_user("pam@example.org", "Pam", programme_role=ProgrammeRole.ADMIN)
    fill_all_met(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    path = f"/api/assessments/{assessment.pk}/validation"
    # First through the pages, then the same steps through the API.
    web = client_for(alice)
    form = {**REQUEST, "contact_name": "Alice Admin"}
    assert web.post(f"/a/{assessment.pk}/validation/request/", form).status_code == 302
    first = ValidationRequest.objects.get()
    withdrawn = web.post(f"/validation/{first.pk}/withdraw/", {"reason": "Dates moved."})
    assert withdrawn.status_code == 302
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # the e-mails go out on commit
        response = _post(alice_api, path, REQUEST)
    assert response.status_code == 201, response.content
    body = response.json()
    second = ValidationRequest.objects.exclude(pk=first.pk).get()
    assert body["state"] == "requested" and body["request"]["id"] == second.pk
    assert body["request"]["self_assessed_stage"] == second.self_assessed_stage == 7
    assert (second.contact_name, second.contact_phone, second.note) == (
        "Alice Admin",
        "+32 2 555 01 01",
        "Two sites.",
    )
    assert second.requested_by == alice
    assert [m.to for m in mail.outbox] == [["pam@example.org"]]
    assert "Alice Admin <alice@example.org>" in mail.outbox[0].body

    response = _post(alice_api, f"{path}/withdraw", {"reason": "Dates moved."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "none" and body["request"] is None
    assert [h["state"] for h in body["history"]] == ["withdrawn", "withdrawn"]
    second.refresh_from_db()
    assert second.closed_reason == "Dates moved."
    # The audit trail and the assessment's history cannot tell the API from the pages.
    for action in ("validation.requested", "validation.withdrawn"):
        by_page, by_api = _trail(action)
        assert by_page == by_api, action
    kinds = list(
        AssessmentEvent.objects.filter(assessment=assessment)
        .filter(kind__startswith="validation")
        .order_by("pk")
        .values_list("kind", "user_id")
    )
    assert kinds == [
        ("validation_requested", alice.pk),
        ("validation_withdrawn", alice.pk),
        ("validation_requested", alice.pk),
        ("validation_withdrawn", alice.pk),
    ]


def test_what_the_workflow_refuses_is_409_and_changes_nothing(
    alice: User, assessment: Assessment, alice_api: CheckedClient, settings: Any
) -> None:
    path = f"/api/assessments/{assessment.pk}/validation"

    def state() -> tuple[int, int]:
        steps = AuditEvent.objects.filter(action__startswith="validation.")
        return ValidationRequest.objects.count(), steps.count()

    def refused(url: str, body: dict[str, Any]) -> str:
        before = state()
        response = _post(alice_api, url, body)
        assert response.status_code == 409, response.content
        assert state() == before  # no request, and no step in the audit trail
        return str(response.json()["message"])

    assert "Submit the assessment" in refused(path, REQUEST)
    assert "no validation request to withdraw" in refused(f"{path}/withdraw", {"reason": "x"})
    fill_all_met(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    settings.DIAM_VALIDATION_MIN_STAGE = 8
    assert "offered from stage 8; this assessment's stage is 7" in refused(path, REQUEST)
    settings.DIAM_VALIDATION_MIN_STAGE = 6
    assert _post(alice_api, path, REQUEST).status_code == 201
    assert "already has a validation request" in refused(path, REQUEST)
    assert not AuditEvent.objects.filter(action="validation.withdrawn").exists()


def test_a_decided_validation_cannot_be_withdrawn(
    alice: User, org: Organisation, alice_api: CheckedClient
) -> None:
    decision = _validated(org, alice)
    path = f"/api/assessments/{decision.request.assessment_id}/validation"
    response = _post(alice_api, f"{path}/withdraw", {"reason": "Changed our mind."})
    assert response.status_code == 409 and "decided" in response.json()["message"]
    assert "already validated" in _post(alice_api, path, REQUEST).json()["message"]


def test_invalid_fields_are_422_naming_each_field_and_change_nothing(
    alice: User, assessment: Assessment, alice_api: CheckedClient
) -> None:
    fill_all_met(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    path = f"/api/assessments/{assessment.pk}/validation"
    bad = {
        "contact_name": "   ",
        "contact_email": "alice at example.org",
        "contact_phone": "0" * 41,
        "note": "Bell\x07",
        "surprise": 1,
    }
    response = _post(alice_api, path, bad)
    assert response.status_code == 422
    problems = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(problems) == {
        "body.payload.contact_name",
        "body.payload.contact_email",
        "body.payload.contact_phone",
        "body.payload.proposed_dates",
        "body.payload.note",
        "body.payload.surprise",
    }, problems
    assert "cannot be blank" in problems["body.payload.contact_name"]
    assert "valid e-mail address" in problems["body.payload.contact_email"]
    assert "U+0007" in problems["body.payload.note"]
    response = _post(alice_api, f"{path}/withdraw", {"reason": " \n "})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.payload.reason"]
    assert not ValidationRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="validation.").exists()


def test_only_an_admins_read_write_token_may_request_or_withdraw(
    alice: User, bob: User, vic: User, org: Organisation, carol_api: CheckedClient
) -> None:
    submitted = make_assessment(org, alice)
    fill_all_met(submitted, alice)
    assessment_submit(assessment=submitted, user=alice)
    path = f"/api/assessments/{submitted.pk}/validation"
    read_only = api_client(token_for(alice, org, Role.ADMIN, can_write=False))
    contributor = api_client(token_for(bob, org, Role.CONTRIBUTOR))
    admin_as_contributor = api_client(token_for(alice, org, Role.CONTRIBUTOR))
    for client, words in (
        (read_only, "read-only"),
        (contributor, "organisation admin"),
        (admin_as_contributor, "organisation admin"),
    ):
        for url, body in ((path, REQUEST), (f"{path}/withdraw", {"reason": "x"})):
            response = _post(client, url, body)
            assert response.status_code == 403 and words in response.json()["message"]
    assert _post(carol_api, path, REQUEST).status_code == 404
    assert _post(api_client(), path, REQUEST).status_code == 401
    assert not ValidationRequest.objects.exists()

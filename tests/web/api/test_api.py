"""The JSON API as a script uses it: a whole assessment from start to report, and every refusal
with its status code and a JSON message naming the field or criterion. Every response here is
checked against the OpenAPI document by the `CheckedClient` (conftest)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from diam.paths import latest_version
from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.api.models import ApiToken
from diam.web.assessments.models import Answer, Assessment
from diam.web.audit.models import AuditEvent
from diam.web.reports.models import ReportFile
from tests.web.api.conftest import CheckedClient, api_client, token_for

pytestmark = pytest.mark.django_db


def _json(client: Client, method: str, path: str, body: Any) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_a_script_runs_a_whole_assessment_through_the_api(
    alice_api: CheckedClient, org: Organisation, alice: User
) -> None:
    me = alice_api.get("/api/me").json()
    assert me["organisation_id"] == org.pk and me["role"] == "admin" and me["can_write"]
    models = CheckedClient().get("/api/models").json()
    version = models[0]["latest"]
    assert version == latest_version("radiology")
    model = CheckedClient().get(f"/api/models/radiology/versions/{version}").json()
    criteria = [c["id"] for c in model["criteria"]]

    created = _json(
        alice_api, "post", f"/api/organisations/{org.pk}/assessments", {"title": "Scripted"}
    )
    assert created.status_code == 201
    aid = created.json()["id"]
    answers = {"SI-01": 99, "SI-02": {"value": 95, "comment": "all but one"}}
    patched = _json(
        alice_api,
        "patch",
        f"/api/assessments/{aid}/answers",
        {"model": "radiology", "answers": answers},
    )
    assert patched.status_code == 200
    assert patched.json()["changed"] == ["SI-01", "SI-02"]
    assert patched.json()["answers"]["answers"]["SI-02"] == {"value": 95, "comment": "all but one"}
    again = _json(
        alice_api,
        "patch",
        f"/api/assessments/{aid}/answers",
        {"model": "radiology", "answers": answers},
    )
    assert again.json()["changed"] == [] and again.json()["unchanged"] == 2
    cleared = _json(
        alice_api,
        "patch",
        f"/api/assessments/{aid}/answers",
        {"model": "radiology", "answers": {"SI-01": None}},
    )
    assert cleared.json()["changed"] == ["SI-01"]
    assert not Answer.objects.get(assessment_id=aid, criterion_id="SI-01").is_answered

    result = alice_api.get(f"/api/assessments/{aid}/result").json()
    assert set(result["criteria"]) == set(criteria) and result["stage"] == 0
    report = alice_api.get(f"/api/assessments/{aid}/report").json()
    assert report["stage"] == 0 and report["roadmap"] and "not an official" in report["disclaimer"]
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK"), ("xlsx", b"PK")):
        download = alice_api.get(f"/api/assessments/{aid}/report.{fmt}")
        assert download.status_code == 200 and download.getvalue().startswith(magic)
    # Rendered once and stored, as for the pages: the next download streams the same file.
    again = alice_api.get(f"/api/assessments/{aid}/report.pdf")
    stored = ReportFile.objects.get(assessment_id=aid, kind="pdf")
    assert again.getvalue() == stored.path.read_bytes() and stored.attempts == 1
    fhir = alice_api.get(f"/api/assessments/{aid}/fhir?fhir_version=R4B").json()
    assert fhir["resourceType"] == "QuestionnaireResponse" and fhir["status"] == "in-progress"

    submitted = alice_api.post(f"/api/assessments/{aid}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert alice_api.post(f"/api/assessments/{aid}/submit").status_code == 409
    locked = _json(
        alice_api,
        "patch",
        f"/api/assessments/{aid}/answers",
        {"model": "radiology", "answers": answers},
    )
    assert locked.status_code == 409 and "submitted" in locked.json()["message"]

    imported = _json(alice_api, "post", f"/api/organisations/{org.pk}/imports", fhir)
    assert imported.status_code == 201
    copy = Assessment.objects.get(pk=imported.json()["id"])
    assert Answer.objects.get(assessment=copy, criterion_id="SI-02").comment == "all but one"
    listing = alice_api.get(f"/api/organisations/{org.pk}/assessments?per_page=1&page=2").json()
    assert listing["count"] == 2 and listing["pages"] == 2 and len(listing["items"]) == 1
    drafts = alice_api.get(f"/api/organisations/{org.pk}/assessments?status=draft").json()
    assert [a["id"] for a in drafts["items"]] == [copy.pk]
    # Every accepted request was recorded with the token.
    uses = AuditEvent.objects.filter(action="api.token_used", actor=alice)
    assert uses.count() >= 15
    assert uses.filter(summary=f"POST /api/assessments/{aid}/submit").count() == 2


def test_bulk_answers_are_all_or_nothing_and_name_each_criterion(
    alice_api: CheckedClient, assessment: Assessment
) -> None:
    body = {
        "model": "radiology",
        "answers": {"SI-01": 90, "SI-02": 140, "XX-01": True, "WS-06": {"na": True}},
    }
    response = _json(alice_api, "patch", f"/api/assessments/{assessment.pk}/answers", body)
    assert response.status_code == 422
    errors = {e["criterion"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "SI-02": "a percentage must be between 0 and 100, got 140",
        "XX-01": "unknown criterion id",
        "WS-06": "N/A needs a justification",
    }
    assert not Answer.objects.filter(assessment=assessment).exists()
    missing = _json(
        alice_api, "patch", f"/api/assessments/{assessment.pk}/answers", {"answers": {}}
    )
    assert (
        missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.payload.model"
    )
    broken = alice_api.patch(
        f"/api/assessments/{assessment.pk}/answers", "{not json", content_type="application/json"
    )
    assert broken.status_code == 400 and broken.json()["message"]


def test_tokens_never_reach_beyond_their_organisation_or_role(
    assessment: Assessment,
    carol_api: CheckedClient,
    bob_api: CheckedClient,
    alice: User,
    vic: User,
    org: Organisation,
    other_org: Organisation,
) -> None:
    assert carol_api.get(f"/api/assessments/{assessment.pk}").status_code == 404
    assert carol_api.get(f"/api/organisations/{org.pk}/assessments").status_code == 404
    assert carol_api.get(f"/api/assessments/{assessment.pk}/answers").status_code == 404
    # A contributor may answer but not submit or start assessments.
    body = {"model": "radiology", "answers": {"SI-01": 50}}
    assert (
        _json(bob_api, "patch", f"/api/assessments/{assessment.pk}/answers", body).status_code
        == 200
    )
    assert bob_api.post(f"/api/assessments/{assessment.pk}/submit").status_code == 403
    assert _json(bob_api, "post", f"/api/organisations/{org.pk}/assessments", {}).status_code == 403
    # A read-only admin token reads but never writes.
    read_only = api_client(token_for(alice, org, Role.ADMIN, can_write=False))
    assert read_only.get(f"/api/assessments/{assessment.pk}/answers").status_code == 200
    refused = _json(read_only, "patch", f"/api/assessments/{assessment.pk}/answers", body)
    assert refused.status_code == 403 and "read-only" in refused.json()["message"]
    # A viewer token cannot write; alice's admin token made while she is a member of one
    # organisation does not reach another she joins later.
    viewer = api_client(token_for(vic, org, Role.VIEWER, can_write=False))
    assert (
        _json(viewer, "patch", f"/api/assessments/{assessment.pk}/answers", body).status_code == 403
    )
    Membership.objects.create(user=alice, organisation=other_org, role=Role.ADMIN)
    alice_token = api_client(token_for(alice, org))
    assert alice_token.get(f"/api/organisations/{other_org.pk}").status_code == 404


def test_a_token_loses_what_its_owner_loses(
    alice: User, org: Organisation, assessment: Assessment
) -> None:
    client = api_client(token_for(alice, org))
    Membership.objects.filter(user=alice, organisation=org).update(role=Role.VIEWER)
    assert client.get("/api/me").json()["role"] == "viewer"
    assert client.post(f"/api/assessments/{assessment.pk}/submit").status_code == 403
    Membership.objects.filter(user=alice, organisation=org).delete()
    assert client.get(f"/api/assessments/{assessment.pk}").status_code == 404
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/api/me").status_code == 401


def test_missing_expired_revoked_or_forged_tokens_get_401(
    alice: User, org: Organisation, assessment: Assessment
) -> None:
    secret = token_for(alice, org)
    path = f"/api/assessments/{assessment.pk}"
    assert CheckedClient().get(path).status_code == 401
    forged = secret[:-4] + "AAAA"
    response = api_client(forged).get(path)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert api_client("not-a-token").get(path).status_code == 401
    token = ApiToken.objects.get(user=alice)
    from django.utils import timezone

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert api_client(secret).get(path).status_code == 401
    assert not AuditEvent.objects.filter(action="api.token_used").exists()


def test_the_rate_limit_answers_429_with_retry_after(
    alice: User, org: Organisation, settings: Any
) -> None:
    settings.DIAM_API_RATE_PER_MINUTE = 3
    client = api_client(token_for(alice, org))
    statuses = [client.get("/api/me").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    response = client.get("/api/me")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many requests" in response.json()["message"]


def test_ids_out_of_range_and_bad_queries_are_422_not_500(alice_api: CheckedClient) -> None:
    assert alice_api.get(f"/api/assessments/{2**70}").status_code == 422
    assert alice_api.get("/api/assessments/0").status_code == 422
    assert alice_api.get("/api/organisations/1/assessments?per_page=1000").status_code in (404, 422)
    assert alice_api.get("/api/models/radiology/versions/1.0/questionnaire").status_code == 422
    assert CheckedClient().get("/api/models/radiology/versions/9.9.9").status_code == 404
    assert CheckedClient().get("/api/no/such/thing").status_code == 404
    assert CheckedClient().get("/api/")["Location"] == "/api/docs"


def test_an_oversized_body_is_413(alice_api: CheckedClient, assessment: Assessment) -> None:
    body = json.dumps({"model": "radiology", "answers": {}, "meta": {"x": "y" * 3_000_000}})
    response = alice_api.patch(
        f"/api/assessments/{assessment.pk}/answers", body, content_type="application/json"
    )
    assert response.status_code == 413


def test_every_api_url_is_a_documented_operation() -> None:
    """The URL patterns under /api/ and the OpenAPI document's paths are the same set, apart
    from the documentation itself and the JSON 404 catch-all."""
    from diam.web.api.api import api

    documented = set(api.get_openapi_schema(path_params={})["paths"])
    patterns: set[str] = set()
    for pattern in api.urls[0]:
        route = "/api/" + str(pattern.pattern)
        route = route.replace("<int:", "{").replace("<", "{").replace(">", "}")
        patterns.add(route)
    assert documented - patterns == set()
    assert patterns - documented == UNDOCUMENTED_URLS


# The document itself, its docs page, and the root (which diam's urls.py redirects to the docs).
UNDOCUMENTED_URLS = {"/api/openapi.json", "/api/docs", "/api/"}


def test_the_service_profile_is_set_on_create_and_by_the_answers_endpoint(
    alice_api: CheckedClient, org: Organisation
) -> None:
    created = _json(
        alice_api,
        "post",
        f"/api/organisations/{org.pk}/assessments",
        {"title": "Profiled", "services": {"ct": True, "ai": False}},
    )
    assert created.status_code == 201, created.json()
    assessment = created.json()
    assert assessment["services"] == {"ct": True, "ai": False}
    path = f"/api/assessments/{assessment['id']}/answers"
    body = {"model": "radiology", "services": {"ai": None, "mr": True}, "answers": {}}
    response = _json(alice_api, "patch", path, body)
    assert response.status_code == 200
    assert response.json()["answers"]["services"] == {"ct": True, "mr": True}
    # A service the model does not have is named, and nothing changes.
    body = {"model": "radiology", "services": {"pet": True}, "answers": {"SI-01": 50}}
    refused = _json(alice_api, "patch", path, body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "services.pet"
    assert Assessment.objects.get(pk=assessment["id"]).services == {"ct": True, "mr": True}
    create = f"/api/organisations/{org.pk}/assessments"
    refused = _json(alice_api, "post", create, {"title": "Bad", "services": {"pet": True}})
    assert refused.status_code == 422 and "services.pet" in refused.json()["errors"][0]["field"]
    # Model 1.0.0 asks about no services: the profile of 2.0.0 does not fit it.
    old = {"title": "Bad", "model_version": "1.0.0", "services": {"ct": True}}
    refused = _json(alice_api, "post", create, old)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.services"
    assert "Unknown service(s) ct" in refused.json()["message"]
    assert not Assessment.objects.filter(title="Bad").exists()

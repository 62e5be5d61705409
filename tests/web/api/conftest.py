"""API test fixtures: tokens for the personas, and a client that checks every response it gets
against the OpenAPI document (zulip's test_openapi idea): the URL must be a documented
operation, the status one of its documented responses, and the body valid for that response's
schema. `/api/docs` and `/api/openapi.json` are the documentation itself, and unknown /api/
URLs answer a JSON 404 from a catch-all (both explicitly exempt below)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client

from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.api.services import token_create

# Not OpenAPI operations, on purpose: the documentation, and the root that redirects to it.
UNDOCUMENTED_ON_PURPOSE = {"/api/docs", "/api/openapi.json", "/api/"}


@cache
def openapi() -> dict[str, Any]:
    from diam.web.api.api import api

    return json.loads(json.dumps(api.get_openapi_schema(path_params={})))


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in openapi()["paths"]:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        out.append((re.compile(f"^{pattern}$"), template))
    return out


def operation_for(path: str) -> str | None:
    for pattern, template in _templates():
        if pattern.match(path):
            return template
    return None


def check_response(method: str, path: str, response: Any) -> None:
    """Fail unless the response is what the OpenAPI document promises."""
    if not path.startswith("/api/") or path in UNDOCUMENTED_ON_PURPOSE:
        return
    template = operation_for(path)
    if template is None:
        assert response.status_code == 404, f"{method} {path}: undocumented URL answered"
        assert response.json()["message"], "unknown /api/ URLs answer a JSON message"
        return
    operations = openapi()["paths"][template]
    if method.lower() not in operations:
        assert response.status_code == 405, f"{method} {template}: undocumented method"
        return
    responses = operations[method.lower()]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method} {template}: status {status} is not documented"
    content = responses[status].get("content", {})
    content_type = response["Content-Type"].split(";")[0]
    if not content:
        return
    assert content_type in content, f"{method} {template}: {content_type} not documented"
    if content_type != "application/json":
        return
    schema = {**content[content_type]["schema"], "components": openapi().get("components", {})}
    validator = jsonschema_rs.validator_for(schema)
    errors = [str(e) for e in validator.iter_errors(response.json())]
    assert not errors, f"{method} {template} {status}: {errors[:3]}"


class CheckedClient(Client):
    """A test client whose every /api/ response is checked against the OpenAPI document."""

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        check_response(request["REQUEST_METHOD"], request["PATH_INFO"], response)
        return response


def token_for(
    user: User, organisation: Organisation, role: str = Role.ADMIN, can_write: bool = True
) -> str:
    membership = Membership.objects.get(user=user, organisation=organisation)
    return token_create(
        membership=membership, name="test", role=role, can_write=can_write, expires_in_days=30
    ).secret


def api_client(secret: str | None = None) -> CheckedClient:
    if secret is None:
        return CheckedClient()
    return CheckedClient(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def alice_api(alice: User, org: Organisation) -> CheckedClient:
    return api_client(token_for(alice, org))


@pytest.fixture
def bob_api(bob: User, org: Organisation) -> CheckedClient:
    return api_client(token_for(bob, org, Role.CONTRIBUTOR))


@pytest.fixture
def carol_api(carol: User, other_org: Organisation) -> CheckedClient:
    return api_client(token_for(carol, other_org))

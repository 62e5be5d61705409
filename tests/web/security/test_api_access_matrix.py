"""The access matrix of the JSON API, generated from its OpenAPI document.

Every API operation (method and path) is requested by nine personas against real objects of
one organisation (St Elsewhere, the same world as test_access_matrix.py): no token, a forged
token, a token of another organisation, a read-only organisation-admin token, and tokens of
its viewer, contributor and admin; then a validator assigned to its validation and a
programme admin, each with a token of the organisation they belong to. A token reaches its
own organisation only, whatever its owner's programme role: validators and programme admins
work through the pages, and the API gives them nothing of an organisation they are not a
member of (404, as for any other organisation).

An operation without an entry in API_ACCESS fails `test_every_api_operation_has_an_entry`:
adding an endpoint means adding one line here, saying who may call it. Every response is
also checked against the OpenAPI document (the API tests' `CheckedClient`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.api.services import token_create
from diam.web.assessments.services import assessment_submit
from tests.web.api.conftest import CheckedClient, api_client, openapi
from tests.web.factories import make_assessment, make_member, make_organisation
from tests.web.security.test_access_matrix import world  # noqa: F401 - the shared fixture
from tests.web.validation.conftest import fill_all_met

API_PERSONAS = (
    "anonymous",
    "forged_token",
    "other_org",
    "read_only",
    "viewer",
    "contributor",
    "org_admin",
    "validator",
    "programme_admin",
)
OK, E401, E403, E404 = "ok", "401", "403", "404"


def _policy(**outcomes: str) -> dict[str, str]:
    assert set(outcomes) == set(API_PERSONAS), set(API_PERSONAS) ^ set(outcomes)
    return outcomes


PUBLIC = _policy(**{p: OK for p in API_PERSONAS})
# Any valid token: the operation answers about the token's own organisation.
TOKEN = PUBLIC | {"anonymous": E401, "forged_token": E401}
# Reads of St Elsewhere's objects: its members' tokens, read-only ones too.
READ = TOKEN | {"other_org": E404, "validator": E404, "programme_admin": E404}
# Writes: a read-write token acting as a contributor or admin.
EDIT = READ | {"read_only": E403, "viewer": E403}
ADMIN = EDIT | {"contributor": E403}

ANSWERS = {"model": "radiology", "answers": {"SI-01": 50}}
VALIDATION_REQUEST = {
    "contact_name": "Alice",
    "contact_email": "alice@example.org",
    "proposed_dates": "10-12 March",
}


@dataclass(frozen=True)
class Op:
    """Who may call one operation; `values` fill its path, `body` is sent as JSON (valid, so
    that a refusal can only be the access check's: ninja answers 422 to a bad body first)."""

    policy: dict[str, str]
    body: dict[str, Any] | None = None
    values: dict[str, str] = field(default_factory=dict)  # placeholder -> world value key


A = "/api/assessments/{assessment_id}"
ORG = "/api/organisations/{organisation_id}"
MODEL = "/api/models/{model_id}/versions/{version}"
# fmt: off
API_ACCESS: dict[str, Op] = {
    "GET /api/me": Op(TOKEN),
    "GET /api/organisations": Op(TOKEN),
    f"GET {ORG}": Op(READ),
    f"GET {ORG}/assessments": Op(READ),
    f"POST {ORG}/assessments": Op(ADMIN, body={"title": "From the API"}),
    f"POST {ORG}/imports": Op(ADMIN, body=ANSWERS),
    f"GET {ORG}/benchmarks": Op(READ),
    f"GET {A}": Op(READ),
    f"POST {A}/submit": Op(ADMIN),
    f"GET {A}/answers": Op(READ),
    f"PATCH {A}/answers": Op(EDIT, body=ANSWERS),
    f"GET {A}/result": Op(READ),
    f"GET {A}/report": Op(READ),
    f"GET {A}/report.pdf": Op(READ),
    f"GET {A}/report.docx": Op(READ),
    f"GET {A}/report.xlsx": Op(READ),
    f"GET {A}/fhir": Op(READ),
    # The submitted assessment, whose validation the validator persona is assigned to.
    f"GET {A}/validation": Op(READ, values={"assessment_id": "submitted"}),
    # A submitted assessment without a request (`eligible`), and the one in review.
    f"POST {A}/validation": Op(
        ADMIN, body=VALIDATION_REQUEST, values={"assessment_id": "eligible"}
    ),
    f"POST {A}/validation/withdraw": Op(
        ADMIN, body={"reason": "Dates moved."}, values={"assessment_id": "submitted"}
    ),
    "GET /api/models": Op(PUBLIC),
    f"GET {MODEL}": Op(PUBLIC),
    f"GET {MODEL}/questionnaire": Op(PUBLIC),
    "GET /api/fhir/Questionnaire/{model_id}": Op(PUBLIC),
    "GET /api/registry": Op(PUBLIC),
}
# fmt: on
# A PDF or Word build per persona is slow: these run with the personas that differ in reach.
SLOW = {f"GET {A}/report.pdf", f"GET {A}/report.docx"}
SLOW_PERSONAS = ("anonymous", "other_org", "viewer", "programme_admin")
DEFAULT_VALUES = {
    "organisation_id": "org",
    "assessment_id": "a",
    "model_id": "model",
    "version": "version",
}


def api_operations() -> set[str]:
    """`METHOD /api/path` of every operation the OpenAPI document declares."""
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        f"{method.upper()} {path}"
        for path, operations in openapi()["paths"].items()
        for method in operations
        if method in methods
    }


def test_every_api_operation_has_an_entry() -> None:
    operations = api_operations()
    missing = sorted(operations - set(API_ACCESS))
    assert not missing, (
        "These API operations have no entry in API_ACCESS "
        "(tests/web/security/test_api_access_matrix.py), so nobody has said who may call "
        "them:\n  " + "\n  ".join(missing) + '\nAdd one line each, e.g. "GET /api/x": Op(READ).'
    )
    stale = sorted(set(API_ACCESS) - operations)
    assert not stale, f"API_ACCESS has entries for operations that no longer exist: {stale}"


@pytest.fixture
def api_world(world: dict[str, Any], settings: Any) -> dict[str, Any]:  # noqa: F811
    """The matrix's world plus a token per persona, and a submitted assessment whose
    validation may be requested."""
    settings.DIAM_API_RATE_PER_MINUTE = 1_000_000
    users: dict[str, User] = world["users"]
    org_id = world["values"]["org"]
    eligible = make_assessment(Organisation.objects.get(pk=org_id), users["org_admin"])
    fill_all_met(eligible, users["org_admin"])
    assessment_submit(assessment=eligible, user=users["org_admin"])

    def secret(user: User, organisation_id: int, role: str, can_write: bool) -> str:
        membership = Membership.objects.get(user=user, organisation_id=organisation_id)
        return token_create(
            membership=membership, name="matrix", role=role, can_write=can_write, expires_in_days=30
        ).secret

    # Validators and programme admins belong to organisations of their own.
    home = make_organisation("Programme Staff Clinic", country="BE")
    for persona in ("validator_assigned", "programme_admin"):
        make_member(users[persona], home, Role.ADMIN)
    carol = users["other_member"]
    other_id = Membership.objects.get(user=carol).organisation_id
    admin_secret = secret(users["org_admin"], org_id, Role.ADMIN, True)
    secrets = {
        "anonymous": None,
        "forged_token": admin_secret[:-6] + "AAAAAA",
        "other_org": secret(carol, other_id, Role.ADMIN, True),
        "read_only": secret(users["org_admin"], org_id, Role.ADMIN, False),
        "viewer": secret(users["viewer"], org_id, Role.VIEWER, False),
        "contributor": secret(users["contributor"], org_id, Role.CONTRIBUTOR, True),
        "org_admin": admin_secret,
        "validator": secret(users["validator_assigned"], home.pk, Role.ADMIN, True),
        "programme_admin": secret(users["programme_admin"], home.pk, Role.ADMIN, True),
    }
    return {"values": {**world["values"], "eligible": eligible.pk}, "secrets": secrets}


def outcome(response: Any) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return OK
    if status in (401, 403, 404):
        return str(status)
    return f"status {status}: {response.content[:200]!r}"


def _cases() -> list[Any]:
    return [pytest.param(key, id=key) for key in API_ACCESS]


@pytest.mark.parametrize("key", _cases())
def test_who_may_call_each_api_operation(api_world: dict[str, Any], key: str) -> None:
    op = API_ACCESS[key]
    method, template = key.split(" ", 1)
    values = {
        name: api_world["values"][op.values.get(name, default)]
        for name, default in DEFAULT_VALUES.items()
    }
    path = template.format(**values)
    personas = SLOW_PERSONAS if key in SLOW else API_PERSONAS
    wrong = []
    for persona in personas:
        # Each persona acts on the same state: whatever an allowed write changes is rolled back.
        with transaction.atomic():
            client: CheckedClient = api_client(api_world["secrets"][persona])
            if op.body is None:
                response = getattr(client, method.lower())(path)
            else:
                response = getattr(client, method.lower())(
                    path, json.dumps(op.body), content_type="application/json"
                )
            got = outcome(response)
            transaction.set_rollback(True)
        if got != op.policy[persona]:
            wrong.append(f"{persona}: expected {op.policy[persona]}, got {got}")
    assert not wrong, f"{method} {path}:\n  " + "\n  ".join(wrong)

"""The access matrix, generated from the URL configuration.

Every URL pattern of the project is requested by eight personas, against real objects of one
organisation (St Elsewhere): anonymous, a member of another organisation, its viewer, its
contributor, its admin, a validator not assigned to it, a validator assigned to it, and a
programme admin. Each persona's outcome must be the one the URL's policy states.

A URL pattern without an entry in ACCESS fails `test_every_url_has_an_entry`: adding a URL
means adding one line here, saying who may reach it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from diam.web.accounts.models import Invitation, Membership, Organisation, Role, User
from diam.web.accounts.services import invitation_token
from diam.web.api.services import token_create
from diam.web.assessments.models import Assessment, Evidence
from diam.web.assessments.services import assessment_submit, evidence_add
from diam.web.validation.services.requests import validator_assign
from tests.web.conftest import client_for
from tests.web.factories import make_assessment, make_member, make_organisation, make_user
from tests.web.validation.conftest import fill_all_met, request_for

PERSONAS = (
    "anonymous",
    "other_member",
    "viewer",
    "contributor",
    "org_admin",
    "validator",
    "validator_assigned",
    "programme_admin",
)

OK, LOGIN, E403, E404 = "ok", "login", "403", "404"


def _policy(**outcomes: str) -> dict[str, str]:
    assert set(outcomes) == set(PERSONAS), set(PERSONAS) ^ set(outcomes)
    return outcomes


_NOT_MEMBERS = {"other_member": E404, "validator": E404, "validator_assigned": E404}
# Who may do what. A validator assigned to an organisation's assessment reaches it through the
# validation pages (issue 10); until those exist, the organisation's own pages are 404 for them.
PUBLIC = _policy(**{p: OK for p in PERSONAS})
SIGNED_IN = _policy(**{p: OK for p in PERSONAS}) | {"anonymous": LOGIN}
MEMBER = _policy(
    anonymous=LOGIN,
    viewer=OK,
    contributor=OK,
    org_admin=OK,
    programme_admin=E404,
    **_NOT_MEMBERS,
)
EDITOR = MEMBER | {"viewer": E403}
ORG_ADMIN = EDITOR | {"contributor": E403}
PROGRAMME = _policy(**{p: E403 for p in PERSONAS}) | {"anonymous": LOGIN, "programme_admin": OK}
STAFF = _policy(**{p: LOGIN for p in PERSONAS}) | {"programme_admin": OK}
NOWHERE = _policy(**{p: E404 for p in PERSONAS})  # e.g. a token or code that does not exist
SIGNED_IN_404 = NOWHERE | {"anonymous": LOGIN}
# One validation (issue 10): the organisation's members, its assigned validator and programme
# admins are parties to it; a validator not assigned and other organisations are not.
PARTY = MEMBER | {"validator_assigned": OK, "programme_admin": OK}
_PARTIES_403 = {"viewer": E403, "contributor": E403, "org_admin": E403}
VALIDATOR_ONLY = PARTY | _PARTIES_403 | {"programme_admin": E403}
PROGRAMME_ON_VALIDATION = PARTY | _PARTIES_403 | {"validator_assigned": E403}
ORG_ADMIN_ON_VALIDATION = (
    PARTY
    | {"viewer": E403, "contributor": E403}
    | {
        "validator_assigned": E403,
        "programme_admin": E403,
    }
)


@dataclass(frozen=True)
class Entry:
    """One URL: a path with {placeholders}, the methods to try, and who may reach it."""

    path: str
    policy: dict[str, str]
    methods: str = "G"  # G: GET, P: POST (with an empty form)
    extra: dict[str, str] = field(default_factory=dict)  # persona -> outcome, overriding
    data: dict[str, str] = field(default_factory=dict)  # what a POST sends


ORG = "/o/{org}"
A = "/a/{a}"
# fmt: off
ACCESS: dict[str, Entry] = {
    "home": Entry("/", PUBLIC),
    "about": Entry("/about/", PUBLIC),

    "healthz": Entry("/healthz", PUBLIC),
    "healthz_live": Entry("/healthz/live", PUBLIC),
    # Development only (settings.DIAM_DEV_OUTBOX, DEBUG on): under these production-like test
    # settings the URL is not registered, so it is 404 for everyone. Its development behaviour
    # (open without signing in) is tested in tests/web/core/test_dev_outbox.py.
    "dev_outbox": Entry("/dev/outbox/", NOWHERE),
    "admin": Entry("/admin/", STAFF),  # the whole Django admin: staff with a second factor
    "signup": Entry("/signup/", PUBLIC, "GP"),
    "login": Entry("/login/", PUBLIC, "GP"),
    "logout": Entry("/logout/", PUBLIC, "P"),
    "password_reset": Entry("/password/reset/", PUBLIC, "GP"),
    "password_reset_done": Entry("/password/reset/sent/", PUBLIC),
    "password_reset_confirm": Entry("/password/reset/MQ/bad-token/", PUBLIC, "GP"),
    "password_reset_complete": Entry("/password/reset/complete/", PUBLIC),
    "password_change": Entry("/account/password/", SIGNED_IN, "GP"),
    "password_change_done": Entry("/account/password/changed/", SIGNED_IN),
    "members": Entry(ORG + "/members/", MEMBER),
    "member_invite": Entry(ORG + "/members/invite/", ORG_ADMIN, "P"),
    "member_role": Entry(ORG + "/members/{membership}/role/", ORG_ADMIN, "P"),
    "member_remove": Entry(ORG + "/members/{membership}/remove/", ORG_ADMIN, "GP"),
    "organisation_leave": Entry(ORG + "/leave/", MEMBER, "GP"),
    "invitation_revoke": Entry(ORG + "/invitations/{invitation}/revoke/", ORG_ADMIN, "P"),
    "organisation_settings": Entry(ORG + "/settings/", ORG_ADMIN, "GP"),
    "invitation_accept": Entry("/invitations/{invite_token}/", PUBLIC, "GP"),
    "organisation": Entry(ORG + "/", MEMBER),
    "assessment_new": Entry(ORG + "/assessments/new/", ORG_ADMIN, "P"),
    "assessment": Entry(A + "/", MEMBER),
    "assessment_section": Entry(A + "/s/SI/", MEMBER),
    "assessment_answer": Entry(A + "/answer/SI-01/", EDITOR, "P"),
    "assessment_answer_history": Entry(A + "/history/SI-01/", MEMBER),
    # Repeat assessments (issue 10): confirming carried answers, progress over time.
    "assessment_answer_confirm": Entry(A + "/confirm/SI-01/", EDITOR, "P"),
    "assessment_section_confirm": Entry(A + "/s/SI/confirm/", EDITOR, "P"),
    "organisation_progress": Entry(ORG + "/progress/", MEMBER),
    "organisation_compare": Entry(ORG + "/progress/compare/", MEMBER),
    "assessment_evidence_file": Entry(A + "/evidence/file/{evidence}/", MEMBER),
    "assessment_evidence_remove": Entry(A + "/evidence/file/{evidence}/remove/", EDITOR, "P"),
    "assessment_evidence": Entry(A + "/evidence/SI-01/", EDITOR, "P"),
    "assessment_assign": Entry(A + "/assign/", ORG_ADMIN, "GP"),
    "assessment_submit": Entry(A + "/submit/", MEMBER, "G"),
    "assessment_submit#post": Entry(A + "/submit/", ORG_ADMIN, "P"),
    "assessment_reopen": Entry(A + "/reopen/", ORG_ADMIN, "GP"),
    "assessment_results": Entry(A + "/results/", MEMBER),
    "assessment_profile": Entry(A + "/profile/", MEMBER, "G"),
    # The matrix's assessment is on the latest model version: nothing to upgrade, for anyone
    # (tests/web/assessments/test_upgrade.py covers an older one).
    "assessment_upgrade": Entry(
        A + "/upgrade/", _policy(**{p: E404 for p in PERSONAS}) | {"anonymous": LOGIN}, "G"
    ),
    "benchmark_release_cut": Entry("/programme/releases/cut/", PROGRAMME, "P"),
    "verification_queue": Entry("/programme/verification/", PROGRAMME),
    "verification_detail": Entry("/programme/verification/{org}/", PROGRAMME, "G"),
    "assessment_report": Entry(A + "/report/", MEMBER),
    "assessment_report_pdf": Entry(A + "/report.pdf", MEMBER),
    "assessment_report_docx": Entry(A + "/report.docx", MEMBER),
    "assessment_report_xlsx": Entry(A + "/report.xlsx", MEMBER),
    "assessment_checklist_xlsx": Entry(A + "/checklist.xlsx", MEMBER),
    "assessment_checklist_csv": Entry(A + "/checklist.csv", MEMBER),
    "report_css": Entry("/reports/report.css", PUBLIC),
    "organisation_benchmarks": Entry(ORG + "/benchmarks/", MEMBER),
    "programme_statistics": Entry("/programme/statistics/", PROGRAMME),
    "public_statistics": Entry("/statistics/", PUBLIC),
    "two_factor": Entry("/account/two-factor/", SIGNED_IN),
    "two_factor_setup": Entry("/account/two-factor/setup/", SIGNED_IN, "GP"),
    "two_factor_verify": Entry("/account/two-factor/verify/", SIGNED_IN, "GP"),
    "two_factor_recovery_codes": Entry("/account/two-factor/recovery-codes/", SIGNED_IN, "P"),
    "two_factor_remove": Entry("/account/two-factor/remove/", SIGNED_IN, "P"),
    "organisation_audit": Entry(ORG + "/audit/", ORG_ADMIN),
    "organisation_audit_csv": Entry(ORG + "/audit.csv", ORG_ADMIN),
    "programme_audit": Entry("/programme/audit/", PROGRAMME),
    "programme_audit_csv": Entry("/programme/audit.csv", PROGRAMME),
    # Data exchange and the API (issue 13)
    "api_root": Entry("/api/", PUBLIC),
    # Every API operation (path + method) has its own matrix: test_api_access_matrix.py.
    "api": Entry("/api/openapi.json", PUBLIC),
    "api_not_found": Entry("/api/nothing", NOWHERE),
    "api_tokens": Entry(ORG + "/tokens/", MEMBER, "GP"),
    # Someone else's token is not found for members below admin.
    "api_token_revoke": Entry(ORG + "/tokens/{token_id}/revoke/", ORG_ADMIN, "P",
                              extra={"viewer": E404, "contributor": E404}),
    "assessment_answers_csv": Entry(A + "/answers.csv", MEMBER),
    "assessment_answers_json": Entry(A + "/answers.json", MEMBER),
    "assessment_bundle": Entry(A + "/bundle.zip", MEMBER),
    "assessment_data": Entry(A + "/data/", MEMBER),
    "assessment_fhir": Entry(A + "/fhir.json", MEMBER),
    "assessment_workbook": Entry(A + "/workbook.xlsx", MEMBER),
    "assessment_workbook_upload": Entry(A + "/workbook/upload/", EDITOR, "P"),
    "organisation_answers_csv": Entry(ORG + "/answers.csv", MEMBER),
    "organisation_data": Entry(ORG + "/data/", MEMBER),
    "organisation_import": Entry(ORG + "/data/import/", ORG_ADMIN, "P"),
    "organisation_results_csv": Entry(ORG + "/results.csv", MEMBER),
    "model_questionnaire": Entry("/models/{model}/{version}/questionnaire.json", PUBLIC),
    "model_workbook": Entry("/models/{model}/{version}/workbook.xlsx", PUBLIC),
    "research": Entry("/programme/research/", PROGRAMME),
    "research_download": Entry("/programme/research/{model}/{version}.zip", PROGRAMME),
    # Validation and recognition (issue 10)
    "validation_request": Entry("/a/{submitted}/validation/request/", ORG_ADMIN, "GP"),
    "organisation_recognition": Entry(ORG + "/recognition/", MEMBER),
    "waiting": Entry("/waiting/", SIGNED_IN),
    "validation": Entry("/validation/{v}/", PARTY),
    "validation_criterion": Entry("/validation/{v}/c/SI-01/", PARTY, "GP"),
    "validation_criterion#answer": Entry(
        "/validation/{v}/c/SI-01/", ORG_ADMIN_ON_VALIDATION | {"contributor": OK}, "P",
        data={"step": "answer", "message": "Here it is."},
    ),
    "validation_criterion#verdict": Entry(
        "/validation/{v}/c/SI-01/", VALIDATOR_ONLY, "P",
        data={"step": "verdict", "verdict": "accepted"},
    ),
    "validation_evidence": Entry("/validation/{v}/evidence/nosuchtoken/", SIGNED_IN_404),
    "validation_visit": Entry("/validation/{v}/visit/", PARTY),
    "validation_visit#post": Entry("/validation/{v}/visit/", VALIDATOR_ONLY, "P"),
    "validation_decide": Entry("/validation/{v}/decide/", VALIDATOR_ONLY, "GP"),
    "validation_withdraw": Entry("/validation/{v}/withdraw/", ORG_ADMIN_ON_VALIDATION, "GP"),
    # Not decided yet: no certificate or credential for anyone, nothing to revoke.
    "validation_certificate": Entry("/validation/{v}/certificate.pdf", SIGNED_IN_404),
    "validation_credential": Entry("/validation/{v}/credential.json", SIGNED_IN_404),
    "validation_revoke": Entry("/validation/{v}/revoke/", PROGRAMME_ON_VALIDATION, "P",
                               extra={"programme_admin": E404}),
    "programme_validations": Entry("/programme/validations/", PROGRAMME),
    "programme_validators": Entry("/programme/validators/", PROGRAMME, "GP"),
    "programme_validator_revoke": Entry("/programme/validators/{validator}/revoke/", PROGRAMME,
                                        "P"),
    "validation_assign": Entry("/validation/{v}/assign/", PROGRAMME_ON_VALIDATION, "P"),
    "validation_unassign": Entry("/validation/{v}/unassign/{validator}/",
                                 PROGRAMME_ON_VALIDATION, "P"),
    "registry": Entry("/registry/", PUBLIC),
    "badge": Entry("/badge/nosuchtoken.svg", NOWHERE),
    "verify": Entry("/verify/", PUBLIC),
    "verify_code": Entry("/verify/nosuchcode/", NOWHERE),
    "credential_keys": Entry("/keys/credentials.json", PUBLIC),
    # The programme console (issue 10): programme admins only, read-only
    "programme_console": Entry("/programme/", PROGRAMME),
    "programme_organisation": Entry("/programme/organisations/{org}/", PROGRAMME),
    "programme_certificates": Entry("/programme/certificates/", PROGRAMME),
    "programme_models": Entry("/programme/models/", PROGRAMME),
    "programme_statistics_csv": Entry("/programme/statistics.csv", PROGRAMME),
}
# fmt: on
SLOW = {"assessment_report_pdf"}  # one PDF build per persona: run with a smaller persona set


# --- the URL configuration ----------------------------------------------------------------------


def url_patterns() -> Iterator[tuple[str, str]]:
    """(key, route) of every URL pattern; a whole namespace such as the admin is one key."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, str]]:
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if p.namespace:
                    yield p.namespace, route
                else:
                    yield from walk(p, route)
            elif isinstance(p, URLPattern):
                yield p.name or route, route

    yield from walk(get_resolver(), "/")


# Registered only in development; with the test settings (DEBUG off) they must not exist.
DEV_ONLY = {"dev_outbox"}


def test_every_url_has_an_entry() -> None:
    routes = dict(url_patterns())
    keys = {k.split("#")[0] for k in ACCESS}
    missing = sorted(set(routes) - keys)
    assert not missing, (
        "These URL patterns have no entry in ACCESS (tests/web/security/test_access_matrix.py), "
        "so nobody has said who may reach them:\n"
        + "\n".join(f"  {name}: {routes[name]}" for name in missing)
        + "\nAdd one line per URL, e.g. "
        '"name": Entry("/o/{org}/thing/", ORG_ADMIN, "GP"), with the policy that applies.'
    )
    stale = sorted(keys - set(routes) - DEV_ONLY)
    assert not stale, f"ACCESS has entries for URLs that no longer exist: {stale}"


def test_every_id_in_a_url_is_bounded() -> None:
    """Database ids use the <id:> converter (at most 18 digits), never the unbounded <int:>."""
    unbounded = [route for _, route in url_patterns() if "<int:" in route]
    assert unbounded == []


# --- the world the personas act in ---------------------------------------------------------------


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    org = make_organisation("St Elsewhere Hospital")
    other = make_organisation("Other General", country="DE")
    people = {
        "viewer": ("vic@example.org", Role.VIEWER),
        "contributor": ("bob@example.org", Role.CONTRIBUTOR),
        "org_admin": ("alice@example.org", Role.ADMIN),
    }
    users: dict[str, User] = {}
    for persona, (email, role) in people.items():
        users[persona] = make_user(email, persona)
        make_member(users[persona], org, role)
    users["other_member"] = make_user("carol@example.org", "Carol")
    make_member(users["other_member"], other, Role.ADMIN)
    users["validator"] = make_user("val@example.org", "Val", programme_role="validator")
    users["validator_assigned"] = make_user("vera@example.org", "Vera", programme_role="validator")
    users["programme_admin"] = make_user(
        "pat@example.org", "Pat", programme_role="programme_admin", is_staff=True
    )
    assessment = make_assessment(org, users["org_admin"])
    upload = io.BytesIO(b"evidence\n")
    upload.name = "note.txt"
    upload.size = 9  # type: ignore[attr-defined]
    evidence: Evidence = evidence_add(
        assessment=assessment, criterion_id="SI-01", upload=upload, user=users["org_admin"]
    )
    invitation = Invitation.objects.create(
        organisation=org, email="new@example.org", role=Role.VIEWER, invited_by=users["org_admin"]
    )
    # A second assessment, submitted, with a validation request its assigned validator reviews.
    submitted = make_assessment(org, users["org_admin"])
    fill_all_met(submitted, users["org_admin"])
    assessment_submit(assessment=submitted, user=users["org_admin"])
    validation = request_for(submitted, users["org_admin"])
    assign_validator(users["validator_assigned"], validation, users["programme_admin"])
    token = token_create(
        membership=Membership.objects.get(user=users["org_admin"]),
        name="Matrix",
        role=Role.VIEWER,
        can_write=False,
        expires_in_days=30,
    )
    return {
        "users": users,
        "values": {
            "org": org.pk,
            "a": assessment.pk,
            "membership": Membership.objects.get(user=users["contributor"]).pk,
            "invitation": invitation.pk,
            "invite_token": invitation_token(invitation=invitation),
            "evidence": evidence.token,
            "submitted": submitted.pk,
            "v": validation.pk,
            "validator": users["validator_assigned"].pk,
            "token_id": token.token.pk,
            "model": assessment.model_id,
            "version": assessment.model_version,
        },
    }


def assign_validator(validator: User, validation: Any, programme_admin: User) -> None:
    """The validation app's assignment: `validator` reviews the submitted assessment."""
    validator_assign(validation=validation, validator=validator, user=programme_admin)


def outcome(response: Any) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response["Location"]
        return LOGIN if "/login/" in location else OK
    if status in (403, 404, 405):
        return str(status)
    if status >= 500:
        return f"server error {status}"
    return OK


def _cases() -> Iterator[Any]:
    for key, entry in ACCESS.items():
        for method in entry.methods:
            yield pytest.param(key, method, id=f"{key}-{method}")


@pytest.mark.parametrize(("key", "method"), list(_cases()))
def test_who_may_reach_each_url(world: dict[str, Any], key: str, method: str) -> None:
    entry = ACCESS[key]
    path = entry.path.format(**world["values"])
    expected = entry.policy | entry.extra
    personas = PERSONAS if key not in SLOW else ("anonymous", "other_member", "viewer")
    wrong = []
    for persona in personas:
        # Each persona acts on the same state: whatever an allowed POST changes is rolled back.
        with transaction.atomic():
            user = world["users"].get(persona)
            client = client_for(user) if user is not None else Client()
            if method == "G":
                response = client.get(path)
            else:
                response = client.post(path, entry.data)
            got = outcome(response)
            transaction.set_rollback(True)
        if got != expected[persona]:
            wrong.append(f"{persona}: expected {expected[persona]}, got {got}")
    assert not wrong, f"{'GET' if method == 'G' else 'POST'} {path}:\n  " + "\n  ".join(wrong)


def test_the_matrix_uses_real_objects_of_another_organisation(world: dict[str, Any]) -> None:
    """The other organisation's member is refused St Elsewhere's objects, which do exist."""
    org = Organisation.objects.get(pk=world["values"]["org"])
    assert org.name == "St Elsewhere Hospital"
    assert Assessment.objects.filter(pk=world["values"]["a"], organisation=org).exists()
    carol = world["users"]["other_member"]
    assert not Membership.objects.filter(user=carol, organisation=org).exists()

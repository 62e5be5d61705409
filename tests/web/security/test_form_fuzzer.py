"""A hypothesis form fuzzer: random values into every form of the site; never a server error.

FORMS lists, for each form class of the project (and Django's auth forms the site shows),
where it is posted and by whom. A form class without an entry fails
`test_every_form_is_fuzzed`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django import forms
from django.contrib.auth import forms as auth_forms
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diam.web
from diam.web.accounts.models import Invitation, Membership, Organisation, Role, User
from diam.web.accounts.services import invitation_token
from diam.web.assessments.services import assessment_submit
from diam.web.validation.services.requests import validator_assign
from tests.web.conftest import client_for
from tests.web.factories import make_assessment, make_user
from tests.web.validation.conftest import fill_all_met, request_for

# "app.FormClass" -> (path template, who posts, htmx?, fixed fields sent with the random ones)
FORMS: dict[str, tuple[str, str, bool, dict[str, str]]] = {
    "accounts.OrganisationForm": ("/o/{org}/settings/", "alice", False, {}),
    "accounts.AccountForm": ("/signup/", "anonymous", False, {}),
    "accounts.InvitedAccountForm": ("/invitations/{invite_token}/", "anonymous", False, {}),
    "accounts.InvitationForm": ("/o/{org}/members/invite/", "alice", False, {}),
    "accounts.RoleForm": ("/o/{org}/members/{membership}/role/", "alice", False, {}),
    "accounts.EmailAuthenticationForm": ("/login/", "anonymous", False, {}),
    "assessments.AnswerForm": ("/a/{a}/answer/PU-02/", "bob", True, {}),
    "assessments.ReopenForm": ("/a/{submitted}/reopen/", "alice", False, {}),
    "assessments.NewAssessmentForm": ("/o/{org}/assessments/new/", "alice", False, {}),
    "assessments.EvidenceForm": ("/a/{a}/evidence/SI-01/", "bob", True, {}),
    "assessments.ConfirmForm": ("/a/{a}/confirm/SI-01/", "bob", True, {}),
    "assessments.SectionConfirmForm": ("/a/{a}/s/SI/confirm/", "bob", False, {}),
    "assessments.CompareForm": ("/o/{org}/progress/compare/", "alice", False, {}),
    "security.CodeForm": ("/account/two-factor/setup/", "pat_half", False, {}),
    "audit.AuditFilterForm": ("/o/{org}/audit/", "alice", False, {}),
    "audit.ProgrammeAuditFilterForm": ("/programme/audit/", "pat", False, {}),
    "auth.PasswordResetForm": ("/password/reset/", "anonymous", False, {}),
    "auth.SetPasswordForm": ("/password/reset/{reset_path}", "anonymous", False, {}),
    "auth.PasswordChangeForm": ("/account/password/", "bob", False, {}),
    "api.TokenForm": ("/o/{org}/tokens/", "alice", False, {}),
    "validation.RequestForm": ("/a/{a}/validation/request/", "alice", False, {}),
    "validation.RecognitionForm": ("/o/{org}/recognition/", "alice", False, {}),
    "validation.GrantForm": ("/programme/validators/", "pat", False, {}),
    "validation.AssignForm": ("/validation/{v}/assign/", "pat", False, {}),
    "validation.ReasonForm": ("/validation/{v}/withdraw/", "alice", False, {}),
    "validation.VerdictForm": ("/validation/{v}/c/SI-01/", "val", False, {"step": "verdict"}),
    "validation.AnswerForm": ("/validation/{v}/c/SI-01/", "alice", False, {"step": "answer"}),
    "validation.VisitForm": ("/validation/{v}/visit/", "val", False, {}),
    "validation.DecisionForm": ("/validation/{v}/decide/", "val", False, {}),
    "validation.VerifyForm": ("/verify/", "anonymous", False, {}),
    "assessments.ServiceProfileForm": ("/a/{a}/profile/", "alice", False, {}),
    "verification.DecisionForm": ("/programme/verification/{org}/", "pat", False, {}),
    "programme.OrganisationFilterForm": ("/programme/", "pat", False, {}),
    "programme.CertificateFilterForm": ("/programme/certificates/", "pat", False, {}),
    "accounts.UserAdminForm": ("/admin/accounts/user/{bob_user}/change/", "root", False, {}),
}
GET_FORMS = {  # in the query
    "audit.AuditFilterForm",
    "audit.ProgrammeAuditFilterForm",
    "programme.OrganisationFilterForm",
    "programme.CertificateFilterForm",
    "assessments.CompareForm",
}


def project_forms() -> dict[str, type[forms.Form]]:
    found: dict[str, type[forms.Form]] = {}
    for module_info in pkgutil.walk_packages(diam.web.__path__, "diam.web."):
        if ".migrations" in module_info.name or module_info.name.endswith("settings_test"):
            continue
        module = importlib.import_module(module_info.name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, forms.BaseForm)
                and obj.__module__ == module.__name__
                and obj.__module__.startswith("diam.")
                and not name.endswith("Mixin")  # parts of the forms listed
            ):
                found[f"{module.__name__.split('.')[2]}.{name}"] = obj
    # Django's own forms behind the site's password pages.
    for cls in (
        auth_forms.PasswordResetForm,
        auth_forms.SetPasswordForm,
        auth_forms.PasswordChangeForm,
    ):
        found[f"auth.{cls.__name__}"] = cls
    return found


def test_every_form_is_fuzzed() -> None:
    missing = sorted(set(project_forms()) - set(FORMS))
    assert not missing, (
        f"Forms without an entry in FORMS (tests/web/security/test_form_fuzzer.py): {missing}. "
        "Add where each is posted and by whom, so the fuzzer covers it."
    )


NASTY = st.sampled_from(
    [
        "",
        " ",
        "yes",
        "on",
        "0",
        "-1",
        "1e999",
        "NaN",
        "-0",
        "2147483648",
        "9" * 5000,
        "\x00",
        "a\x0bb",
        "\x1b[31m",
        "=1+1",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "'; DROP TABLE accounts_user; --",
        "\u202eevil",
        "😀" * 50,
        "a@b",
        "x" * 300 + "@example.org",
        "2026-02-30",
    ]
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
NUMBERS = st.integers(min_value=-(10**30), max_value=10**30).map(str)
VALUE = st.one_of(NASTY, TEXT, NUMBERS)
FIELD_VALUE = st.one_of(VALUE, st.lists(VALUE, max_size=3))


def fields_of(name: str) -> list[str]:
    cls = project_forms()[name]
    names = list(cls.base_fields)
    if name == "auth.PasswordChangeForm":
        names = ["old_password", "new_password1", "new_password2"]
    if name == "auth.SetPasswordForm":
        names = ["new_password1", "new_password2"]
    return names


@pytest.fixture
def site(db: None, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    settings.AXES_ENABLED = False  # the fuzzer's many sign-ins are not an attack to lock out
    from tests.web.factories import make_member, make_organisation

    org = make_organisation("St Elsewhere Hospital")
    alice = make_user("alice@example.org", "Alice")
    bob = make_user("bob@example.org", "Bob")
    make_member(alice, org, Role.ADMIN)
    make_member(bob, org, Role.CONTRIBUTOR)
    pat = make_user("pat@example.org", "Pat", programme_role="programme_admin")
    root = make_user("root@example.org", "Root", is_staff=True, is_superuser=True)
    assessment = make_assessment(org, alice)
    submitted = make_assessment(org, alice)
    fill_all_met(submitted, alice)
    assessment_submit(assessment=submitted, user=alice)
    val = make_user("val@example.org", "Val", programme_role="validator")
    validation = request_for(submitted, alice)
    validator_assign(validation=validation, validator=val, user=pat)
    invitation = Invitation.objects.create(
        organisation=org, email="new@example.org", role=Role.VIEWER, invited_by=alice
    )
    half = Client()
    half.force_login(pat)  # password given, no second factor yet
    reset = Client()
    reset.post("/password/reset/", {"email": "bob@example.org"})
    from django.core import mail

    from tests.web.accounts.helpers import link_path

    reset_link = link_path(mail.outbox[-1].body, "/password/reset/")
    reset_path = reset.get(reset_link).get("Location", reset_link)
    return {
        "clients": {
            "alice": client_for(alice),
            "bob": client_for(bob),
            "pat": client_for(pat),
            "root": client_for(root),  # the Django admin
            "pat_half": half,
            "val": client_for(val),
            "anonymous": reset,
        },
        "values": {
            "org": org.pk,
            "a": assessment.pk,
            "submitted": submitted.pk,
            "v": validation.pk,
            "membership": Membership.objects.get(user=bob).pk,
            "bob_user": bob.pk,
            "invite_token": invitation_token(invitation=invitation),
            "reset_path": reset_path.removeprefix("/password/reset/"),
        },
    }


@pytest.mark.parametrize("form_name", sorted(FORMS))
def test_random_values_in_a_form_never_cause_a_server_error(
    site: dict[str, Any], form_name: str
) -> None:
    path_template, who, htmx, fixed = FORMS[form_name]
    path = path_template.format(**site["values"])
    client: Client = site["clients"][who]
    names = fields_of(form_name)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(data=st.fixed_dictionaries({n: FIELD_VALUE for n in names}), junk=VALUE)
    def post_random(data: dict[str, Any], junk: str) -> None:
        data = {**data, "unexpected_field": junk, **fixed}
        with transaction.atomic():
            if form_name in GET_FORMS:
                flat = {
                    k: v if isinstance(v, str) else (v[0] if v else "") for k, v in data.items()
                }
                response = client.get(path, flat, **extra)
            else:
                response = client.post(path, data, **extra)
            transaction.set_rollback(True)
        assert response.status_code < 500, f"{form_name} at {path}: {data!r}"
        assert b"Traceback" not in response.content

    post_random()


def test_the_fuzzer_reaches_the_forms(site: dict[str, Any]) -> None:
    """Each target answers its form (not a login redirect or a 404), so random posts test it."""
    for name, (template, who, _, fixed) in FORMS.items():
        path = template.format(**site["values"])
        client: Client = site["clients"][who]
        response = client.get(path) if name in GET_FORMS else client.post(path, fixed)
        assert response.status_code not in (403, 404, 405), (name, path, response.status_code)
        location = response.get("Location", "")
        assert "/login/" not in location, (name, path)
    assert Organisation.objects.count() == 1 and User.objects.count() == 5

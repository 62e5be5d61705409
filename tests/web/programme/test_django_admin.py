"""The Django admin stays for support and cannot change results: stored results and scores,
validation records and status, the assessment history and the audit trail are read-only
there (or not in it at all)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, RequestFactory

from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Assessment, AssessmentEvent, Status
from tests.web.conftest import client_for
from tests.web.factories import make_user
from tests.web.programme.conftest import decide

# Models nobody may add, change or delete through the admin (if it lists them at all): the
# workflow, the engine, the release process or the trail writes them.
WRITTEN_BY_THE_PRODUCT = (
    "audit.AuditEvent",
    "assessments.Answer",
    "assessments.AnswerChange",
    "assessments.AssessmentEvent",
    "validation.ValidationRequest",
    "validation.ValidatorAssignment",
    "validation.ReviewItem",
    "validation.ReviewMessage",
    "validation.SiteVisit",
    "validation.ValidationDecision",
    "validation.Recognition",
    "benchmarks.BenchmarkEntry",
    "benchmarks.BenchmarkSeries",
    "benchmarks.BenchmarkRelease",
    "benchmarks.BenchmarkReleaseGroup",
    "benchmarks.BenchmarkReleaseMember",
    "verification.OrganisationVerification",
    "verification.VerificationDecision",
)
# An assessment's fields that are its result, its status or decide its result.
ASSESSMENT_RESULT_FIELDS = {
    "status",
    "stage",
    "core_stage",
    "branches",
    "focus_area_percents",
    "completeness",
    "scored_at",
    "submitted_at",
    "submitted_by",
    "model_id",
    "model_version",
    "model_hash",
    "services",
    "organisation",
}


@pytest.fixture
def superuser(db: None) -> User:
    return make_user("root@example.org", "Root", is_staff=True, is_superuser=True)


def admin_request(user: User) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("label", WRITTEN_BY_THE_PRODUCT)
def test_records_the_product_writes_cannot_be_edited_in_the_admin(
    label: str, superuser: User
) -> None:
    model = apps.get_model(label)
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return  # not in the admin at all
    request = admin_request(superuser)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_an_assessments_result_and_status_are_not_form_fields(
    superuser: User, world: dict[str, Organisation]
) -> None:
    model_admin = admin.site._registry[Assessment]
    assessment = world["berlin"].assessments.get()
    request = admin_request(superuser)
    fields = set(model_admin.get_form(request, assessment).base_fields)
    assert not fields & ASSESSMENT_RESULT_FIELDS, fields & ASSESSMENT_RESULT_FIELDS
    for inline in model_admin.get_inline_instances(request, assessment):
        assert not inline.has_add_permission(request, assessment), inline
        formset = inline.get_formset(request, assessment)
        assert not formset.can_delete, inline
        # The link to the assessment itself is fixed by the inline, not a field anyone edits.
        editable = set(formset.form.base_fields) - {"assessment"}
        assert not editable, (inline, editable)


def test_posting_a_new_stage_in_the_admin_changes_nothing(
    superuser: User, world: dict[str, Organisation]
) -> None:
    assessment = world["amsterdam"].assessments.get()
    events = AssessmentEvent.objects.filter(assessment=assessment).count()
    client: Client = client_for(superuser)
    url = f"/admin/assessments/assessment/{assessment.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "title": "Renamed for support",
            "stage": "7",
            "core_stage": "4",
            "status": Status.VALIDATED,
            "services": "{}",
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "0",
            "events-0-kind": "validated",
            "events-0-reason": "forged",
            "answers-TOTAL_FORMS": "0",
            "answers-INITIAL_FORMS": "0",
        },
    )
    assessment.refresh_from_db()
    assert assessment.title == "Renamed for support"  # support may fix a title
    assert (assessment.stage, assessment.status) == (3, Status.SUBMITTED)
    assert AssessmentEvent.objects.filter(assessment=assessment).count() == events


def test_a_validated_assessment_cannot_be_deleted_from_the_admin(
    superuser: User, world: dict[str, Organisation]
) -> None:
    """Deleting it would take its validation decision (a read-only record) with it."""
    assessment = world["berlin"].assessments.get()
    client = client_for(superuser)
    url = f"/admin/assessments/assessment/{assessment.pk}/delete/"
    client.post(url, {"post": "yes"})
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_decisions_can_be_read_in_the_admin_but_not_changed(
    superuser: User, world: dict[str, Organisation]
) -> None:
    decision = world["delft"].validation_decisions.get()
    client = client_for(superuser)
    url = f"/admin/validation/validationdecision/{decision.pk}/change/"
    assert client.get(url).status_code == 200  # view permission: support can look
    client.post(url, {"stage": "7", "valid_until": "2099-01-01"})
    decision.refresh_from_db()
    assert decision.stage == 4


def test_the_helper_decide_is_the_shape_the_console_reads(
    world: dict[str, Organisation],
) -> None:
    # Guards the fixtures above: a decision belongs to its request's organisation.
    decision = decide(
        world["amsterdam"].assessments.get(),
        stage=3,
        decided_on=world["amsterdam"].created_at.date(),
        valid_until=world["amsterdam"].created_at.date(),
    )
    assert decision.request.organisation_id == decision.organisation_id


def test_a_support_edit_of_an_identity_asks_for_verification_again_and_is_audited(
    superuser: User, world: dict[str, Organisation]
) -> None:
    from diam.web.audit.models import AuditEvent
    from diam.web.benchmarks.models import BenchmarkEntry
    from diam.web.verification.models import Status as Verification

    amsterdam = world["amsterdam"]
    assert BenchmarkEntry.objects.get(organisation=amsterdam).verified
    client = client_for(superuser)
    url = f"/admin/accounts/organisation/{amsterdam.pk}/change/"
    response = client.post(
        url,
        {
            "name": amsterdam.name,
            "org_type": amsterdam.org_type,
            "country": "BE",
            "region": "",
            "beds": "450",
            "annual_exams": "180000",
            "service_areas": '["radiology"]',
            "benchmarking_consent": "on",
            "is_demo": "on",  # read-only here: ignored
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    amsterdam.refresh_from_db()
    assert str(amsterdam.country) == "BE" and not amsterdam.is_demo
    assert amsterdam.verification.status == Verification.PENDING
    assert not BenchmarkEntry.objects.get(organisation=amsterdam).verified
    event = AuditEvent.objects.get(action="organisation.settings_changed")
    assert event.actor == superuser and "country" in event.summary


# --- creations that must go through a service ----------------------------------------------------

# Every model in the Django admin whose records support may add there, and why; any other model
# registered there (now or later) must refuse additions, so that a new registration is a decision.
ADDABLE_IN_THE_ADMIN = {
    # Validator and programme-admin accounts belong to no organisation, so sign-up (which
    # registers one) cannot make them; roles are then given through the services (above).
    "accounts.User",
    # Django's permission groups for staff: no product record.
    "auth.Group",
}


def test_only_the_listed_models_can_be_added_in_the_admin(superuser: User) -> None:
    request = admin_request(superuser)
    addable = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_add_permission(request)
    }
    assert addable == ADDABLE_IN_THE_ADMIN


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/invitation/add/",
        "/admin/accounts/organisation/add/",
        "/admin/otp_totp/totpdevice/add/",
        "/admin/otp_static/staticdevice/add/",
        "/admin/validation/validationdecision/add/",
    ],
)
def test_a_superuser_cannot_open_an_add_page_that_would_bypass_a_service(
    url: str, superuser: User
) -> None:
    assert client_for(superuser).get(url).status_code == 403


def test_a_superuser_cannot_create_an_invitation_in_the_admin(
    superuser: User, world: dict[str, Organisation], mailoutbox: list[Any]
) -> None:
    from diam.web.accounts.models import Invitation
    from diam.web.audit.models import AuditEvent

    response = client_for(superuser).post(
        "/admin/accounts/invitation/add/",
        {
            "organisation": str(world["amsterdam"].pk),
            "email": "newcomer@example.org",
            "role": "admin",
        },
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists() and not mailoutbox
    assert not AuditEvent.objects.filter(action="invitation.sent").exists()


def test_invitations_are_read_only_in_the_admin_and_revoked_through_the_service(
    superuser: User, world: dict[str, Organisation]
) -> None:
    from diam.web.accounts.models import Invitation, Role
    from diam.web.accounts.services import invitation_create
    from diam.web.audit.models import AuditEvent

    amsterdam = world["amsterdam"]
    inviter = make_user("inviter@example.org", "Inviter")
    open_one = invitation_create(
        organisation=amsterdam, email="open@example.org", role=Role.VIEWER, invited_by=inviter
    )
    used = invitation_create(
        organisation=amsterdam, email="used@example.org", role=Role.VIEWER, invited_by=inviter
    )
    Invitation.objects.filter(pk=used.pk).update(accepted_at=used.created_at)
    client = client_for(superuser)
    change = f"/admin/accounts/invitation/{open_one.pk}/change/"
    assert client.get(change).status_code == 200  # support can read it
    client.post(
        change, {"organisation": amsterdam.pk, "email": "else@example.org", "role": "admin"}
    )
    client.post(f"/admin/accounts/invitation/{open_one.pk}/delete/", {"post": "yes"})
    open_one.refresh_from_db()
    assert (open_one.email, open_one.role, open_one.revoked_at) == (
        "open@example.org",
        Role.VIEWER,
        None,
    )

    response = client.post(
        "/admin/accounts/invitation/",
        {"action": "revoke_selected", "_selected_action": [open_one.pk, used.pk]},
        follow=True,
    )
    assert "1 invitation revoked; 1 already used or revoked" in response.content.decode()
    open_one.refresh_from_db()
    used.refresh_from_db()
    assert open_one.revoked_at is not None and used.revoked_at is None
    event = AuditEvent.objects.get(action="invitation.revoked")
    assert event.actor == superuser and "open@example.org" in event.summary


def test_support_still_resets_a_lost_second_factor_by_deleting_the_devices(
    superuser: User, world: dict[str, Organisation]
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    pat = make_user("lost@example.org", "Lost Phone")
    device = TOTPDevice.objects.create(user=pat, name="app", confirmed=True)
    client = client_for(superuser)
    change = f"/admin/otp_totp/totpdevice/{device.pk}/change/"
    client.post(change, {"user": pat.pk, "name": "app", "key": "00" * 20, "confirmed": "on"})
    device.refresh_from_db()
    assert device.key != "00" * 20
    client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(user=pat).exists()

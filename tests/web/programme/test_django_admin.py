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

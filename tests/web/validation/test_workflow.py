"""Every transition of a validation and every refusal, at the service level."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from diam.scoring.result import Status as ResultStatus
from diam.web.accounts.models import Role
from diam.web.assessments.models import Assessment, AssessmentEvent, EventKind, Evidence, Status
from diam.web.assessments.services import (
    AssessmentLocked,
    answer_save,
    assessment_reopen,
    assessment_rescore,
    assessment_result,
    assessment_submit,
    evidence_add,
    evidence_remove,
    model_for,
    section_assign,
)
from diam.web.audit.models import AuditEvent
from diam.web.benchmarks.models import BenchmarkEntry
from diam.web.validation.models import RequestState, ValidationDecision, Verdict
from diam.web.validation.selectors import review_progress, waiting_for
from diam.web.validation.services.decision import (
    add_years,
    decision_revoke,
    validation_decide,
)
from diam.web.validation.services.requests import (
    ValidationRefused,
    validation_withdraw,
    validator_assign,
    validator_unassign,
)
from diam.web.validation.services.review import review_answer, review_verdict, site_visit_record
from diam.web.validation.services.roles import validator_grant, validator_revoke
from tests.web.factories import make_member, make_user
from tests.web.validation.conftest import accept_all, fill_all_met, request_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 diagram\n"


def branch_a(assessment: Assessment) -> set[str]:
    return {c.id for c in model_for(assessment).criteria if c.group == "A"}


def kinds(assessment: Assessment) -> list[str]:
    return list(
        AssessmentEvent.objects.filter(assessment=assessment)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


# --- requesting -------------------------------------------------------------------------------


def test_a_draft_cannot_be_validated(assessment, alice) -> None:
    with pytest.raises(ValidationRefused, match="Submit the assessment"):
        request_for(assessment, alice)


def test_by_default_only_stage_6_and_above_can_be_validated(assessment, alice) -> None:
    assessment_submit(assessment=assessment, user=alice)  # nothing answered: stage 0
    with pytest.raises(ValidationRefused, match="from stage 6; this assessment's stage is 0"):
        request_for(assessment, alice)


def test_a_programme_setting_allows_any_stage(assessment, alice, settings) -> None:
    settings.DIAM_VALIDATION_MIN_STAGE = 0
    assessment_submit(assessment=assessment, user=alice)
    validation = request_for(assessment, alice)
    assert validation.self_assessed_stage == 0 and validation.items.count() == 0


def test_a_request_lists_every_claimed_criterion_and_enters_the_history(
    submitted, alice, pam, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        validation = request_for(submitted, alice)
    met = {c.id for c in assessment_result(submitted).criteria_with(ResultStatus.MET)}
    assert validation.state == RequestState.REQUESTED
    assert validation.self_assessed_stage == 7
    assert set(validation.items.values_list("criterion_id", flat=True)) == met
    assert kinds(submitted)[-1] == EventKind.VALIDATION_REQUESTED
    assert AuditEvent.objects.filter(action="validation.requested", actor=alice).exists()
    assert [m.to for m in mail.outbox] == [[pam.email]]
    assert "St Elsewhere" in mail.outbox[0].subject


def test_an_assessment_has_one_live_request(requested, submitted, alice) -> None:
    with pytest.raises(ValidationRefused, match="already has a validation request"):
        request_for(submitted, alice)


def test_not_applicable_answers_are_claims_to_review(assessment, alice, settings) -> None:
    settings.DIAM_VALIDATION_MIN_STAGE = 0
    model = model_for(assessment)
    na_allowed = next(c for c in model.criteria if c.na_allowed)
    answer_save(
        assessment=assessment,
        criterion_id=na_allowed.id,
        value=None,
        na=True,
        justification="No such service here",
        expected_version=0,
        user=alice,
    )
    assessment_submit(assessment=assessment, user=alice)
    validation = request_for(assessment, alice)
    item = validation.items.get()
    assert (item.criterion_id, item.claimed) == (na_allowed.id, "not_applicable")


# --- assigning ------------------------------------------------------------------------------


def test_assigning_a_validator_starts_the_review_and_tells_both_sides(
    requested, val, pam, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        validator_assign(validation=requested, validator=val, user=pam)
    requested.refresh_from_db()
    assert requested.state == RequestState.IN_REVIEW
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["alice@example.org", "val@example.org"]
    assert kinds(requested.assessment)[-1] == EventKind.VALIDATOR_ASSIGNED


def test_only_a_programme_admin_assigns(requested, val, alice) -> None:
    with pytest.raises(ValidationRefused, match="Only a programme admin"):
        validator_assign(validation=requested, validator=val, user=alice)


def test_only_a_validator_can_be_assigned(requested, bob, carol, pam) -> None:
    with pytest.raises(ValidationRefused, match="does not hold the validator role"):
        validator_assign(validation=requested, validator=carol, user=pam)


def test_a_member_of_the_organisation_is_never_assigned(requested, val, pam, org) -> None:
    make_member(val, org, Role.VIEWER)
    with pytest.raises(ValidationRefused, match="conflict of interest"):
        validator_assign(validation=requested, validator=val, user=pam)
    assert not requested.assignments.exists()


def test_several_validators_and_no_double_assignment(requested, val, vera, pam) -> None:
    validator_assign(validation=requested, validator=val, user=pam)
    validator_assign(validation=requested, validator=vera, user=pam)
    with pytest.raises(ValidationRefused, match="already assigned"):
        validator_assign(validation=requested, validator=val, user=pam)
    validator_unassign(validation=requested, validator=val, user=pam)
    requested.refresh_from_db()
    assert requested.state == RequestState.IN_REVIEW
    validator_unassign(validation=requested, validator=vera, user=pam)
    requested.refresh_from_db()
    assert requested.state == RequestState.REQUESTED  # waits for validators again


# --- the desk review ----------------------------------------------------------------------


def test_no_verdict_before_a_validator_is_assigned(requested, val) -> None:
    with pytest.raises(ValidationRefused, match="review is closed"):
        review_verdict(
            validation=requested, criterion_id="SI-01", verdict=Verdict.ACCEPTED, user=val
        )


@pytest.mark.parametrize("verdict", [Verdict.REJECTED, Verdict.EVIDENCE_REQUESTED])
def test_rejecting_or_requesting_evidence_needs_a_message(in_review, val, verdict) -> None:
    with pytest.raises(ValidationRefused, match="organisation"):
        review_verdict(validation=in_review, criterion_id="SI-01", verdict=verdict, user=val)


def test_an_unknown_criterion_or_verdict_is_refused(in_review, val) -> None:
    with pytest.raises(ValidationRefused, match="not under review"):
        review_verdict(validation=in_review, criterion_id="XX-99", verdict="accepted", user=val)
    with pytest.raises(ValidationRefused, match="Choose accept"):
        review_verdict(validation=in_review, criterion_id="SI-01", verdict="maybe", user=val)


def test_evidence_request_and_answer_change_only_that_criterion(
    in_review, val, bob, django_capture_on_commit_callbacks
) -> None:
    assessment = in_review.assessment
    answers_before = list(assessment.answers.values_list("criterion_id", "value", "version"))
    with django_capture_on_commit_callbacks(execute=True):
        review_verdict(
            validation=in_review,
            criterion_id="SI-01",
            verdict=Verdict.EVIDENCE_REQUESTED,
            message="Please send the network diagram.",
            user=val,
        )
    assert "Evidence requested for SI-01" in mail.outbox[-1].subject
    assert [w.kind for w in waiting_for(bob)] == ["answer"]
    upload = SimpleUploadedFile("diagram.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        message = review_answer(
            validation=in_review,
            criterion_id="SI-01",
            body="Attached.",
            upload=upload,
            user=bob,
        )
    assert mail.outbox[-1].to == ["val@example.org"]
    item = in_review.items.get(criterion_id="SI-01")
    assert item.verdict == Verdict.ANSWERED
    evidence = Evidence.objects.get()
    assert message.evidence == evidence and evidence.answer.criterion_id == "SI-01"
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED
    assert list(assessment.answers.values_list("criterion_id", "value", "version")) == (
        answers_before
    )
    assert kinds(assessment)[-2:] == [EventKind.EVIDENCE_REQUESTED, EventKind.EVIDENCE_PROVIDED]
    assert [w.kind for w in waiting_for(val)] == ["review"]


def test_the_normal_services_still_refuse_the_submitted_assessment(in_review, bob) -> None:
    assessment = in_review.assessment
    with pytest.raises(AssessmentLocked):
        answer_save(
            assessment=assessment,
            criterion_id="SI-01",
            value=False,
            expected_version=None,
            user=bob,
        )
    with pytest.raises(AssessmentLocked):
        evidence_add(
            assessment=assessment,
            criterion_id="SI-01",
            upload=SimpleUploadedFile("x.pdf", PDF),
            user=bob,
        )


def test_the_organisation_answers_only_where_evidence_was_requested(in_review, bob) -> None:
    with pytest.raises(ValidationRefused, match="No evidence is requested for SI-01"):
        review_answer(validation=in_review, criterion_id="SI-01", body="Hello", user=bob)
    with pytest.raises(ValidationRefused, match="Write an answer or attach a file"):
        review_answer(validation=in_review, criterion_id="SI-01", body="  ", user=bob)


def test_a_refused_file_changes_nothing(in_review, val, bob) -> None:
    from diam.web.assessments.services import EvidenceRejected

    review_verdict(
        validation=in_review,
        criterion_id="SI-01",
        verdict=Verdict.EVIDENCE_REQUESTED,
        message="Diagram?",
        user=val,
    )
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(EvidenceRejected):
        review_answer(validation=in_review, criterion_id="SI-01", body="x", upload=bad, user=bob)
    assert in_review.items.get(criterion_id="SI-01").verdict == Verdict.EVIDENCE_REQUESTED
    assert not Evidence.objects.exists()


def test_progress_is_counted_for_both_sides(in_review, val) -> None:
    total = in_review.items.count()
    review_verdict(validation=in_review, criterion_id="SI-01", verdict="accepted", user=val)
    review_verdict(
        validation=in_review, criterion_id="SI-02", verdict="rejected", message="No", user=val
    )
    progress = review_progress(in_review)
    assert (progress.total, progress.done, progress.accepted, progress.rejected) == (
        total,
        2,
        1,
        1,
    )
    assert not progress.complete


# --- site visit ----------------------------------------------------------------------------


def test_the_site_visit_is_recorded_and_can_be_corrected(in_review, val) -> None:
    today = timezone.localdate()
    visit = site_visit_record(
        validation=in_review,
        user=val,
        visited_on=today,
        participants="CIO, PACS admin",
        service_areas=["radiology", "cardiology"],
        systems_seen="VNA, RIS",
        observations="Tidy",
        strengths="Integration",
        opportunities="Dose monitoring",
    )
    assert visit.service_areas == ["cardiology", "radiology"]
    site_visit_record(
        validation=in_review, user=val, visited_on=today, participants="CIO", service_areas=[]
    )
    visit.refresh_from_db()
    assert visit.participants == "CIO"
    reasons = AssessmentEvent.objects.filter(kind=EventKind.SITE_VISIT_RECORDED).values_list(
        "reason", flat=True
    )
    assert sorted(reasons)[-1].endswith("(record corrected)")


def test_a_visit_in_the_future_or_without_participants_is_refused(in_review, val) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationRefused, match="ahead"):
        site_visit_record(
            validation=in_review, user=val, visited_on=tomorrow, participants="x", service_areas=[]
        )
    with pytest.raises(ValidationRefused, match="participants"):
        site_visit_record(
            validation=in_review,
            user=val,
            visited_on=timezone.localdate(),
            participants=" ",
            service_areas=[],
        )
    with pytest.raises(ValidationRefused, match="Unknown service areas: moon"):
        site_visit_record(
            validation=in_review,
            user=val,
            visited_on=timezone.localdate(),
            participants="x",
            service_areas=["moon"],
        )


# --- the decision --------------------------------------------------------------------------


def test_deciding_before_the_review_is_complete_is_refused(in_review, val) -> None:
    review_verdict(validation=in_review, criterion_id="SI-01", verdict="accepted", user=val)
    with pytest.raises(ValidationRefused, match="review is not complete"):
        validation_decide(validation=in_review, user=val, narrative="Looks fine.")
    assert not ValidationDecision.objects.exists()
    assert in_review.assessment.status == Status.SUBMITTED


def test_an_evidence_request_still_open_blocks_the_decision(in_review, val) -> None:
    accept_all(in_review, val)
    review_verdict(
        validation=in_review,
        criterion_id="SI-01",
        verdict=Verdict.EVIDENCE_REQUESTED,
        message="One more thing",
        user=val,
    )
    with pytest.raises(ValidationRefused, match=r"1 criterion has no accept or reject.*SI-01"):
        validation_decide(validation=in_review, user=val, narrative="x")


def test_a_decision_validates_the_assessment_and_refreshes_the_benchmark(
    in_review, val, pam, alice, org, django_capture_on_commit_callbacks
) -> None:
    accept_all(in_review, val)
    assert [w.kind for w in waiting_for(val)] == ["decide"]
    with django_capture_on_commit_callbacks(execute=True):
        decision = validation_decide(
            validation=in_review, user=val, narrative="Everything seen on site."
        )
    assessment = Assessment.objects.get(pk=in_review.assessment_id)
    assert assessment.status == Status.VALIDATED and assessment.stage == 7
    assert (decision.stage, decision.self_assessed_stage, decision.rejected) == (7, 7, 0)
    assert decision.validators == ["Val Idator"]
    assert decision.valid_until == add_years(decision.decided_on, 3)
    assert decision.revalidation_due == decision.valid_until - dt.timedelta(days=180)
    entry = BenchmarkEntry.objects.get(organisation=org)
    assert entry.validated and entry.stage == 7
    assert kinds(assessment)[-1] == EventKind.VALIDATED
    assert AuditEvent.objects.filter(action="validation.decided", actor=val).exists()
    subjects = {m.subject for m in mail.outbox}
    assert "[diam] Your validation is decided" in subjects
    assert decision.credential is None  # no key in this test: issued on first download


def test_rejected_claims_lower_the_validated_stage(in_review, val, org) -> None:
    rejected = branch_a(in_review.assessment)
    accept_all(in_review, val, except_=rejected)
    decision = validation_decide(validation=in_review, user=val, narrative="Branch A not seen.")
    assert (decision.stage, decision.self_assessed_stage, decision.rejected) == (
        6,
        7,
        len(rejected),
    )
    assert "A" not in decision.branches
    assessment = Assessment.objects.get(pk=in_review.assessment_id)
    assert assessment.stage == 6  # the stored result is the validated one
    assert BenchmarkEntry.objects.get(organisation=org).stage == 6
    # and it stays so when the stored results are recomputed (`diam rescore`)
    assessment_rescore(assessment=assessment)
    assert Assessment.objects.get(pk=assessment.pk).stage == 6


def test_rejecting_one_stage_1_criterion_drops_a_strict_model_to_stage_0(in_review, val) -> None:
    first = next(c.id for c in model_for(in_review.assessment).criteria if c.group == "S1")
    accept_all(in_review, val, except_={first})
    assert validation_decide(validation=in_review, user=val, narrative="x").stage == 0


def test_a_decision_is_not_dated_in_the_future_and_needs_a_narrative(in_review, val) -> None:
    accept_all(in_review, val)
    with pytest.raises(ValidationRefused, match="future"):
        validation_decide(
            validation=in_review,
            user=val,
            narrative="x",
            decided_on=timezone.localdate() + dt.timedelta(days=2),
        )
    with pytest.raises(ValidationRefused, match="narrative"):
        validation_decide(validation=in_review, user=val, narrative="  ")


def test_a_decided_validation_cannot_be_decided_or_reviewed_again(in_review, val) -> None:
    accept_all(in_review, val)
    validation_decide(validation=in_review, user=val, narrative="ok")
    with pytest.raises(ValidationRefused, match="decided"):
        validation_decide(validation=in_review, user=val, narrative="again")
    with pytest.raises(ValidationRefused, match="review is closed"):
        review_verdict(validation=in_review, criterion_id="SI-01", verdict="accepted", user=val)


def test_validity_follows_the_setting(in_review, val, settings) -> None:
    settings.DIAM_VALIDATION_VALIDITY_YEARS = 2
    accept_all(in_review, val)
    decision = validation_decide(validation=in_review, user=val, narrative="ok")
    assert decision.valid_until == add_years(decision.decided_on, 2)


def test_29_february_plus_three_years_is_28_february() -> None:
    assert add_years(dt.date(2028, 2, 29), 3) == dt.date(2031, 2, 28)


# --- a validated assessment is immutable -----------------------------------------------------


@pytest.fixture
def validated(in_review, val):
    accept_all(in_review, val)
    validation_decide(validation=in_review, user=val, narrative="ok")
    return Assessment.objects.get(pk=in_review.assessment_id)


def test_every_change_to_a_validated_assessment_is_refused(validated, alice) -> None:
    with pytest.raises(AssessmentLocked):
        answer_save(
            assessment=validated,
            criterion_id="SI-01",
            value=False,
            expected_version=None,
            user=alice,
        )
    with pytest.raises(AssessmentLocked):
        evidence_add(
            assessment=validated,
            criterion_id="SI-01",
            upload=SimpleUploadedFile("x.pdf", PDF),
            user=alice,
        )
    with pytest.raises(AssessmentLocked):
        evidence_remove(assessment=validated, token="nope", user=alice)
    with pytest.raises(AssessmentLocked):
        assessment_reopen(assessment=validated, user=alice, reason="change things")
    with pytest.raises(AssessmentLocked):
        assessment_submit(assessment=validated, user=alice)
    with pytest.raises(AssessmentLocked):
        section_assign(assessment=validated, focus_area="SI", users=[alice])
    with pytest.raises(ValidationRefused, match="already validated"):
        request_for(validated, alice)


def test_an_assessment_under_validation_cannot_be_reopened(in_review, alice) -> None:
    with pytest.raises(AssessmentLocked, match="under validation"):
        assessment_reopen(assessment=in_review.assessment, user=alice, reason="oops")


def test_after_withdrawal_it_can_be_reopened_or_requested_again(in_review, alice, val) -> None:
    with pytest.raises(ValidationRefused, match="reason"):
        validation_withdraw(validation=in_review, user=alice, reason=" ")
    validation_withdraw(validation=in_review, user=alice, reason="Not ready")
    in_review.refresh_from_db()
    assert in_review.state == RequestState.WITHDRAWN
    with pytest.raises(ValidationRefused, match="review is closed"):
        review_verdict(validation=in_review, criterion_id="SI-01", verdict="accepted", user=val)
    again = request_for(in_review.assessment, alice)
    assert again.pk != in_review.pk
    validation_withdraw(validation=again, user=alice, reason="Still not ready")
    assessment_reopen(assessment=in_review.assessment, user=alice, reason="More work")


# --- revocation ------------------------------------------------------------------------------


def test_revoking_needs_a_programme_admin_and_a_reason(validated, pam, alice) -> None:
    decision = ValidationDecision.objects.get()
    with pytest.raises(ValidationRefused, match="programme admin"):
        decision_revoke(decision=decision, user=alice, reason="x")
    with pytest.raises(ValidationRefused, match="reason"):
        decision_revoke(decision=decision, user=pam, reason="")


def test_a_revoked_validation_counts_as_self_assessed_and_stays_locked(
    validated, pam, alice, org
) -> None:
    decision = decision_revoke(
        decision=ValidationDecision.objects.get(), user=pam, reason="Misrepresented systems"
    )
    assert decision.status == "revoked"
    validated.refresh_from_db()
    assert validated.status == Status.SUBMITTED
    assert not BenchmarkEntry.objects.get(organisation=org).validated
    with pytest.raises(AssessmentLocked, match="validation decision"):
        assessment_reopen(assessment=validated, user=alice, reason="edit")
    with pytest.raises(ValidationRefused, match="already revoked"):
        decision_revoke(decision=decision, user=pam, reason="again")
    assert kinds(validated)[-1] == EventKind.RECOGNITION_REVOKED


# --- the validator role -----------------------------------------------------------------------


def test_granting_and_revoking_the_validator_role(pam, alice, in_review, val) -> None:
    newcomer = make_user("new@example.org", "New Validator")
    validator_grant(user=newcomer, by=pam)
    newcomer.refresh_from_db()
    assert newcomer.is_validator
    with pytest.raises(ValidationRefused, match="already a validator"):
        validator_grant(user=newcomer, by=pam)
    with pytest.raises(ValidationRefused, match="Only a programme admin"):
        validator_grant(user=alice, by=alice)
    with pytest.raises(ValidationRefused, match="programme admin"):
        validator_grant(user=pam, by=pam)
    left = validator_revoke(user=val, by=pam)
    val.refresh_from_db()
    assert left == 1 and not val.is_validator
    in_review.refresh_from_db()
    assert in_review.state == RequestState.REQUESTED and not in_review.assignments.exists()
    assert AuditEvent.objects.filter(action="validation.role_revoked").exists()


def test_a_revoked_validator_can_no_longer_act(pam, in_review, val) -> None:
    from django.http import Http404

    from diam.web.validation.access import validation_get_for_user

    validator_revoke(user=val, by=pam)
    val.refresh_from_db()
    with pytest.raises(Http404):
        validation_get_for_user(user=val, request_id=in_review.pk, need="review")


def test_other_organisations_work_is_not_waiting_for_anyone_else(in_review, carol, vic) -> None:
    review_verdict(
        validation=in_review,
        criterion_id="SI-01",
        verdict=Verdict.EVIDENCE_REQUESTED,
        message="?",
        user=in_review.assignments.get().validator,
    )
    assert waiting_for(carol) == []
    assert waiting_for(vic) == []  # viewers cannot answer


def test_fill_helper_reaches_stage_7(assessment, alice) -> None:
    fill_all_met(assessment, alice)
    assert assessment_submit(assessment=assessment, user=alice).stage == 7
    assert BytesIO  # imported for file helpers above

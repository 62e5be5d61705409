"""The desk review: a validator's verdict per criterion, the organisation's answers and
evidence for one criterion, and the site visit record."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from diam.web.accounts.models import ServiceArea, User
from diam.web.assessments.models import EventKind
from diam.web.assessments.services import evidence_store
from diam.web.audit.services import audit_record
from diam.web.validation import emails
from diam.web.validation.models import (
    RequestState,
    ReviewItem,
    ReviewMessage,
    Side,
    SiteVisit,
    ValidationRequest,
    Verdict,
)
from diam.web.validation.services.requests import ValidationRefused, event, lock

VALIDATOR_VERDICTS = (Verdict.ACCEPTED, Verdict.REJECTED, Verdict.EVIDENCE_REQUESTED)
MAX_MESSAGE = 5000


def _item(validation: ValidationRequest, criterion_id: str) -> ReviewItem:
    item = (
        ReviewItem.objects.select_for_update()
        .filter(request=validation, criterion_id=criterion_id)
        .first()
    )
    if item is None:
        raise ValidationRefused(f"{criterion_id} is not under review in this validation.")
    return item


def _in_review(locked: ValidationRequest) -> None:
    if locked.state != RequestState.IN_REVIEW:
        raise ValidationRefused(
            f"This validation is {locked.get_state_display().lower()}; the review is closed."
        )


def _text(body: str) -> str:
    body = body.strip()
    if len(body) > MAX_MESSAGE:
        raise ValidationRefused(f"A message has at most {MAX_MESSAGE} characters.")
    return body


@transaction.atomic
def review_verdict(
    *,
    validation: ValidationRequest,
    criterion_id: str,
    verdict: str,
    message: str = "",
    user: User,
    request: HttpRequest | None = None,
) -> ReviewItem:
    """Accept, reject or request evidence for one criterion (an assigned validator's step).

    Rejecting and requesting evidence need a message for the organisation. A verdict may be
    changed until the decision.
    """
    if verdict not in VALIDATOR_VERDICTS:
        raise ValidationRefused("Choose accept, reject or request evidence.")
    message = _text(message)
    if verdict != Verdict.ACCEPTED and not message:
        raise ValidationRefused(
            "Say what is missing: the organisation reads this message."
            if verdict == Verdict.EVIDENCE_REQUESTED
            else "Give the reason for rejecting: the organisation reads it with the decision."
        )
    locked = lock(validation)
    _in_review(locked)
    item = _item(locked, criterion_id)
    item.verdict = verdict
    item.verdict_by = user
    item.verdict_at = timezone.now()
    item.save(update_fields=["verdict", "verdict_by", "verdict_at"])
    if message or verdict != Verdict.ACCEPTED:
        ReviewMessage.objects.create(
            item=item, side=Side.VALIDATOR, author=user, body=message, kind=verdict
        )
    if verdict == Verdict.EVIDENCE_REQUESTED:
        event(locked, EventKind.EVIDENCE_REQUESTED, user, f"{criterion_id}: {message}")
        emails.notify(
            recipients=emails.organisation_recipients(locked),
            subject=f"Evidence requested for {criterion_id}",
            lines=[
                f"{user} asks for evidence on {criterion_id} of “{locked.assessment.title}”:",
                message,
                "Answer and upload files on the criterion's page; nothing else of the "
                "submitted assessment changes.",
            ],
            url=emails.validation_url(locked),
        )
    audit_record(
        action=f"validation.{verdict}",
        actor=user,
        organisation=locked.organisation,
        target=item,
        summary=f"{criterion_id}: {item.get_verdict_display()}",
        detail={"validation": locked.pk, "criterion": criterion_id, "message": message},
        request=request,
    )
    return item


@transaction.atomic
def review_answer(
    *,
    validation: ValidationRequest,
    criterion_id: str,
    body: str,
    upload: UploadedFile | None = None,
    user: User,
    request: HttpRequest | None = None,
) -> ReviewMessage:
    """The organisation answers an evidence request for one criterion, with an optional file.

    The file is attached to that criterion's answer of the submitted assessment; nothing else
    of the assessment changes, and the normal answer and evidence services still refuse it.
    Refused unless evidence was requested for this criterion (or answered and not yet
    reviewed again). Raises `EvidenceRejected` for a file that is too large or of a refused
    type, before anything is written.
    """
    body = _text(body)
    if not body and upload is None:
        raise ValidationRefused("Write an answer or attach a file.")
    locked = lock(validation)
    _in_review(locked)
    item = _item(locked, criterion_id)
    if item.verdict not in (Verdict.EVIDENCE_REQUESTED, Verdict.ANSWERED):
        raise ValidationRefused(
            f"No evidence is requested for {criterion_id}; the validators have not asked."
        )
    evidence = None
    if upload is not None:
        evidence = evidence_store(
            assessment=locked.assessment, criterion_id=criterion_id, upload=upload, user=user
        )
    message = ReviewMessage.objects.create(
        item=item, side=Side.ORGANISATION, author=user, body=body, evidence=evidence
    )
    item.verdict = Verdict.ANSWERED
    item.save(update_fields=["verdict"])
    what = f"{criterion_id}: {body[:200]}" if body else criterion_id
    if evidence is not None:
        what += f" (file {evidence.original_name})"
    event(locked, EventKind.EVIDENCE_PROVIDED, user, what)
    audit_record(
        action="validation.answered",
        actor=user,
        organisation=locked.organisation,
        target=item,
        summary=f"{criterion_id}: the organisation answered",
        detail={
            "validation": locked.pk,
            "criterion": criterion_id,
            "file": evidence.original_name if evidence else None,
        },
        request=request,
    )
    emails.notify(
        recipients=emails.validator_recipients(locked),
        subject=f"{locked.organisation.name} answered on {criterion_id}",
        lines=[
            f"{user} answered your evidence request on {criterion_id}"
            + (f" and attached {evidence.original_name}." if evidence else "."),
            body,
        ],
        url=emails.validation_url(locked),
    )
    return message


@transaction.atomic
def site_visit_record(
    *,
    validation: ValidationRequest,
    user: User,
    visited_on: dt.date,
    participants: str,
    service_areas: list[str],
    systems_seen: str = "",
    observations: str = "",
    strengths: str = "",
    opportunities: str = "",
    request: HttpRequest | None = None,
) -> SiteVisit:
    """Record (or correct) the site visit of a validation under review (a validator's step)."""
    if visited_on > timezone.localdate():
        raise ValidationRefused("A site visit is recorded once it took place: the date is ahead.")
    participants = participants.strip()
    if not participants:
        raise ValidationRefused("Name the participants of the visit.")
    unknown = sorted(set(service_areas) - set(ServiceArea.values))
    if unknown:
        raise ValidationRefused(f"Unknown service areas: {', '.join(unknown)}.")
    locked = lock(validation)
    _in_review(locked)
    if visited_on < timezone.localdate(locked.requested_at):
        raise ValidationRefused("The visit cannot predate the validation request.")
    visit, created = SiteVisit.objects.update_or_create(
        request=locked,
        defaults={
            "visited_on": visited_on,
            "participants": participants,
            "service_areas": sorted(set(service_areas)),
            "systems_seen": systems_seen.strip(),
            "observations": observations.strip(),
            "strengths": strengths.strip(),
            "opportunities": opportunities.strip(),
            "recorded_by": user,
            "recorded_at": timezone.now(),
        },
    )
    when = f"Visit on {visited_on.isoformat()}" + ("" if created else " (record corrected)")
    event(locked, EventKind.SITE_VISIT_RECORDED, user, when)
    audit_record(
        action="validation.site_visit_recorded",
        actor=user,
        organisation=locked.organisation,
        target=visit,
        summary=f"Site visit of {locked.organisation.name} recorded",
        detail={"validation": locked.pk, "visited_on": visited_on.isoformat()},
        request=request,
    )
    if created:
        emails.notify(
            recipients=emails.organisation_recipients(locked),
            subject="Site visit recorded",
            lines=[f"{user} recorded the site visit of {visited_on:%d %B %Y}."],
            url=emails.validation_url(locked),
        )
    return visit

"""The decision, its revocation, and the recognition it earns (code, credential, registry)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from diam.credentials import Recognition as CredentialFacts
from diam.credentials import build_credential, sign_credential
from diam.scoring.engine import score
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Assessment, EventKind, Status
from diam.web.assessments.services import assessment_rescore, assessment_result, model_for
from diam.web.audit.services import audit_record
from diam.web.validation import emails, keys
from diam.web.validation.models import (
    Recognition,
    RequestState,
    ReviewItem,
    ValidationDecision,
    ValidationRequest,
    Verdict,
)
from diam.web.validation.selectors import open_items, validated_values, validators_of
from diam.web.validation.services.requests import ValidationRefused, event, lock

CODE_SALT = "diam.validation.certificate-code"


# --- dates ---------------------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validity_of(decided_on: dt.date) -> tuple[dt.date, dt.date]:
    """(valid until, revalidation due) for a decision taken on `decided_on`."""
    valid_until = add_years(decided_on, settings.DIAM_VALIDATION_VALIDITY_YEARS)
    due = valid_until - dt.timedelta(days=settings.DIAM_VALIDATION_REVALIDATION_DAYS)
    return valid_until, max(due, decided_on)


# --- signed certificate codes --------------------------------------------------------------------


def _signature(serial: str, decision: ValidationDecision, secret: str) -> str:
    message = (
        f"{serial}|{decision.organisation_id}|{decision.stage}|{decision.decided_on.isoformat()}"
    )
    digest = salted_hmac(CODE_SALT, message, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:16]


def certificate_code(decision: ValidationDecision) -> str:
    """`SERIAL-SIGNATURE`: a random serial and an HMAC binding it to the organisation, the
    stage and the decision date, so no edited code names another certificate or stage."""
    serial = base64.b32encode(secrets.token_bytes(5)).decode()
    return f"{serial}-{_signature(serial, decision, settings.SECRET_KEY)}"


def code_confirms(decision: ValidationDecision) -> bool:
    """Whether the stored code still signs the stored facts (under the current secret key or
    one of `SECRET_KEY_FALLBACKS`, so rotating the secret keeps printed codes valid)."""
    serial, _, signature = decision.code.partition("-")
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        constant_time_compare(signature, _signature(serial, decision, str(s))) for s in secrets_
    )


def normalise_code(text: str) -> str:
    return "".join(text.split()).upper()


def decision_for_code(code: str) -> ValidationDecision | None:
    """The decision whose certificate carries `code`, if the code is one and it confirms."""
    code = normalise_code(code)
    if len(code) > 40 or "-" not in code:
        return None
    decision = (
        ValidationDecision.objects.select_related("organisation", "request__assessment")
        .filter(code=code)
        .first()
    )
    if decision is None or not code_confirms(decision):
        return None
    return decision


def verification_url(decision: ValidationDecision) -> str:
    return emails.absolute(reverse("verify_code", args=[decision.code]))


# --- the decision --------------------------------------------------------------------------------


@transaction.atomic
def validation_decide(
    *,
    validation: ValidationRequest,
    user: User,
    narrative: str,
    decided_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> ValidationDecision:
    """Decide a validation whose review is complete (an assigned validator's step).

    The validated stage is computed by the engine from the answers with every rejected claim
    removed, so it may be lower than the self-assessed stage, never higher. The assessment
    becomes validated (immutable), its stored result the validated one, and the benchmarks
    refresh. Refused while a criterion has no accept or reject verdict.
    """
    narrative = narrative.strip()
    if not narrative:
        raise ValidationRefused("Write the decision's narrative: the organisation reads it.")
    today = timezone.localdate()
    decided_on = decided_on or today
    if decided_on > today:
        raise ValidationRefused("A decision cannot be dated in the future.")
    locked = lock(validation)
    if locked.state != RequestState.IN_REVIEW:
        raise ValidationRefused(
            f"This validation is {locked.get_state_display().lower()}; it cannot be decided."
        )
    if decided_on < timezone.localdate(locked.requested_at):
        raise ValidationRefused("A decision cannot predate the validation request.")
    remaining = open_items(locked)
    if remaining:
        shown = ", ".join(remaining[:10]) + (" …" if len(remaining) > 10 else "")
        raise ValidationRefused(
            f"The review is not complete: {len(remaining)} criteri"
            f"{'on has' if len(remaining) == 1 else 'a have'} no accept or reject verdict "
            f"({shown})."
        )
    assessment = Assessment.objects.select_for_update().get(pk=locked.assessment_id)
    if assessment.status != Status.SUBMITTED:
        raise ValidationRefused(f"{assessment.title} is {assessment.status}, not submitted.")
    rejected = set(
        ReviewItem.objects.filter(request=locked, verdict=Verdict.REJECTED).values_list(
            "criterion_id", flat=True
        )
    )
    model = model_for(assessment)
    values = assessment.to_core()
    self_assessed = assessment_result(assessment)
    result = score(model, validated_values(values, rejected))
    valid_until, due = validity_of(decided_on)
    names = [str(v) for v in validators_of(locked)]
    decision = ValidationDecision(
        request=locked,
        organisation=locked.organisation,
        stage=result.stage,
        core_stage=result.core_stage,
        branches="".join(result.mastered_branches),
        self_assessed_stage=self_assessed.stage,
        accepted=locked.items.filter(verdict=Verdict.ACCEPTED).count(),
        rejected=len(rejected),
        narrative=narrative,
        decided_on=decided_on,
        valid_until=valid_until,
        revalidation_due=due,
        validators=names,
        decided_by=user,
    )
    decision.code = certificate_code(decision)
    decision.save()
    locked.state = RequestState.DECIDED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["state", "closed_at"])
    assessment.status = Status.VALIDATED
    assessment.save(update_fields=["status", "updated_at"])
    assessment.organisation = locked.organisation
    assessment_rescore(assessment=assessment, result=result)  # also refreshes the benchmarks
    recognition_for(locked.organisation)
    try:
        credential_issue(decision)
    except keys.KeyMissing:
        pass  # issued on the first download once the programme has a key (credential_issue)
    lower = (
        f" (self-assessed stage {self_assessed.stage})"
        if result.stage != self_assessed.stage
        else ""
    )
    event(
        locked,
        EventKind.VALIDATED,
        user,
        f"Validated stage {result.stage}{lower} by {decision.validators_text}",
    )
    audit_record(
        action="validation.decided",
        actor=user,
        organisation=locked.organisation,
        target=decision,
        summary=f"{locked.organisation.name}: validated stage {result.stage}",
        detail={
            "validation": locked.pk,
            "stage": result.stage,
            "self_assessed_stage": self_assessed.stage,
            "rejected": sorted(rejected),
            "valid_until": valid_until.isoformat(),
        },
        request=request,
    )
    lines = [
        f"The validation of “{assessment.title}” is decided: validated stage {result.stage}"
        f"{lower}, valid until {valid_until:%d %B %Y}.",
        f"Validated by {decision.validators_text}.",
        narrative,
    ]
    url = emails.validation_url(locked)
    emails.notify(
        recipients=emails.organisation_recipients(locked),
        subject="Your validation is decided",
        lines=lines,
        url=url,
    )
    emails.notify(
        recipients=[*emails.validator_recipients(locked), *emails.programme_admin_recipients()],
        subject=f"Validation of {locked.organisation.name} decided",
        lines=lines[:2],
        url=url,
    )
    return decision


@transaction.atomic
def decision_revoke(
    *,
    decision: ValidationDecision,
    user: User,
    reason: str,
    request: HttpRequest | None = None,
) -> ValidationDecision:
    """A programme admin revokes a decision with a reason: the registry, badge, certificate
    and credential check show it as revoked, and the assessment counts as self-assessed
    (submitted) again. It stays read-only: it cannot be reopened."""
    if not user.is_programme_admin:
        raise ValidationRefused("Only a programme admin revokes a validation.")
    reason = reason.strip()
    if not reason:
        raise ValidationRefused("Give the reason for revoking; the organisation is told.")
    locked = ValidationDecision.objects.select_for_update().get(pk=decision.pk)
    if locked.revoked_at is not None:
        raise ValidationRefused("This validation is already revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_by = user
    locked.revoked_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    validation = ValidationRequest.objects.select_related("assessment", "organisation").get(
        pk=locked.request_id
    )
    assessment = Assessment.objects.select_for_update().get(pk=validation.assessment_id)
    if assessment.status == Status.VALIDATED:
        assessment.status = Status.SUBMITTED
        assessment.save(update_fields=["status", "updated_at"])
        assessment.organisation = validation.organisation
        assessment_rescore(assessment=assessment)
    event(validation, EventKind.RECOGNITION_REVOKED, user, reason)
    audit_record(
        action="validation.revoked",
        actor=user,
        organisation=validation.organisation,
        target=locked,
        summary=f"Validation of {validation.organisation.name} revoked",
        detail={"reason": reason, "code": locked.code},
        request=request,
    )
    emails.notify(
        recipients=[
            *emails.organisation_recipients(validation),
            *emails.validator_recipients(validation),
        ],
        subject="A validation was revoked",
        lines=[
            f"The validation of “{assessment.title}” (stage {locked.stage}) was revoked by the "
            f"programme: {reason}",
        ],
        url=emails.validation_url(validation),
    )
    return locked


# --- recognition ---------------------------------------------------------------------------------


def recognition_for(organisation: Organisation) -> Recognition:
    """The organisation's recognition row, created (unlisted, with a badge token) if needed."""
    recognition = Recognition.objects.filter(organisation=organisation).first()
    if recognition is None:
        recognition, _ = Recognition.objects.get_or_create(
            organisation=organisation, defaults={"badge_token": secrets.token_urlsafe(16)}
        )
    return recognition


@transaction.atomic
def recognition_update(
    *, organisation: Organisation, listed: bool, user: User, request: HttpRequest | None = None
) -> Recognition:
    """An organisation admin lists the organisation in the public registry, or unlists it."""
    recognition = recognition_for(organisation)
    if recognition.listed != listed:
        recognition.listed = listed
        recognition.save(update_fields=["listed", "updated_at"])
        audit_record(
            action="recognition.listed" if listed else "recognition.unlisted",
            actor=user,
            organisation=organisation,
            target=recognition,
            summary=f"{organisation.name} {'listed in' if listed else 'removed from'} the registry",
            request=request,
        )
    return recognition


def credential_issue(decision: ValidationDecision) -> dict[str, object]:
    """The decision's signed credential, signed now with the current key if not yet issued.

    Raises `keys.KeyMissing` when the programme has no signing key.
    """
    if decision.credential:
        return dict(decision.credential)
    kid, private_key = keys.signing_key()
    assessment = Assessment.objects.get(pk=decision.request.assessment_id)
    model = model_for(assessment)
    organisation = decision.organisation
    facts = CredentialFacts(
        credential_id=verification_url(decision),
        issuer_id=emails.absolute("/"),
        issuer_name=settings.DIAM_PROGRAMME_NAME,
        organisation=organisation.name,
        country=str(getattr(organisation.country, "code", organisation.country) or ""),
        stage=decision.stage,
        stage_name=model.stage_info(decision.stage).name,
        model_id=assessment.model_id,
        model_version=assessment.model_version,
        decided_on=decision.decided_on,
        valid_until=decision.valid_until,
        validators=tuple(str(v) for v in decision.validators),
        code=decision.code,
    )
    signed = sign_credential(
        build_credential(facts),
        private_key=private_key,
        verification_method=f"{keys.keys_url()}#{kid}",
        created=timezone.now(),
    )
    ValidationDecision.objects.filter(pk=decision.pk, credential__isnull=True).update(
        credential=signed
    )
    decision.refresh_from_db(fields=["credential"])
    return dict(decision.credential or signed)

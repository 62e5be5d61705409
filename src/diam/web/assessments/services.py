"""Business actions on assessments: create, answer, submit, reopen, rescore, assign, evidence.

Each service is keyword-only, runs in one transaction, and either changes everything it
promises or nothing (bad input raises before any write).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from diam.model.schema import Model
from diam.paths import DEFAULT_MODEL_ID, shipped_model
from diam.scoring.answers import AnswerValue, InvalidValue, NotApplicable, parse_answer
from diam.scoring.context import Context
from diam.scoring.engine import score
from diam.scoring.result import Result
from diam.text import control_characters
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentEvent,
    EventKind,
    Evidence,
    SectionAssignment,
    Status,
    display_value,
)
from diam.web.audit.services import audit_record


class AssessmentLocked(Exception):
    """The assessment is submitted or validated; answers can no longer change."""


@dataclass
class AnswerConflict(Exception):
    """The answer changed since the user loaded it; nothing was saved."""

    current: Answer

    def __str__(self) -> str:
        who = self.current.updated_by or "someone"
        return (
            f"{self.current.criterion_id} was changed by {who} to "
            f"{self.current.display_value} since you opened it; your change was not saved."
        )


class CarriedUnconfirmed(AssessmentLocked):
    """Answers carried from the previous assessment still wait for confirmation.

    A kind of `AssessmentLocked` so that every way to submit (page, API) refuses it the same
    way (the page's message, the API's 409) without knowing about carried answers.
    """


class EvidenceRejected(ValueError):
    """An uploaded file is too large or not an accepted type."""


# (DIAM_MODELS_DIR, model id, version) -> the checked model. shipped_model resolves paths on
# the file system at every call (~0.1 ms), and one autosave asks for the model several times.
_pinned: dict[tuple[str | None, str, str], Model] = {}


def model_for(assessment: Assessment) -> Model:
    """The model version the assessment is pinned to (several versions are installed at once)."""
    key = (os.environ.get("DIAM_MODELS_DIR"), assessment.model_id, assessment.model_version)
    model = _pinned.get(key)
    if model is None:
        model = shipped_model(assessment.model_id, assessment.model_version)
        _pinned[key] = model
    return model


def organisation_country(organisation: Organisation) -> str | None:
    """The organisation's ISO 3166-1 code, or None when it has none."""
    country = organisation.country
    code = str(getattr(country, "code", country) or "")
    return code.upper() or None


def assessment_context(assessment: Assessment) -> Context:
    """What besides the answers decides which criteria apply: the organisation's country (for
    law-bound criteria) and the assessment's service profile."""
    services = assessment.services if isinstance(assessment.services, dict) else {}
    return Context(
        country=organisation_country(assessment.organisation),
        services={k: v for k, v in services.items() if isinstance(v, bool)},
    )


@transaction.atomic
def assessment_create(
    *,
    organisation: Organisation,
    user: User,
    title: str = "",
    model_id: str = DEFAULT_MODEL_ID,
    model_version: str | None = None,
) -> Assessment:
    """A new draft on `model_version` of the model (the latest installed when None)."""
    model = shipped_model(model_id, model_version)
    assessment = Assessment.objects.create(
        organisation=organisation,
        title=title.strip() or f"Assessment {timezone.localdate():%B %Y}",
        model_id=model.id,
        model_version=model.version,
        model_hash=model.content_hash,
        created_by=user,
    )
    AssessmentEvent.objects.create(assessment=assessment, kind=EventKind.CREATED, user=user)
    audit_record(
        action="assessment.created",
        actor=user,
        organisation=organisation,
        target=assessment,
        summary=f"Started {assessment.title} ({model.id} {model.version})",
    )
    return assessment


@transaction.atomic
def assessment_start_from(
    *,
    previous: Assessment,
    user: User,
    title: str = "",
    model: Model | None = None,
    sources: Mapping[str, str | None] | None = None,
) -> Assessment:
    """Start a new draft from an earlier assessment, carrying its answers forward.

    The draft is on `model` (default: the previous assessment's version). For each criterion of
    that model, the answer to criterion `sources.get(id, id)` of the previous assessment is
    carried (value or N/A with its justification, comment, and links to the same evidence
    files) when it still fits the criterion; `sources` maps new ids to old ids across model
    versions, None meaning "needs new input". Carried answers are marked `carried` until
    someone saves (confirms) them. Answers that no longer fit are left unanswered.
    """
    target = model or model_for(previous)
    assessment = Assessment.objects.create(
        organisation=previous.organisation,
        title=title.strip() or f"Assessment {timezone.localdate():%B %Y}",
        model_id=target.id,
        model_version=target.version,
        model_hash=target.content_hash,
        created_by=user,
        previous=previous,
    )
    old_answers = {
        a.criterion_id: a for a in previous.answers.prefetch_related("evidence").order_by()
    }
    carried: list[Answer] = []
    for criterion in target.criteria:
        source_id = sources.get(criterion.id, criterion.id) if sources else criterion.id
        old = old_answers.get(source_id) if source_id else None
        if old is None or not (old.is_answered or old.comment):
            continue
        raw = _raw_for_core(
            value=old.value, na=old.na, justification=old.justification, comment=old.comment
        )
        try:
            parse_answer(criterion, raw)
        except InvalidValue:
            continue  # the criterion changed type or no longer allows N/A: needs new input
        carried.append(
            Answer(
                assessment=assessment,
                criterion_id=criterion.id,
                value=old.value if not old.na else None,
                na=old.na,
                justification=old.justification if old.na else "",
                comment=old.comment,
                carried=True,
                carried_from=old.criterion_id,
                version=1,
                updated_by=user,
            )
        )
    Answer.objects.bulk_create(carried)
    saved = {a.criterion_id: a for a in assessment.answers.all()}
    Evidence.objects.bulk_create(
        Evidence(
            answer=saved[answer.criterion_id],
            token=secrets.token_hex(16),
            file=evidence.file.name,
            original_name=evidence.original_name,
            content_type=evidence.content_type,
            size=evidence.size,
            uploaded_by=evidence.uploaded_by,
        )
        for answer in carried
        for evidence in old_answers[answer.carried_from].evidence.all()
    )
    AnswerChange.objects.bulk_create(
        AnswerChange(
            answer=saved[answer.criterion_id],
            changed_by=user,
            old=Answer().snapshot(),
            # The history names where the answer came from ("carried from <title>").
            new=saved[answer.criterion_id].snapshot() | {"carried_from": previous.title},
        )
        for answer in carried
    )
    AssessmentEvent.objects.create(
        assessment=assessment,
        kind=EventKind.CREATED,
        user=user,
        reason=f"Started from {previous.title}: {len(carried)} answers carried forward.",
    )
    audit_record(
        action="assessment.started_from",
        actor=user,
        organisation=previous.organisation,
        target=assessment,
        summary=f"{assessment.title} started from {previous.title}",
        detail={
            "previous": previous.pk,
            "model_version": target.version,
            "carried": len(carried),
        },
    )
    return assessment


def _raw_for_core(*, value: Any, na: bool, justification: str, comment: str) -> dict[str, Any]:
    """The answer as an answers-file entry, so `parse_answer` decides as it does for the CLI
    and the API: N/A together with a value is refused, not silently reduced to N/A."""
    raw: dict[str, Any] = {"comment": comment or None, "value": value}
    if na:
        raw.update(na=True, justification=justification)
    elif justification:
        raw["justification"] = justification
    return raw


def answer_save(
    *,
    assessment: Assessment,
    criterion_id: str,
    value: Any,
    na: bool = False,
    justification: str = "",
    comment: str = "",
    expected_version: int | None,
    user: User,
) -> Answer:
    """Save one answer; `value` is already typed (bool / number / option id / None).

    Raises `InvalidValue` (nothing saved) for a value that does not fit the criterion,
    `AnswerConflict` when `expected_version` is stale, `AssessmentLocked` after submission.
    """
    return answer_save_with_values(
        assessment=assessment,
        criterion_id=criterion_id,
        value=value,
        na=na,
        justification=justification,
        comment=comment,
        expected_version=expected_version,
        user=user,
    ).answer


@dataclass(frozen=True)
class SavedAnswer:
    """A saved answer and every answer's core value just before the save (unanswered absent).

    The values come from the query that reads the saved answer, under the assessment's lock,
    so the survey's progress and skip-logic check after an autosave cost no query of their own.
    """

    answer: Answer
    values_before: dict[str, AnswerValue]
    confirmed: bool = False  # the answer was carried and this save confirmed it


# Read for every answer of the assessment when saving one, in the model's field order (from_db
# takes the values in that order); the rest of the saved answer's row
# (who and when) is loaded only if shown unchanged or in a conflict, which are rare.
_LIGHT_FIELDS = (
    "id",
    "criterion_id",
    "value",
    "na",
    "justification",
    "comment",
    "carried",
    "version",
)
_ANSWER_LOADED = ("id", "assessment_id", *_LIGHT_FIELDS[1:])


def answer_save_with_values(
    *,
    assessment: Assessment,
    criterion_id: str,
    value: Any,
    na: bool = False,
    justification: str = "",
    comment: str = "",
    expected_version: int | None,
    user: User,
    lock_held: bool = False,
) -> SavedAnswer:
    """`answer_save`, also returning the values before the save (see `SavedAnswer`).

    `lock_held=True` when the caller's transaction already holds the assessment's row lock and
    `assessment` was read under it (`access.assessment_for_answer_save`): no query to lock it.
    """
    if lock_held and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_held=True outside the transaction that holds the lock.")
    # With the lock held, the caller's transaction is the save's: no savepoint, which would
    # add two queries to the hot path; every refusal below is raised before anything is written.
    with nullcontext() if lock_held else transaction.atomic():
        # The row lock is what every write to an assessment's answers waits for (here,
        # evidence_add, submission), so the answers read below are current and no one can
        # change or insert one before this transaction ends: the answer rows need no lock.
        locked = (
            assessment
            if lock_held
            else Assessment.objects.select_for_update()
            .only("title", "status", "model_id", "model_version", "organisation_id")
            .get(pk=assessment.pk)
        )
        return _answer_save(
            locked,
            criterion_id=criterion_id,
            value=value,
            na=na,
            justification=justification,
            comment=comment,
            expected_version=expected_version,
            user=user,
        )


def _answer_save(
    locked: Assessment,
    *,
    criterion_id: str,
    value: Any,
    na: bool,
    justification: str,
    comment: str,
    expected_version: int | None,
    user: User,
) -> SavedAnswer:
    if locked.is_locked:
        raise AssessmentLocked(f"{locked.title} is {locked.get_status_display().lower()}.")
    model = model_for(locked)
    criterion = model.criteria_by_id.get(criterion_id)
    if criterion is None:
        raise InvalidValue(f"{criterion_id} is not a criterion of this model.")
    justification = justification.strip()
    comment = comment.strip()
    parsed, _ = parse_answer(
        criterion, _raw_for_core(value=value, na=na, justification=justification, comment=comment)
    )
    before: dict[str, AnswerValue] = {}
    answer: Answer | None = None
    rows = Answer.objects.filter(assessment_id=locked.pk).values_list(*_LIGHT_FIELDS)
    for row in rows:
        cid, stored, stored_na, stored_justification = row[1:5]
        if stored_na:
            before[cid] = NotApplicable(stored_justification)
        elif stored is not None:
            before[cid] = stored
        if cid == criterion_id:
            # from_db takes the values in the model's field order; the others stay deferred.
            answer = Answer.from_db(rows.db, _ANSWER_LOADED, [row[0], locked.pk, *row[1:]])
    # A first answer is inserted once, with its values: no get_or_create (its savepoint, an
    # empty row and then an update), and nothing is written when nothing changes.
    new_row = answer is None
    if answer is None:
        answer = Answer(assessment=locked, criterion_id=criterion_id)
    if expected_version is not None and answer.version != expected_version:
        raise AnswerConflict(answer)
    old = answer.snapshot()
    if isinstance(parsed, NotApplicable):
        answer.value, answer.na, answer.justification = None, True, parsed.justification
    else:
        answer.value, answer.na, answer.justification = parsed, False, ""
    answer.comment = comment
    new = answer.snapshot()
    if new == old and not answer.carried:
        return SavedAnswer(answer, before)
    # Saving a carried answer confirms it, changed or not; the version moves so that other
    # open pages see the confirmation as a change.
    confirmed = answer.carried
    answer.carried = False
    answer.version += 1
    answer.updated_by = user
    if new_row:
        answer.save(force_insert=True)
    else:
        answer.save(update_fields=_ANSWER_FIELDS)
    if new != old:
        AnswerChange.objects.create(answer=answer, changed_by=user, old=old, new=new)
    else:
        # A carried answer saved unchanged: the history says it was confirmed, and by whom.
        AnswerChange.objects.create(
            answer=answer, changed_by=user, old=old, new=new | {"confirmed": True}
        )
    audit_record(
        action="answer.changed" if new != old else "answer.confirmed",
        actor=user,
        organisation=locked.organisation_id,
        target=answer,
        summary=f"{criterion_id}: {display_value(old['value'], old['na'])} → "
        f"{display_value(new['value'], new['na'])}"
        if new != old
        else f"{criterion_id}: carried answer confirmed",
        detail={"assessment": locked.pk, "criterion": criterion_id, "old": old, "new": new},
    )
    return SavedAnswer(answer, before, confirmed)


_ANSWER_FIELDS = (
    "value",
    "na",
    "justification",
    "comment",
    "carried",
    "version",
    "updated_by",
    "updated_at",
)


def assessment_result(assessment: Assessment) -> Result:
    """Score the assessment from its answers and context (never from stored figures)."""
    return score(model_for(assessment), assessment.to_core(), assessment_context(assessment))


def _benchmark_refresh(assessment: Assessment) -> None:
    """Recompute the organisation's benchmark row for the assessment's model (benchmarks app)."""
    from diam.web.benchmarks.services import benchmark_entry_refresh

    benchmark_entry_refresh(organisation=assessment.organisation, model_id=assessment.model_id)


def _report_files_refresh(assessment: Assessment) -> None:
    """Drop the stored report files of the old state; queue those of a submitted one (reports)."""
    from diam.web.reports.services import report_files_refresh

    report_files_refresh(assessment=assessment)


def assessment_rescore(*, assessment: Assessment, result: Result | None = None) -> bool:
    """Store the denormalised result; True when a previously stored stage changed.

    A submitted or validated assessment's new result also refreshes the benchmark row. For a
    validated assessment the result is the validated one (`validation.selectors.validated_result`).
    """
    if result is None and assessment.status == Status.VALIDATED:
        # A validated assessment's stored result is the validated one (accepted criteria
        # only), so benchmarks and `diam rescore` carry the validated stage.
        from diam.web.validation.selectors import validated_result

        result = validated_result(assessment)
    result = result or assessment_result(assessment)
    changed = assessment.stage is not None and assessment.stage != result.stage
    assessment.stage = result.stage
    assessment.core_stage = result.core_stage
    assessment.branches = "".join(result.mastered_branches)
    assessment.focus_area_percents = {f.code: f.percent for f in result.focus_areas}
    assessment.completeness = result.completeness
    assessment.scored_at = timezone.now()
    assessment.save(
        update_fields=[
            "stage",
            "core_stage",
            "branches",
            "focus_area_percents",
            "completeness",
            "scored_at",
            "updated_at",
        ]
    )
    if assessment.status in (Status.SUBMITTED, Status.VALIDATED):
        _benchmark_refresh(assessment)
    return changed


def unconfirmed_refusal(assessment: Assessment) -> str:
    """Why the assessment cannot be submitted yet because of carried answers ('' when it can).

    A submitted assessment states the organisation's situation now; an answer carried from the
    previous assessment that nobody confirmed would pass that one's state off as today's. Only
    answers to criteria asked now wait (`selectors.carried_waiting`): one the service profile or
    skip logic hides is not part of today's statement, so it stays carried without blocking.
    """
    # Selectors read through this module; imported here to keep the dependency one-way.
    from diam.web.assessments.selectors import carried_waiting

    ids = carried_waiting(assessment)
    if not ids:
        return ""
    criteria = model_for(assessment).criteria_by_id
    areas = sorted({criteria[c].focus_area for c in ids})
    many = len(ids) != 1
    return (
        f"{len(ids)} answer{'s' if many else ''} carried from the previous assessment still "
        f"wait{'' if many else 's'} for confirmation (in {', '.join(areas)}). Confirm each one, "
        "or a whole section at once, before submitting."
    )


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user: User) -> Assessment:
    """Lock the draft and make its stage final.

    Raises `AssessmentLocked` when it is not a draft, `CarriedUnconfirmed` while carried answers
    wait for confirmation (nothing changes either way).
    """
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_locked:
        raise AssessmentLocked(f"{locked.title} is already {locked.get_status_display().lower()}.")
    refusal = unconfirmed_refusal(locked)
    if refusal:
        raise CarriedUnconfirmed(f"{refusal} Nothing was submitted.")
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    locked.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    assessment_rescore(assessment=locked)  # submitted now: also refreshes the benchmark row
    AssessmentEvent.objects.create(assessment=locked, kind=EventKind.SUBMITTED, user=user)
    audit_record(
        action="assessment.submitted",
        actor=user,
        organisation=locked.organisation_id,
        target=locked,
        summary=f"Submitted {locked.title}: stage {locked.stage}",
        detail={"stage": locked.stage, "completeness": locked.completeness},
    )
    _report_files_refresh(locked)  # last: the files show the refreshed benchmark release
    return locked


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, user: User, reason: str) -> Assessment:
    reason = reason.strip()
    if not reason:
        raise ValueError("Give a reason for reopening; it is kept in the assessment's history.")
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.status != Status.SUBMITTED:
        raise AssessmentLocked(f"Only a submitted assessment can be reopened ({locked.status}).")
    from diam.web.validation.selectors import reopen_refusal

    refusal = reopen_refusal(locked)
    if refusal:
        raise AssessmentLocked(refusal)
    locked.status = Status.DRAFT
    locked.save(update_fields=["status", "updated_at"])
    _benchmark_refresh(locked)  # back to the previous submitted assessment, or out
    _report_files_refresh(locked)
    AssessmentEvent.objects.create(
        assessment=locked, kind=EventKind.REOPENED, user=user, reason=reason
    )
    audit_record(
        action="assessment.reopened",
        actor=user,
        organisation=locked.organisation_id,
        target=locked,
        summary=f"Reopened {locked.title}: {reason[:200]}",
        detail={"reason": reason},
    )
    return locked


@transaction.atomic
def section_assign(
    *, assessment: Assessment, focus_area: str, users: list[User]
) -> list[SectionAssignment]:
    """Replace the contributors assigned to one focus area of an assessment."""
    if assessment.status == Status.VALIDATED:
        raise AssessmentLocked(f"{assessment.title} is validated; nothing of it can change.")
    model = model_for(assessment)
    if focus_area not in {f.code for f in model.manifest.focus_areas}:
        raise ValueError(f"Unknown focus area {focus_area}.")
    SectionAssignment.objects.filter(assessment=assessment, focus_area=focus_area).delete()
    return [
        SectionAssignment.objects.create(assessment=assessment, focus_area=focus_area, user=u)
        for u in users
    ]


# Accepted evidence types, recognised by content (the first bytes), not by the file name.
_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", "application/zip", (".docx", ".xlsx", ".pptx", ".odt", ".ods")),
)
_TEXT_EXTENSIONS = (".txt", ".csv")


def _sniff(head: bytes, name: str, *, whole: bool) -> str:
    """The content type of an upload from its first bytes; `whole` when `head` is the file."""
    lower = name.lower()
    for magic, content_type, extensions in _SIGNATURES:
        if head.startswith(magic):
            if not lower.endswith(extensions):
                raise EvidenceRejected(f"{name}: the content does not match the file extension.")
            return content_type
    if lower.endswith(_TEXT_EXTENSIONS):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the end of the sample is fine; anything else, and
            # anything in a file the sample holds whole, is not UTF-8.
            if whole or exc.start < len(head) - 3 or exc.reason != "unexpected end of data":
                raise EvidenceRejected(f"{name}: not a UTF-8 text file.") from None
        if b"\x00" in head:
            raise EvidenceRejected(f"{name}: not a text file.")
        return "text/plain" if lower.endswith(".txt") else "text/csv"
    raise EvidenceRejected(
        f"{name}: not an accepted type. Upload PDF, PNG, JPEG, Office documents, TXT or CSV."
    )


_SNIFF_BYTES = 2048
EVIDENCE_NAME_MAX_LENGTH = 200  # Evidence.original_name


def evidence_name(raw: str) -> str:
    """The label kept for an uploaded file: its base name (no directories, whichever slash),
    without control characters, shortened in the middle so its extension survives."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not control_characters(ch)).strip().lstrip(".")
    if not name:
        return "evidence"
    if len(name) > EVIDENCE_NAME_MAX_LENGTH:
        stem, dot, ext = name.rpartition(".")
        tail = dot + ext if dot and len(ext) <= 10 else ""
        name = name[: EVIDENCE_NAME_MAX_LENGTH - len(tail) - 1] + "…" + tail
    return name


def evidence_content_type(head: bytes, name: str, *, whole: bool = False) -> str:
    """The accepted content type of a file from its first bytes and name (the same rules as an
    upload; `whole` when `head` is the whole file); raises `EvidenceRejected` for a type that
    is not accepted."""
    return _sniff(head, name, whole=whole)


ACCEPTED_EVIDENCE = ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.odt,.ods,.txt,.csv"


@transaction.atomic
def evidence_add(
    *, assessment: Assessment, criterion_id: str, upload: UploadedFile, user: User
) -> Evidence:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_locked:
        raise AssessmentLocked(f"{locked.title} is {locked.get_status_display().lower()}.")
    if criterion_id not in model_for(locked).criteria_by_id:
        raise EvidenceRejected(f"{criterion_id} is not a criterion of this model.")
    return evidence_store(assessment=locked, criterion_id=criterion_id, upload=upload, user=user)


def evidence_store(
    *, assessment: Assessment, criterion_id: str, upload: UploadedFile, user: User
) -> Evidence:
    """Check an uploaded file (size, type by content) and attach it to one criterion's answer.

    No lock or status check: callers decide whether the assessment may take a file
    (`evidence_add` for drafts; the validation app's evidence request for one criterion of a
    submitted assessment). Raises `EvidenceRejected` before anything is written.
    """
    name = evidence_name(upload.name or "")
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise EvidenceRejected(
            f"{name}: {(upload.size or 0) / 1_048_576:.1f} MB is over the "
            f"{limit / 1_048_576:.0f} MB limit."
        )
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    content_type = _sniff(head, name, whole=upload.size <= _SNIFF_BYTES)
    answer, _ = Answer.objects.get_or_create(assessment=assessment, criterion_id=criterion_id)
    evidence = Evidence(
        answer=answer,
        token=secrets.token_hex(16),
        original_name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(evidence.token, upload, save=False)
    evidence.save()
    audit_record(
        action="evidence.added",
        actor=user,
        organisation=assessment.organisation_id,
        target=evidence,
        summary=f"{criterion_id}: {name} ({upload.size:,} bytes)",
        detail={"assessment": assessment.pk, "criterion": criterion_id, "name": name},
    )
    return evidence


@transaction.atomic
def evidence_remove(*, assessment: Assessment, token: str, user: User) -> Evidence:
    """Remove one evidence file of a draft and record it in the assessment's events.

    Raises `AssessmentLocked` after submission and `Evidence.DoesNotExist` when `token` is not
    one of this assessment's files. The returned evidence is no longer saved (no primary key).
    """
    locked = (
        Assessment.objects.select_for_update()
        .only("title", "status", "organisation_id")
        .get(pk=assessment.pk)
    )
    if locked.is_locked:
        raise AssessmentLocked(f"{locked.title} is {locked.get_status_display().lower()}.")
    evidence = Evidence.objects.select_related("answer").get(token=token, answer__assessment=locked)
    storage, path = evidence.file.storage, evidence.file.name
    evidence.delete()
    # Assessments started from this one share the stored file (assessment_start_from keeps
    # evidence links); it goes only with the last row that names it.
    shared = Evidence.objects.filter(file=path).exists()
    AssessmentEvent.objects.create(
        assessment=locked,
        kind=EventKind.EVIDENCE_REMOVED,
        user=user,
        reason=f"{evidence.answer.criterion_id}: {evidence.original_name}",
    )
    audit_record(
        action="evidence.removed",
        actor=user,
        organisation=locked.organisation_id,
        target=evidence.answer,
        summary=f"{evidence.answer.criterion_id}: {evidence.original_name}",
        detail={"assessment": locked.pk, "token": token, "name": evidence.original_name},
    )
    # The file goes only once the removal is committed, so a rollback never leaves a row whose
    # file is lost. robust: the row is already gone by then; a file that cannot be deleted is
    # an orphan to log, not an error to show the user for a removal that happened.
    if not shared:
        transaction.on_commit(lambda: storage.delete(path), robust=True)
    return evidence


class AssignmentConflict(Exception):
    """Someone saved the assignments since the form was loaded; nothing was saved."""


def assignments_state(*, assessment: Assessment) -> str:
    """A fingerprint of who is assigned to what: the assignment form's "version"."""
    pairs = sorted(
        SectionAssignment.objects.filter(assessment=assessment).values_list("focus_area", "user_id")
    )
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]


@transaction.atomic
def sections_assign(
    *,
    assessment: Assessment,
    assignments: dict[str, list[User]],
    expected_state: str | None = None,
    user: User | None = None,
) -> list[SectionAssignment]:
    """Replace the assignments of every focus area at once (the assignment table's save).

    Focus areas missing from `assignments` end up with nobody assigned. With `expected_state`
    (from `assignments_state` when the form was drawn), raises `AssignmentConflict` and saves
    nothing when someone changed the assignments meanwhile: never last-write-wins.
    """
    locked = Assessment.objects.select_for_update().only("title", "status").get(pk=assessment.pk)
    if locked.status == Status.VALIDATED:  # before any other refusal: nothing of it changes
        raise AssessmentLocked(f"{locked.title} is validated; nothing of it can change.")
    if expected_state is not None and assignments_state(assessment=assessment) != expected_state:
        raise AssignmentConflict(
            "Someone changed the section assignments since you opened this page, so yours "
            "were not saved. The table now shows the current assignments; make your changes "
            "again and save."
        )
    model = model_for(assessment)
    created: list[SectionAssignment] = []
    for fa in model.manifest.focus_areas:
        created += section_assign(
            assessment=assessment, focus_area=fa.code, users=assignments.get(fa.code, [])
        )
    audit_record(
        action="assessment.assignments_changed",
        actor=user,
        organisation=assessment.organisation_id,
        target=assessment,
        summary=f"Section assignments of {assessment.title} saved",
        detail={
            code: sorted(u.email for u in users) for code, users in assignments.items() if users
        },
    )
    return created

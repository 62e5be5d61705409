"""Writes that bring answers in: apply checked answers to a draft, import a file as a new draft.

Both take answers already checked by `diam.scoring.answers.parse_answer_file` (through
`diam.exchange.imports`), run in one transaction and change everything or nothing. Every
changed answer gets its `AnswerChange` row (the assessment's history shows who imported what),
and the action is recorded in the audit trail.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from diam.exchange.bundle import BundledFile
from diam.exchange.imports import KIND_LABELS, Imported
from diam.exchange.safety import UploadProblem
from diam.scoring.answers import AnswerSheet, NotApplicable
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Answer, AnswerChange, Assessment, Evidence
from diam.web.assessments.profile import assessment_services_set
from diam.web.assessments.services import (
    AssessmentLocked,
    EvidenceRejected,
    assessment_create,
    evidence_content_type,
)
from diam.web.audit.services import audit_record


class WrongModelVersion(UploadProblem):
    """The answers are for another model version than the assessment's."""


@dataclass(frozen=True)
class ApplyResult:
    changed: tuple[str, ...]
    confirmed: tuple[str, ...]  # carried from the previous assessment, confirmed unchanged
    unchanged: int
    services_changed: bool = False


def stated_services(document: Mapping[str, Any]) -> dict[str, bool | None]:
    """The service profile a checked answers-file document states: service id -> runs it,
    or None to clear. Services it does not name are left as they are."""
    raw = document.get("services")
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if v is None or isinstance(v, bool)}


def _services_merge(
    assessment: Assessment,
    services: Mapping[str, bool | None],
    user: User,
    request: HttpRequest | None,
) -> bool:
    """Set the named services of a draft's profile (None clears one); True if it changed."""
    before = dict(assessment.services or {})
    merged: dict[str, bool | None] = {**before, **services}
    after = {k: v for k, v in merged.items() if v is not None}
    if after == before:
        return False
    assessment_services_set(assessment=assessment, user=user, services=merged, request=request)
    return True


def _state(sheet: AnswerSheet, cid: str) -> dict[str, Any]:
    value = sheet.values.get(cid)
    comment = sheet.comments.get(cid, "")
    if isinstance(value, NotApplicable):
        return {"value": None, "na": True, "justification": value.justification, "comment": comment}
    return {"value": value, "na": False, "justification": "", "comment": comment}


def _check_version(assessment: Assessment, sheet: AnswerSheet) -> None:
    if (sheet.model_id, sheet.model_version) != (assessment.model_id, assessment.model_version):
        raise WrongModelVersion(
            f"The file is for model {sheet.model_id} {sheet.model_version}, but this assessment "
            f"uses {assessment.model_id} {assessment.model_version}. Download the workbook or "
            "answers file of this assessment, or import the file as a new assessment."
        )


def answers_apply(
    *,
    assessment: Assessment,
    sheet: AnswerSheet,
    touched: Iterable[str],
    user: User,
    source: str,
    request: HttpRequest | None = None,
    services: Mapping[str, bool | None] | None = None,
) -> ApplyResult:
    """Set the answers of the `touched` criteria to what `sheet` says (absent: unanswered),
    and the services of the service profile that `services` names (see `stated_services`).

    Criteria and services not named keep their answers. Raises `AssessmentLocked` for a
    submitted assessment and `WrongModelVersion` for answers to another model version;
    nothing is written then.
    """
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.is_locked:
            raise AssessmentLocked(f"{locked.title} is {locked.get_status_display().lower()}.")
        _check_version(locked, sheet)
        result = _write_answers(locked, sheet, sorted(set(touched)), user)
        if services and _services_merge(locked, services, user, request):
            result = ApplyResult(result.changed, result.confirmed, result.unchanged, True)
            assessment.services = locked.services
        if result.changed:
            audit_record(
                action="answers.imported",
                actor=user,
                organisation=locked.organisation,
                target=locked,
                summary=f"{len(result.changed)} answer(s) changed from {source}",
                detail={"source": source, "changed": list(result.changed)},
                request=request,
            )
        return result


def _write_answers(
    assessment: Assessment, sheet: AnswerSheet, touched: list[str], user: User
) -> ApplyResult:
    existing = {a.criterion_id: a for a in Answer.objects.filter(assessment=assessment)}
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    changes: list[tuple[Answer, dict[str, Any], dict[str, Any]]] = []
    confirmed: list[str] = []
    for cid in touched:
        new = _state(sheet, cid)
        answer = existing.get(cid)
        if answer is None:
            if new == {"value": None, "na": False, "justification": "", "comment": ""}:
                continue
            answer = Answer(assessment=assessment, criterion_id=cid)
            to_create.append(answer)
        else:
            to_update.append(answer)
        old = answer.snapshot()
        if old == new and not answer.carried:
            if answer in to_update:
                to_update.remove(answer)
            continue
        answer.value, answer.na = new["value"], new["na"]
        answer.justification, answer.comment = new["justification"], new["comment"]
        # An imported answer confirms one carried from the previous assessment, as a save does.
        answer.carried = False
        answer.version += 1
        answer.updated_by = user
        if old != new:
            changes.append((answer, old, new))
        else:
            confirmed.append(answer.criterion_id)
    Answer.objects.bulk_create(to_create)
    if to_create and any(a.pk is None for a in to_create):  # a backend without RETURNING
        by_id = {
            a.criterion_id: a.pk
            for a in Answer.objects.filter(
                assessment=assessment, criterion_id__in=[a.criterion_id for a in to_create]
            )
        }
        for a in to_create:
            a.pk = by_id[a.criterion_id]
    Answer.objects.bulk_update(
        to_update, ["value", "na", "justification", "comment", "carried", "version", "updated_by"]
    )
    if to_update:
        # bulk_update does not touch auto_now fields; the import is the latest change.
        Answer.objects.filter(pk__in=[a.pk for a in to_update]).update(updated_at=timezone.now())
    AnswerChange.objects.bulk_create(
        AnswerChange(answer=answer, changed_by=user, old=old, new=new)
        for answer, old, new in changes
    )
    if changes:
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    changed = tuple(a.criterion_id for a, _, _ in changes)
    return ApplyResult(
        changed=changed, confirmed=tuple(confirmed), unchanged=len(touched) - len(changed)
    )


def evidence_problems(files: Iterable[BundledFile]) -> list[str]:
    """Why bundled evidence files would be refused as uploads (same size and type rules)."""
    problems: list[str] = []
    limit = settings.EVIDENCE_MAX_BYTES
    for item in files:
        if len(item.data) > limit:
            problems.append(
                f"evidence {item.name!r} ({item.criterion_id}): "
                f"{len(item.data) / 1_048_576:.1f} MB is over the {limit / 1_048_576:.0f} MB limit"
            )
            continue
        try:
            evidence_content_type(item.data[:2048], item.name)
        except EvidenceRejected as exc:
            problems.append(f"evidence ({item.criterion_id}): {exc}")
    return problems


def assessment_import(
    *,
    organisation: Organisation,
    user: User,
    imported: Imported,
    title: str = "",
    request: HttpRequest | None = None,
) -> Assessment:
    """A new draft on the file's model version with its answers, comments and evidence.

    Raises `UploadProblem` when an evidence file would be refused; nothing is created then
    (files stored before a failure are removed again).
    """
    problems = evidence_problems(imported.evidence)
    if problems:
        raise UploadProblem(problems)
    stored: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            assessment = assessment_create(
                organisation=organisation,
                user=user,
                title=title or f"Imported {KIND_LABELS[imported.kind].split(' (')[0]}",
                model_id=imported.model.id,
                model_version=imported.model.version,
            )
            touched = set(imported.document.get("answers", {})) | set(imported.sheet.values)
            result = _write_answers(assessment, imported.sheet, sorted(touched), user)
            # The file's service profile decides what applies: the new draft takes it.
            _services_merge(assessment, stated_services(imported.document), user, request)
            for item in imported.evidence:
                answer, _ = Answer.objects.get_or_create(
                    assessment=assessment, criterion_id=item.criterion_id
                )
                evidence = Evidence(
                    answer=answer,
                    token=secrets.token_hex(16),
                    original_name=item.name[:200],
                    content_type=evidence_content_type(item.data[:2048], item.name),
                    size=len(item.data),
                    uploaded_by=user,
                )
                evidence.file.save(evidence.token, ContentFile(item.data), save=False)
                stored.append((evidence.file.storage, evidence.file.name))
                evidence.save()
            audit_record(
                action="assessment.imported",
                actor=user,
                organisation=organisation,
                target=assessment,
                summary=(
                    f"New draft from an {KIND_LABELS[imported.kind]}: "
                    f"{len(result.changed)} answer(s), {len(imported.evidence)} evidence file(s)"
                ),
                detail={
                    "kind": imported.kind,
                    "model": imported.model.id,
                    "model_version": imported.model.version,
                    "answers": len(result.changed),
                    "evidence": len(imported.evidence),
                },
                request=request,
            )
            return assessment
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise

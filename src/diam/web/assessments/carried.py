"""Answers carried from the previous assessment: confirming them, one by one or per section.

`assessment_start_from` marks every answer it carries forward `carried`. A person confirms it
(the answer still holds today) with its Confirm button, all of a focus area's at once, or by
saving the answer, changed or not. Submission is refused while any carried answer waits
(`services.unconfirmed_refusal`): a submitted assessment states the organisation's situation
now, and an answer nobody looked at since last time would pass last year's state off as this
year's (docs/repeat.md). This module holds the concept's services, selector and views.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from diam.web.accounts.models import User
from diam.web.assessments import selectors, views
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.forms import ConfirmForm, SectionConfirmForm
from diam.web.assessments.models import Answer, AnswerChange, Assessment
from diam.web.assessments.services import AnswerConflict, AssessmentLocked, model_for
from diam.web.audit.services import audit_record

# --- services -----------------------------------------------------------------------------------


def _confirm(answer: Answer, user: User) -> AnswerChange:
    """Mark one carried answer confirmed; the change row keeps the answer as it was confirmed."""
    answer.carried = False
    answer.version += 1
    answer.updated_by = user
    answer.save(update_fields=["carried", "version", "updated_by", "updated_at"])
    snapshot = answer.snapshot()
    return AnswerChange(
        answer=answer, changed_by=user, old=snapshot, new=snapshot | {"confirmed": True}
    )


def _locked_for_write(assessment: Assessment) -> Assessment:
    locked = (
        Assessment.objects.select_for_update()
        .only("title", "status", "model_id", "model_version", "organisation_id")
        .get(pk=assessment.pk)
    )
    if locked.is_locked:
        raise AssessmentLocked(f"{locked.title} is {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def answer_confirm(
    *, assessment: Assessment, criterion_id: str, expected_version: int, user: User
) -> Answer:
    """Confirm one carried answer unchanged.

    Raises `AnswerConflict` (nothing saved) when the answer changed since `expected_version`,
    `AssessmentLocked` after submission, `Answer.DoesNotExist` when there is no such answer.
    An answer that is no longer carried (confirmed meanwhile) is returned as it is.
    """
    locked = _locked_for_write(assessment)
    answer = Answer.objects.select_related("updated_by").get(
        assessment=locked, criterion_id=criterion_id
    )
    if answer.version != expected_version:
        raise AnswerConflict(answer)
    if not answer.carried:
        return answer
    _confirm(answer, user).save()
    audit_record(
        action="answer.confirmed",
        actor=user,
        organisation=locked.organisation_id,
        target=answer,
        summary=f"{criterion_id}: carried answer confirmed",
        detail={"assessment": locked.pk, "criterion": criterion_id, "answer": answer.snapshot()},
    )
    return answer


@transaction.atomic
def section_confirm(
    *, assessment: Assessment, code: str, criterion_ids: list[str], user: User
) -> list[Answer]:
    """Confirm the carried answers of one focus area that the page showed (`criterion_ids`).

    Only the answers listed are confirmed, so nobody confirms an answer they have not seen; a
    listed answer no longer carried (someone confirmed or changed it meanwhile, which is the
    only way a carried answer changes) is left as that person saved it, and one whose question
    is no longer asked stays carried. Raises `ValueError`
    (nothing confirmed) for a focus area or criterion that is not the model's, or a criterion
    of another focus area; `AssessmentLocked` after submission. Returns the answers confirmed.
    """
    locked = _locked_for_write(assessment)
    model = model_for(locked)
    if code not in {fa.code for fa in model.manifest.focus_areas}:
        raise ValueError(f"{code} is not a focus area of this model.")
    wrong = [
        cid
        for cid in criterion_ids
        if cid not in model.criteria_by_id or model.criteria_by_id[cid].focus_area != code
    ]
    if wrong:
        raise ValueError(f"{', '.join(wrong[:5])}: not criteria of {code}.")
    # Only answers that wait: one whose question is no longer asked (the profile changed since
    # the page was drawn) stays carried, to be confirmed if it is asked again.
    waiting = set(selectors.carried_waiting(locked)) & set(criterion_ids)
    answers = list(Answer.objects.filter(assessment=locked, carried=True, criterion_id__in=waiting))
    AnswerChange.objects.bulk_create([_confirm(a, user) for a in answers])
    if answers:
        audit_record(
            action="answers.confirmed_section",
            actor=user,
            organisation=locked.organisation_id,
            target=locked,
            summary=f"{code}: {len(answers)} carried answers confirmed",
            detail={"assessment": locked.pk, "focus_area": code, "criteria": _ids(answers)},
        )
    return answers


def _ids(answers: list[Answer]) -> list[str]:
    return [a.criterion_id for a in answers]


# --- views --------------------------------------------------------------------------------------


def _section_url(assessment: Assessment, code: str, criterion_id: str = "") -> str:
    url = reverse("assessment_section", args=[assessment.pk, code])
    return f"{url}#q-{criterion_id}" if criterion_id else url


@login_required
@require_POST
def answer_confirm_view(
    request: HttpRequest, assessment_id: int, criterion_id: str
) -> HttpResponse:
    """The Confirm button of one carried answer (htmx: the question redrawn; else a redirect)."""
    user = cast(User, request.user)
    assessment, membership = assessment_get_for_user(
        user=user, assessment_id=assessment_id, need="edit"
    )
    criterion = views._criterion(assessment, criterion_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{criterion.id} was not confirmed: the form is out of date.")
        return _back(request, assessment, criterion.focus_area, criterion.id, status=422)
    try:
        answer_confirm(
            assessment=assessment,
            criterion_id=criterion.id,
            expected_version=form.cleaned_data["version"],
            user=user,
        )
    except Answer.DoesNotExist:
        raise Http404("No such answer.") from None
    except AssessmentLocked:
        return views._locked(
            request, assessment, criterion, refused=f"{criterion.id} was not confirmed."
        )
    except AnswerConflict as exc:
        current = exc.current
        messages.error(
            request,
            f"{criterion.id} was changed by {current.updated_by or 'someone'} since you opened "
            f"it (now {current.display_value}), so it was not confirmed. Look at the answer as "
            "it is now and confirm it again.",
        )
        return _back(request, assessment, criterion.focus_area, criterion.id, status=409)
    if getattr(request, "htmx", False):
        question = views._fresh_question(assessment, criterion)
        response = views._question_response(request, assessment, membership, question)
        response.content += views.carried_oob(request, assessment, membership, criterion.focus_area)
        return response
    messages.success(request, f"{criterion.id} confirmed.")
    return HttpResponseRedirect(_section_url(assessment, criterion.focus_area, criterion.id))


def _back(
    request: HttpRequest, assessment: Assessment, code: str, criterion_id: str, *, status: int
) -> HttpResponse:
    """After a refusal: with htmx, reload the page (it shows the message and the answer as it
    is now); without, back to the question."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=status)
        response["HX-Refresh"] = "true"
        return response
    return HttpResponseRedirect(_section_url(assessment, code, criterion_id))


@login_required
@require_POST
def section_confirm_view(request: HttpRequest, assessment_id: int, code: str) -> HttpResponse:
    """The section's Confirm-all button: a plain form (the whole section changes, so the page is
    drawn again, with or without JavaScript)."""
    user = cast(User, request.user)
    assessment, _ = assessment_get_for_user(user=user, assessment_id=assessment_id, need="edit")
    if code not in {fa.code for fa in model_for(assessment).manifest.focus_areas}:
        raise Http404("No such focus area.")
    form = SectionConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was confirmed: the form is out of date; try again.")
        return HttpResponseRedirect(_section_url(assessment, code))
    ids = [c.strip() for c in form.cleaned_data["criteria"].split(",") if c.strip()]
    try:
        confirmed = section_confirm(assessment=assessment, code=code, criterion_ids=ids, user=user)
    except ValueError as exc:
        messages.error(request, f"Nothing was confirmed: {exc}")
    except AssessmentLocked as exc:
        messages.error(request, f"{exc} Nothing was confirmed.")
    else:
        n, skipped = len(confirmed), len(ids) - len(confirmed)
        text = f"{n} carried answer{'s' if n != 1 else ''} in {code} confirmed."
        if skipped:
            verb = "is" if skipped == 1 else "are"
            text += (
                f" {skipped} had been confirmed or changed by someone else meanwhile, or "
                f"{verb} no longer asked, and {verb} kept as saved."
            )
        messages.success(request, text)
    return HttpResponseRedirect(_section_url(assessment, code))

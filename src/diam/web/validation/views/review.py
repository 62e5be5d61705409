"""One validation, as every party sees it: overview, a criterion with its thread, the site
visit, the decision, withdrawal and evidence files.

Each view starts with `validation_get_for_user` (404 for outsiders, 403 for a role that may
not act, including a validator with a conflict of interest) and leaves every rule to the
services; a refused step comes back as a message, with nothing changed.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from diam.web.accounts.models import User
from diam.web.assessments.models import Evidence
from diam.web.assessments.selectors import answer_label
from diam.web.assessments.services import (
    ACCEPTED_EVIDENCE,
    EvidenceRejected,
    assessment_result,
    model_for,
)
from diam.web.validation import selectors
from diam.web.validation.access import ValidationAccess, validation_get_for_user
from diam.web.validation.forms import (
    AnswerForm,
    AssignForm,
    DecisionForm,
    ReasonForm,
    VerdictForm,
    VisitForm,
)
from diam.web.validation.models import RequestState, ReviewItem, SiteVisit, Verdict
from diam.web.validation.services.decision import validation_decide
from diam.web.validation.services.requests import ValidationRefused, validation_withdraw
from diam.web.validation.services.review import (
    review_answer,
    review_verdict,
    site_visit_record,
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _context(access: ValidationAccess, active: str) -> dict[str, Any]:
    validation = access.request
    return {
        "access": access,
        "validation": validation,
        "assessment": validation.assessment,
        "organisation": validation.organisation,
        "progress": selectors.review_progress(validation),
        "validators": selectors.validators_of(validation),
        "active": active,
    }


@login_required
@require_safe
def overview(request: HttpRequest, validation_id: int) -> HttpResponse:
    access = validation_get_for_user(user=_user(request), request_id=validation_id)
    validation = access.request
    context = _context(access, "overview")
    context.update(
        rows=selectors.review_rows(validation),
        visit=SiteVisit.objects.filter(request=validation).first(),
        decision=getattr(validation, "decision", None),
        events=selectors.validation_events(validation),
        claim_labels=selectors.CLAIM_LABELS,
        withdraw_form=ReasonForm(),
    )
    if access.programme_admin and validation.is_open:
        context["assign_form"] = AssignForm(validators=selectors.validators_available(validation))
    return render(request, "validation/overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criterion(request: HttpRequest, validation_id: int, criterion_id: str) -> HttpResponse:
    user = _user(request)
    access = validation_get_for_user(user=user, request_id=validation_id)
    validation = access.request
    item = ReviewItem.objects.filter(request=validation, criterion_id=criterion_id).first()
    crit = model_for(validation.assessment).criteria_by_id.get(criterion_id)
    if item is None or crit is None:
        raise Http404("This criterion is not under review.")
    verdict_form = VerdictForm(request.POST if request.POST.get("step") == "verdict" else None)
    answer_form = AnswerForm(
        request.POST if request.POST.get("step") == "answer" else None,
        request.FILES if request.POST.get("step") == "answer" else None,
    )
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "verdict":
            access = validation_get_for_user(user=user, request_id=validation_id, need="review")
            if verdict_form.is_valid():
                try:
                    review_verdict(
                        validation=validation,
                        criterion_id=criterion_id,
                        verdict=verdict_form.cleaned_data["verdict"],
                        message=verdict_form.cleaned_data["message"],
                        user=user,
                        request=request,
                    )
                except ValidationRefused as exc:
                    verdict_form.add_error(None, str(exc))
                else:
                    messages.success(request, f"{criterion_id}: verdict saved.")
                    return redirect(_next_item_url(validation, criterion_id))
        elif step == "answer":
            access = validation_get_for_user(user=user, request_id=validation_id, need="reply")
            if answer_form.is_valid():
                try:
                    review_answer(
                        validation=validation,
                        criterion_id=criterion_id,
                        body=answer_form.cleaned_data["body"],
                        upload=answer_form.cleaned_data["file"],
                        user=user,
                        request=request,
                    )
                except (ValidationRefused, EvidenceRejected) as exc:
                    answer_form.add_error(None, str(exc))
                else:
                    messages.success(request, f"Your answer on {criterion_id} is sent.")
                    return redirect("validation_criterion", validation.pk, criterion_id)
        else:
            return HttpResponse("Unknown step.", status=400, content_type="text/plain")
        item.refresh_from_db()
    answer = selectors.answer_for(validation, criterion_id)
    context = _context(access, "review")
    context.update(
        item=item,
        criterion=crit,
        claim_label=selectors.CLAIM_LABELS.get(item.claimed, item.claimed),
        answer=answer,
        answer_text=(
            answer_label(crit, answer.value, answer.na, answer.justification)
            if answer is not None
            else "Unanswered"
        ),
        thread=selectors.item_thread(item),
        verdict_form=verdict_form,
        answer_form=answer_form,
        evidence_accept=ACCEPTED_EVIDENCE,
        can_answer=access.can_reply
        and item.verdict in (Verdict.EVIDENCE_REQUESTED, Verdict.ANSWERED)
        and validation.state == RequestState.IN_REVIEW,
        can_review=access.can_review and validation.state == RequestState.IN_REVIEW,
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "validation/criterion.html", context, status=status)


def _next_item_url(validation: Any, criterion_id: str) -> str:
    """After a verdict, the next criterion still to review (else the overview)."""
    from django.urls import reverse

    rest = [
        i.criterion_id
        for i in validation.items.filter(verdict__in=[Verdict.PENDING, Verdict.ANSWERED])
        if i.criterion_id != criterion_id
    ]
    if rest:
        later = [c for c in rest if c > criterion_id]
        return reverse("validation_criterion", args=[validation.pk, (later or rest)[0]])
    return reverse("validation", args=[validation.pk])


@login_required
@require_safe
def evidence_file(request: HttpRequest, validation_id: int, token: str) -> FileResponse:
    """An evidence file of the assessment under validation, for every party to it."""
    access = validation_get_for_user(user=_user(request), request_id=validation_id)
    evidence = get_object_or_404(
        Evidence, token=token, answer__assessment_id=access.request.assessment_id
    )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, validation_id: int) -> HttpResponse:
    user = _user(request)
    need = "review" if request.method == "POST" else "view"
    access = validation_get_for_user(user=user, request_id=validation_id, need=need)
    validation = access.request
    existing = SiteVisit.objects.filter(request=validation).first()
    initial = {}
    if existing is not None:
        initial = {
            f: getattr(existing, f)
            for f in (
                "visited_on",
                "participants",
                "service_areas",
                "systems_seen",
                "observations",
                "strengths",
                "opportunities",
            )
        }
    form = VisitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            site_visit_record(
                validation=validation, user=user, request=request, **form.cleaned_data
            )
        except ValidationRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The site visit is recorded.")
            return redirect("validation", validation.pk)
    context = _context(access, "visit")
    context.update(form=form, visit=existing)
    return render(request, "validation/visit.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, validation_id: int) -> HttpResponse:
    user = _user(request)
    access = validation_get_for_user(user=user, request_id=validation_id, need="review")
    validation = access.request
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = validation_decide(
                validation=validation,
                user=user,
                narrative=form.cleaned_data["narrative"],
                decided_on=form.cleaned_data["decided_on"],
                request=request,
            )
        except ValidationRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Decided: validated stage {decision.stage}.")
            return redirect("validation", validation.pk)
    context = _context(access, "decide")
    preview = None
    if validation.state == RequestState.IN_REVIEW and context["progress"].complete:
        preview = selectors.decision_preview(validation)
    context.update(
        form=form,
        preview=preview,
        open_items=selectors.open_items(validation),
        self_assessed=assessment_result(validation.assessment).stage,
    )
    return render(request, "validation/decide.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, validation_id: int) -> HttpResponse:
    user = _user(request)
    access = validation_get_for_user(user=user, request_id=validation_id, need="org_admin")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            validation_withdraw(
                validation=access.request,
                user=user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The validation request is withdrawn.")
            return redirect("assessment_results", access.request.assessment_id)
    context = _context(access, "overview")
    context.update(form=form)
    return render(request, "validation/withdraw.html", context, status=400 if form.errors else 200)

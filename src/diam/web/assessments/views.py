"""Pages of the organisation dashboard, the survey, submission and results.

Every view starts with an access function (404 for non-members, 403 for a role that lacks
the right) and leaves logic to services and selectors. Every page works without JavaScript;
htmx only makes saving an answer or uploading or removing evidence swap part of the page.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from diam.model.schema import Criterion
from diam.scoring.answers import InvalidValue
from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import Membership, User
from diam.web.assessments import charts, selectors
from diam.web.assessments.access import assessment_for_answer_save, assessment_get_for_user
from diam.web.assessments.forms import AnswerForm, EvidenceForm, NewAssessmentForm, ReopenForm
from diam.web.assessments.models import Answer, Assessment, Evidence
from diam.web.assessments.profile import profile_unanswered
from diam.web.assessments.services import (
    ACCEPTED_EVIDENCE,
    AnswerConflict,
    AssessmentLocked,
    AssignmentConflict,
    EvidenceRejected,
    answer_save_with_values,
    assessment_context,
    assessment_create,
    assessment_reopen,
    assessment_submit,
    assignments_state,
    evidence_add,
    evidence_remove,
    model_for,
    sections_assign,
)
from diam.web.assessments.upgrade import assessment_repeat, repeat_candidates, upgrade_version
from diam.web.audit.services import audit_record

# Multipart framing and the CSRF field add a little to a file's size; a request larger than
# the evidence limit plus this is refused from its Content-Length, before the body is read.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _section_url(assessment: Assessment, code: str, criterion_id: str = "") -> str:
    url = reverse("assessment_section", args=[assessment.pk, code])
    return f"{url}#q-{criterion_id}" if criterion_id else url


def _base_context(assessment: Assessment, membership: Membership, active: str) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "membership": membership,
        "model": model_for(assessment),
        "active": active,
        "editable": membership.can_edit and not assessment.is_locked,
        "evidence_accept": ACCEPTED_EVIDENCE,
        "evidence_max_bytes": settings.EVIDENCE_MAX_BYTES,
    }


def _criterion(assessment: Assessment, criterion_id: str) -> Criterion:
    criterion = model_for(assessment).criteria_by_id.get(criterion_id)
    if criterion is None:
        raise Http404("No such criterion.")
    return criterion


# --- organisation dashboard ---------------------------------------------------------------------


def _org_link(name: str, organisation_id: int, fallback: str) -> str:
    """A URL from the accounts app when it provides the name, else its documented path."""
    try:
        return reverse(name, kwargs={"organisation_id": organisation_id})
    except NoReverseMatch:
        return fallback


@login_required
@require_safe
def organisation_dashboard(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id
    )
    form = NewAssessmentForm(previous=repeat_candidates(organisation=organisation))
    return _dashboard(request, organisation, membership, form)


def _dashboard(
    request: HttpRequest,
    organisation: Any,
    membership: Membership,
    form: NewAssessmentForm,
    status: int = 200,
) -> HttpResponse:
    rows = selectors.assessment_rows(organisation=organisation)
    return render(
        request,
        "assessments/organisation.html",
        {
            "organisation": organisation,
            "membership": membership,
            "rows": rows,
            # Named above the Start button: a second draft beside an open one is rarely meant.
            "open_drafts": [r.assessment for r in rows if not r.final],
            "form": form,
            "members_url": _org_link("members", organisation.pk, f"/o/{organisation.pk}/members/"),
            "settings_url": _org_link(
                "organisation_settings", organisation.pk, f"/o/{organisation.pk}/settings/"
            ),
        },
        status=status,
    )


@login_required
@require_POST
def assessment_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """A blank assessment, or one started from an earlier submitted or validated one."""
    user = _user(request)
    organisation, membership = organisation_get_for_user(
        user=user, organisation_id=organisation_id, need="admin"
    )
    candidates = repeat_candidates(organisation=organisation)
    form = NewAssessmentForm(request.POST, previous=candidates)
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Nothing was created: {problems}")
        return _dashboard(request, organisation, membership, form, status=422)
    title = form.cleaned_data["title"]
    previous_id = form.previous_id()
    if previous_id is None:
        assessment = assessment_create(organisation=organisation, user=user, title=title)
        messages.success(request, f"{assessment.title} started. Answers are saved as you go.")
        return redirect("assessment", assessment_id=assessment.pk)
    # The choice was validated against this organisation's own assessments.
    previous = Assessment.objects.get(pk=previous_id, organisation=organisation)
    assessment = assessment_repeat(previous=previous, user=user, title=title, request=request)
    carried = assessment.answers.filter(carried=True).count()
    hidden = carried - len(selectors.carried_waiting(assessment))
    not_asked = (
        f" {hidden} of them answer questions not asked now (service profile or skip logic) "
        "and wait only if those are asked again."
        if hidden
        else ""
    )
    messages.success(
        request,
        f"{assessment.title} started from {previous.title} on model {assessment.model_version}: "
        f"{carried} answers carried forward, each marked “carried, please confirm”.{not_asked} "
        "Confirm them one by one or a section at a time; an answer you change is confirmed too.",
    )
    return redirect("assessment", assessment_id=assessment.pk)


# --- survey -------------------------------------------------------------------------------------


@login_required
@require_safe
def assessment_start(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The survey starts with the service profile while it is empty (for admins, who start
    assessments), else at the user's first assigned section, else the first focus area."""
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id
    )
    if membership.is_admin and not assessment.is_locked and profile_unanswered(assessment):
        return redirect("assessment_profile", assessment_id=assessment.pk)
    code = selectors.first_section_code(assessment=assessment, user=_user(request))
    return redirect("assessment_section", assessment_id=assessment.pk, code=code)


def _render_section(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    code: str,
    *,
    adjust: Any = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.section_page(assessment=assessment, code=code, user=_user(request))
    if page is None:
        raise Http404("No such focus area.")
    if adjust is not None:
        adjust(page)
    context = _base_context(assessment, membership, "survey")
    context["page"] = page
    # Hidden questions' carried answers do not wait, so they are not listed (nor confirmed).
    carried = page.carried_ids
    context["carried_ids"] = carried
    context["previous_title"] = selectors.previous_title(assessment) if carried else ""
    return render(request, "assessments/section.html", context, status=status)


@login_required
@require_safe
def section(request: HttpRequest, assessment_id: int, code: str) -> HttpResponse:
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id
    )
    return _render_section(request, assessment, membership, code)


def _sentence(message: str) -> str:
    """The core's terse message as a sentence: capital first letter, full stop at the end."""
    text = capfirst(message.strip()) or ""
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _error_field(criterion: Criterion, message: str) -> str:
    """Which field an error from the core belongs next to."""
    if message.startswith("the comment"):
        return "comment"
    if "justification" in message:
        return "justification"
    if "N/A" in message:
        return "na" if criterion.na_allowed else "__all__"
    return "value"


def _form_errors(form: AnswerForm) -> dict[str, list[str]]:
    return {
        name: [_sentence(str(e)) for e in errors] for name, errors in form.errors.items() if errors
    }


def _question_response(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    question: selectors.Question,
    *,
    status: int = 200,
) -> HttpResponse:
    """The whole question fragment, swapped in place of the old one."""
    context = _base_context(assessment, membership, "survey")
    context["q"] = question
    response = render(request, "assessments/_question.html", context, status=status)
    response["HX-Retarget"] = f"#q-{question.id}"
    response["HX-Reswap"] = "outerHTML"
    return response


def _fresh_question(assessment: Assessment, criterion: Criterion) -> selectors.Question:
    answer = (
        Answer.objects.filter(assessment=assessment, criterion_id=criterion.id)
        .select_related("updated_by")
        .first()
    )
    changes = selectors.answer_history(assessment=assessment, criterion_id=criterion.id)
    return selectors.question_for(model_for(assessment), criterion, answer, changes=changes)


@login_required
@require_POST
def answer_save_view(request: HttpRequest, assessment_id: int, criterion_id: str) -> HttpResponse:
    """Save one answer (autosave with htmx; a plain POST redirects back to the question)."""
    user = _user(request)
    # The rare refusals are drawn inside the scope (under the lock on PostgreSQL); a saved
    # answer's response is drawn after it.
    with assessment_for_answer_save(user=user, assessment_id=assessment_id) as scope:
        assessment, membership = scope.assessment, scope.membership
        criterion = _criterion(assessment, criterion_id)
        form = AnswerForm(request.POST, criterion=criterion)
        if assessment.is_locked:
            return _locked(request, assessment, criterion)
        if not form.is_valid():
            return _invalid(request, assessment, membership, criterion, form)
        data = form.cleaned_data
        clear = bool(request.POST.get("clear"))
        try:
            # The values before the save (read with the answer, under the lock) give the
            # progress and skip-logic change without another read (see selectors.save_outcome).
            saved = answer_save_with_values(
                assessment=assessment,
                criterion_id=criterion.id,
                value=None if clear else data["value"],
                na=False if clear else data["na"],
                justification="" if clear else data["justification"],
                comment=data["comment"],
                expected_version=data["version"],
                user=user,
                lock_held=scope.lock_held,
            )
        except InvalidValue as exc:
            form.add_error(_error_field(criterion, str(exc)), _sentence(str(exc)))
            return _invalid(request, assessment, membership, criterion, form)
        except AnswerConflict as exc:
            return _conflict(request, assessment, membership, criterion, form, exc)
        except AssessmentLocked:
            return _locked(request, assessment, criterion)
    # "Replace it with my answer" after a conflict: the whole question is redrawn.
    replace = clear or bool(request.POST.get("replace"))
    return _saved(
        request,
        assessment,
        membership,
        criterion,
        form,
        saved.answer,
        saved.values_before,
        replace,
        confirmed=saved.confirmed,
    )


def _saved(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    criterion: Criterion,
    form: AnswerForm,
    answer: Answer,
    before: dict[str, Any],
    replace: bool,
    *,
    confirmed: bool = False,
) -> HttpResponse:
    changed = answer.version != form.cleaned_data["version"]
    if not _is_htmx(request):
        if changed:
            messages.success(request, f"{criterion.id} saved.")
        else:
            messages.info(request, f"{criterion.id}: nothing changed.")
        return HttpResponseRedirect(_section_url(assessment, criterion.focus_area, criterion.id))
    model = model_for(assessment)
    outcome = selectors.save_outcome(
        model=model,
        before=before,
        criterion_id=criterion.id,
        answer=answer,
        context=assessment_context(assessment),
    )
    shown = selectors.widget_value(criterion, answer.value) if not answer.na else ""
    full = replace or (shown != form.raw("value") and not (answer.na and form.raw("value") == ""))
    # The out-of-band response shows neither evidence nor history (the history loads when it
    # is opened), so only a full redraw reads them: a save costs the same however long the
    # answer's history is.
    changes = (
        selectors.answer_history(assessment=assessment, criterion_id=criterion.id) if full else []
    )
    question = selectors.question_for(model, criterion, answer, changes=changes, with_evidence=full)
    context = _base_context(assessment, membership, "survey")
    context.update(
        q=question,
        outcome=outcome,
        section=next(s for s in outcome.sections if s.code == criterion.focus_area),
        saved_changed=changed,
        confirmed=confirmed,  # a carried answer: its "please confirm" note goes
    )
    if full:
        # What the form shows is no longer what is stored (cleared, or "12,5" stored as
        # 12.5): replace the whole question rather than leave a stale input on screen.
        response = render(request, "assessments/_question_saved.html", context)
        response["HX-Retarget"] = f"#q-{question.id}"
        response["HX-Reswap"] = "outerHTML"
    else:
        response = render(request, "assessments/_saved.html", context)
    if confirmed:
        response.content += carried_oob(request, assessment, membership, criterion.focus_area)
    if outcome.visibility_changed:
        # Skip logic: this answer shows or hides other questions; reload the whole page.
        response["HX-Refresh"] = "true"
    return response


def carried_oob(
    request: HttpRequest, assessment: Assessment, membership: Membership, code: str
) -> bytes:
    """After a carried answer is confirmed (its button, or saving it): the section's "N answers
    wait" notice and the sidebar's "N to confirm", redrawn out of band."""
    ids = selectors.section_carried_ids(assessment=assessment, code=code)
    context = _base_context(assessment, membership, "survey")
    context.update(
        oob=True,
        code=code,
        n=len(ids),
        carried_ids=ids,
        previous_title=selectors.previous_title(assessment),
    )
    return b"".join(
        render_to_string(name, context, request=request).encode()
        for name in ("assessments/_carried_section.html", "assessments/_carried_badge.html")
    )


def _invalid(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    criterion: Criterion,
    form: AnswerForm,
) -> HttpResponse:
    """Nothing saved; the message goes next to the field and the entered value stays."""
    errors = _form_errors(form)
    if _is_htmx(request):
        question = selectors.question_for(model_for(assessment), criterion, None)
        question.errors = errors
        context = _base_context(assessment, membership, "survey")
        context["q"] = question
        return render(request, "assessments/_save_errors.html", context, status=422)

    def adjust(page: selectors.SectionPage) -> None:
        question = page.question(criterion.id)
        if question is not None:
            question.show_input(
                value=form.raw("value"),
                na=bool(form.data.get("na")),
                justification=form.raw("justification"),
                comment=form.raw("comment"),
                version=None,
            )
            question.errors = errors

    # 422 as for htmx: the page shows the message, and the status says nothing was saved.
    return _render_section(
        request, assessment, membership, criterion.focus_area, adjust=adjust, status=422
    )


def _conflict(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    criterion: Criterion,
    form: AnswerForm,
    exc: AnswerConflict,
) -> HttpResponse:
    """Someone else saved first: show their answer, offer ours, never overwrite silently."""
    current = exc.current
    data = form.cleaned_data
    conflict = selectors.Conflict(
        current=selectors.answer_label(criterion, current.value, current.na, current.justification),
        who=str(current.updated_by or "someone"),
        when=current.updated_at,
        rejected=selectors.answer_label(
            criterion, data["value"], data["na"], data["justification"]
        ),
        rejected_value=form.raw("value"),
        rejected_na=bool(data["na"]),
        rejected_justification=data["justification"],
        rejected_comment=data["comment"],
    )
    if _is_htmx(request):
        question = _fresh_question(assessment, criterion)
        question.conflict = conflict
        return _question_response(request, assessment, membership, question, status=409)

    def adjust(page: selectors.SectionPage) -> None:
        question = page.question(criterion.id)
        if question is not None:
            question.conflict = conflict

    return _render_section(
        request, assessment, membership, criterion.focus_area, adjust=adjust, status=409
    )


def _locked(
    request: HttpRequest, assessment: Assessment, criterion: Criterion, *, refused: str = ""
) -> HttpResponse:
    """The page is stale (the assessment was submitted since): say so and reload it read-only."""
    refused = refused or f"Your change to {criterion.id} was not saved."
    messages.error(
        request,
        f"{assessment.title} is {assessment.get_status_display().lower()}, so answers can no "
        f"longer change. {refused}",
    )
    if _is_htmx(request):
        response = HttpResponse(status=409)
        response["HX-Refresh"] = "true"
        return response
    return HttpResponseRedirect(_section_url(assessment, criterion.focus_area, criterion.id))


@login_required
@require_safe
def answer_history_view(
    request: HttpRequest, assessment_id: int, criterion_id: str
) -> HttpResponse:
    """Every change to one answer; loaded into the question's History when it is opened."""
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id
    )
    criterion = _criterion(assessment, criterion_id)
    question = _fresh_question(assessment, criterion)
    context = _base_context(assessment, membership, "survey")
    context.update(q=question, criterion=criterion)
    template = "assessments/_history.html" if _is_htmx(request) else "assessments/history.html"
    return render(request, template, context)


# --- evidence -----------------------------------------------------------------------------------


@csrf_exempt  # checked below by csrf_protect, after the size check that must not read the body
@login_required
@require_POST
def evidence_upload(request: HttpRequest, assessment_id: int, criterion_id: str) -> HttpResponse:
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id, need="edit"
    )
    criterion = _criterion(assessment, criterion_id)
    limit = settings.EVIDENCE_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + UPLOAD_OVERHEAD_BYTES:
        # Refuse from the declared size alone: nothing of the body is read or stored.
        return _evidence_error(
            request,
            assessment,
            membership,
            criterion,
            f"The file is larger than the {_megabytes(limit)} limit; nothing was saved.",
            status=413,
        )
    return _evidence_upload_checked(request, assessment, membership, criterion)


def _megabytes(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:.0f} MB"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


@csrf_protect
def _evidence_upload_checked(
    request: HttpRequest, assessment: Assessment, membership: Membership, criterion: Criterion
) -> HttpResponse:
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _evidence_error(request, assessment, membership, criterion, message)
    upload = form.cleaned_data["file"]
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        # The size is known from the parsed request; the content is never read.
        return _evidence_error(
            request,
            assessment,
            membership,
            criterion,
            f"{upload.name} is {_megabytes(upload.size or 0)}, over the {_megabytes(limit)} "
            "limit; nothing was saved.",
        )
    try:
        evidence = evidence_add(
            assessment=assessment, criterion_id=criterion.id, upload=upload, user=_user(request)
        )
    except (EvidenceRejected, AssessmentLocked) as exc:
        return _evidence_error(
            request, assessment, membership, criterion, f"{exc} Nothing was saved."
        )
    if _is_htmx(request):
        return _evidence_block(request, assessment, membership, criterion)
    messages.success(request, f"{evidence.original_name} added to {criterion.id}.")
    return HttpResponseRedirect(_section_url(assessment, criterion.focus_area, criterion.id))


def _evidence_block(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    criterion: Criterion,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    question = _fresh_question(assessment, criterion)
    question.evidence_error = error
    context = _base_context(assessment, membership, "survey")
    context["q"] = question
    return render(request, "assessments/_evidence.html", context, status=status)


def _evidence_error(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    criterion: Criterion,
    message: str,
    *,
    status: int = 422,
) -> HttpResponse:
    if _is_htmx(request):
        return _evidence_block(
            request, assessment, membership, criterion, error=message, status=status
        )

    def adjust(page: selectors.SectionPage) -> None:
        question = page.question(criterion.id)
        if question is not None:
            question.evidence_error = message

    return _render_section(
        request,
        assessment,
        membership,
        criterion.focus_area,
        adjust=adjust,
        status=413 if status == 413 else 200,
    )


@login_required
@require_safe
def evidence_download(request: HttpRequest, assessment_id: int, token: str) -> FileResponse:
    """Stream an evidence file to a member; never through a public media URL."""
    assessment, _ = assessment_get_for_user(user=_user(request), assessment_id=assessment_id)
    evidence = get_object_or_404(Evidence, token=token, answer__assessment=assessment)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    audit_record(
        action="evidence.downloaded",
        actor=_user(request),
        organisation=assessment.organisation_id,
        target=evidence,
        summary=f"Downloaded evidence {evidence.original_name}",
        detail={"assessment": assessment.pk, "name": evidence.original_name},
        request=request,
    )
    return response


@login_required
@require_POST
def evidence_remove_view(request: HttpRequest, assessment_id: int, token: str) -> HttpResponse:
    """Remove a file attached by mistake (htmx: the refreshed evidence block; else a redirect)."""
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id, need="edit"
    )
    # Read first for the criterion: a refusal (locked) names it and returns to its question.
    evidence = get_object_or_404(
        Evidence.objects.select_related("answer"), token=token, answer__assessment=assessment
    )
    criterion = _criterion(assessment, evidence.answer.criterion_id)
    name = evidence.original_name
    try:
        evidence_remove(assessment=assessment, token=token, user=_user(request))
    except Evidence.DoesNotExist:  # removed by someone else in the meantime
        raise Http404("No such evidence.") from None
    except AssessmentLocked:
        assessment.refresh_from_db(fields=["status"])
        return _locked(request, assessment, criterion, refused=f"{name} was not removed.")
    if _is_htmx(request):
        return _evidence_block(request, assessment, membership, criterion)
    messages.success(request, f"{name} removed from {criterion.id}.")
    return HttpResponseRedirect(_section_url(assessment, criterion.focus_area, criterion.id))


# --- assignment, submission, reopening ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Admins assign focus areas to members who answer (a table of checkboxes)."""
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id, need="admin"
    )
    members = selectors.assignable_members(assessment=assessment)
    model = model_for(assessment)
    if request.method == "POST":
        by_id = {str(m.user_id): m.user for m in members}
        assignments = {
            fa.code: [by_id[i] for i in request.POST.getlist(f"fa-{fa.code}") if i in by_id]
            for fa in model.manifest.focus_areas
        }
        try:
            sections_assign(
                assessment=assessment,
                assignments=assignments,
                expected_state=request.POST.get("state", ""),
                user=_user(request),
            )
        except AssignmentConflict as exc:
            messages.error(request, str(exc))
            status = 409
        except AssessmentLocked as exc:  # validated: nothing of it changes
            messages.error(request, str(exc))
            return redirect("assessment_assign", assessment_id=assessment.pk)
        else:
            messages.success(request, "Section assignments saved.")
            return redirect("assessment_assign", assessment_id=assessment.pk)
    else:
        status = 200
    matrix = selectors.assignment_matrix(assessment=assessment)
    rows = [
        (fa, [(m, m.user_id in matrix.get(fa.code, set())) for m in members])
        for fa in model.manifest.focus_areas
    ]
    context = _base_context(assessment, membership, "assign")
    context.update(members=members, rows=rows, state=assignments_state(assessment=assessment))
    return render(request, "assessments/assign.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """What is still unanswered, the provisional stage, and (for admins) the submit button."""
    user = _user(request)
    need = "admin" if request.method == "POST" else "view"
    assessment, membership = assessment_get_for_user(
        user=user, assessment_id=assessment_id, need=need
    )
    if request.method == "POST":
        try:
            assessment_submit(assessment=assessment, user=user)
        except AssessmentLocked as exc:
            messages.error(request, str(exc))
            return redirect("assessment_submit", assessment_id=assessment.pk)
        messages.success(
            request,
            f"{assessment.title} is submitted and locked. An admin can reopen it with a reason.",
        )
        return redirect("assessment_results", assessment_id=assessment.pk)
    summary = selectors.result_summary(assessment)
    context = _base_context(assessment, membership, "submit")
    context.update(
        carried=selectors.carried_by_section(assessment) if not assessment.is_locked else [],
        summary=summary,
        unanswered=selectors.unanswered_by_section(summary.result),
        events=selectors.assessment_events(assessment),
        reopen_form=ReopenForm(),
    )
    return render(request, "assessments/submit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request: HttpRequest, assessment_id: int) -> HttpResponse:
    user = _user(request)
    assessment, membership = assessment_get_for_user(
        user=user, assessment_id=assessment_id, need="admin"
    )
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment_reopen(assessment=assessment, user=user, reason=form.cleaned_data["reason"])
        except ValueError as exc:  # a blank reason after stripping
            form.add_error("reason", str(exc))
        except AssessmentLocked as exc:
            messages.error(request, str(exc))
            return redirect("assessment_submit", assessment_id=assessment.pk)
        else:
            messages.success(request, f"{assessment.title} is reopened; answers can change again.")
            return redirect("assessment", assessment_id=assessment.pk)
    context = _base_context(assessment, membership, "submit")
    context.update(form=form, events=selectors.assessment_events(assessment))
    status = 422 if request.method == "POST" else 200  # here after a POST: not reopened
    return render(request, "assessments/reopen.html", context, status=status)


# --- results ------------------------------------------------------------------------------------


@login_required
@require_safe
def results(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id
    )
    summary = selectors.result_summary(assessment)
    result = summary.result
    context = _base_context(assessment, membership, "results")
    context.update(
        summary=summary,
        result=result,
        events=selectors.assessment_events(assessment),
        ladder_svg=charts.ladder(
            result, title=f"Stage ladder: stage {result.stage} ({summary.stage_info.name})"
        ),
        radar_svg=charts.radar(result, title="Percent of criteria met per focus area"),
        bars_svg=charts.bars(result, title="Percent of criteria met per focus area"),
        upgrade_version=upgrade_version(assessment),
        # A provisional stage read from last year's answers nobody has looked at yet says so.
        carried=(0 if assessment.is_locked else assessment.answers.filter(carried=True).count()),
    )
    return render(request, "assessments/results.html", context)

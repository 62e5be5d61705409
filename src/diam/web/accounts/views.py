"""Sign-up, sign-in, members, invitations and organisation settings (server-rendered, no JS).

Every organisation page takes the organisation from the URL and passes it through
organisation_get_for_user (404 for non-members, 403 for a role that is too low); member and
invitation ids are then looked up only within that organisation.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from diam.regions import region_for
from diam.web.accounts import selectors, services
from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.forms import (
    AccountForm,
    EmailAuthenticationForm,
    InvitationForm,
    InvitedAccountForm,
    OrganisationForm,
    RoleForm,
)
from diam.web.accounts.models import Invitation, Membership, Organisation, Role, User
from diam.web.audit.services import audit_record
from diam.web.security.signin import password_reset_record, password_reset_refusal

logger = logging.getLogger(__name__)

# Signing in right after creating an account (no password check to throttle).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def organisation_url(organisation_id: int) -> str:
    """The organisation dashboard (the assessments app's `organisation`, /o/<id>/)."""
    return reverse("organisation", kwargs={"organisation_id": organisation_id})


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _login_url(request: HttpRequest) -> str:
    return f"{reverse('login')}?{urlencode({'next': request.path})}"


def _post_data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- Sign-up -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Register an organisation; signed out, also its first admin's account."""
    signed_in = request.user.is_authenticated
    org_form = OrganisationForm(_post_data(request))
    account_form = None if signed_in else AccountForm(_post_data(request))
    # A list, not `and`: both forms validate, so every error shows at once.
    if request.method == "POST" and all(
        [org_form.is_valid(), account_form is None or account_form.is_valid()]
    ):
        try:
            membership = services.organisation_register(
                details=org_form.details(),
                user=_user(request) if account_form is None else None,
                account=account_form.account() if account_form is not None else None,
            )
        except services.EmailTaken:  # registered between the form's check and the write
            assert account_form is not None
            account_form.add_error("email", "An account with this e-mail address exists.")
        except ValidationError as error:
            assert account_form is not None
            account_form.add_error("password1", error)
        else:
            if account_form is not None:
                login(request, membership.user, backend=MODEL_BACKEND)
            messages.success(
                request,
                f"{membership.organisation.name} is registered and you are its admin. "
                "Invite colleagues from the Members page.",
            )
            return redirect(organisation_url(membership.organisation_id))
    return render(
        request,
        "accounts/signup.html",
        {"org_form": org_form, "account_form": account_form},
        status=422 if request.method == "POST" else 200,  # here after a POST: nothing saved
    )


# --- Sign-in, sign-out, passwords (django.contrib.auth views) --------------------------------
# Template names avoid those of django.contrib.admin's registration/ templates, which come
# first in INSTALLED_APPS and would otherwise replace ours.


class InvalidFormStatus:
    """A form posted with errors answers 422 (nothing was done), not 200."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 422
        return response


class LoginView(InvalidFormStatus, auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405), so a link or image cannot sign anyone out."""


class PasswordResetView(InvalidFormStatus, auth_views.PasswordResetView):
    template_name = "registration/password_reset_request.html"
    email_template_name = "registration/reset_email.txt"
    html_email_template_name = "registration/reset_email.html"
    subject_template_name = "registration/reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        # Links use the configured SITE_URL, never the request's Host header.
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def form_valid(self, form: Any) -> HttpResponse:
        """Send the e-mail unless this address or client asked too often (429, saying why).

        Counted whether or not the address has an account, so the answer tells nobody which
        addresses are registered."""
        email = form.cleaned_data["email"]
        refusal = password_reset_refusal(request=self.request, email=email)
        if refusal:
            return render(
                self.request,
                "429.html",
                {"code": 429, "title": "Too many password-reset requests", "message": refusal},
                status=429,
            )
        password_reset_record(request=self.request, email=email)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_sent.html"


class PasswordResetConfirmView(InvalidFormStatus, auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_new.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(
            action="auth.password_reset",
            actor=form.user,
            summary="Password set through a reset link",
            request=self.request,
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_finished.html"


class PasswordChangeView(InvalidFormStatus, auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(
            action="auth.password_changed",
            actor=self.request.user,
            summary="Password changed",
            request=self.request,
        )
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_changed.html"


# --- Members --------------------------------------------------------------------------------


def _members_page(
    request: HttpRequest,
    *,
    organisation: Organisation,
    membership: Membership,
    invite_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    members = list(selectors.membership_list(organisation=organisation))
    is_admin = membership.is_admin
    invitations = []
    now = timezone.now()
    if is_admin:
        invitations = [
            {
                "invitation": inv,
                "expires_at": selectors.invitation_expires_at(inv),
                "expired": selectors.invitation_expires_at(inv) <= now,
            }
            for inv in selectors.invitation_list_open(organisation=organisation)
        ]
    admins = sum(1 for m in members if m.role == Role.ADMIN)
    context = {
        "organisation": organisation,
        "membership": membership,
        "members": members,
        "is_admin": is_admin,
        "admin_count": admins,
        "roles": Role.choices,
        "invitations": invitations,
        "invite_form": invite_form or (InvitationForm() if is_admin else None),
        "max_age_days": settings.INVITATION_MAX_AGE_DAYS,
    }
    return render(request, "accounts/members.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def members(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="view"
    )
    return _members_page(request, organisation=organisation, membership=membership)


@login_required
@require_POST
def member_invite(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=_user(request),
            )
        except services.AlreadyMember as error:
            form.add_error("email", f"{error} Change their role in the list above instead.")
        except OSError:  # smtplib.SMTPException and connection errors
            logger.exception("Could not send the invitation e-mail")
            form.add_error(
                None,
                "The invitation e-mail could not be sent, so no invitation was made. "
                "Please try again later or tell the site's operator.",
            )
        else:
            sent = f"Invitation sent to {invitation.email} as {invitation.get_role_display()}."
            if settings.DIAM_DEV_OUTBOX:
                # Nothing is delivered on a development server; say where the link is.
                sent += (
                    " Development server: the e-mail and its link are in the outbox (/dev/outbox/)."
                )
            messages.success(request, sent)
            return redirect("members", organisation_id=organisation.pk)
    return _members_page(
        request, organisation=organisation, membership=membership, invite_form=form, status=422
    )


def _member_in(organisation: Organisation, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=membership_id,
        organisation=organisation,
    )


@login_required
@require_POST
def member_role(request: HttpRequest, organisation_id: int, membership_id: int) -> HttpResponse:
    organisation, _ = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    target = _member_in(organisation, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles listed.")
    else:
        try:
            services.membership_change_role(
                membership=target, role=form.cleaned_data["role"], actor=_user(request)
            )
        except services.LastAdmin as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{target.user} is now {target.get_role_display()}.")
            if target.user_id == request.user.pk and not target.is_admin:
                # The admin demoted themselves: they may no longer manage members.
                return redirect(organisation_url(organisation.pk))
    return redirect("members", organisation_id=organisation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, organisation_id: int, membership_id: int) -> HttpResponse:
    """GET asks for confirmation (no JavaScript needed); POST removes."""
    organisation, _ = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    target = _member_in(organisation, membership_id)
    if request.method == "GET":
        return render(
            request,
            "accounts/member_remove.html",
            {
                "organisation": organisation,
                "target": target,
                "is_self": target.user == request.user,
            },
        )
    try:
        services.membership_remove(membership=target, actor=_user(request))
    except services.LastAdmin as error:
        messages.error(request, str(error))
        return redirect("members", organisation_id=organisation.pk)
    messages.success(request, f"{target.user} was removed from {organisation.name}.")
    if target.user_id == request.user.pk:
        return redirect("home")
    return redirect("members", organisation_id=organisation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_leave(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """GET asks for confirmation (or says why the member cannot leave); POST leaves."""
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="view"
    )
    if request.method == "GET":
        return render(
            request,
            "accounts/organisation_leave.html",
            {
                "organisation": organisation,
                "refusal": services.membership_leave_refusal(membership=membership),
            },
        )
    try:
        services.membership_leave(membership=membership)
    except services.LastAdmin as error:
        messages.error(request, str(error))
        return redirect("members", organisation_id=organisation.pk)
    messages.success(request, f"You have left {organisation.name}.")
    return redirect("home")


@login_required
@require_POST
def invitation_revoke(
    request: HttpRequest, organisation_id: int, invitation_id: int
) -> HttpResponse:
    organisation, _ = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    invitation = get_object_or_404(Invitation, pk=invitation_id, organisation=organisation)
    try:
        services.invitation_revoke(invitation=invitation, actor=_user(request))
    except services.InvitationClosed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The invitation of {invitation.email} was revoked.")
    return redirect("members", organisation_id=organisation.pk)


# --- Accepting an invitation ------------------------------------------------------------------


def _invitation_problem(
    request: HttpRequest, *, title: str, message: str, status: int, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_problem.html",
        {"title": title, "message": message, **extra},
        status=status,
    )


def _closed(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if invitation.revoked_at is not None:
        return _invitation_problem(
            request,
            title="Invitation revoked",
            message="This invitation was revoked by an administrator of "
            f"{invitation.organisation.name}. Ask them for a new one if you still need access.",
            status=410,
        )
    member = (
        request.user.is_authenticated
        and Membership.objects.filter(
            user=_user(request), organisation=invitation.organisation
        ).exists()
    )
    return _invitation_problem(
        request,
        title="Invitation already used",
        message="This invitation has already been accepted; a link works only once.",
        status=410,
        organisation_link=organisation_url(invitation.organisation_id) if member else None,
        organisation=invitation.organisation,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_get_by_token(token=token)
    except selectors.InvitationInvalid:
        return _invitation_problem(
            request,
            title="Invitation not valid",
            message="This invitation link is not valid. Check that you copied the whole link "
            "from the e-mail.",
            status=404,
        )
    except selectors.InvitationExpired as expired:
        if not expired.invitation.is_open:
            return _closed(request, expired.invitation)
        return _invitation_problem(
            request,
            title="Invitation expired",
            message="This invitation has expired; ask your administrator for a new one.",
            status=410,
        )
    if not invitation.is_open:
        return _closed(request, invitation)

    user = _user(request)
    signed_in = user.is_authenticated
    invited = services.normalise_email(invitation.email)
    is_invitee = signed_in and services.normalise_email(user.email) == invited
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    form = None
    if not signed_in and not has_account:
        form = InvitedAccountForm(_post_data(request), email=invitation.email)

    if request.method == "POST":
        if signed_in and not is_invitee:
            return redirect(request.path)
        if not signed_in and has_account:
            return redirect(_login_url(request))
        if form is not None and not form.is_valid():
            pass  # re-render with the errors
        else:
            try:
                if form is not None:
                    membership = services.invitation_accept(
                        invitation=invitation, account=form.account()
                    )
                    login(request, membership.user, backend=MODEL_BACKEND)
                else:
                    membership = services.invitation_accept(invitation=invitation, user=user)
            except services.InvitationClosed:
                invitation.refresh_from_db()
                return _closed(request, invitation)
            except services.LastAdmin as error:
                messages.error(request, str(error))
                return redirect(request.path)
            except services.EmailTaken:
                return redirect(request.path)  # registered meanwhile: now asks to sign in
            except ValidationError as error:
                assert form is not None
                form.add_error("password1", error)
            else:
                messages.success(
                    request,
                    f"Welcome to {invitation.organisation.name}. You joined as "
                    f"{membership.get_role_display().lower()}.",
                )
                return redirect(organisation_url(invitation.organisation_id))

    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "organisation": invitation.organisation,
            "form": form,
            "signed_in": signed_in,
            "is_invitee": is_invitee,
            "has_account": has_account,
            "login_url": _login_url(request),
        },
    )


# --- Organisation settings --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    status = 200
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid():
            try:
                services.organisation_update(
                    organisation=organisation,
                    details=form.details(),
                    expected_state=request.POST.get("state", ""),
                    actor=_user(request),
                )
            except services.SettingsConflict as error:
                organisation.refresh_from_db()
                messages.error(request, str(error))
                form = OrganisationForm(initial=OrganisationForm.initial_for(organisation))
                status = 409
            else:
                messages.success(request, "The organisation's settings were saved.")
                return redirect("organisation_settings", organisation_id=organisation.pk)
        else:
            status = 422
    else:
        form = OrganisationForm(initial=OrganisationForm.initial_for(organisation))
    return render(
        request,
        "accounts/organisation_settings.html",
        {
            "organisation": organisation,
            "membership": membership,
            "form": form,
            "derived_region": region_for(str(organisation.country.code)),
            "state": request.POST.get("state")
            if status == 422
            else services.organisation_state(organisation=organisation),
        },
        status=status,
    )

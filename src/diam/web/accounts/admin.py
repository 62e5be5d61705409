"""The Django admin for support staff. Roles change here only through the services that the
product's own pages use, so the audit trail and the rules (the last organisation admin, a
revoked validator leaving open validations) hold whichever way a role is changed.

Decision: the programme roles and membership roles stay editable here rather than read-only,
because support staff need them and no page replaces that: no page makes someone a
programme admin, and an organisation whose only admin has left has nobody who could promote
a successor on the members page. Adding members is not offered (people join by invitation,
which proves the address is theirs)."""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.http import HttpRequest
from django.template.defaultfilters import pluralize

from diam.web.accounts.models import (
    Invitation,
    Membership,
    Organisation,
    ProgrammeRole,
    Role,
    User,
)
from diam.web.accounts.services import (
    invitation_revoke,
    membership_change_role,
    membership_remove,
    programme_admin_set,
)
from diam.web.audit.services import audit_record

# Changing these makes someone staff or superuser (a superuser is a programme admin): audited.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser")


class UserAdminForm(UserChangeForm):  # type: ignore[type-arg]
    """Refuses, with the reason on the field, a role change the services would refuse."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "programme_role" not in self.changed_data:
            return data
        if data.get("programme_role") == ProgrammeRole.NONE:
            return data
        user = self.instance
        active = data.get("is_active", user.is_active)
        superuser = data.get("is_superuser", user.is_superuser)
        if not active:
            self.add_error("programme_role", f"{user.email} is deactivated: no programme role.")
        elif data.get("programme_role") == ProgrammeRole.VALIDATOR and superuser:
            self.add_error(
                "programme_role",
                "A superuser is a programme admin, and programme admins assign validators "
                "rather than being one: take superuser status away first.",
            )
        return data


def programme_role_change(*, user: User, old: str, new: str, by: User, request: Any) -> None:
    """From one programme role to another through the services: the old role is revoked
    (a validator leaves their open validations), then the new one granted, each recorded."""
    from diam.web.validation.services.roles import validator_grant, validator_revoke

    if old == ProgrammeRole.VALIDATOR:
        validator_revoke(user=user, by=by, request=request)
    elif old == ProgrammeRole.ADMIN:
        programme_admin_set(user=user, admin=False, by=by, request=request)
    if new == ProgrammeRole.VALIDATOR:
        validator_grant(user=user, by=by, request=request)
    elif new == ProgrammeRole.ADMIN:
        programme_admin_set(user=user, admin=True, by=by, request=request)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm
    ordering = ("email",)
    list_display = ("email", "name", "programme_role", "is_active", "is_staff")
    search_fields = ("email", "name")
    list_filter = ("programme_role", "is_active", "is_staff")
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        ("Roles", {"fields": ("programme_role", "is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The services let only programme admins change programme roles; superuser status
        # makes a programme admin, so only a superuser grants it (no self-promotion by staff).
        fields = list(super().get_readonly_fields(request, obj))
        user = request.user
        if not getattr(user, "is_programme_admin", False):
            fields.append("programme_role")
        if not getattr(user, "is_superuser", False):
            fields.append("is_superuser")
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            # The one way to make a validator's or programme admin's account (sign-up always
            # registers an organisation), so the trail says who made it, and where.
            super().save_model(request, obj, form, change)
            audit_record(
                action="account.created",
                actor=request.user,
                target=obj,
                summary=f"{obj.email}: account created (Django admin)",
                detail={"where": "django admin"},
                request=request,
            )
            return
        before = User.objects.get(pk=obj.pk)
        new_role = obj.programme_role
        # Everything else is saved as edited; the role only through its services.
        obj.programme_role = before.programme_role
        super().save_model(request, obj, form, change)
        privileges = {
            name: {"old": getattr(before, name), "new": getattr(obj, name)}
            for name in PRIVILEGE_FIELDS
            if getattr(before, name) != getattr(obj, name)
        }
        if privileges:
            audit_record(
                action="account.privileges_changed",
                actor=request.user,
                target=obj,
                summary=f"{obj.email}: "
                + ", ".join(f"{k} {'on' if v['new'] else 'off'}" for k, v in privileges.items())
                + " (Django admin)",
                detail={**privileges, "where": "django admin"},
                request=request,
            )
        if new_role != before.programme_role:
            programme_role_change(
                user=obj, old=before.programme_role, new=new_role, by=request.user, request=request
            )
            obj.refresh_from_db()


class MembershipFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    """Refuses, before anything is saved, changes that leave the organisation without an
    admin (the services refuse it too, with locks, but a form error is what support sees)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        admins_before = set(
            Membership.objects.filter(organisation=self.instance, role=Role.ADMIN).values_list(
                "pk", flat=True
            )
        )
        admins_after = set(admins_before)
        for form in self.forms:
            pk = form.instance.pk
            if pk is None:
                continue
            if self._should_delete_form(form) or form.cleaned_data.get("role") != Role.ADMIN:
                admins_after.discard(pk)
            else:
                admins_after.add(pk)
        if admins_before and not admins_after:
            raise forms.ValidationError(
                f"{self.instance} must keep at least one admin: make someone else an admin "
                "first (in the same save is fine)."
            )


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    formset = MembershipFormSet
    extra = 0
    fields = ("user", "role")
    readonly_fields = ("user",)  # a membership is a person's: never moved to someone else

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # people join through an invitation (proves the address is theirs)


def memberships_save(*, formset: Any, by: Any) -> None:
    """The inline's changes through the services: promotions first, then other role changes,
    then removals, so "make B admin and remove A" in one save keeps an admin throughout."""
    changed = [
        f
        for f in formset.initial_forms
        if "role" in f.changed_data and not formset._should_delete_form(f)
    ]
    changed.sort(key=lambda f: f.cleaned_data["role"] != Role.ADMIN)
    removed = [f for f in formset.initial_forms if formset._should_delete_form(f)]
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for f in changed:
        membership = membership_change_role(
            membership=f.instance, role=f.cleaned_data["role"], actor=by
        )
        formset.changed_objects.append((membership, ["role"]))
    for f in removed:
        membership_remove(membership=f.instance, actor=by)
        formset.deleted_objects.append(f.instance)


def organisation_deleted_record(*, organisation: Organisation, request: HttpRequest) -> None:
    """Support may delete an organisation (a duplicate sign-up, an erasure request); the
    trail keeps who did it and what it was, since the organisation's own rows go with it."""
    audit_record(
        action="organisation.deleted",
        actor=request.user,
        organisation=organisation,
        target=organisation,
        summary=f"{organisation.name} ({organisation.country}) deleted in the Django admin",
        detail={
            "where": "django admin",
            "name": organisation.name,
            "country": str(organisation.country),
            "members": organisation.memberships.count(),
        },
        request=request,
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "org_type", "country", "region", "benchmarking_consent", "is_demo")
    list_filter = ("org_type", "region", "benchmarking_consent", "is_demo")
    search_fields = ("name",)
    inlines = (MembershipInline,)
    # Demo data never mixes with real data: `diam demo` makes demo organisations, nothing else.
    readonly_fields = ("is_demo",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Organisations register through `organisation_register` (sign-up): it makes the first
        # admin, puts the organisation in the verification queue and records it. One added
        # here would have no admin, never be verified and leave no trace.
        return False

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        """A support edit has the consequences of the settings page: a changed identity asks
        for verification again (it no longer counts meanwhile), benchmark rows follow, and the
        audit trail says who changed what here."""
        from diam.web.benchmarks.services import benchmark_organisation_refresh
        from diam.web.verification.services import identity_of, verification_after_update

        identity_before = identity_of(Organisation.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        if verification_after_update(organisation=obj, before=identity_before) is None:
            benchmark_organisation_refresh(organisation=obj)
        if form.changed_data:
            audit_record(
                action="organisation.settings_changed",
                actor=request.user,
                organisation=obj,
                target=obj,
                summary="Changed in the Django admin: " + ", ".join(form.changed_data),
                detail={"fields": list(form.changed_data), "where": "django admin"},
                request=request,
            )

    def delete_model(self, request: HttpRequest, obj: Organisation) -> None:
        organisation_deleted_record(organisation=obj, request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # Django refuses while protected records (validation decisions, benchmark releases)
        # exist; what it does delete leaves its name in the trail, which outlives it.
        for organisation in queryset:
            organisation_deleted_record(organisation=organisation, request=request)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Membership:
            memberships_save(formset=formset, by=request.user)
        else:
            super().save_formset(request, form, formset, change)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only, with revoking as its one action (through `invitation_revoke`).

    An invitation made or edited here would skip `invitation_create`: no e-mail with the link,
    no audit record, no check that the address is not already a member, earlier links left
    working. Organisation admins invite from their members page."""

    list_display = ("email", "organisation", "role", "created_at", "accepted_at", "revoked_at")
    search_fields = ("email", "organisation__name")
    actions = ("revoke_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record of who was invited stays; revoke an open one instead

    @admin.action(description="Revoke the selected open invitations")
    def revoke_selected(self, request: HttpRequest, queryset: Any) -> None:
        revoked = 0
        for invitation in queryset:
            if invitation.is_open:
                invitation_revoke(invitation=invitation, actor=cast(User, request.user))
                revoked += 1
        skipped = len(queryset) - revoked
        self.message_user(
            request,
            f"{revoked} invitation{pluralize(revoked)} revoked"
            + (f"; {skipped} already used or revoked, left as they were." if skipped else "."),
        )

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from diam.web.accounts.models import Invitation, Membership, Organisation, User
from diam.web.audit.services import audit_record


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "org_type", "country", "region", "benchmarking_consent", "is_demo")
    list_filter = ("org_type", "region", "benchmarking_consent", "is_demo")
    search_fields = ("name",)
    inlines = (MembershipInline,)
    # Demo data never mixes with real data: `diam demo` makes demo organisations, nothing else.
    readonly_fields = ("is_demo",)

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        """A support edit has the consequences of the settings page: a changed identity asks
        for verification again (it no longer counts meanwhile), benchmark rows follow, and the
        audit trail says who changed what here."""
        if not change:
            super().save_model(request, obj, form, change)
            return
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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "role", "created_at", "accepted_at", "revoked_at")
    search_fields = ("email", "organisation__name")

"""Validation records are read-only in the Django admin: the workflow is the only writer."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from diam.web.validation.models import (
    Recognition,
    ReviewItem,
    SiteVisit,
    ValidationDecision,
    ValidationRequest,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ValidationRequest)
class ValidationRequestAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "assessment", "state", "self_assessed_stage", "requested_at")
    list_filter = ("state",)
    search_fields = ("organisation__name", "assessment__title")


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ("request", "criterion_id", "claimed", "verdict", "verdict_by", "verdict_at")
    list_filter = ("verdict",)


@admin.register(SiteVisit)
class SiteVisitAdmin(ReadOnlyAdmin):
    list_display = ("request", "visited_on", "recorded_by")


@admin.register(ValidationDecision)
class ValidationDecisionAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "stage", "decided_on", "valid_until", "revoked_at", "code")
    search_fields = ("organisation__name", "code")


@admin.register(Recognition)
class RecognitionAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "listed", "updated_at")

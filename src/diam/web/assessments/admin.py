from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from diam.web.assessments.models import Answer, Assessment, AssessmentEvent


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ("criterion_id", "value", "na", "justification", "comment", "updated_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # answers come from the survey, the API or an import, never from here


class EventInline(admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    readonly_fields = ("kind", "user", "at", "reason")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the history records what happened; nobody writes it by hand


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "model_id", "model_version", "status", "stage")
    list_filter = ("status", "model_id")
    search_fields = ("title", "organisation__name")
    # Status and results change only through the services: submission, reopening and the
    # validation workflow (diam.web.validation). The admin is for support, not for results.
    readonly_fields = (
        "organisation",
        "model_id",
        "model_version",
        "model_hash",
        "status",
        "submitted_at",
        "submitted_by",
        "created_by",
        "stage",
        "core_stage",
        "branches",
        "focus_area_percents",
        "completeness",
        "scored_at",
        # The service profile decides which criteria apply, so it is part of the result too;
        # `previous` is where the answers were carried from.
        "services",
        "previous",
    )
    inlines = (EventInline, AnswerInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

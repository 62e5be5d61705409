from django.contrib import admin

from diam.web.assessments.models import Answer, Assessment, AssessmentEvent


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ("criterion_id", "value", "na", "justification", "comment", "updated_by")
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    readonly_fields = ("kind", "user", "at", "reason")
    can_delete = False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "model_id", "model_version", "status", "stage")
    list_filter = ("status", "model_id")
    search_fields = ("title", "organisation__name")
    readonly_fields = ("model_hash", "stage", "core_stage", "branches", "completeness", "scored_at")
    inlines = (EventInline, AnswerInline)

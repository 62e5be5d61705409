"""Reading the audit trail: filtered, newest first, for an organisation or the whole programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from diam.web.audit.models import AuditEvent


class AuditFilterForm(forms.Form):
    """The log's filters (GET): action, person, date range, and (programme) organisation."""

    action = forms.CharField(
        required=False,
        max_length=60,
        help_text="An action such as answer.changed, or its first part (answer).",
    )
    person = forms.CharField(required=False, max_length=254, label="Person (e-mail)")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class ProgrammeAuditFilterForm(AuditFilterForm):
    organisation = forms.IntegerField(
        required=False, min_value=1, max_value=10**18, label="Organisation id"
    )


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    person: str = ""
    date_from: date | None = None
    date_to: date | None = None
    organisation_id: int | None = None


def filters_from(form: AuditFilterForm) -> AuditFilters:
    if not form.is_valid():
        return AuditFilters()
    data = form.cleaned_data
    return AuditFilters(
        action=(data.get("action") or "").strip(),
        person=(data.get("person") or "").strip().lower(),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        organisation_id=data.get("organisation"),
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(*, organisation_id: int | None, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Events of one organisation (None: every event), newest first, filtered."""
    events = AuditEvent.objects.all()
    if organisation_id is not None:
        events = events.filter(organisation_id=organisation_id)
    elif filters.organisation_id is not None:
        events = events.filter(organisation_id=filters.organisation_id)
    if filters.action:
        # "answer" matches answer.changed; "answer.changed" matches only itself.
        events = events.filter(action=filters.action) | events.filter(
            action__startswith=filters.action.rstrip(".") + "."
        )
    if filters.person:
        events = events.filter(actor_label__icontains=filters.person)
    if filters.date_from:
        events = events.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return events.order_by("-at", "-id")


def known_actions(*, organisation_id: int | None) -> list[str]:
    events = AuditEvent.objects.all()
    if organisation_id is not None:
        events = events.filter(organisation_id=organisation_id)
    return sorted(set(events.values_list("action", flat=True).distinct()))

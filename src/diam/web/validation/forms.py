"""Forms of the validation pages: they only turn posted text into typed values; every rule
(who, when, what state) is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from diam.web.accounts.models import ServiceArea
from diam.web.core.validators import validate_plain_text
from diam.web.validation.models import Verdict

MESSAGE_MAX = 5000


class RequestForm(forms.Form):
    """The fields the API's `ValidationRequestIn` mirrors; it reads its limits from here."""

    contact_name = forms.CharField(
        max_length=150, label="Contact person", validators=[validate_plain_text]
    )
    contact_email = forms.EmailField(label="Contact e-mail")
    contact_phone = forms.CharField(
        max_length=40, required=False, label="Contact telephone", validators=[validate_plain_text]
    )
    proposed_dates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        label="Proposed dates for a site visit",
        help_text="Two or three periods that suit you, e.g. “10–12 March or 24–26 March”.",
        validators=[validate_plain_text],
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MESSAGE_MAX,
        required=False,
        label="Note for the programme",
        validators=[validate_plain_text],
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, validators=[validate_plain_text]
    )


class AssignForm(forms.Form):
    validator = forms.TypedChoiceField(coerce=int, label="Validator")

    def __init__(self, *args: Any, validators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.pk, f"{v.name or v.email} ({v.email})") for v in validators]
        self.fields["validator"].choices = [("", "Choose a validator"), *choices]


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[
            (Verdict.ACCEPTED, "Accept"),
            (Verdict.EVIDENCE_REQUESTED, "Request evidence"),
            (Verdict.REJECTED, "Reject"),
        ],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MESSAGE_MAX,
        required=False,
        label="Message to the organisation",
        help_text="Required to request evidence or to reject.",
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MESSAGE_MAX,
        required=False,
        label="Your answer",
    )
    file = forms.FileField(required=False, label="Evidence file")


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label="Date of the visit", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    participants = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    service_areas = forms.MultipleChoiceField(
        choices=ServiceArea.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Service areas sampled",
    )
    systems_seen = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=MESSAGE_MAX, required=False
    )
    observations = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=MESSAGE_MAX, required=False
    )
    strengths = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=MESSAGE_MAX, required=False
    )
    opportunities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MESSAGE_MAX,
        required=False,
        label="Opportunities for improvement",
    )


class DecisionForm(forms.Form):
    decided_on = forms.DateField(
        label="Decision date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    narrative = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
        help_text="What you found and why the stage is what it is; the organisation reads it.",
    )


class GrantForm(forms.Form):
    email = forms.EmailField(label="E-mail of an existing account")


class RecognitionForm(forms.Form):
    listed = forms.BooleanField(
        required=False,
        label="List us in the public registry of validated organisations",
        help_text="Shows the organisation's name, country, validated stage, decision date and "
        "validity to everyone.",
    )


class VerifyForm(forms.Form):
    code = forms.CharField(max_length=60, required=False, label="Certificate code")
    credential = forms.FileField(required=False, label="Credential file (JSON)")
    credential_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=200_000,
        label="…or paste the credential",
    )

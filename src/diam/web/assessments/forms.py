"""Survey forms: what a browser posts, turned into the typed values the core validates.

The forms only convert text to Python types (yes/no to bool, "12.5" to a number, "" to None);
whether a value fits its criterion is decided by the core (`parse_value` via `answer_save`),
so the web, the API and the CLI refuse exactly the same answers with the same messages.
"""

from __future__ import annotations

from typing import Any

from django import forms

from diam.model.schema import AnswerType, Criterion
from diam.scoring.answers import COMMENT_MAX_LENGTH, JUSTIFICATION_MAX_LENGTH
from diam.web.core.validators import validate_plain_text

_YES_NO = {"yes": True, "no": False, "true": True, "false": False}


def typed_value(criterion: Criterion, raw: str) -> Any:
    """The browser's text as the value type the core expects; None for an empty field.

    Text that cannot be converted is passed through unchanged, so the core refuses it with
    its own message (e.g. "expected a number, got 'abc'") rather than a second wording here.
    """
    text = raw.strip()
    if text == "":
        return None
    kind = criterion.answer.type
    if kind == AnswerType.BOOLEAN:
        return _YES_NO.get(text.lower(), text)
    if kind in (AnswerType.PERCENT, AnswerType.NUMBER):
        # A decimal comma is how much of Europe types 12,5; there are no thousands separators
        # in these answers (percentages, hours, days), so the comma is unambiguous.
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text


class AnswerForm(forms.Form):
    """One criterion's answer as posted by its own <form> on the survey page."""

    value = forms.CharField(required=False, strip=True, max_length=200)
    na = forms.BooleanField(required=False)
    justification = forms.CharField(required=False, strip=True, max_length=JUSTIFICATION_MAX_LENGTH)
    comment = forms.CharField(required=False, strip=True, max_length=COMMENT_MAX_LENGTH)
    version = forms.IntegerField(
        min_value=0,
        max_value=2**31 - 1,  # Answer.version's column on every database
        error_messages={"required": "This form is out of date; reload the page and try again."},
    )

    def __init__(self, *args: Any, criterion: Criterion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criterion = criterion

    def clean_value(self) -> Any:
        return typed_value(self.criterion, self.cleaned_data.get("value") or "")

    def raw(self, name: str) -> str:
        """What the user entered in a field, unconverted, for showing it back after an error."""
        if not self.is_bound:
            return ""
        return str(self.data.get(name, "")).strip()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why are you reopening this assessment?",
        max_length=2000,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the assessment's history, with your name and the time.",
        error_messages={
            "required": "Give a reason for reopening; it is kept in the assessment's history."
        },
    )


BLANK = "blank"


class NewAssessmentForm(forms.Form):
    """A new assessment: blank, or started from one of the organisation's earlier submitted or
    validated assessments (`previous`: (id, label) pairs, most recent first, the default)."""

    title = forms.CharField(
        label="Title",
        required=False,
        max_length=120,
        validators=[validate_plain_text],
        help_text="Optional; defaults to 'Assessment <month year>'.",
    )
    start = forms.ChoiceField(
        label="Start from",
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Choose a blank assessment or one of the assessments listed."
        },
    )

    def __init__(self, *args: Any, previous: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        previous = previous or []
        field = self.fields["start"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(pk), label) for pk, label in previous] + [
            (BLANK, "A blank assessment on the latest model version")
        ]
        field.initial = str(previous[0][0]) if previous else BLANK

    def previous_id(self) -> int | None:
        """The assessment to start from; None for a blank one (also when nothing was chosen
        and there is nothing to start from)."""
        start = self.cleaned_data.get("start") or BLANK
        return None if start == BLANK else int(start)


class ConfirmForm(forms.Form):
    """The Confirm button of one carried answer: the answer's version when the page was drawn."""

    version = forms.IntegerField(min_value=0, max_value=2**31 - 1)


class SectionConfirmForm(forms.Form):
    """The section's Confirm-all button: the carried answers the page showed (comma-separated
    criterion ids), so that only answers someone has seen are confirmed."""

    criteria = forms.CharField(max_length=4000)


class CompareForm(forms.Form):
    """Two of the organisation's assessments to compare (`choices`: (id, label) pairs)."""

    before = forms.TypedChoiceField(label="Earlier assessment", coerce=int)
    after = forms.TypedChoiceField(label="Later assessment", coerce=int)

    def __init__(self, *args: Any, choices: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("before", "after"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [(str(pk), label) for pk, label in choices or []]
            field.error_messages["invalid_choice"] = (
                f"Choose the {field.label.lower() if field.label else name} from the list."
            )
            field.error_messages["required"] = (
                f"Choose the {field.label.lower() if field.label else name}."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("before") is not None and data.get("before") == data.get("after"):
            raise forms.ValidationError("Choose two different assessments to compare.")
        return data


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="Add evidence",
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
    )

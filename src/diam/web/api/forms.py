from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from diam.web.accounts.access import ROLE_ORDER
from diam.web.accounts.models import Role


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What the token is for, e.g. 'Nightly export to the data lake'."
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.VIEWER,
        help_text="The token can never do more than you can in this organisation.",
    )
    access = forms.ChoiceField(
        choices=[("read", "Read-only"), ("write", "Read and write")],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires_in_days = forms.IntegerField(label="Expires after (days)", min_value=1, initial=90)

    def __init__(self, *args: Any, member_role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mine = ROLE_ORDER[Role(member_role)]
        self.fields["role"].choices = [
            (value, label) for value, label in Role.choices if ROLE_ORDER[Role(value)] <= mine
        ]
        limit = settings.DIAM_API_TOKEN_MAX_DAYS
        self.fields["expires_in_days"] = forms.IntegerField(
            label="Expires after (days)",
            min_value=1,
            max_value=limit,
            initial=90,
            help_text=f"1 to {limit} days.",
        )

"""The console's filters. Both are GET forms: a filtered list is a URL that can be shared."""

from __future__ import annotations

from django import forms
from django_countries import countries

from diam.web.accounts.models import Organisation, OrganisationType

STAGE_NONE = "none"  # no submitted or validated assessment yet
YES_NO = [("", "Either"), ("yes", "Yes"), ("no", "No")]


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label="Name (or part of it)", required=False, max_length=200)
    country = forms.ChoiceField(label="Country", required=False)
    org_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *OrganisationType.choices]
    )
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=[
            ("", "Any stage"),
            *((str(s), f"Stage {s}") for s in range(8)),
            (STAGE_NONE, "Nothing submitted yet"),
        ],
        help_text="Of the latest submitted assessment.",
    )
    validated = forms.ChoiceField(
        label="Validated",
        required=False,
        choices=YES_NO,
        help_text="A decision neither expired nor revoked.",
    )
    verified = forms.ChoiceField(label="Verified", required=False, choices=YES_NO)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Only the countries organisations are in: a list of 250 would hide the few that matter.
        names = dict(countries)
        present = {
            str(code)
            for code in Organisation.objects.order_by().values_list("country", flat=True).distinct()
            if code
        }
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Any country"),
            *sorted(((c, str(names.get(c, c))) for c in present), key=lambda pair: pair[1]),
        ]


CERTIFICATE_STATES = [
    ("all", "All"),
    ("expiring", "Expiring within 90 days"),
    ("valid", "Valid"),
    ("expired", "Expired"),
    ("revoked", "Revoked"),
    ("superseded", "Superseded"),
]


class CertificateFilterForm(forms.Form):
    state = forms.ChoiceField(label="Show", required=False, choices=CERTIFICATE_STATES)

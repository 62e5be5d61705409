"""Forms of the accounts app. They validate input; services (services.py) do the writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django_countries import countries

from diam.regions import REGIONS, UNKNOWN_REGION, region_for
from diam.web.accounts.models import (
    Organisation,
    OrganisationType,
    Role,
    ServiceArea,
    User,
)
from diam.web.accounts.services import NewAccount, OrganisationDetails, normalise_email
from diam.web.core.validators import (
    ANNUAL_EXAMS_MAX,
    BEDS_MAX,
    EMAIL_MAX_LENGTH,
    validate_plain_text,
)

CONSENT_HELP = (
    "Your organisation's submitted results are included, anonymised, in peer benchmarks. "
    "Benchmarks only ever show aggregate figures computed from at least five organisations, "
    "so no figure reveals your organisation. You can change this at any time in the "
    "organisation's settings."
)


class OrganisationForm(forms.Form):
    """What an admin states about an organisation: at sign-up and in its settings."""

    name = forms.CharField(
        label="Organisation name",
        max_length=200,
        validators=[validate_plain_text],
        help_text="As your colleagues know it, e.g. “St Elsewhere Hospital, Radiology”.",
    )
    org_type = forms.ChoiceField(label="Type", choices=OrganisationType.choices)
    country = Organisation._meta.get_field("country").formfield(label="Country")
    region = forms.ChoiceField(
        label="Region (override)",
        required=False,
        choices=[("", "Derived from the country")] + [(r, r) for r in (*REGIONS, UNKNOWN_REGION)],
        help_text="Benchmark peer groups use the region derived from the country. Choose another "
        "region only if your organisation reports with a neighbouring one.",
    )
    beds = forms.IntegerField(
        label="Beds",
        required=False,
        min_value=0,
        max_value=BEDS_MAX,
        help_text="Leave blank for an imaging centre without beds. Used for size peer groups.",
    )
    annual_exams = forms.IntegerField(
        label="Annual imaging exams",
        required=False,
        min_value=0,
        max_value=ANNUAL_EXAMS_MAX,
        help_text="Imaging examinations per year, all modalities, approximate. Used for size "
        "peer groups.",
    )
    service_areas = forms.MultipleChoiceField(
        label="Image-producing service areas",
        choices=ServiceArea.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every department that produces images, not only radiology.",
        error_messages={"required": "Choose at least one service area that produces images."},
    )
    benchmarking_consent = forms.BooleanField(
        label="Include my organisation in anonymised peer benchmarks",
        required=False,
        initial=True,
        help_text=CONSENT_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        country.help_text = "Sets the region used for benchmark peer groups."
        country.choices = [("", "Choose a country"), *countries]  # type: ignore[attr-defined]
        if not self.is_bound and "service_areas" not in self.initial:
            self.initial["service_areas"] = [ServiceArea.RADIOLOGY]

    @classmethod
    def initial_for(cls, organisation: Organisation) -> dict[str, Any]:
        derived = region_for(str(organisation.country.code))
        return {
            "name": organisation.name,
            "org_type": organisation.org_type,
            "country": organisation.country.code,
            # The region counts as overridden only when it differs from the derived one.
            "region": "" if organisation.region == derived else organisation.region,
            "beds": organisation.beds,
            "annual_exams": organisation.annual_exams,
            "service_areas": organisation.service_areas,
            "benchmarking_consent": organisation.benchmarking_consent,
        }

    def details(self) -> OrganisationDetails:
        data = self.cleaned_data
        return OrganisationDetails(
            name=data["name"],
            org_type=data["org_type"],
            country=data["country"],
            region_override=data["region"] or "",
            beds=data["beds"],
            annual_exams=data["annual_exams"],
            service_areas=list(data["service_areas"]),
            benchmarking_consent=bool(data["benchmarking_consent"]),
        )


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password (again)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Type the same password again, to catch typing mistakes.",
    )

    def check_passwords(self, *, email: str, name: str) -> None:
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
            return
        if p1:
            try:
                password_validation.validate_password(p1, user=User(email=email, name=name))
            except forms.ValidationError as error:
                self.add_error("password1", error)


class AccountForm(PasswordPairMixin):
    """The first admin's account, at sign-up."""

    full_name = forms.CharField(label="Your name", max_length=150, validators=[validate_plain_text])
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=EMAIL_MAX_LENGTH,
        help_text="You sign in with this address; password resets are sent to it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ("full_name", "email", "password1", "password2")

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail address already exists. Sign in first to "
                "register another organisation with it, or reset its password if you forgot it.",
                code="email_taken",
            )
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.check_passwords(email=data.get("email", ""), name=data.get("full_name", ""))
        return data

    def account(self) -> NewAccount:
        data = self.cleaned_data
        return NewAccount(name=data["full_name"], email=data["email"], password=data["password1"])


class InvitedAccountForm(PasswordPairMixin):
    """A new user's account when accepting an invitation; the address is the invited one."""

    full_name = forms.CharField(label="Your name", max_length=150, validators=[validate_plain_text])
    field_order = ("full_name", "password1", "password2")

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.check_passwords(email=self.email, name=data.get("full_name", ""))
        return data

    def account(self) -> NewAccount:
        data = self.cleaned_data
        return NewAccount(name=data["full_name"], email=self.email, password=data["password1"])


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Colleague's e-mail address",
        max_length=EMAIL_MAX_LENGTH,
        help_text="They receive a link to join; it works for a limited number of days.",
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.CONTRIBUTOR,
        help_text="Admins manage members and settings; contributors answer the survey; viewers "
        "read results.",
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with an e-mail address (stored in lower case) and a password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail address and password do not match an account. The "
        "password is case-sensitive.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data.get("username") or "")

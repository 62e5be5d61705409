"""Registering an organisation creates it, its first admin and the membership, and signs in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user
from django.test import Client

from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.accounts.services import (
    EmailTaken,
    NewAccount,
    OrganisationDetails,
    organisation_register,
)
from tests.web.accounts.helpers import STRONG_PASSWORD, signup_data


def input_tag(html: str, element_id: str) -> str:
    match = re.search(r"<input[^>]*\bid=\"" + element_id + r"\"[^>]*>", html)
    assert match, element_id
    return match.group(0)


def test_the_signup_page_asks_for_the_organisation_and_the_admin(db: None) -> None:
    response = Client().get("/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "name",
        "org_type",
        "country",
        "region",
        "beds",
        "annual_exams",
        "service_areas",
        "benchmarking_consent",
        "full_name",
        "email",
        "password1",
        "password2",
    ):
        assert f'name="{name}"' in html, name
    assert "at least five organisations" in html
    # Consent is on by default, radiology pre-ticked.
    assert "checked" in input_tag(html, "id_benchmarking_consent")
    assert "checked" in input_tag(html, "id_service_areas_0")  # radiology
    assert "checked" not in input_tag(html, "id_service_areas_1")
    assert 'name="csrfmiddlewaretoken"' in html


def test_signup_creates_organisation_admin_and_membership_and_signs_in(db: None) -> None:
    client = Client()
    response = client.post("/signup/", signup_data())

    organisation = Organisation.objects.get(name="Riverside Imaging Centre")
    user = User.objects.get(email="dana@riverside.example")
    assert response.status_code == 302
    assert response["Location"] == f"/o/{organisation.pk}/"
    assert Membership.objects.get(organisation=organisation).user == user
    assert Membership.objects.get(organisation=organisation).role == Role.ADMIN
    assert user.name == "Dana Founder"
    assert user.check_password(STRONG_PASSWORD)
    assert organisation.org_type == "imaging_centre"
    assert organisation.country.code == "IE"
    assert organisation.region == "Northern Europe"  # derived from the country
    assert organisation.beds is None
    assert organisation.annual_exams == 60000
    assert organisation.service_areas == ["radiology", "cardiology"]
    assert organisation.benchmarking_consent is True
    assert get_user(client) == user


def test_signup_keeps_a_region_override_and_an_opt_out_of_benchmarking(db: None) -> None:
    data = signup_data(region="Western Europe")
    del data["benchmarking_consent"]  # an unticked checkbox is not submitted
    Client().post("/signup/", data)
    organisation = Organisation.objects.get(name="Riverside Imaging Centre")
    assert organisation.region == "Western Europe"
    assert organisation.benchmarking_consent is False


def test_signup_email_is_stored_in_lower_case(db: None) -> None:
    Client().post("/signup/", signup_data(email="Dana@Riverside.Example"))
    assert User.objects.filter(email="dana@riverside.example").exists()


def test_an_already_registered_email_is_an_error_on_its_field(alice: User) -> None:
    client = Client()
    response = client.post("/signup/", signup_data(email="ALICE@example.org"))
    assert response.status_code == 422
    errors = response.context["account_form"].errors
    assert list(errors) == ["email"]
    assert "already exists" in errors["email"][0]
    assert "already exists" in response.content.decode()
    assert not Organisation.objects.filter(name="Riverside Imaging Centre").exists()
    assert get_user(client).is_anonymous
    # The entered values are kept.
    assert 'value="Riverside Imaging Centre"' in response.content.decode()


def test_an_unknown_country_is_refused_and_nothing_is_created(db: None) -> None:
    response = Client().post("/signup/", signup_data(country="XX"))
    assert response.status_code == 422
    assert "country" in response.context["org_form"].errors
    assert not Organisation.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "form", "field"),
    [
        ({"password2": "something-else-entirely"}, "account_form", "password2"),
        ({"password1": "short", "password2": "short"}, "account_form", "password1"),
        ({"password1": "1234567890123", "password2": "1234567890123"}, "account_form", "password1"),
        ({"email": "not-an-address"}, "account_form", "email"),
        ({"service_areas": []}, "org_form", "service_areas"),
        ({"beds": "-3"}, "org_form", "beds"),
        ({"name": ""}, "org_form", "name"),
    ],
)
def test_invalid_input_shows_an_error_on_the_field_and_creates_nothing(
    db: None, overrides: dict, form: str, field: str
) -> None:
    response = Client().post("/signup/", signup_data(**overrides))
    assert response.status_code == 422
    assert field in response.context[form].errors
    # Rendered inline with an id the input points to.
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Organisation.objects.exists()
    assert not User.objects.exists()


def test_errors_of_both_parts_show_at_once(db: None) -> None:
    response = Client().post("/signup/", signup_data(country="XX", password2="different-one"))
    assert "country" in response.context["org_form"].errors
    assert "password2" in response.context["account_form"].errors


def test_a_signed_in_user_registers_another_organisation_as_its_admin(
    alice_client: Client, alice: User, org: Organisation
) -> None:
    page = alice_client.get("/signup/")
    assert page.context["account_form"] is None
    assert 'name="password1"' not in page.content.decode()

    data = {
        k: v
        for k, v in signup_data(name="Second Site").items()
        if k not in {"full_name", "email", "password1", "password2"}
    }
    response = alice_client.post("/signup/", data)

    second = Organisation.objects.get(name="Second Site")
    assert response.status_code == 302
    assert response["Location"] == f"/o/{second.pk}/"
    assert Membership.objects.get(organisation=second).user == alice
    assert Membership.objects.get(organisation=second).role == Role.ADMIN
    assert Membership.objects.filter(user=alice).count() == 2
    assert User.objects.count() == 1


def test_signup_by_get_changes_nothing_and_other_methods_are_refused(db: None) -> None:
    assert Client().put("/signup/").status_code == 405
    assert not Organisation.objects.exists()


def test_the_register_service_creates_nothing_when_the_email_is_taken(alice: User) -> None:
    details = OrganisationDetails(
        name="Race", org_type="hospital", country="FR", service_areas=["radiology"]
    )
    with pytest.raises(EmailTaken):
        organisation_register(
            details=details,
            account=NewAccount(
                name="Alice Again", email="Alice@example.org", password=STRONG_PASSWORD
            ),
        )
    assert not Organisation.objects.filter(name="Race").exists()
    with pytest.raises(TypeError):
        organisation_register(details=details)

"""Long forms sent back with errors start with a summary linked to each field; countries read
and sort as people expect (issue 15)."""

from __future__ import annotations

import re

from django.test import Client

from diam.web.accounts.models import Organisation
from tests.web.accounts.helpers import org_settings_data, signup_data


def summary(html: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*>.*?</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def test_signup_errors_of_both_parts_are_summarised_at_the_top_linked_to_their_fields(
    db: None,
) -> None:
    data = signup_data(name="", email="not-an-address", password2="something else")
    html = Client().post("/signup/", data).content.decode()
    box = summary(html)
    assert 'role="alert"' in box and 'tabindex="-1"' in box and "There is a problem" in box
    assert html.index("error-summary") < html.index('id="id_name"')  # above the first field
    for field in ("name", "email", "password2"):
        assert f'href="#id_{field}"' in box
        assert f'id="id_{field}"' in html  # the link lands on the field
    assert "Organisation name: This field is required." in box  # says which field, and what
    assert not Organisation.objects.exists()


def test_a_valid_form_has_no_summary_and_a_settings_error_links_its_field(
    alice_client: Client, org: Organisation
) -> None:
    assert "error-summary" not in alice_client.get(f"/o/{org.pk}/settings/").content.decode()
    html = alice_client.post(
        f"/o/{org.pk}/settings/", org_settings_data(org, beds="-5", service_areas=[])
    ).content.decode()
    box = summary(html)
    assert 'href="#id_beds"' in box and 'href="#id_service_areas_0"' in box
    assert 'id="id_service_areas_0"' in html


def test_country_choices_use_common_names_sorted_by_name(db: None) -> None:
    html = Client().get("/signup/").content.decode()
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', html)
    assert "Nauru" in names and "Bahamas" in names and "United Kingdom" in names
    assert "Naoero" not in names and "Bahamas (The)" not in names
    assert names.index("Australia") < names.index("Austria") < names.index("United Arab Emirates")
    folded = [n.casefold() for n in names]
    assert folded.index("åland islands") < folded.index("albania")  # Å sorts with the A's

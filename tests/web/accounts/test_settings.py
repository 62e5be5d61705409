"""Organisation settings: the admin edits what forms the peer groups; others get 403."""

from __future__ import annotations

from django.test import Client

from diam.web.accounts.models import Organisation
from tests.web.accounts.helpers import org_settings_data


def test_the_admin_sees_the_settings_with_the_derived_region(
    alice_client: Client, org: Organisation
) -> None:
    response = alice_client.get(f"/o/{org.pk}/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="St Elsewhere Hospital"' in html
    assert '<option value="NL" selected>Netherlands</option>' in html
    assert "Derived from the country: <strong>Western Europe</strong>" in html
    assert response.context["form"].initial["region"] == ""  # not overridden
    assert "at least five organisations" in html


def test_the_admin_saves_the_settings(alice_client: Client, org: Organisation) -> None:
    data = org_settings_data(
        org,
        name="St Elsewhere University Hospital",
        org_type="network",
        beds="900",
        annual_exams="350000",
        service_areas=["radiology", "pathology", "endoscopy"],
        benchmarking_consent=None,
    )
    response = alice_client.post(f"/o/{org.pk}/settings/", data, follow=True)
    assert response.status_code == 200
    org.refresh_from_db()
    assert org.name == "St Elsewhere University Hospital"
    assert org.org_type == "network"
    assert (org.beds, org.annual_exams) == (900, 350000)
    assert org.service_areas == ["radiology", "pathology", "endoscopy"]
    assert org.benchmarking_consent is False
    assert "The organisation's settings were saved." in [
        str(m) for m in response.context["messages"]
    ]


def test_a_new_country_moves_a_derived_region_but_keeps_an_override(
    alice_client: Client, org: Organisation
) -> None:
    alice_client.post(f"/o/{org.pk}/settings/", org_settings_data(org, country="SE"))
    org.refresh_from_db()
    assert (org.country.code, org.region) == ("SE", "Northern Europe")

    alice_client.post(
        f"/o/{org.pk}/settings/", org_settings_data(org, country="SE", region="Western Europe")
    )
    org.refresh_from_db()
    assert org.region == "Western Europe"
    page = alice_client.get(f"/o/{org.pk}/settings/")
    assert page.context["form"].initial["region"] == "Western Europe"
    assert "uses <strong>Western Europe</strong> instead" in page.content.decode()

    alice_client.post(f"/o/{org.pk}/settings/", org_settings_data(org, country="ES", region=""))
    org.refresh_from_db()
    assert org.region == "Southern Europe"


def test_invalid_settings_show_errors_keep_values_and_change_nothing(
    alice_client: Client, org: Organisation
) -> None:
    response = alice_client.post(
        f"/o/{org.pk}/settings/",
        org_settings_data(org, name="Renamed", country="ZZ", annual_exams="lots"),
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"country", "annual_exams"}
    html = response.content.decode()
    assert 'value="Renamed"' in html and 'value="lots"' in html
    assert 'aria-invalid="true"' in html
    org.refresh_from_db()
    assert org.name == "St Elsewhere Hospital"


def test_settings_saved_meanwhile_are_never_overwritten(
    alice_client: Client, org: Organisation
) -> None:
    """Optimistic concurrency: a form drawn before someone else's save is refused (409)."""
    opened = org_settings_data(org, name="First admin's name")
    other = org_settings_data(org, beds=321)
    assert alice_client.post(f"/o/{org.pk}/settings/", other).status_code == 302
    response = alice_client.post(f"/o/{org.pk}/settings/", opened)
    assert response.status_code == 409
    assert "were not saved" in response.content.decode()
    org.refresh_from_db()
    assert (org.name, org.beds) == ("St Elsewhere Hospital", 321)
    assert 'value="321"' in response.content.decode()  # the form shows what is stored now

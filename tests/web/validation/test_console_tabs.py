"""The programme console's tab bar follows a programme admin onto every page they reach from the
console (one organisation, its verification record, a validation and its steps), with the
current tab marked; members of the organisation and validators, who are not programme staff,
never see it on the same pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from diam.web.accounts.models import Organisation, Role, User
from diam.web.validation.models import ValidationRequest
from diam.web.validation.services.decision import validation_decide
from tests.web.conftest import client_for
from tests.web.factories import make_member
from tests.web.validation.conftest import accept_all

CONSOLE_NAV = '<nav class="tabs console-tabs" aria-label="Programme console">'


def current_console_tab(html: str) -> str | None:
    """The href of the console tab marked as current; None when the page has no console tabs."""
    parts = html.split(CONSOLE_NAV, 1)
    if len(parts) < 2:
        return None
    marked = re.findall(r'<a href="([^"]+)" aria-current="page">', parts[1].split("</nav>", 1)[0])
    assert len(marked) == 1, marked
    return marked[0]


def validation_pages(validation: ValidationRequest) -> list[str]:
    first = validation.items.order_by("criterion_id").first()
    assert first is not None
    return [
        f"/validation/{validation.pk}/",
        f"/validation/{validation.pk}/c/{first.criterion_id}/",
        f"/validation/{validation.pk}/visit/",
    ]


def test_a_programme_admin_keeps_the_console_tabs_on_a_validation_and_its_steps(
    in_review: ValidationRequest, val: User, pam_client: Client
) -> None:
    for url in validation_pages(in_review):
        response = pam_client.get(url)
        assert response.status_code == 200, url
        assert current_console_tab(response.content.decode()) == "/programme/validations/", url
    # The decision is the assigned validators' alone (403 for a programme admin), and revoking
    # it is the programme admin's: that page is theirs and carries the tabs.
    assert pam_client.get(f"/validation/{in_review.pk}/decide/").status_code == 403
    accept_all(in_review, val)
    validation_decide(validation=in_review, user=val, narrative="Seen on site.")
    revoke = pam_client.get(f"/validation/{in_review.pk}/revoke/")
    assert revoke.status_code == 200
    assert current_console_tab(revoke.content.decode()) == "/programme/validations/"


def test_members_and_validators_never_see_the_console_tabs_on_a_validation(
    in_review: ValidationRequest, alice_client: Client, bob_client: Client, val_client: Client
) -> None:
    pages = validation_pages(in_review)
    for client in (alice_client, bob_client, val_client):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            assert current_console_tab(text) is None and "/programme/validators/" not in text, url
    decide = val_client.get(f"/validation/{in_review.pk}/decide/")
    assert decide.status_code == 200 and current_console_tab(decide.content.decode()) is None
    withdraw = alice_client.get(f"/validation/{in_review.pk}/withdraw/")
    assert withdraw.status_code == 200 and current_console_tab(withdraw.content.decode()) is None


def test_the_organisation_page_and_the_verification_record_carry_the_console_tabs(
    org: Organisation, pam_client: Client
) -> None:
    summary = pam_client.get(f"/programme/organisations/{org.pk}/").content.decode()
    assert current_console_tab(summary) == "/programme/"
    record = pam_client.get(f"/programme/verification/{org.pk}/").content.decode()
    assert current_console_tab(record) == "/programme/verification/"


def test_a_programme_admin_who_is_a_member_reaches_the_organisations_pages_as_a_member(
    pam: User, org: Organisation, in_review: ValidationRequest
) -> None:
    make_member(pam, org, Role.VIEWER)
    client = client_for(pam)
    home = client.get(f"/o/{org.pk}/")
    assert home.status_code == 200
    # Their own organisation's pages are a member's pages, not the console's.
    assert current_console_tab(home.content.decode()) is None
    results = client.get(f"/a/{in_review.assessment_id}/results/")
    assert results.status_code == 200 and current_console_tab(results.content.decode()) is None
    # A validation stays programme business for them: the tabs, and the member's breadcrumb.
    overview = client.get(f"/validation/{in_review.pk}/").content.decode()
    assert current_console_tab(overview) == "/programme/validations/"
    assert f'href="/o/{org.pk}/"' in overview


@pytest.mark.parametrize("role", [Role.ADMIN, Role.VIEWER])
def test_the_console_lists_the_programme_admins_own_organisations(
    pam: User, org: Organisation, role: str
) -> None:
    make_member(pam, org, role)
    text = client_for(pam).get("/programme/").content.decode()
    own = text.split('id="own-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="/o/{org.pk}/"' in own and org.name in own


def test_empty_queues_say_what_is_empty(pam_client: Client, requested: ValidationRequest) -> None:
    # One request waits: the console lists it; with none decided the decided tab says so.
    assert "No validation is open" not in pam_client.get("/programme/").content.decode()
    decided = pam_client.get("/programme/validations/", {"state": "decided"}).content.decode()
    assert "No validation request is in the state “Decided”" in decided
    assert 'href="/programme/validations/?state=all"' in decided


def test_with_no_validation_the_console_and_the_queue_say_nothing_waits(
    pam_client: Client, db: None
) -> None:
    home = pam_client.get("/programme/").content.decode()
    assert "No validation is open: none waits for validators or is in review." in home
    queue = pam_client.get("/programme/validations/").content.decode()
    assert "No validation is open" in queue
    everything = pam_client.get("/programme/validations/", {"state": "all"}).content.decode()
    assert "No organisation has asked for validation yet." in everything

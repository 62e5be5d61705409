"""The verification queue: sign-ups wait, programme admins verify or refuse with a reason,
identity changes need a new verification, and only verified organisations count."""

from __future__ import annotations

import pytest
from django.test import Client

from diam.web.accounts.models import Organisation
from diam.web.accounts.services import OrganisationDetails, organisation_update
from diam.web.audit.models import AuditEvent
from diam.web.benchmarks.models import BenchmarkEntry
from diam.web.verification.models import OrganisationVerification, Status
from diam.web.verification.services import RefusalNeedsReason, verification_decide
from tests.web.benchmarks.conftest import submitted, verify
from tests.web.conftest import client_for
from tests.web.factories import PASSWORD, make_user

QUEUE = "/programme/verification/"


@pytest.fixture
def pat(db):
    return make_user("pat@programme.example", "Pat Programme", programme_role="programme_admin")


def sign_up(client: Client, name: str = "Sunrise Clinic", email: str = "ann@sunrise.example"):
    response = client.post(
        "/signup/",
        {
            "name": name,
            "org_type": "imaging_centre",
            "country": "PT",
            "region_override": "",
            "beds": "",
            "annual_exams": "42000",
            "service_areas": ["radiology"],
            "benchmarking_consent": "on",
            "full_name": "Ann Signup",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Organisation.objects.get(name=name)


def test_a_sign_up_waits_in_the_queue_with_who_and_which_domain(client, pat) -> None:
    org = sign_up(client)
    row = OrganisationVerification.objects.get(organisation=org)
    assert row.status == Status.PENDING and row.request_reason == "sign-up"
    assert row.identity["email_domain"] == "sunrise.example"
    page = client_for(pat).get(QUEUE).content.decode()
    assert "Sunrise Clinic" in page and "sunrise.example" in page and "Ann Signup" in page
    assert "Portugal" in page and "sign-up" in page  # the country by its name, not its code
    assert AuditEvent.objects.filter(action="organisation.verification_requested").exists()


def test_the_queue_is_for_programme_admins_only(alice_client, pat) -> None:
    assert alice_client.get(QUEUE).status_code == 403
    anonymous = Client().get(QUEUE)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(pat).get(QUEUE).status_code == 200


def test_a_programme_admin_verifies_and_the_rows_follow(client, pat) -> None:
    org = sign_up(client)
    submitted(org, 3)
    assert not BenchmarkEntry.objects.get(organisation=org).verified
    response = client_for(pat).post(f"{QUEUE}{org.pk}/", {"decision": "verify", "note": ""})
    assert response.status_code == 302
    row = OrganisationVerification.objects.get(organisation=org)
    assert row.status == Status.VERIFIED and row.decided_by == pat
    assert BenchmarkEntry.objects.get(organisation=org).verified
    assert AuditEvent.objects.filter(action="organisation.verified", actor=pat).exists()
    assert "Nobody is waiting" in client_for(pat).get(QUEUE).content.decode()


def test_refusing_needs_a_reason_and_the_organisation_sees_it(client, pat) -> None:
    org = sign_up(client)
    admin_client = client_for(pat)
    response = admin_client.post(f"{QUEUE}{org.pk}/", {"decision": "refuse", "note": " "})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert OrganisationVerification.objects.get(organisation=org).status == Status.PENDING
    with pytest.raises(RefusalNeedsReason):
        verification_decide(organisation=org, verified=False, note="", user=pat)
    admin_client.post(
        f"{QUEUE}{org.pk}/", {"decision": "refuse", "note": "No such clinic in Portugal"}
    )
    assert OrganisationVerification.objects.get(organisation=org).status == Status.REFUSED
    settings_page = client.get(f"/o/{org.pk}/settings/").content.decode()
    assert "Not verified." in settings_page and "No such clinic in Portugal" in settings_page


def test_only_programme_admins_can_decide(client, alice, pat) -> None:
    org = sign_up(client)
    assert client_for(alice).post(f"{QUEUE}{org.pk}/", {"decision": "verify"}).status_code == 403
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        verification_decide(organisation=org, verified=True, note="", user=alice)


def test_an_identity_change_needs_a_new_verification_and_size_does_not(org, pat) -> None:
    verify(org)
    submitted(org, 3)

    def change(**fields):
        base = {
            "name": org.name,
            "org_type": org.org_type,
            "country": str(org.country.code),
            "beds": org.beds,
            "annual_exams": org.annual_exams,
            "service_areas": list(org.service_areas),
            "benchmarking_consent": org.benchmarking_consent,
        }
        organisation_update(organisation=org, details=OrganisationDetails(**{**base, **fields}))

    change(beds=700)
    assert OrganisationVerification.objects.get(organisation=org).status == Status.VERIFIED
    change(org_type="imaging_centre")
    row = OrganisationVerification.objects.get(organisation=org)
    assert row.status == Status.PENDING and row.request_reason == "changed type"
    assert not BenchmarkEntry.objects.get(organisation=org).verified
    page = client_for(pat).get(QUEUE).content.decode()
    assert org.name in page and "changed type" in page


def test_the_history_lists_every_request_and_decision(client, pat) -> None:
    org = sign_up(client)
    verification_decide(organisation=org, verified=False, note="Unknown", user=pat)
    verification_decide(organisation=org, verified=True, note="Phoned them", user=pat)
    page = client_for(pat).get(f"{QUEUE}{org.pk}/").content.decode()
    assert page.index("sign-up") < page.index("Unknown") < page.index("Phoned them")


def test_the_settings_page_says_the_organisation_waits(alice_client, org) -> None:
    page = alice_client.get(f"/o/{org.pk}/settings/").content.decode()
    assert "Waiting for verification." in page
    assert "Changing the name, country, region or type needs a new verification" in page


def test_an_organisation_awaiting_verification_is_not_in_the_research_dataset(db) -> None:
    from diam.paths import latest_version
    from diam.web.exchange.research import research_records
    from tests.web.benchmarks.conftest import peer

    for i in range(3):
        peer(f"Verified {i}")
    peer("Just signed up", verified=False)
    records = research_records(
        model_id="radiology", version=latest_version("radiology"), demo=False
    )
    assert len(records) == 3

"""The programme console: where a programme admin lands, the organisations list (search,
filters, pages, empty states), one organisation's read-only summary, certificates and their
expiry, installed models, and who is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from diam.paths import shipped_model
from diam.web.accounts.models import Organisation, ProgrammeRole, Role, User
from diam.web.assessments.selectors import assessment_rows
from diam.web.validation.models import RequestState, ValidationRequest
from tests.web.assessments.conftest import answer
from tests.web.conftest import client_for
from tests.web.factories import make_member, make_organisation, make_user
from tests.web.programme.conftest import decide

CONSOLE_URLS = (
    "/programme/",
    "/programme/organisations/{org}/",
    "/programme/certificates/",
    "/programme/models/",
    "/programme/statistics.csv",
)


def names(html: str) -> list[str]:
    """The organisation names listed in the console's table, in order."""
    table = html.split('class="console-organisations"', 1)
    if len(table) < 2:
        return []
    link = r'<th scope="row"><a href="/programme/organisations/\d+/">([^<]+)</a>'
    return re.findall(link, table[1])


def test_a_programme_admin_lands_on_the_console_and_sees_its_link(pat_client: Client) -> None:
    response = pat_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/programme/"
    text = pat_client.get("/programme/").content.decode()
    assert "Programme console" in text and "not a member of any organisation" not in text
    assert 'href="/programme/"' in text


PROGRAMME_TABS = {
    "/programme/": "Organisations",
    "/programme/validations/": "Validation queue",
    "/programme/certificates/": "Certificates",
    "/programme/models/": "Models",
    "/programme/statistics/": "Statistics",
    "/programme/verification/": "Verification",
    "/programme/validators/": "Validators",
    "/programme/audit/": "Audit log",
    "/programme/research/": "Research dataset",
}


def test_every_programme_page_shows_the_console_tabs_with_its_own_marked(
    pat_client: Client, alice: User, org: Organisation
) -> None:
    for url, label in PROGRAMME_TABS.items():
        page = pat_client.get(url).content.decode()
        tabs = page.split('<nav class="tabs console-tabs" aria-label="Programme console">', 1)
        assert len(tabs) == 2, f"{url} has no programme tabs"
        links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', tabs[1])
        links = links[: len(PROGRAMME_TABS)]
        assert {href for href, _, _ in links} == set(PROGRAMME_TABS), url
        assert [(href, text) for href, current, text in links if current] == [(url, label)], url
    # The same templates serve an organisation's own audit log and the public statistics,
    # whose readers are not programme admins: no programme tabs there.
    for user_client, url in (
        (client_for(alice), f"/o/{org.pk}/audit/"),
        (Client(), "/statistics/"),
    ):
        page = user_client.get(url).content.decode()
        assert "console-tabs" not in page and "/programme/validators/" not in page, url


def test_members_still_land_on_their_organisation(alice: User, org: Organisation) -> None:
    response = client_for(alice).get("/")
    assert response["Location"] == f"/o/{org.pk}/"
    assert "Programme console" not in client_for(alice).get(f"/o/{org.pk}/").content.decode()


def test_a_programme_admin_who_is_also_a_member_finds_their_organisation(
    pat: User, org: Organisation
) -> None:
    make_member(pat, org, Role.VIEWER)
    text = client_for(pat).get("/programme/").content.decode()
    assert "Your own organisations" in text and f'href="/o/{org.pk}/"' in text


@pytest.mark.parametrize("path", CONSOLE_URLS)
def test_everyone_but_programme_admins_is_refused(
    path: str, alice: User, org: Organisation, db: None
) -> None:
    url = path.format(org=org.pk)
    validator = make_user("val@example.org", "Val", programme_role=ProgrammeRole.VALIDATOR)
    for user in (alice, validator):
        assert client_for(user).get(url).status_code == 403, (user, url)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_a_missing_organisation_is_403_for_others_and_404_for_programme_admins(
    alice: User, pat_client: Client
) -> None:
    # Others are refused before the lookup, so an id says nothing about what exists.
    assert client_for(alice).get("/programme/organisations/999999/").status_code == 403
    assert pat_client.get("/programme/organisations/999999/").status_code == 404


# --- the organisations list ----------------------------------------------------------------------


def test_the_list_shows_each_organisations_latest_stage_and_flags(
    world: dict[str, Organisation], pat_client: Client
) -> None:
    text = pat_client.get("/programme/").content.decode()
    assert names(text) == ["Amsterdam General", "Berlin Imaging", "Cologne Clinic", "Delft Medical"]
    row = {name: text.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0] for name in names(text)}
    assert "Stage 3" in row["Amsterdam General"] and "Validated" not in row["Amsterdam General"]
    assert "Stage 5" in row["Berlin Imaging"] and "badge-validated" in row["Berlin Imaging"]
    # A draft's provisional stage is not the organisation's stage.
    assert "nothing submitted" in row["Cologne Clinic"] and "Stage 2" not in row["Cologne Clinic"]
    # An expired validation no longer counts as validated.
    assert "Stage 4" in row["Delft Medical"] and "badge-validated" not in row["Delft Medical"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "berl"}, ["Berlin Imaging"]),
        ({"q": "  GENERAL "}, ["Amsterdam General"]),
        ({"country": "DE"}, ["Berlin Imaging", "Cologne Clinic"]),
        ({"org_type": "imaging_centre"}, ["Berlin Imaging"]),
        ({"stage": "4"}, ["Delft Medical"]),
        ({"stage": "none"}, ["Cologne Clinic"]),
        ({"validated": "yes"}, ["Berlin Imaging"]),
        ({"validated": "no"}, ["Amsterdam General", "Cologne Clinic", "Delft Medical"]),
        ({"verified": "no"}, ["Cologne Clinic", "Delft Medical"]),
        ({"country": "NL", "stage": "3", "verified": "yes"}, ["Amsterdam General"]),
    ],
)
def test_search_and_filters_narrow_the_list(
    world: dict[str, Organisation], pat_client: Client, query: dict[str, str], expected: list[str]
) -> None:
    response = pat_client.get("/programme/", query)
    assert response.status_code == 200
    assert names(response.content.decode()) == expected


def test_the_country_filter_offers_only_countries_with_organisations(
    world: dict[str, Organisation], pat_client: Client
) -> None:
    text = pat_client.get("/programme/").content.decode()
    select = text.split('name="country"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w*)"', select) == ["", "DE", "NL"]


def test_a_bad_filter_is_refused_with_a_message_naming_the_field(
    world: dict[str, Organisation], pat_client: Client
) -> None:
    response = pat_client.get("/programme/", {"stage": "9", "country": "ZZ"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Select a valid choice. 9 is not one of the available choices." in text
    assert "ZZ is not one of the available choices" in text
    assert names(text) == []


def test_the_list_is_paginated_and_pages_keep_the_filters(db: None, pat_client: Client) -> None:
    for i in range(30):
        make_organisation(f"Hospital {i:02d}", country="FR")
    make_organisation("Elsewhere", country="BE")
    first = pat_client.get("/programme/", {"country": "FR"}).content.decode()
    assert len(names(first)) == 25 and "30 organisations match these filters" in first
    assert 'href="?country=FR&amp;page=2"' in first
    second = pat_client.get("/programme/", {"country": "FR", "page": "2"}).content.decode()
    assert names(second) == [f"Hospital {i:02d}" for i in range(25, 30)]
    # A page past the end shows the last one rather than an error.
    assert names(pat_client.get("/programme/?country=FR&page=99").content.decode()) == names(second)


def test_empty_states_say_what_is_empty(db: None, pat_client: Client) -> None:
    text = pat_client.get("/programme/").content.decode()
    assert "No organisation has registered yet" in text
    make_organisation("Only One")
    text = pat_client.get("/programme/", {"q": "nothing like it"}).content.decode()
    assert "No organisation matches these filters" in text
    text = pat_client.get("/programme/certificates/").content.decode()
    assert "No validation has been decided yet" in text


# --- one organisation ----------------------------------------------------------------------------


def test_the_summary_shows_assessments_states_and_validation_history_read_only(
    world: dict[str, Organisation], pat_client: Client
) -> None:
    berlin = world["berlin"]
    text = pat_client.get(f"/programme/organisations/{berlin.pk}/").content.decode()
    assert "Berlin Imaging" in text and "Imaging centre" in text and "Verified" in text
    assert "450 beds, 180,000 imaging exams a year" in text  # grouped digits, not 180000
    request = berlin.validation_requests.get()
    assert f'href="/validation/{request.pk}/"' in text and "Decided" in text
    assert "CODE-" in text and "Valid" in text
    assert f"/programme/audit/?organisation={berlin.pk}" in text
    main = text.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert 'method="post"' not in main  # nothing to change here

    cologne = pat_client.get(f"/programme/organisations/{world['cologne'].pk}/").content.decode()
    assert "not started" in cologne and "Stage 2" not in cologne
    # A draft's answered percent comes from its answers, as on the organisation's dashboard
    # (the stored figure is the last scoring's, set on submission).
    draft = world["cologne"].assessments.get()
    for cid, value in (("SI-03", True), ("HX-02", False)):
        answer(draft, draft.created_by, cid, value)
    figure = assessment_rows(organisation=world["cologne"])[0].completeness
    cologne = pat_client.get(f"/programme/organisations/{world['cologne'].pk}/").content.decode()
    assert f"{figure:g} % answered" in cologne and figure > 0
    assert "No validation decision yet" in cologne


# --- certificates --------------------------------------------------------------------------------


def test_certificates_show_expiry_with_those_ending_within_90_days_highlighted(
    world: dict[str, Organisation], pat_client: Client
) -> None:
    today = timezone.localdate()
    amsterdam = world["amsterdam"]
    soon = decide(
        amsterdam.assessments.get(),
        stage=3,
        decided_on=today - dt.timedelta(days=1000),
        valid_until=today + dt.timedelta(days=20),
    )
    text = pat_client.get("/programme/certificates/").content.decode()
    rows = re.findall(r'<tr class="certificate-(\w+)">.*?</tr>', text, re.S)
    # Soonest to end first: Delft (expired), Amsterdam (20 days), Berlin (400 days).
    assert rows == ["expired", "expiring", "valid"]
    assert "Expires in 20 days" in text
    expiring = pat_client.get("/programme/certificates/", {"state": "expiring"}).content.decode()
    assert soon.code in expiring and "CODE-0001" not in expiring

    # Revoked and superseded certificates are told apart and never "expiring".
    soon.revoked_at = timezone.now()
    soon.revoked_reason = "Claims not confirmed."
    soon.save()
    berlin_assessment = world["berlin"].assessments.get()
    newer = decide(
        berlin_assessment.organisation.assessments.create(
            title="Again",
            model_id="radiology",
            model_version="2.0.0",
            model_hash="x",
            status="validated",
            stage=6,
        ),
        stage=6,
        decided_on=today,
        valid_until=today + dt.timedelta(days=60),
    )
    text = pat_client.get("/programme/certificates/").content.decode()
    rows = re.findall(r'<tr class="certificate-(\w+)">', text)
    assert sorted(rows) == ["expired", "expiring", "revoked", "superseded"]
    assert "Claims not confirmed." in text
    expected = (("revoked", soon.code), ("superseded", "CODE-0001"), ("expiring", newer.code))
    for state, code in expected:
        filtered = pat_client.get("/programme/certificates/", {"state": state}).content.decode()
        assert re.findall(r"<code>([\w-]+)</code>", filtered) == [code], state


def test_a_bad_certificate_filter_says_so(pat_client: Client) -> None:
    response = pat_client.get("/programme/certificates/", {"state": "forever"})
    assert response.status_code == 400
    assert "forever is not one of the available choices" in response.content.decode()


# --- models ------------------------------------------------------------------------------------


def test_models_lists_every_installed_version_with_counts_and_the_benchmarked_one(
    world: dict[str, Organisation], pat_client: Client
) -> None:
    text = pat_client.get("/programme/models/").content.decode()
    latest, older = shipped_model(version="2.0.0"), shipped_model(version="1.0.0")
    two = text.split("radiology 2.0.0", 1)[1].split("</section>", 1)[0]
    one = text.split("radiology 1.0.0", 1)[1].split("</section>", 1)[0]
    assert "latest" in two and "benchmarked" in two
    assert "latest" not in one and "benchmarked" not in one and "not compared" in one
    assert f"{len(latest.criteria)} in 10 focus areas" in two
    assert f"{len(older.criteria)} in 10 focus areas" in one
    gating_1 = sum(1 for c in latest.criteria if c.gating and c.stage == 1)
    assert f"stage 1: {gating_1} criteria" in two
    assert "strict: a stage or branch needs every one of its applicable criteria met" in two
    # World: three submitted/validated and one draft on 2.0.0 (by status).
    assert "2 validated" in two and "1 submitted" in two and "1 draft" in two
    assert "none yet" in one


def test_the_console_reads_a_bounded_number_of_queries(
    world: dict[str, Organisation], pat_client: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert pat_client.get("/programme/").status_code == 200
        return len(captured)

    few = queries()
    for i in range(20):
        org = make_organisation(f"More {i:02d}", country="BE")
        decide(
            org.assessments.create(
                title="T", model_id="radiology", model_version="2.0.0", stage=4, status="validated"
            ),
            stage=4,
            decided_on=timezone.localdate(),
            valid_until=timezone.localdate() + dt.timedelta(days=10),
        )
    assert queries() == few


def test_the_console_counts_what_waits_for_the_programme(
    world: dict[str, Organisation], pat_client: Client, django_assert_max_num_queries
) -> None:
    today = timezone.localdate()
    # Delft's certificate expired last month and Berlin's runs 400 days: 1 expired, 0 expiring.
    decide(
        world["amsterdam"].assessments.get(),
        stage=3,
        decided_on=today - dt.timedelta(days=1000),
        valid_until=today + dt.timedelta(days=20),
    )
    # Revoked, and ending within 90 days: counted neither as expiring nor as expired.
    decide(
        world["delft"].assessments.create(
            title="Earlier",
            model_id="radiology",
            model_version="2.0.0",
            model_hash="x",
            status="validated",
            stage=4,
        ),
        stage=4,
        decided_on=today - dt.timedelta(days=4 * 365),
        valid_until=today + dt.timedelta(days=10),
        revoked=True,
    )
    # Nothing open: the queue's table is not shown.
    # session, user, the OTP device, the countries offered, the organisations' count and page,
    # the open requests' states, pending verifications, both certificate counts, memberships.
    with django_assert_max_num_queries(10):
        text = pat_client.get("/programme/").content.decode()
    assert "1 expiring within 90 days, 1 expired." in text
    assert "0 waiting for validators, 0 in review." in text
    assert "console-queue" not in text

    ValidationRequest.objects.create(
        assessment=world["cologne"].assessments.get(),
        organisation=world["cologne"],
        state=RequestState.REQUESTED,
        self_assessed_stage=2,
        contact_name="Contact",
        contact_email="contact@example.org",
        proposed_dates="any",
    )
    text = pat_client.get("/programme/").content.decode()
    assert "1 waiting for validators, 0 in review." in text
    queue = text.split('class="console-queue"', 1)[1].split("</table>", 1)[0]
    assert "Cologne Clinic" in queue and "none yet" in queue

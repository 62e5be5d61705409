"""Expert validation end to end in a real browser, then public recognition checked from outside.

From a submitted assessment: the organisation requests validation; a programme admin assigns
a validator; the validator reviews every claimed criterion and requests evidence on one; the
organisation answers with a file; the validator accepts it, records the site visit and
decides. Then the registry, the badge and the verification page show the validated stage, and
the downloaded credential verifies offline with `diam verify` against the published keys.
The programme accepts any stage here (setting), so the claimed criteria are stage 1's eight.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from diam.web.accounts.models import ProgrammeRole, Role
from diam.web.assessments.models import Answer
from diam.web.assessments.services import assessment_create, assessment_submit, model_for
from diam.web.validation import keys
from tests.e2e.conftest import axe_violations, watch_csp
from tests.web.factories import PASSWORD, make_member, make_organisation, make_user
from tests.web.reports.conftest import met_value

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def signed_in(browser: Browser, base: str, email: str) -> Page:
    page = open_contexts(browser).new_page()
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.wait_for_load_state("load")
    if "/account/two-factor/setup/" in page.url:
        # Programme admins and validators enrol an authenticator app at their first sign-in:
        # read the key the page shows, as an app would, and give the code it makes.
        page.fill("input[name=code]", totp_code(page.locator(".totp-key").inner_text()))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.get_by_role("link", name=re.compile("I have saved them")).click()
        page.wait_for_load_state("load")
    return page


def totp_code(shown_key: str) -> str:
    import base64

    from django_otp.oath import TOTP

    key = "".join(shown_key.split())
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    return f"{TOTP(secret).token():06d}"


_contexts: list = []


_csp: list[list[str]] = []  # Content-Security-Policy violations of every page opened


def open_contexts(browser: Browser):
    context = browser.new_context(accept_downloads=True)
    context.on("page", lambda page: _csp.append(watch_csp(page)))
    _contexts.append(context)
    return context


@pytest.fixture(autouse=True)
def close_contexts():
    """Close every browser context before the live server stops: a keep-alive connection
    left open makes its request thread close the shared SQLite connection from the wrong
    thread during shutdown."""
    yield
    while _contexts:
        _contexts.pop().close()


@pytest.fixture
def setup(settings, tmp_path: Path):
    settings.DIAM_VALIDATION_MIN_STAGE = 0
    settings.MEDIA_ROOT = tmp_path / "evidence"
    settings.DIAM_CREDENTIAL_KEY_DIR = tmp_path / "keys"
    keys.key_create()
    org = make_organisation("Rivertown General Hospital")
    alice = make_user("alice@rivertown.example.org", "Alice Admin")
    make_member(alice, org, Role.ADMIN)
    make_user("pam@programme.example.org", "Pam Programme", programme_role=ProgrammeRole.ADMIN)
    make_user("val@programme.example.org", "Val Idator", programme_role=ProgrammeRole.VALIDATOR)
    assessment = assessment_create(organisation=org, user=alice, title="Imaging IT 2027")
    stage_1 = [c for c in model_for(assessment).criteria if c.group == "S1"]
    Answer.objects.bulk_create(
        Answer(assessment=assessment, criterion_id=c.id, value=met_value(c), updated_by=alice)
        for c in stage_1
    )
    assessment_submit(assessment=assessment, user=alice)
    return assessment, [c.id for c in stage_1]


def test_validation_from_request_to_a_publicly_verifiable_stage(
    browser: Browser, live_server, setup, tmp_path: Path, settings
) -> None:
    settings.SITE_URL = live_server.url
    assessment, claimed = setup
    base = live_server.url

    # The organisation's admin requests validation from the results page.
    alice = signed_in(browser, base, "alice@rivertown.example.org")
    alice.goto(f"{base}/a/{assessment.pk}/results/")
    alice.get_by_role("link", name="Request validation").click()
    alice.get_by_label("Proposed dates for a site visit").fill("10-12 March or 24-26 March")
    alice.get_by_role("button", name="Request validation").click()
    expect(alice.locator("h1")).to_contain_text("Validation of Rivertown General Hospital")
    validation_url = alice.url
    assert axe_violations(alice) == []

    # The programme admin finds it waiting and assigns the validator.
    pam = signed_in(browser, base, "pam@programme.example.org")
    pam.get_by_role("link", name=re.compile("Waiting for you")).click()
    pam.get_by_role("link", name="Assign validators").click()
    pam.get_by_label("Validator", exact=True).select_option(
        label="Val Idator (val@programme.example.org)"
    )
    pam.get_by_role("button", name="Assign").click()
    expect(pam.locator(".messages")).to_contain_text("Val Idator is assigned")

    # The validator reviews: evidence requested on SI-01, every other claim accepted.
    val = signed_in(browser, base, "val@programme.example.org")
    val.get_by_role("link", name=re.compile("Waiting for you")).click()
    val.get_by_role("link", name="Review criteria").click()
    val.get_by_role("link", name="SI-01", exact=True).click()
    assert axe_violations(val) == []
    val.get_by_label("Request evidence").check()
    val.get_by_label("Message to the organisation").fill("Please send the network diagram.")
    val.get_by_role("button", name="Save verdict").click()
    for _ in range(len(claimed) - 1):
        expect(val.locator("#verdict-heading")).to_be_visible()
        val.get_by_label("Accept").check()
        val.get_by_role("button", name="Save verdict").click()
    expect(val.locator("#review-heading")).to_be_visible()  # back on the overview

    # The organisation answers the evidence request with a file.
    alice.get_by_role("link", name=re.compile("Waiting for you")).click()
    alice.get_by_role("link", name="Answer evidence requests").click()
    alice.get_by_role("link", name="SI-01", exact=True).click()
    expect(alice.get_by_text("Please send the network diagram.")).to_be_visible()
    alice.get_by_label("Your answer").fill("The current diagram is attached.")
    alice.get_by_label("Evidence file").set_input_files(
        {"name": "network-diagram.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    alice.get_by_role("button", name="Send the answer").click()
    expect(alice.locator(".messages")).to_contain_text("Your answer on SI-01 is sent")

    # The validator accepts SI-01, records the visit and decides.
    val.goto(validation_url)
    val.get_by_role("link", name="SI-01", exact=True).click()
    expect(val.get_by_role("link", name="network-diagram.pdf").first).to_be_visible()
    val.get_by_label("Accept").check()
    val.get_by_role("button", name="Save verdict").click()
    val.get_by_role("link", name="Site visit").click()
    val.get_by_label("Date of the visit").fill(_today())
    val.get_by_label("Participants").fill("CIO, PACS administrator, radiology manager")
    val.get_by_label("Radiology").check()
    val.get_by_label("Strengths").fill("One worklist across sites.")
    val.get_by_role("button", name="Save the site visit").click()
    expect(val.locator(".messages")).to_contain_text("site visit is recorded")
    val.get_by_role("link", name="Decide").click()
    expect(val.get_by_text(re.compile("computes validated stage 1"))).to_be_visible()
    val.get_by_label("Narrative").fill("Every claim was seen in use on site.")
    val.get_by_role("button", name=re.compile("Decide")).click()
    expect(val.locator("#decision-heading")).to_contain_text("validated stage 1")

    # The organisation sees the decision, lists itself, downloads the credential.
    alice.goto(validation_url)
    expect(alice.locator("#decision-heading")).to_contain_text("validated stage 1")
    expect(alice.get_by_text("Every claim was seen in use on site.")).to_be_visible()
    code = alice.locator("dd code").first.inner_text()
    alice.get_by_role("link", name="Registry listing and badge").click()
    alice.get_by_label("List us in the public registry of validated organisations").check()
    alice.get_by_role("button", name="Save").click()
    expect(alice.locator(".messages")).to_contain_text("Registry listing saved")
    badge_url = alice.locator("img[alt*='validation badge']").get_attribute("src")
    assert badge_url
    alice.goto(validation_url)
    with alice.expect_download() as download:
        alice.get_by_role("link", name="Signed credential (JSON)").click()
    credential = tmp_path / "credential.json"
    download.value.save_as(credential)

    # Outside: the registry, the badge and the verification page show it.
    public = open_contexts(browser).new_page()
    public.goto(f"{base}/registry/")
    row = public.locator("tr", has_text="Rivertown General Hospital")
    expect(row).to_contain_text("Valid")
    assert axe_violations(public) == []
    badge = public.request.get(badge_url)
    assert badge.ok and "Validated stage 1" in badge.text()
    public.goto(f"{base}/verify/")
    public.get_by_label("Certificate code").fill(code)
    public.get_by_role("button", name="Verify").click()
    expect(public.locator("#result-heading")).to_have_text("Confirmed: a valid validation")
    assert axe_violations(public) == []
    assert [v for page in _csp for v in page] == []  # every page worked under the strict CSP

    # Offline: the credential verifies with the keys the programme publishes.
    published = tmp_path / "keys.json"
    published.write_bytes(public.request.get(f"{base}/keys/credentials.json").body())
    done = subprocess.run(
        [sys.executable, "-m", "diam.cli", "verify", str(credential), "--keys", str(published)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VALID" in done.stdout and "Rivertown General Hospital" in done.stdout


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()

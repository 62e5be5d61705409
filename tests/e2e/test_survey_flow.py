"""A department's whole journey in a real browser: sign up, invite, answer together, submit.

Runs Debian's Chromium through Playwright against the live server, and audits the survey and
results pages with axe-core (no serious or critical violations).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.e2e.conftest import axe_violations, watch_csp

# One xdist worker runs the heavy whole-server tests (browsers, the crash test) one after another.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("whole-server"),
]

PASSWORD = "a long demo passphrase 42"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/signup/")
    page.get_by_label("Organisation name").fill("Rivertown General Hospital")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Beds").fill("420")
    page.get_by_label("Your name").fill("Alice Admin")
    page.get_by_label("E-mail").fill("alice@rivertown.example.org")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Register the organisation").click()
    expect(page.locator("h1")).to_contain_text("Rivertown General Hospital")


def answer_percent(page: Page, cid: str, value: str) -> None:
    # htmx binds its autosave handlers on load; a change fired earlier would go unheard.
    page.wait_for_load_state("load")
    field = page.locator(f"#q-{cid}-value")
    field.fill(value)
    field.dispatch_event("change")


def test_a_department_signs_up_answers_together_and_sees_an_honest_stage(
    page: Page, live_server
) -> None:
    base = live_server.url
    sign_up(page, base)

    # Invite a colleague; the e-mail carries a working link.
    page.get_by_role("link", name=re.compile("Members")).first.click()
    page.get_by_label("E-mail").fill("bob@rivertown.example.org")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text("bob@rivertown.example.org")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    invite_path = re.sub(r"^https?://[^/]+", "", link.group(0))

    # Start an assessment and answer in two sections (autosave through htmx).
    page.goto(base + "/")
    page.get_by_role("button", name=re.compile("Start a new assessment")).click()
    # The survey starts with the service profile: a department without children or therapy.
    page.wait_for_url(re.compile(r"/profile/"))
    expect(page.locator("#profile-heading")).to_contain_text("Service profile")
    page.locator("input[name=paediatrics][value=no]").check()
    page.locator("input[name=radionuclide-therapy][value=no]").check()
    page.locator("input[name=ct][value=yes]").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save and continue to the survey").click()
    page.wait_for_url(re.compile(r"/s/SI/"))
    expect(page.locator(".messages")).to_contain_text("criteria do not apply")
    expect(page.locator("#q-SI-01")).to_be_visible()
    answer_percent(page, "SI-01", "99")
    expect(page.locator("#q-SI-01-status")).to_contain_text("Saved", timeout=10_000)
    expect(page.locator("#q-SI-01-state")).to_contain_text("met at ≥ 95 %")  # the pass mark
    # A save may reload the page (skip logic): wait until nothing is loading any more, so the
    # next answer goes to the page that stays.
    page.wait_for_load_state("networkidle")
    page.locator("#q-SI-03-yes").check()
    expect(page.locator("#q-SI-03-status")).to_contain_text("Saved", timeout=10_000)

    # A validation error: 141 % is refused inline and nothing is saved.
    answer_percent(page, "SI-02", "141")
    expect(page.locator("#q-SI-02-err-value")).to_contain_text("between 0 and 100", timeout=10_000)

    # Evidence: attach a file (swapped in by htmx), audited below with its Remove button.
    evidence = page.locator("#q-SI-01-evidence")
    evidence.locator("input[type=file]").set_input_files(
        {"name": "pacs-contract.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    evidence.get_by_role("button", name="Upload").click()
    expect(page.locator("#q-SI-01-evidence")).to_contain_text("pacs-contract.pdf", timeout=10_000)

    assert axe_violations(page) == []

    # Attached by mistake: removed after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove pacs-contract.pdf").click()
    expect(page.locator("#q-SI-01-evidence")).to_contain_text("No files attached", timeout=10_000)

    survey_url = page.url
    page.get_by_role("link", name=re.compile("Health information exchange")).first.click()
    page.wait_for_url(re.compile(r"/s/HX/"))
    answer_percent(page, "HX-01", "97")
    expect(page.locator("#q-HX-01-status")).to_contain_text("Saved", timeout=10_000)

    # The colleague accepts the invitation in another browser context and answers too.
    bob = page.context.browser.new_context().new_page()
    bob_violations = watch_csp(bob)
    bob.goto(base + invite_path)
    bob.get_by_label("Your name").fill("Bob Colleague")
    bob.locator("input[name=password1]").fill(PASSWORD)
    bob.locator("input[name=password2]").fill(PASSWORD)
    bob.get_by_role("button", name=re.compile("Accept|Join|Create")).click()
    bob.goto(survey_url)
    bob.wait_for_load_state("load")
    bob.locator("#q-SI-04").scroll_into_view_if_needed()
    bob.locator("#q-SI-04 input[type=radio]").last.check()
    expect(bob.locator("#q-SI-04-status")).to_contain_text("Saved", timeout=10_000)
    assert bob_violations == []
    bob.context.close()

    # Reload: every answer is kept, the refused one is not.
    page.goto(survey_url)
    expect(page.locator("#q-SI-01-value")).to_have_value("99")
    expect(page.locator("#q-SI-03-yes")).to_be_checked()
    expect(page.locator("#q-SI-04 input[type=radio]").last).to_be_checked()
    expect(page.locator("#q-SI-02-value")).to_have_value("")

    # Submit (locks the survey) and see the stage and the radar chart.
    page.get_by_role("link", name=re.compile("Review and submit|Submit")).first.click()
    page.get_by_role("button", name=re.compile("Submit")).click()
    page.goto(survey_url)
    expect(page.locator("#q-SI-01-value")).to_have_count(0)  # read-only once submitted
    page.get_by_role("link", name=re.compile("Results")).first.click()
    expect(page.locator("#stage-heading")).to_contain_text("Final stage 0")
    expect(page.locator(".stage-badge")).to_contain_text("0")
    expect(page.locator(".chart-radar svg")).to_be_visible()
    expect(page.get_by_text("not an official DIAM", exact=False).first).to_be_visible()
    assert axe_violations(page) == []

"""A repeat assessment in a real browser (issue 10): the organisation starts its new assessment
from the previous one, confirms one carried answer and then a whole section, confirms the rest,
submits, and sees its progress over time and the comparison. Axe runs on the new pages at
1280 px and 390 px wide."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from diam.web.accounts.models import Role
from diam.web.assessments.models import Answer, Assessment
from diam.web.assessments.services import assessment_create, assessment_submit, model_for
from tests.e2e.conftest import axe_violations, watch_csp
from tests.web.factories import PASSWORD, make_member, make_organisation, make_user
from tests.web.reports.conftest import met_value

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)


@pytest.fixture
def previous():
    org = make_organisation("Lakeside Imaging Centre")
    alice = make_user("alice@lakeside.example.org", "Alice Admin")
    make_member(alice, org, Role.ADMIN)
    earlier = assessment_create(organisation=org, user=alice, title="Imaging IT 2026")
    model = model_for(earlier)
    earlier.services = {s.id: True for s in model.manifest.services}
    earlier.save(update_fields=["services"])
    Answer.objects.bulk_create(
        Answer(assessment=earlier, criterion_id=cid, value=met_value(c), updated_by=alice)
        for cid in ("SI-01", "SI-02", "HX-01")
        for c in [model.criteria_by_id[cid]]
    )
    return assessment_submit(assessment=earlier, user=alice)


def axe_at_both_widths(page: Page) -> list[str]:
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found += [f"{width}px {v}" for v in axe_violations(page)]
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


def test_an_organisation_repeats_its_assessment_from_the_previous_one(
    browser: Browser, live_server, previous
) -> None:
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    csp = watch_csp(page)
    try:
        page.goto(f"{base}/login/")
        page.locator("input[name=username]").fill("alice@lakeside.example.org")
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Sign in")).click()
        page.goto(f"{base}/o/{previous.organisation_id}/")

        # The previous assessment is the default start; a blank one is the other choice.
        start = page.get_by_label(re.compile("Imaging IT 2026"))
        expect(start).to_be_checked()
        assert axe_at_both_widths(page) == []
        page.get_by_label("Title").fill("Imaging IT 2027")
        page.get_by_role("button", name="Start a new assessment").click()
        expect(page.locator(".messages")).to_contain_text("3 answers carried forward")
        new = Assessment.objects.get(title="Imaging IT 2027")

        # The survey marks carried answers; one is confirmed with its own button (htmx).
        page.goto(f"{base}/a/{new.pk}/s/SI/")
        expect(page.locator("#q-SI-01-carried")).to_contain_text(
            "Carried from Imaging IT 2026, please confirm"
        )
        assert axe_at_both_widths(page) == []
        page.get_by_role("button", name="Confirm SI-01").click()
        expect(page.locator("#q-SI-01-carried")).to_have_count(0)
        expect(page.locator("#carried-section")).to_contain_text("Confirm all in this section (1)")
        # ... and the rest of the section at once.
        page.get_by_role("button", name="Confirm all in this section (1)").click()
        expect(page.locator(".messages")).to_contain_text("1 carried answer in SI confirmed")
        expect(page.locator(".carried-note")).to_have_count(0)

        # Submitting waits for the carried answer left in another section.
        page.goto(f"{base}/a/{new.pk}/submit/")
        expect(page.locator("#carried-heading")).to_be_visible()
        expect(page.get_by_role("button", name="Submit and lock the assessment")).to_have_count(0)
        page.get_by_role("link", name=re.compile("^HX ")).first.click()
        page.get_by_role("button", name=re.compile("Confirm all in this section")).click()
        page.goto(f"{base}/a/{new.pk}/submit/")
        page.get_by_role("button", name="Submit and lock the assessment").click()
        expect(page.locator(".messages")).to_contain_text("is submitted and locked")
        assert Answer.objects.filter(assessment=new, carried=True).count() == 0

        # Progress over time: both assessments, and their comparison.
        page.goto(f"{base}/o/{previous.organisation_id}/")
        page.get_by_role("link", name="Progress over time").click()
        expect(page.locator(".timeline-table")).to_contain_text("Imaging IT 2027")
        assert axe_at_both_widths(page) == []
        page.get_by_role("button", name="Compare").click()
        expect(page.locator("h2#summary-heading")).to_contain_text(
            "From Imaging IT 2026 to Imaging IT 2027"
        )
        assert axe_at_both_widths(page) == []
        assert csp == []
    finally:
        context.close()

"""The demo hospital reads its gap report, downloads the PDF, compares itself with peers, and
moves last year's assessment (model 1.0.0) to model 2.0.0 through the preview."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from diam.web.core.demo import DEMO_PASSWORD, demo_load
from tests.e2e.conftest import axe_violations

# One xdist worker runs the heavy whole-server tests (browsers, the crash test) one after another.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("whole-server"),
]


def test_demo_admin_downloads_the_report_and_sees_peer_benchmarks(
    page: Page, live_server, settings
) -> None:
    # No background worker runs here: the "being prepared" page renders the file itself after
    # this wait (one second instead of five).
    settings.REPORT_WORKER_WAIT_SECONDS = 1
    settings.DIAM_DEMO_MODE = True  # demo figures are shown only in demo mode (what make run does)
    demo_load(organisations=60, seed=5)
    base = live_server.url
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill("admin@demo.example.org")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page.locator("h1")).to_contain_text("Demo University Hospital")

    page.get_by_role("link", name="Baseline assessment").first.click()
    page.get_by_role("link", name="Gap report").first.click()
    expect(page.get_by_role("heading", name=re.compile("Roadmap")).first).to_be_visible()
    assert axe_violations(page) == []
    # The first PDF of this state is prepared while a page says so, then downloads by itself.
    with page.expect_download(timeout=180_000) as download:  # a loaded machine is slow
        page.get_by_role("link", name=re.compile("^PDF")).first.click()
        expect(page.get_by_role("heading", name="Your PDF is being prepared")).to_be_visible()
        assert axe_violations(page) == []
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    expect(page.get_by_text("Your PDF is ready.")).to_be_visible()
    # Stored now: the next download is the same file, at once.
    page.go_back()
    with page.expect_download(timeout=10_000) as again:
        page.get_by_role("link", name=re.compile("^PDF")).first.click()
    assert again.value.path().read_bytes() == pdf

    page.goto(base + "/")
    page.get_by_role("link", name="Benchmarks").first.click()
    expect(page.locator("svg").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"n\s*=\s*\d+")).first).to_be_visible()
    expect(page.get_by_text("Demo data.").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Benchmark release 1 of")).first).to_be_visible()
    assert axe_violations(page) == []

    # The pilot two years ago is on model 1.0.0: preview the move to 2.0.0, then start it.
    page.goto(base + "/")
    page.get_by_role("link", name="Pilot assessment").first.click()
    page.get_by_role("link", name="Results").first.click()
    expect(page.locator(".stage-why")).to_contain_text("Stage 1")
    page.get_by_role("link", name=re.compile("See what moving to 2.0.0 would change")).click()
    expect(page.locator("#upgrade-heading")).to_contain_text("Move to model version 2.0.0")
    expect(page.get_by_text("Carried, please confirm").first).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start a new draft on 2.0.0").click()
    page.wait_for_url(re.compile(r"/profile/"))
    expect(page.locator(".messages")).to_contain_text("answers carried over")

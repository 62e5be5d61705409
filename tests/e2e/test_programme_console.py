"""A programme admin signs in with the second factor, lands on the programme console, filters
the organisations and opens one, then reads the certificates: at 1280 and 390 px wide, with
axe-core finding nothing serious and no page wider than the screen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from diam.web.accounts.models import ProgrammeRole
from tests.e2e.conftest import axe_violations
from tests.web.benchmarks.conftest import submitted, verify
from tests.web.factories import PASSWORD, make_organisation, make_user
from tests.web.programme.conftest import decide

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("whole-server"),
]


def fits(page: Page) -> bool:
    """Nothing forces the page wider than the window (wide tables scroll in their own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_programme_admin_runs_the_programme_from_the_console(page: Page, live_server) -> None:
    pat = make_user("pat@programme.example.org", "Pat", programme_role=ProgrammeRole.ADMIN)
    device = TOTPDevice.objects.create(user=pat, name="Phone", confirmed=True)
    today = timezone.localdate()
    rivertown = verify(make_organisation("Rivertown General Hospital", country="NL"))
    decide(
        submitted(rivertown, 5, validated=True),
        stage=5,
        decided_on=today - dt.timedelta(days=1000),
        valid_until=today + dt.timedelta(days=30),
    )
    make_organisation("Hilltop Imaging Centre", country="DE", org_type="imaging_centre")
    base = live_server.url

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(pat.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.locator("input[name=code]").fill(f"{code:06d}")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Programme console", level=1)).to_be_visible()
    expect(page.get_by_text("Rivertown General Hospital")).to_be_visible()
    expect(page.get_by_text("1 expiring within 90 days, 0 expired.")).to_be_visible()
    assert axe_violations(page) == []
    assert fits(page)

    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Hilltop Imaging Centre")).to_be_visible()
    expect(page.get_by_role("link", name="Rivertown General Hospital")).to_have_count(0)
    assert "country=DE" in page.url

    page.goto(f"{base}/programme/")
    page.get_by_role("link", name="Rivertown General Hospital").click()
    expect(page.get_by_role("heading", name="Rivertown General Hospital")).to_be_visible()
    expect(page.get_by_text("Expires in 30 days")).to_be_visible()
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/programme/", "/programme/certificates/", "/programme/models/"):
        page.goto(base + path)
        assert axe_violations(page) == [], path
        assert fits(page), path
    expect(page.get_by_role("heading", name="radiology 2.0.0")).to_be_visible()

"""Data in and out in a real browser: fill the workbook offline and upload it, export FHIR and
import it back as a new draft, and read the API documentation offline under a strict CSP."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from diam.web.accounts.models import Organisation, Role
from diam.web.assessments.models import Answer, Assessment
from tests.e2e.conftest import axe_violations
from tests.web.factories import PASSWORD, make_assessment, make_member, make_organisation, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _fill_offline(path: Path) -> None:
    """What a person does in Excel: state two services, answer three rows, one of them N/A."""
    book = load_workbook(path)
    profile = book["Service profile"]
    for row in range(2, profile.max_row + 1):
        service = profile.cell(row=row, column=1).value
        if service in ("ct", "ai"):
            profile.cell(row=row, column=4).value = "Yes" if service == "ct" else "No"
    for ws in book.worksheets:
        for row in range(2, ws.max_row + 1):
            cid = ws.cell(row=row, column=1).value
            if cid == "SI-01":
                ws.cell(row=row, column=8).value = 99
            elif cid == "SI-02":
                ws.cell(row=row, column=8).value = 92
                ws.cell(row=row, column=11).value = "CT 3 still keyed by hand"
            elif cid == "WS-06":
                ws.cell(row=row, column=9).value = "N/A"
                ws.cell(row=row, column=10).value = "No interface leaves the device network"
    book.save(path)


def test_fill_the_workbook_offline_upload_it_and_round_trip_through_fhir(
    page: Page, live_server: Any, tmp_path: Path
) -> None:
    org: Organisation = make_organisation("Rivertown General")
    alice = make_user("alice@rivertown.example.org", "Alice Admin")
    make_member(alice, org, Role.ADMIN)
    assessment = make_assessment(org, alice)
    base = live_server.url
    _sign_in(page, base, alice.email)

    page.goto(f"{base}/a/{assessment.pk}/")
    page.get_by_role("link", name="Import and export").click()
    expect(page.locator("h2#offline-heading")).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (XLSX)").click()
    workbook = tmp_path / "workbook.xlsx"
    download.value.save_as(workbook)
    _fill_offline(workbook)
    page.get_by_label("Filled-in workbook").set_input_files(str(workbook))
    page.get_by_role("button", name="Upload and apply the workbook").click()
    expect(page.locator(".messages")).to_contain_text("3 answer(s) changed")
    expect(page.locator(".messages")).to_contain_text("service profile was updated")
    answers = {a.criterion_id: a for a in Answer.objects.filter(assessment=assessment)}
    assert answers["SI-02"].value == 92 and answers["WS-06"].na
    profile = {"ct": True, "ai": False}
    assert Assessment.objects.get(pk=assessment.pk).services == profile

    # A broken row: the page lists it and nothing changes.
    book = load_workbook(workbook)
    ws = book[next(name for name in book.sheetnames if name.startswith("SI "))]
    ws.cell(row=2, column=8).value = 250
    book.save(workbook)
    page.get_by_label("Filled-in workbook").set_input_files(str(workbook))
    page.get_by_role("button", name="Upload and apply the workbook").click()
    expect(page.locator("#problems")).to_contain_text("a percentage must be between 0 and 100")
    assert Answer.objects.get(assessment=assessment, criterion_id="SI-01").value == 99

    # Export the answers as FHIR, import them back as a new draft: nothing lost.
    with page.expect_download() as download:
        page.get_by_role("link", name="R5").first.click()
    fhir_file = tmp_path / "response.json"
    download.value.save_as(fhir_file)
    page.goto(f"{base}/o/{org.pk}/data/")
    assert axe_violations(page) == []
    page.get_by_label("File (at most").set_input_files(str(fhir_file))
    page.get_by_label("Title of the new assessment").fill("From FHIR")
    page.get_by_role("button", name="Import as a new draft").click()
    expect(page.locator(".messages")).to_contain_text("as a new draft, From FHIR")
    copy = Assessment.objects.get(title="From FHIR")
    copied = {a.criterion_id: a.snapshot() for a in Answer.objects.filter(assessment=copy)}
    assert copied == {cid: a.snapshot() for cid, a in answers.items()}
    assert copy.services == profile


def test_the_api_docs_work_offline_under_a_strict_csp(page: Page, live_server: Any) -> None:
    blocked: list[str] = []
    external: list[str] = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    def with_csp(route: Any) -> None:
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
        )

    page.route(f"{live_server.url}/api/docs", with_csp)
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("diam API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.locator(".opblock").count() >= 15
    assert external == [], external
    assert blocked == [], blocked


def test_workbook_opens_in_a_browser_download_without_login_for_blank(
    page: Page, live_server: Any
) -> None:
    from diam.paths import latest_version

    version = latest_version("radiology")
    response = page.request.get(f"{live_server.url}/models/radiology/{version}/workbook.xlsx")
    assert response.ok
    book = load_workbook(io.BytesIO(response.body()))
    assert book["_diam"]["B4"].value == version

"""Bad target stages and branch orders: a clear message (page) or a plain 400, never a 500."""

from __future__ import annotations

import pytest

from tests.web.reports.conftest import DOWNLOADS, PAGE, fill_all_met

BAD = [
    ("target=abc", "must be a stage number"),
    ("target=2", "not above the current stage (3)"),
    ("target=3", "not above the current stage (3)"),
    ("target=9", "target stage 9 does not exist"),
    ("target=0", "target stage 0 does not exist"),
    ("target=-1", "target stage -1 does not exist"),
    ("target=99999999999", "must be a stage number"),
    ("target=%C2%B2", "must be a stage number"),  # a superscript two is a digit to Python
    ("branch_order=ABD", "unknown branch D"),
    ("branch_order=AAB", "only once"),
    ("branch_order=1", "must be branch letters"),
    ("branch_order=" + "A" * 50, "must be branch letters"),
    ("target=5&branch_order=%3Cscript%3E", "must be branch letters"),
]


@pytest.mark.parametrize(("query", "message"), BAD)
def test_the_page_explains_and_shows_the_default_report(
    alice_client, filled, query, message
) -> None:
    response = alice_client.get(PAGE.format(pk=filled.pk) + "?" + query)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and "These report options cannot be used." in page
    assert message.lower() in page.lower()
    assert "<strong>Target:</strong> Stage 4: " in page  # the default, which downloads follow
    assert f'href="/a/{filled.pk}/report.pdf"' in page
    assert "<script>" not in page.split('<main id="main"')[1]


@pytest.mark.parametrize("url", DOWNLOADS)
@pytest.mark.parametrize(("query", "message"), BAD[:3] + BAD[8:10])
def test_downloads_answer_400_in_plain_text(alice_client, filled, url, query, message) -> None:
    response = alice_client.get(url.format(pk=filled.pk) + "?" + query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Content-Disposition" not in response
    assert message.lower() in response.content.decode().lower()


def test_empty_parameters_mean_the_defaults(alice_client, filled) -> None:
    response = alice_client.get(PAGE.format(pk=filled.pk) + "?target=&branch_order=")
    assert response.status_code == 200
    assert "These report options cannot be used." not in response.content.decode()


def test_at_the_highest_stage_there_is_nothing_to_choose(alice_client, alice, assessment) -> None:
    fill_all_met(assessment, alice)
    response = alice_client.get(PAGE.format(pk=assessment.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stage 7 is the highest stage of this model" in page
    assert 'name="target"' not in page
    # A bookmark made earlier ("plan toward stage 4") is now stale: said, not a 500.
    stale = alice_client.get(PAGE.format(pk=assessment.pk) + "?target=4")
    assert stale.status_code == 400
    assert "already at stage 7" in stale.content.decode()

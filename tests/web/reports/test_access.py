"""Every report URL goes through assessment_get_for_user: 404 outside, any member reads."""

from __future__ import annotations

import pytest

from tests.web.reports.conftest import ALL_URLS, PAGE, download

CHEAP = [u for u in ALL_URLS if not u.endswith(".pdf")]


@pytest.mark.parametrize("url", ALL_URLS)
def test_another_organisation_gets_404(carol_client, filled, url) -> None:
    assert carol_client.get(url.format(pk=filled.pk)).status_code == 404
    assert carol_client.get(url.format(pk=filled.pk) + "?target=5").status_code == 404


@pytest.mark.parametrize("url", ALL_URLS)
def test_a_missing_assessment_is_404(alice_client, url) -> None:
    assert alice_client.get(url.format(pk=987654)).status_code == 404


@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, filled, url) -> None:
    response = client.get(url.format(pk=filled.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", CHEAP)
def test_a_viewer_can_read(vic_client, filled, url) -> None:
    download(vic_client, url.format(pk=filled.pk))


def test_a_viewer_sees_the_page_read_only(vic_client, filled) -> None:
    page = vic_client.get(PAGE.format(pk=filled.pk)).content.decode()
    assert "you can read the answers and results but not change them" in page
    assert "Gap report and roadmap" in page


def test_the_stylesheet_is_public_and_holds_no_data(client) -> None:
    response = client.get("/reports/report.css")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert "public" in response["Cache-Control"]

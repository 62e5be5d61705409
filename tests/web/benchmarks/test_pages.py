"""The benchmark page, the results page's peer comparison, the public and programme pages:
figures of the latest release only, each with its n, demo data apart."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client, override_settings

from diam.stats import STAGE, area_family
from diam.web.accounts.models import Organisation
from diam.web.benchmarks import selectors
from diam.web.benchmarks.models import BenchmarkRelease
from diam.web.core.demo import DEMO_ORGANISATION, demo_load
from tests.web.benchmarks.conftest import (
    BENCH_URL,
    K,
    cut,
    numbers,
    peer,
    shown_figures,
    submitted,
    verify,
)
from tests.web.conftest import client_for


def page(client: Client, org: Organisation, query: str = "") -> str:
    response = client.get(BENCH_URL.format(pk=org.pk) + query)
    assert response.status_code == 200
    return response.content.decode()


def group_row(text: str, label: str) -> str:
    """The groups table's row whose link text is `label`."""
    match = re.search(
        r"<tr[^>]*>\s*<th scope=\"row\"><a [^>]*>" + re.escape(html.escape(label)) + r"</a></th>"
        r"(.*?)</tr>",
        text,
        re.S,
    )
    assert match, label
    return match.group(1)


@pytest.fixture
def population(org):
    """St Elsewhere (NL, large hospital, verified) among 3 NL and 12 German peers."""
    verify(org)
    for i in range(3):
        peer(f"Dutch {i}", country="NL", stage=2 + i, beds=150)
    for i in range(12):
        peer(f"German {i}", country="DE", stage=i % 6 + 1, validated=i % 2 == 0)
    return org


# --- access --------------------------------------------------------------------------------------


def test_members_see_the_page_others_get_404(
    org, alice_client, bob_client, vic_client, carol_client
) -> None:
    url = BENCH_URL.format(pk=org.pk)
    for client in (alice_client, bob_client, vic_client):
        assert client.get(url).status_code == 200
    assert carol_client.get(url).status_code == 404
    assert carol_client.get(BENCH_URL.format(pk=999_999)).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_programme_pages_are_for_programme_admins(alice_client, programme_admin) -> None:
    assert alice_client.get("/programme/statistics/").status_code == 403
    assert alice_client.post("/programme/releases/cut/").status_code == 403
    assert client_for(programme_admin).get("/programme/statistics/").status_code == 200
    anonymous = Client().get("/programme/statistics/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert Client().get("/statistics/").status_code == 200
    assert client_for(programme_admin).get("/programme/releases/cut/").status_code == 405


def test_an_organisation_not_yet_verified_sees_no_peer_figures(org, alice_client) -> None:
    for i in range(8):
        peer(f"Peer {i}", country="NL")
    text = page(alice_client, org)
    assert "No peer figures." in text and "verified" in text
    assert "data-n" not in text


# --- figures -------------------------------------------------------------------------------------


def test_the_page_shows_the_release_and_its_date(population, alice_client) -> None:
    release = cut()
    text = page(alice_client, population)
    assert f"Benchmark release 1 of {release.cut_at:%-d %B %Y}" in text
    assert "Peer figures change only with the next release" in text


def test_every_shown_figure_has_n_of_k_and_is_a_figure_of_the_release(
    population, alice_client
) -> None:
    submitted(population, 3, validated=True)
    release = cut()
    records = selectors.release_groups(release, release.groups.values_list("key", flat=True))
    allowed: set[tuple[float, int]] = set()
    for grec in records.values():
        for record in grec.records.values():
            for _, f in record.figures.figures():
                if f.shown and isinstance(f.value, int | float):
                    allowed.add((round(float(f.value), 2), f.n))
    for key in ("global", "country=NL", "region=Western+Europe", "org_type=hospital"):
        text = page(alice_client, population, f"?group={key.replace('=', '%3D')}")
        found = numbers(text)
        assert found, key
        for value, n in found:
            assert n >= K, (key, value, n)
            assert (round(value, 2), n) in allowed, (key, value, n)
        for text_value, n in shown_figures(text):
            assert n >= K, (key, text_value)


def test_small_groups_say_fewer_than_k_without_a_number(population, alice_client) -> None:
    submitted(population, 3)
    cut()
    text = page(alice_client, population)
    row = group_row(text, "Country: Netherlands")
    assert "fewer than 5 organisations" in row
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", row).replace("5 organisations", ""))
    assert "data-n" not in row
    chosen = page(alice_client, population, "?group=country%3DNL")
    section = chosen[chosen.index('id="group-heading"') :]
    assert "Not shown:</strong> fewer than 5 organisations" in section
    assert "data-n" not in section.split("</section>")[0]


def test_positions_are_bands_from_the_quartiles(population, alice_client) -> None:
    submitted(population, 6)
    cut()
    text = page(alice_client, population, "?group=global")
    row = group_row(text, "Global")
    assert re.search(r"(lowest|second|third|highest) quarter", row)
    assert "percentile" not in text.lower()


def test_there_is_no_minimum_or_maximum_anywhere(population, alice_client) -> None:
    for i in range(8):
        peer(f"More {i}", country="DE", stage=i % 8)
    cut()
    text = page(alice_client, population, "?group=global")
    charts_and_tables = " ".join(re.findall(r"<(?:svg|table)\b.*?</(?:svg|table)>", text, re.S))
    assert charts_and_tables
    assert not re.search(r"\b(range|min|max|minimum|maximum)\b", charts_and_tables.lower())


def test_an_opted_out_organisation_sees_others_but_is_not_counted(population, alice_client) -> None:
    population.benchmarking_consent = False
    population.save()
    submitted(population, 7)
    cut()
    text = page(alice_client, population, "?group=global")
    assert "does not take part in benchmarking" in text
    assert f'href="/o/{population.pk}/settings/"' in text
    assert 'data-n="15"' in group_row(text, "Global")  # the others only


def main_of(text: str) -> str:
    return text[text.index('<main id="main"') : text.index("</main>")]


def test_figures_stay_until_the_next_release(population, alice_client) -> None:
    cut()
    before = main_of(page(alice_client, population, "?group=global"))
    for i in range(6):
        peer(f"Newcomer {i}", country="DE", stage=7, branches="ABC")
    assert main_of(page(alice_client, population, "?group=global")) == before
    cut()
    assert main_of(page(alice_client, population, "?group=global")) != before


def test_the_group_switch_works_without_javascript(population, alice_client) -> None:
    submitted(population, 3)
    cut()
    text = page(alice_client, population)
    assert '<form method="get" class="group-switch">' in text
    assert '<select name="group" id="id_group">' in text
    chosen = page(alice_client, population, "?group=org_type%3Dhospital")
    assert '<h2 id="group-heading">Type: Hospital</h2>' in chosen
    unknown = page(alice_client, population, "?group=nonsense")
    assert re.search(r'<h2 id="group-heading">[^<]+</h2>', unknown)


@pytest.mark.parametrize("size", [8, 40])
def test_the_page_needs_a_bounded_number_of_queries(
    size, population, alice_client, django_assert_max_num_queries
) -> None:
    for i in range(size):
        peer(f"Peer {i}", country="NL" if i % 2 else "DE", stage=i % 8)
    submitted(population, 3)
    cut()
    page(alice_client, population)  # parses and keeps the groups
    with django_assert_max_num_queries(14):
        page(alice_client, population, "?group=global")


# --- demo data apart -----------------------------------------------------------------------------


def test_demo_organisations_never_enter_real_figures(population, alice_client) -> None:
    cut()
    before = page(alice_client, population, "?group=global")
    for i in range(10):
        peer(f"Demo {i}", country="NL", stage=7, is_demo=True)
    cut("demo")
    cut()
    after = page(alice_client, population, "?group=global")
    assert shown_figures(before) == shown_figures(after)
    assert "Demo data" not in after


def test_demo_figures_appear_only_in_demo_mode_and_labelled(db) -> None:
    demo_load(organisations=60, seed=5)
    demo = Organisation.objects.get(name=DEMO_ORGANISATION)
    client = client_for(demo.memberships.get(role="admin").user)
    with override_settings(DIAM_DEMO_MODE=False):
        text = page(client, demo)
        assert "only when diam runs in demo mode" in text and "data-n" not in text
        public = Client().get("/statistics/").content.decode()
        assert "Demo data" not in public
    with override_settings(DIAM_DEMO_MODE=True):
        text = page(client, demo)
        assert "Demo data." in text and "synthetic demonstration organisations only" in text
        assert "(synthetic demo data)" in text
        figures = shown_figures(text)
        assert figures and all(n >= K for _, n in figures)
        assert 'class="diam-chart diam-radar"' in text and 'class="diam-chart diam-box"' in text
        public = Client().get("/statistics/").content.decode()
        assert "Demo data." in public
        draft = demo.assessments.get(status="draft")
        results = client.get(f"/a/{draft.pk}/results/").content.decode()
        assert "Compared with peers" in results and "Synthetic demonstration data" in results
        assert f'href="/o/{demo.pk}/benchmarks/"' in results


# --- programme-wide ------------------------------------------------------------------------------


def test_the_public_page_names_only_places_with_figures(db) -> None:
    countries = ["NL"] * 7 + ["DE"] * 6 + ["BE"] * 2 + ["SE"] * 1 + ["US"] * 8
    for i, country in enumerate(countries):
        peer(f"Org {i}", country=country, stage=i % 8, validated=i % 3 == 0)
    release = cut()
    text = Client().get("/statistics/").content.decode()
    assert f"Benchmark release 1 of {release.cut_at:%-d %B %Y}" in text
    figures = shown_figures(text)
    assert figures and all(n >= K for _, n in figures)
    assert "Belgium" not in text and "Sweden" not in text  # 2 and 1: not even named
    assert "are not listed" in text
    assert "Over time" in text and "By quarter" in text


def test_a_programme_admin_cuts_a_release_with_the_button(programme_admin, org) -> None:
    for i in range(6):
        peer(f"Peer {i}")
    client = client_for(programme_admin)
    text = client.get("/programme/statistics/").content.decode()
    assert "Cut a new release now" in text and "Verification queue" in text
    response = client.post("/programme/releases/cut/", {"population": "real"})
    assert response.status_code == 302
    assert BenchmarkRelease.objects.filter(trigger="programme", cut_by=programme_admin).exists()
    followed = client.get(response["Location"]).content.decode()
    assert "is published" in followed


def test_kept_figures_say_since_which_release(population, alice_client) -> None:
    cut()
    peer("One more German", country="DE", stage=4)  # one change: held back
    second = cut()
    assert second.held_back == 1
    text = page(alice_client, population, "?group=global")
    assert "unchanged since release 1" in text
    group = selectors.release_groups(second, ["global"])["global"]
    assert group.records[STAGE].since == 1 and group.records[area_family("SI")].since == 1

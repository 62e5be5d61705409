"""The benchmark page, the results page's peer comparison and the programme statistics."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from diam.paths import shipped_model
from diam.stats import benchmark_for, peer_groups_for, programme_statistics
from diam.web.accounts.models import Organisation
from diam.web.core.demo import DEMO_ORGANISATION, demo_load
from tests.web.benchmarks.conftest import (
    BENCH_URL,
    entries,
    peer,
    shown_figures,
    submitted,
)
from tests.web.conftest import client_for

K = 5


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
def small_country(org):
    """St Elsewhere (NL, hospital, large) with 3 NL peers and 12 German ones, 6 validated.

    Country NL has 4 organisations (fewer than k): suppressed; so is NL + hospital.
    """
    for i in range(3):
        peer(f"Dutch {i}", country="NL", stage=2 + i, beds=150)
    for i in range(12):
        peer(f"German {i}", country="DE", stage=i % 6 + 1, validated=i % 2 == 0)
    return org


# --- access -----------------------------------------------------------------------------------


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


def test_programme_statistics_are_for_programme_admins(alice_client, programme_admin) -> None:
    assert alice_client.get("/programme/statistics/").status_code == 403
    assert client_for(programme_admin).get("/programme/statistics/").status_code == 200
    anonymous = Client().get("/programme/statistics/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert Client().get("/statistics/").status_code == 200


def test_the_dashboard_links_to_the_benchmarks(org, alice_client) -> None:
    text = alice_client.get(f"/o/{org.pk}/").content.decode()
    assert f'href="/o/{org.pk}/benchmarks/"' in text and ">Benchmarks</a>" in text


# --- figures and disclosure ---------------------------------------------------------------------


def test_small_groups_are_suppressed_with_their_reason_and_no_number(
    small_country, alice, alice_client
) -> None:
    submitted(small_country, 3)
    text = page(alice_client, small_country)
    row = group_row(text, "Country: Netherlands")
    assert "suppressed: fewer than 5 organisations" in row
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", row).replace("5 organisations", ""))
    assert "data-n" not in row
    row = group_row(text, "Country: Netherlands · Type: Hospital")
    assert "suppressed: fewer than 5 organisations" in row
    shown = group_row(text, "Global")
    assert 'data-n="16"' in shown  # 16 organisations, n shown
    # Choosing the suppressed group shows only the reason.
    chosen = page(alice_client, small_country, "?group=country%3DNL")
    section = chosen[chosen.index('id="group-heading"') :]
    assert "Suppressed:</strong> fewer than 5 organisations" in section
    assert "data-n" not in section.split("</section>")[0]


def test_no_figure_is_shown_from_fewer_than_k_and_each_matches_the_core(
    small_country, alice_client
) -> None:
    submitted(small_country, 3, validated=True)
    rows = entries()
    own = next(e for e in rows if e.organisation_id == small_country.pk)
    core = benchmark_for(
        rows,
        own,
        k=K,
        branches=["A", "B", "C"],
        focus_areas=[f.code for f in shipped_model().manifest.focus_areas],
    )
    assert [g.group for g in core.groups] == peer_groups_for(own)
    for g in core.groups:
        key = g.group.key
        text = page(alice_client, small_country, f"?group={key.replace('=', '%3D')}")
        allowed = {(round(float(f.value), 2), f.n) for _, f in g.summary.figures() if f.shown}
        for other in core.groups:  # the groups table shows every group's headline figures
            s = other.summary
            for f in (s.organisations, s.stage.median, s.stage.own_percentile):
                if f.shown:
                    allowed.add((round(float(f.value), 2), f.n))
        figures = shown_figures(text)
        assert figures, key
        for value, n in figures:
            assert n >= K, (key, value, n)
            assert (round(value, 2), n) in allowed, (key, value, n)
        # Hidden stages of a shown group are drawn and said as suppressed, not as numbers.
        if g.shown:
            desc = re.search(r'<desc id="dist-[^"]+">([^<]*)</desc>', text).group(1)
            for stage, cell in enumerate(g.summary.stage.distribution):
                said = f"Stage {stage}: suppressed" if not cell.shown else f"Stage {stage}: "
                assert said in html.unescape(desc)


def test_self_assessed_and_validated_are_told_apart(small_country, alice_client) -> None:
    for i in range(4):
        peer(f"More German {i}", country="DE", stage=4, validated=True)
    text = page(alice_client, small_country, "?group=global")
    split = text[text.index("Self-assessed and validated") :]
    split = split[: split.index("</table>")]
    validated = re.search(r"Validated by an expert review</th>(.*?)</tr>", split, re.S).group(1)
    self_assessed = re.search(r"Self-assessed \(not validated\)</th>(.*?)</tr>", split, re.S)
    assert 'data-n="10"' in validated  # 6 + 4 validated
    assert 'data-n="9"' in self_assessed.group(1)  # 3 Dutch + 6 German


def test_a_demo_population_shows_figures_with_n_and_is_labelled(db) -> None:
    demo_load(organisations=40, seed=5)
    demo = Organisation.objects.get(name=DEMO_ORGANISATION)
    client = client_for(demo.memberships.get(role="admin").user)
    text = page(client, demo)
    assert "These benchmarks include synthetic demonstration organisations" in text
    figures = shown_figures(text)
    assert figures and all(n >= K for _, n in figures)
    assert "Your latest submitted assessment is at <strong>stage 2</strong>" in text
    assert "<svg" in text and 'class="diam-chart diam-dist"' in text
    assert 'class="diam-chart diam-radar"' in text and 'class="diam-chart diam-box"' in text
    # The results page's compact comparison: global and country medians with n, and a link.
    draft = demo.assessments.get(status="draft")
    results = client.get(f"/a/{draft.pk}/results/").content.decode()
    assert "Compared with peers" in results
    assert re.search(r"<th scope=\"row\">Global</th>\s*<td><span class=\"fig\" data-n=", results)
    assert "Country: Netherlands" in results
    assert f'href="/o/{demo.pk}/benchmarks/"' in results


def test_without_a_submission_peers_are_shown_and_the_page_says_submit(
    small_country, alice_client
) -> None:
    text = page(alice_client, small_country, "?group=global")
    assert "Submit an assessment to see your position" in text
    assert 'data-n="15"' in text  # the 15 peers
    assert "Your percentile rank" in text and "submit an assessment to see it" in text


def test_an_opted_out_organisation_sees_others_but_is_not_counted(
    small_country, alice, alice_client
) -> None:
    small_country.benchmarking_consent = False
    small_country.save()
    submitted(small_country, 7)
    text = page(alice_client, small_country, "?group=global")
    assert "does not take part in benchmarking" in text
    assert "not included in other organisations" in text
    assert f'href="/o/{small_country.pk}/settings/"' in text
    row = group_row(text, "Global")
    assert 'data-n="15"' in row  # the others only
    assert 'data-n="16"' not in text


def test_the_group_switch_works_without_javascript(small_country, alice_client) -> None:
    submitted(small_country, 3)
    text = page(alice_client, small_country)
    assert '<form method="get" class="group-switch">' in text
    assert '<select name="group" id="id_group">' in text
    assert "?group=region%3DWestern+Europe" in text
    default = re.search(r'<h2 id="group-heading">([^<]*)</h2>', text).group(1)
    assert default == "Region: Western Europe"  # country suppressed: the next shown one
    chosen = page(alice_client, small_country, "?group=org_type%3Dhospital")
    assert '<h2 id="group-heading">Type: Hospital</h2>' in chosen
    unknown = page(alice_client, small_country, "?group=nonsense")
    assert '<h2 id="group-heading">Region: Western Europe</h2>' in unknown


def _population(n: int) -> None:
    for i in range(n):
        peer(f"Peer {i}", country="NL" if i % 2 else "DE", stage=i % 8, validated=i % 5 == 0)


@pytest.mark.parametrize("size", [8, 40])
def test_the_page_needs_a_bounded_number_of_queries(
    size, small_country, alice_client, django_assert_max_num_queries
) -> None:
    _population(size)
    submitted(small_country, 3)
    with django_assert_max_num_queries(12):  # first read: builds the aggregates
        page(alice_client, small_country)
    # session, user, membership + organisation, own row, snapshot version
    with django_assert_max_num_queries(5):
        page(alice_client, small_country)
    with django_assert_max_num_queries(5):
        page(alice_client, small_country, "?group=global")


# --- programme statistics -------------------------------------------------------------------------


def test_public_statistics_never_show_a_figure_below_k(db) -> None:
    countries = ["NL"] * 7 + ["DE"] * 6 + ["BE"] * 2 + ["SE"] * 1 + ["US"] * 5
    for i, country in enumerate(countries):
        peer(f"Org {i}", country=country, stage=i % 8, validated=i % 3 == 0)
    text = Client().get("/statistics/").content.decode()
    figures = shown_figures(text)
    assert figures and all(n >= K for _, n in figures)
    stats = programme_statistics(entries(), k=K)
    allowed = {(round(float(f.value), 2), f.n) for _, f in stats.figures() if f.shown}
    assert all((round(v, 2), n) in allowed for v, n in figures)
    assert "Belgium" in text and "suppressed: fewer than 5 organisations" in text
    be_row = re.search(r"<th scope=\"row\">Belgium</th>(.*?)</tr>", text, re.S).group(1)
    assert "data-n" not in be_row


def test_programme_admins_see_every_figure_and_the_opted_out_count(programme_admin) -> None:
    for i in range(3):
        peer(f"Org {i}", country="BE", stage=i)
    peer("Out", country="BE", stage=5, consent=False)
    client = client_for(programme_admin)
    text = client.get("/programme/statistics/").content.decode()
    assert "Every figure is shown (k = 1)" in text
    row = re.search(r"<th scope=\"row\">Belgium</th>(.*?)</tr>", text, re.S).group(1)
    assert 'data-n="3"' in row
    assert "1 organisation with a submitted assessment opted out" in text
    quarterly = client.get("/programme/statistics/?period=quarter").content.decode()
    assert "<strong>By quarter</strong>" in quarterly and "-Q" in quarterly

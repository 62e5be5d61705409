"""The attack suite (issue 11): each attack that recovered one organisation's exact values from
the benchmarks, played as the attacker plays it, through the real pages and exports.

Each test first checks that the attack would work on figures computed naively (so it can fail),
then reads what the product shows and fails if the attacker can compute the target's value.
The last test plays a consultant who is a member of several organisations, collects every
figure all their pages and the public page show across releases, and judges the lot with the
exact oracle: no combination may isolate fewer than k organisations.
"""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]

from diam.stats import STAGE, GroupRecord, PeerGroup, Release, band_of
from diam.web.accounts.models import Organisation
from diam.web.accounts.services import OrganisationDetails, organisation_update
from diam.web.assessments.models import Status
from diam.web.benchmarks import selectors, services
from diam.web.benchmarks.models import BenchmarkRelease, BenchmarkReleaseMember
from diam.web.core.demo import demo_load
from diam.web.verification.services import verification_decide
from tests.stats.oracle import release_leak
from tests.web.benchmarks.conftest import BENCH_URL, K, cut, peer, submitted, verify
from tests.web.conftest import client_for
from tests.web.factories import PASSWORD, make_member, make_user

# --- reading pages as the attacker does ----------------------------------------------------------


def number(cell: str) -> float | None:
    """The value of the first shown figure in an HTML fragment (None when hidden)."""
    match = re.search(r'<span class="fig" data-n="\d+"(?: title="[^"]*")?>([^<]*)<', cell)
    if match is None:
        return None
    return float(match.group(1).replace("%", "").replace(",", "").strip())


def group_figures(text: str, label: str) -> dict[str, float] | None:
    """The groups table's figures of a group (n, mean, median), or None when hidden."""
    match = re.search(
        r"<th scope=\"row\"><a [^>]*>" + re.escape(html.escape(label)) + r"</a></th>(.*?)</tr>",
        text,
        re.S,
    )
    assert match, label
    cells = re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    n = number(cells[0])
    if n is None:
        return None
    return {"n": n, "mean": number(cells[1]) or 0.0, "median": number(cells[2]) or 0.0}


def place_rows(text: str) -> dict[str, dict[str, float]]:
    """Every named row of the public page's tables (all, regions, countries): n and mean."""
    rows = {}
    for label, body in re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', text, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        if len(cells) >= 2 and number(cells[0]) is not None:
            rows[html.unescape(label)] = {"n": number(cells[0]), "mean": number(cells[1])}
    return rows


def benchmark_page(client: Client, org: Organisation, group: str = "") -> str:
    query = f"?group={group.replace('=', '%3D')}" if group else ""
    response = client.get(BENCH_URL.format(pk=org.pk) + query)
    assert response.status_code == 200
    return response.content.decode()


def attacker(org: Organisation, email: str) -> Client:
    user = make_user(email, email)
    make_member(user, org, "admin")
    return client_for(user)


def naive_total(rows: list[tuple[int, int]]) -> tuple[int, int]:
    """(n, stage sum) of rows given as (organisation, stage): what live figures would show."""
    return len(rows), sum(stage for _, stage in rows)


# --- 1. before and after -------------------------------------------------------------------------


def test_1_before_and_after_a_submission_resubmission_reopening_and_opt_out(db) -> None:
    dutch = [peer(f"Dutch {i}", country="NL", stage=2 + i % 3) for i in range(10)]
    spy = attacker(dutch[0], "spy@example.org")
    target = peer("Target", country="NL", stage=6, refresh=False, verified=True)
    cut()
    before = group_figures(benchmark_page(spy, dutch[0]), "Country: Netherlands")
    assert before is not None
    # Naively (live figures), one submission would give the target's stage away:
    n0, s0 = naive_total([(i, 2 + i % 3) for i in range(10)])
    assert (s0 + 6) - s0 == 6 and n0 + 1 - n0 == 1
    services.benchmark_entry_refresh(organisation=target, model_id="radiology")  # it submits
    recovered = []
    for event in ("submit", "resubmit", "reopen", "optout"):
        if event == "resubmit":
            submitted(target, 1)
        elif event == "reopen":
            target.assessments.filter(status=Status.SUBMITTED).update(status=Status.DRAFT)
            services.benchmark_entry_refresh(organisation=target, model_id="radiology")
            submitted(target, 4)
        elif event == "optout":
            target.benchmarking_consent = False
            target.save()
            services.benchmark_organisation_refresh(organisation=target)
        cut()
        text = benchmark_page(spy, dutch[0])
        after = group_figures(text, "Country: Netherlands")
        assert after is not None
        if after["n"] == before["n"] + 1:  # the attacker's computation
            recovered.append(round(after["n"] * after["mean"] - before["n"] * before["mean"]))
        assert after == before, event  # the target alone changed: nothing moves
        assert "unchanged since release 1" in text
    assert recovered == []
    # The box plots show quartiles only: no minimum or maximum in the charts' text.
    details = benchmark_page(spy, dutch[0], "country=NL")
    svg = " ".join(re.findall(r"<svg.*?</svg>", details, re.S))
    assert "range" not in svg and "min" not in svg.lower().replace("minmax", "")


# --- 2. two pages at once ------------------------------------------------------------------------


def test_2_a_region_minus_its_countries_on_the_public_page_and_an_own_page(db) -> None:
    nl = [peer(f"Dutch {i}", country="NL", stage=3) for i in range(8)]
    for i in range(8):
        peer(f"German {i}", country="DE", stage=2)
    peer("Lonely Belgian", country="BE", stage=7)
    # Naively: Western Europe (17) - NL (8) - DE (8) = the Belgian, stage 7.
    assert (17 * (8 * 3 + 8 * 2 + 7) / 17) - 8 * 3 - 8 * 2 == 7
    cut()
    public = place_rows(Client().get("/statistics/").content.decode())
    own = benchmark_page(attacker(nl[0], "spy@example.org"), nl[0])
    seen = dict(public)
    for label, key in (
        ("Region: Western Europe", "Western Europe"),
        ("Country: Netherlands", "Netherlands"),
    ):
        figures = group_figures(own, label)
        if figures is not None:
            seen[key] = figures
    needed = ("Western Europe", "Netherlands", "Germany")
    if all(name in seen for name in needed):
        region, a, b = (seen[name] for name in needed)
        belgian = region["n"] * region["mean"] - a["n"] * a["mean"] - b["n"] * b["mean"]
        assert round(belgian) != 7 or region["n"] - a["n"] - b["n"] >= K
    assert not all(name in seen for name in needed), "the guard must hide one of them"


# --- 3. two views of one page --------------------------------------------------------------------


def test_3_a_year_minus_its_quarter_on_the_public_page(db) -> None:
    for i in range(10):
        peer(f"Early {i}", country="DE", stage=3)
    march = timezone.now().replace(month=3, day=15)
    services.benchmark_release_cut(now=march)
    late = peer("Late joiner", country="DE", stage=7)
    services.benchmark_release_cut(now=march + timedelta(days=90))  # June: next quarter
    by_quarter = Client().get("/statistics/?period=quarter").content.decode()
    rows = re.findall(
        r'<th scope="row">(\d{4}-Q\d)</th>.*?<td>.*?</td>(.*?)</tr>', by_quarter, re.S
    )
    figures = {label: re.findall(r"<td[^>]*>(.*?)</td>", body, re.S) for label, body in rows}
    q1, q2 = (figures[f"{march.year}-Q1"], figures[f"{march.year}-Q2"])
    n1, m1, n2, m2 = number(q1[0]), number(q1[1]), number(q2[0]), number(q2[1])
    # The attacker's computation: the year's (last) figures minus the first quarter's.
    if n2 is not None and n1 is not None and n2 == n1 + 1:
        assert round(n2 * m2 - n1 * m1) != 7
    assert (n1, m1) == (n2, m2)  # one joiner alone: the later release did not change
    assert late.pk not in set(
        BenchmarkReleaseMember.objects.filter(release__number=2).values_list(
            "organisation_id", flat=True
        )
    )


# --- 4. switching one's own groups in the settings -----------------------------------------------


def test_4_switching_the_own_type_in_the_settings(db) -> None:
    spy_org = peer("Spy hospital", country="NL", stage=3)
    for i in range(7):
        peer(f"Hospital {i}", country="NL", stage=3)
    for i in range(8):
        peer(f"Centre {i}", country="NL", org_type="imaging_centre", stage=2)
    peer("Target network", country="NL", org_type="network", stage=6)
    spy = attacker(spy_org, "spy@example.org")
    programme = make_user("pat@example.org", "Pat", programme_role="programme_admin")
    cut()
    seen: dict[str, dict[str, float]] = {}

    def read() -> None:
        text = benchmark_page(spy, spy_org)
        for label in re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th>', text):
            figures = group_figures(text, html.unescape(label))
            if figures is not None:
                seen[html.unescape(label)] = figures

    read()
    base = {
        "name": spy_org.name,
        "country": "NL",
        "beds": spy_org.beds,
        "annual_exams": spy_org.annual_exams,
        "service_areas": ["radiology"],
        "benchmarking_consent": True,
    }
    organisation_update(
        organisation=spy_org, details=OrganisationDetails(org_type="imaging_centre", **base)
    )
    text = benchmark_page(spy, spy_org)
    assert "No peer figures." in text  # a type change needs a new verification first
    verification_decide(organisation=spy_org, verified=True, note="", user=programme)
    read()  # still the release's groups: the switch counts at the next release
    cut()
    read()
    country, hospitals, centres = (
        seen.get("Country: Netherlands"),
        seen.get("Country: Netherlands · Type: Hospital"),
        seen.get("Country: Netherlands · Type: Imaging centre"),
    )
    assert not (country and hospitals and centres), "all three would give the network away"


# --- 5. fake organisations -----------------------------------------------------------------------


def sign_up(name: str, email: str) -> Organisation:
    client = Client()
    response = client.post(
        "/signup/",
        {
            "name": name,
            "org_type": "hospital",
            "country": "IS",
            "region_override": "",
            "beds": "120",
            "annual_exams": "",
            "service_areas": ["radiology"],
            "benchmarking_consent": "on",
            "full_name": f"Fake {name}",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    return Organisation.objects.get(name=name)


def test_5_fake_sign_ups_do_not_make_a_country_of_one_reach_k(db) -> None:
    target = peer("Only Icelandic hospital", country="IS", stage=5)
    for i in range(10):
        peer(f"Elsewhere {i}", country="NO", stage=3)
    fakes = [sign_up(f"Fake {i}", f"fake{i}@mailinator.example") for i in range(4)]
    for fake in fakes:
        submitted(fake, 0)
    # Naively: Iceland = 1 real + 4 fakes at stage 0 = 5, and its mean gives the target away.
    assert (5 + 0 * 4) / 5 * 5 - 0 == 5
    cut()
    for fake in fakes:
        text = benchmark_page(client_for(fake.memberships.get().user), fake)
        assert "No peer figures." in text and "data-n" not in text  # not verified: sees nothing
    public = Client().get("/statistics/").content.decode()
    assert "Iceland" not in public
    release = BenchmarkRelease.objects.get()
    members = set(
        BenchmarkReleaseMember.objects.filter(release=release).values_list(
            "organisation_id", flat=True
        )
    )
    assert target.pk in members and not members & {f.pk for f in fakes}
    iceland = selectors.release_groups(release, ["country=IS"]).get("country=IS")
    assert iceland is None or not iceland.stage.shown


# --- 6. demo organisations -----------------------------------------------------------------------


def test_6_demo_organisations_never_count_with_real_ones(db, settings) -> None:
    settings.DIAM_DEMO_MODE = True
    demo_load(organisations=80, seed=7)  # reproducible from the seed: an attacker knows them
    real = [peer(f"Real Dutch {i}", country="NL", stage=4) for i in range(3)]
    spy = attacker(real[0], "spy@example.org")
    cut()
    text = benchmark_page(spy, real[0])
    assert "Demo data" not in text
    country = group_figures(text, "Country: Netherlands")
    assert country is None  # three real ones: hidden, whatever the demo population holds
    members = BenchmarkReleaseMember.objects.filter(release__series__population="real")
    assert not members.filter(organisation__is_demo=True).exists()
    demo_members = BenchmarkReleaseMember.objects.filter(release__series__population="demo")
    assert demo_members.exists() and not demo_members.filter(organisation__is_demo=False).exists()


# --- 7. the percentile rank ----------------------------------------------------------------------


def test_7_resubmitting_the_own_values_and_reading_the_position(db) -> None:
    spy_org = peer("Spy", country="DE", stage=3)
    for i in range(14):
        peer(f"German {i}", country="DE", stage=i % 8)
    spy = attacker(spy_org, "spy@example.org")
    cut()
    text = benchmark_page(spy, spy_org, "global")
    quartiles = re.search(
        r"Stage quartiles[^:]*: P25 (.*?) · median (.*?) · P75 (.*?)</p>", text, re.S
    )
    assert quartiles
    q25, med, q75 = (number(part) for part in quartiles.groups())
    positions = {}
    for stage in range(8):  # the attacker resubmits with every stage and reads its position
        submitted(spy_org, stage)
        page_text = benchmark_page(spy, spy_org, "global")
        band = re.search(r"(lowest|second|third|highest) quarter", group_figures_row(page_text))
        assert band
        positions[stage] = band.group(1)
    # Every position follows from the shown quartiles alone: nothing else about the group.
    words = {1: "lowest", 2: "second", 3: "third", 4: "highest"}
    for stage, word in positions.items():
        assert words[int(band_of(float(stage), q25, med, q75))] == word
    # Another organisation submits: the release does not move, so no position changes either.
    peer("Newcomer", country="DE", stage=7)
    cut()
    again = re.search(
        r"Stage quartiles[^:]*: P25 (.*?) · median (.*?) · P75 (.*?)</p>",
        benchmark_page(spy, spy_org, "global"),
        re.S,
    )
    assert again and again.groups() == quartiles.groups()


def group_figures_row(text: str) -> str:
    match = re.search(r"<th scope=\"row\"><a [^>]*>Global</a></th>(.*?)</tr>", text, re.S)
    assert match
    return match.group(1)


# --- 8. "no organisations" versus "fewer than 5" -------------------------------------------------


def test_8_none_and_a_few_read_the_same(db) -> None:
    for i in range(10):
        peer(f"German {i}", country="DE", stage=3)
    with_target = peer("Spy in Luxembourg", country="LU", stage=3)
    peer("Target in Luxembourg", country="LU", stage=5)
    alone = peer("Spy in Liechtenstein", country="LI", stage=3)
    cut()

    def country_row(org: Organisation, label: str) -> str:
        text = benchmark_page(attacker(org, f"spy{org.pk}@example.org"), org)
        match = re.search(
            r"<th scope=\"row\"><a [^>]*>" + re.escape(label) + r"</a></th>(.*?)</tr>", text, re.S
        )
        assert match
        return match.group(1)

    assert country_row(with_target, "Country: Luxembourg") == country_row(
        alone, "Country: Liechtenstein"
    )
    empty = Release(1, K, ("A", "B", "C"), ("SI",), ()).record(PeerGroup(country="ZZ"))
    assert isinstance(empty, GroupRecord) and not empty.stage.shown
    assert empty.stage.reason.message == "fewer than 5 organisations"
    public = Client().get("/statistics/").content.decode()
    assert "Luxembourg" not in public and "Liechtenstein" not in public


# --- exports -------------------------------------------------------------------------------------


def test_the_report_exports_read_the_release_too(db, alice, org) -> None:
    from tests.web.reports.conftest import bulk_fill

    verify(org)
    for i in range(12):
        peer(f"Dutch {i}", country="NL", stage=3)
    from diam.web.assessments.services import assessment_create, assessment_submit

    assessment = assessment_create(organisation=org, user=alice, title="Now")
    bulk_fill(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    release = cut()
    peer("After the release", country="NL", stage=7)
    book = load_workbook(
        io.BytesIO(client_for(alice).get(f"/a/{assessment.pk}/report.xlsx").getvalue())
    )
    rows = [row for row in book["Benchmark"].iter_rows(values_only=True)]
    assert rows[1][1] == selectors.release_label(release)
    group = next(r for r in rows if r[0] == "Peer group")
    assert group[3] == group[4] == 13  # the release: 12 peers and St Elsewhere, not the latecomer
    assert all(r[4] is None or r[4] >= K for r in rows[1:] if isinstance(r[4], int))


# --- a consultant with several organisations, judged by the exact oracle -------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_a_consultant_combining_every_page_and_release_isolates_nobody(db, seed) -> None:
    import random

    rng = random.Random(seed)
    countries = ["NL", "DE", "BE"]
    orgs = [
        peer(
            f"Org {i}",
            country=rng.choice(countries),
            org_type=rng.choice(["hospital", "imaging_centre"]),
            beds=rng.choice([50, 450, None]),
            annual_exams=rng.choice([20_000, 150_000]),
            stage=rng.randrange(8),
            validated=rng.random() < 0.3,
        )
        for i in range(14)
    ]
    consultant = make_user("consultant@example.org", "Consultant")
    for org in orgs[:3]:
        make_member(consultant, org, "admin")
    client = client_for(consultant)
    releases: list[Release] = []
    for _ in range(3):
        release = cut()
        for org in orgs[:3]:
            benchmark_page(client, org)
        Client().get("/statistics/")
        releases.append(services.release_of(release))
        for org in rng.sample(orgs, 3):  # a few organisations change between releases
            submitted(org, rng.randrange(8))
    assert len(releases[-1].shown(STAGE)) >= 4  # not vacuous: several groups are shown
    for family in (STAGE, "area:SI"):
        assert release_leak(releases, family, K) is None

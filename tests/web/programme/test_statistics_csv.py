"""The statistics CSV: the programme statistics page's release figures, each with its n or
why it is hidden; never a figure from fewer than k organisations; the export is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from django.test import Client

from diam.web.accounts.models import User
from diam.web.audit.models import AuditEvent
from diam.web.benchmarks.models import BenchmarkRelease
from diam.web.programme.selectors import CSV_HEADER
from tests.web.benchmarks.conftest import K, cut, peer


def read_csv(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets need the mark to read UTF-8
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert tuple(rows[0]) == CSV_HEADER
    return [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]


def test_the_csv_holds_the_release_figures_with_n_and_reasons(
    db: None, pat: User, pat_client: Client
) -> None:
    countries = ["NL"] * 7 + ["DE"] * 6 + ["BE"] * 2 + ["SE"] * 1 + ["US"] * 8
    for i, country in enumerate(countries):
        peer(f"Org {i}", country=country, stage=i % 8, validated=i % 3 == 0)
    release = cut()

    response = pat_client.get("/programme/statistics.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="diam-statistics-{release.key}.csv"' in response["Content-Disposition"]
    rows = read_csv(response.content)

    overall = {r["Figure"]: r for r in rows if r["Section"] == "all organisations"}
    assert overall["organisations"]["Value"] == "24" and overall["organisations"]["n"] == "24"
    for row in rows:
        assert row["Release"] and row["Section"] and row["Group"] and row["Figure"]
        if row["Shown"] == "yes":
            assert row["Value"] != "" and int(row["n"]) >= K, row
            assert row["Why hidden"] == ""
        else:
            assert row["Value"] == "" and row["n"] == "" and row["Why hidden"], row
    # Belgium (2) and Sweden (1) are not even named; the countries named are the page's.
    page = pat_client.get("/programme/statistics/").content.decode()
    by_country = page.split(">By country</h2>", 1)[1].split("</table>", 1)[0]
    on_page = set(re.findall(r'<th scope="row">([^<]+)</th>', by_country))
    in_csv = {r["Group"] for r in rows if r["Section"] == "country"}
    assert in_csv == on_page and in_csv and not in_csv & {"Belgium", "Sweden"}
    assert not any("min" in r["Figure"] or "max" in r["Figure"] for r in rows)
    assert any(r["Section"].startswith("over time") for r in rows)

    # The very figure the page shows.
    mean_box = page.split("Mean stage</span>", 1)[1]
    shown_mean = re.search(r'<span class="fig" data-n="24">([^<]+)<', mean_box)
    assert shown_mean and float(shown_mean.group(1)) == float(overall["mean"]["Value"])

    event = AuditEvent.objects.get(action="export.programme_statistics")
    assert event.actor == pat and release.key in event.summary


def test_without_a_release_the_csv_says_there_is_nothing_yet(
    db: None, pat_client: Client, settings: Any
) -> None:
    settings.DIAM_BENCHMARK_RELEASE_EVERY = "never"  # else the first reader cuts the first one
    response = pat_client.get("/programme/statistics.csv", follow=True)
    assert response.redirect_chain[-1][0] == "/programme/statistics/"
    assert "No benchmark release has been published yet" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export.programme_statistics").exists()


def test_a_small_population_exports_only_reasons(db: None, pat_client: Client) -> None:
    for i in range(K - 1):
        peer(f"Lonely {i}", country="DE", stage=3)
    cut()
    rows = read_csv(pat_client.get("/programme/statistics.csv").content)
    assert rows and all(r["Shown"] == "no" and r["Value"] == "" for r in rows)
    assert "4" not in {r["n"] for r in rows}


def cut_in(year: int) -> None:
    """Cut a release now and date it 1 June of `year` (the rows counted are those of now)."""
    release = cut()
    BenchmarkRelease.objects.filter(pk=release.pk).update(
        cut_at=dt.datetime(year, 6, 1, 12, tzinfo=dt.UTC)
    )


def over_time_rows(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    by_period: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["Section"].startswith("over time"):
            by_period.setdefault(row["Group"], []).append(row)
    return by_period


def test_rows_over_time_carry_their_releases_k_and_n_or_why_hidden(
    db: None, pat_client: Client, settings: Any
) -> None:
    settings.DIAM_BENCHMARK_RELEASE_EVERY = "never"  # only the releases cut here
    # 2023: a release before anyone took part (fewer than k: none); 2024: one of twelve.
    cut_in(2023)
    for i in range(12):
        peer(f"Org {i}", country="NL", stage=i % 8)
    cut_in(2024)

    rows = read_csv(pat_client.get("/programme/statistics.csv").content)
    periods = over_time_rows(rows)
    assert set(periods) == {"2023", "2024"}
    for row in (r for group in periods.values() for r in group):
        assert row["k"] == str(K), row
        if row["Shown"] == "yes":
            assert row["Value"] != "" and int(row["n"]) >= K and row["Why hidden"] == "", row
        else:
            assert row["Value"] == "" and row["n"] == "" and row["Why hidden"], row
    [early] = periods["2023"]
    assert early["Release"] == "1" and early["Cut on"] == "2023-06-01"
    assert early["Shown"] == "no" and early["Why hidden"] == f"fewer than {K} organisations"
    later = {r["Figure"]: r for r in periods["2024"]}
    assert later["organisations"]["Value"] == "12" and later["organisations"]["n"] == "12"


def test_figures_published_under_a_smaller_k_are_hidden_once_k_is_raised(
    db: None, pat_client: Client, settings: Any
) -> None:
    settings.DIAM_BENCHMARK_RELEASE_EVERY = "never"  # only the releases cut here
    settings.DIAM_BENCHMARK_K = 3
    for i in range(4):
        peer(f"Early {i}", country="NL", stage=3)
    cut_in(2023)
    settings.DIAM_BENCHMARK_K = K
    for i in range(10):
        peer(f"Later {i}", country="NL", stage=i % 8)
    cut_in(2024)

    rows = read_csv(pat_client.get("/programme/statistics.csv").content)
    periods = over_time_rows(rows)
    # The 2023 release showed four organisations under k = 3: nothing of it may appear now.
    [early] = periods["2023"]
    assert early["k"] == "3" and early["Shown"] == "no" and early["Value"] == early["n"] == ""
    assert early["Why hidden"] == (
        f"published when figures needed 3 organisations; hidden now that they need {K}"
    )
    assert all(int(r["n"]) >= K for r in rows if r["Shown"] == "yes")
    assert {r["k"] for r in periods["2024"]} == {str(K)}

    # The statistics page's table over time holds to the same k.
    page = pat_client.get("/programme/statistics/").content.decode()
    table = page.split('class="over-time"', 1)[1].split("</table>", 1)[0]
    assert all(int(n) >= K for n in re.findall(r'data-n="(\d+)"', table))
    assert "hidden now that they need 5" in table and 'data-n="4"' not in table

"""The statistics CSV: the programme statistics page's release figures, each with its n or
why it is hidden; never a figure from fewer than k organisations; the export is audited."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.test import Client

from diam.web.accounts.models import User
from diam.web.audit.models import AuditEvent
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

"""Programme-wide statistics (public with k, complete for admins with k=1)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diam.stats import Entry, Reason, period_of, programme_statistics
from tests.stats.oracle import family_is_safe
from tests.stats.population import make_entries, make_entry, populations


def test_admins_see_every_figure_with_k_1() -> None:
    rows = make_entries(3, region="North", country="Aland", stage=2)
    rows += make_entries(1, region="South", country="Borduria", stage=6, validated=True)
    stats = programme_statistics(rows, k=1)
    assert stats.organisations.value == 4 and stats.countries.value == 2
    assert stats.overall.mean_stage.value == 3.0
    assert [r.count.value for r in stats.by_region] == [3, 1]
    assert [r.label for r in stats.by_country] == ["Aland", "Borduria"]
    assert stats.validated.count.value == 1 and stats.validated.mean_stage.value == 6.0
    assert all(f.shown for path, f in stats.figures()), [
        p for p, f in stats.figures() if not f.shown
    ]


def test_a_small_region_is_hidden_and_a_complement_keeps_it_from_the_total() -> None:
    rows = make_entries(30, region="North", country="Aland")
    rows += make_entries(20, region="South", country="Borduria")
    rows += make_entries(3, region="East", country="Carpania")
    stats = programme_statistics(rows, k=5)
    north, south, east = (
        {r.label: r for r in stats.by_region}[name] for name in ("North", "South", "East")
    )
    assert stats.organisations.value == 53 and north.count.value == 30
    assert east.count.suppressed is not None and east.count.suppressed.code == Reason.TOO_FEW
    # 53 - 30 - 20 would give East's 3 back, so the smaller of the shown regions goes too.
    assert south.count.suppressed is not None
    assert south.count.suppressed.code == Reason.DIFFERENCING
    # Borduria is South under another name: it must not give South back either.
    borduria = {r.label: r for r in stats.by_country}["Borduria"]
    assert not borduria.count.shown


def test_mean_stage_over_time_by_year_or_quarter() -> None:
    rows = [make_entry(assessed_on=date(2024, m, 1), stage=2) for m in (1, 2, 3, 4, 5)]
    rows += [make_entry(assessed_on=date(2025, m, 1), stage=4) for m in (1, 2, 3, 7, 8)]
    by_year = programme_statistics(rows, k=5)
    assert [(r.label, r.mean_stage.value) for r in by_year.over_time] == [
        ("2024", 2.0),
        ("2025", 4.0),
    ]
    by_quarter = programme_statistics(rows, k=1, period="quarter")
    assert [r.label for r in by_quarter.over_time] == [
        "2024-Q1",
        "2024-Q2",
        "2025-Q1",
        "2025-Q3",
    ]
    assert period_of(date(2025, 12, 31), "quarter") == "2025-Q4"


def test_too_few_organisations_show_nothing_but_the_reason() -> None:
    stats = programme_statistics(make_entries(4), k=5)
    assert stats.organisations.reason == "fewer than 5 organisations"
    assert stats.by_region == () and stats.by_country == () and stats.over_time == ()
    assert programme_statistics([], k=5).organisations.reason == "no organisations"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations(max_size=40), st.integers(1, 6), st.sampled_from(["year", "quarter"]))
def test_programme_rows_shown_together_are_disclosure_safe(
    entries: list[Entry], k: int, period: Any
) -> None:
    stats = programme_statistics(entries, k=k, period=period)
    for path, figure in stats.figures():
        if figure.shown:
            assert figure.n is not None and figure.n >= k, path
        else:
            assert figure.suppressed is not None and figure.value is None
            # No count below k in the reason; a period named as the differencing partner
            # ("together with 2023-Q1") is a label, not a count.
            message = re.sub(r"\b\d{4}(-Q[1-4])?\b", "", figure.suppressed.message)
            assert set(re.findall(r"\d+", message)) <= {str(k)}
            if k == 1:
                assert figure.suppressed.code == Reason.NO_DATA, path
    members = {
        "all": {e.organisation_id for e in entries},
        **{f"region={e.region}": set() for e in entries},
        **{f"country={e.country}": set() for e in entries},
        **{f"period={period_of(e.assessed_on, period)}": set() for e in entries},
    }
    for e in entries:
        members[f"region={e.region}"].add(e.organisation_id)
        members[f"country={e.country}"].add(e.organisation_id)
        members[f"period={period_of(e.assessed_on, period)}"].add(e.organisation_id)
    shown = [members[row.key] for row in stats.rows() if row.count.shown]
    assert family_is_safe(shown, k)
    for row in stats.rows():
        if row.count.shown:
            assert row.count.value == len(members[row.key])

"""The figures of one group: n beside each, no min/max, quartiles from 2k on a grid, bands."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diam.stats import (
    Aggregate,
    Band,
    Figure,
    Reason,
    band_of,
    on_grid,
    quantile,
)
from diam.stats.figuresets import area_figures, own_band, split_figures, stage_figures
from tests.stats.population import make_entries, make_entry

K = 5


def test_every_shown_stage_figure_carries_its_n() -> None:
    rows = [make_entry(stage=s % 5) for s in range(20)]
    figures = stage_figures(Aggregate.of(rows), k=K, branches=("A", "B", "C"))
    for name, figure in figures.figures():
        if figure.shown:
            assert figure.n == 20, name
    assert figures.organisations.value == 20 and figures.mean.value == 2.0


def test_there_is_no_minimum_or_maximum() -> None:
    area = area_figures({10.0: 6, 90.0: 6}, k=K, code="SI")
    assert [name for name, _ in area.figures()] == ["count", "mean", "p25", "median", "p75"]
    rows = [make_entry(stage=s) for s in range(8)] * 2
    stage = stage_figures(Aggregate.of(rows), k=K, branches=())
    assert not any("min" in name or "max" in name for name, _ in stage.figures())


def test_quartiles_need_2k_organisations() -> None:
    nine = area_figures({50.0: 9}, k=K, code="SI")
    assert nine.count.value == 9 and nine.mean.value == 50.0
    for q in (nine.p25, nine.median, nine.p75):
        assert not q.shown and q.suppressed is not None
        assert q.suppressed.code == Reason.TOO_FEW and "at least 10" in q.suppressed.message
    ten = area_figures({50.0: 10}, k=K, code="SI")
    assert ten.median.value == 50.0 and ten.median.n == 10


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 12.5, 14.3, 25.0, 28.6, 37.5, 42.9, 57.1, 87.5]), min_size=10)
)
def test_a_quartile_is_the_interpolated_value_rounded_to_5_points(values: list[float]) -> None:
    counts: dict[float, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    area = area_figures(counts, k=K, code="SI")
    for figure, p in ((area.p25, 0.25), (area.median, 0.5), (area.p75, 0.75)):
        exact = quantile(values, p)
        assert figure.value is not None and figure.value % 5 == 0
        assert abs(figure.value - exact) <= 2.5
        assert figure.value == on_grid(exact, 5.0)


def test_stage_quartiles_are_on_half_stages() -> None:
    rows = [make_entry(stage=s) for s in (1, 2, 2, 3, 3, 3, 4, 4, 5, 6)]
    f = stage_figures(Aggregate.of(rows), k=K, branches=())
    assert (f.p25.value, f.median.value, f.p75.value) == (2.5, 3.0, 4.0)  # P25 2.25 rounds up
    rows = [make_entry(stage=s) for s in (1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3)]
    f = stage_figures(Aggregate.of(rows), k=K, branches=())
    assert f.p25.value == 1.5  # 1.5 exactly: on the grid


def test_small_stage_cells_are_hidden_with_a_companion() -> None:
    rows = [make_entry(stage=1)] * 6 + [make_entry(stage=2)] * 12 + [make_entry(stage=3)] * 2
    f = stage_figures(Aggregate.of(rows), k=K, branches=())
    assert not f.distribution[3].shown and not f.distribution[2].shown  # 2, and its neighbour
    assert f.distribution[1].value == 6 and f.distribution[0].value == 0


def test_the_split_is_shown_only_when_both_parts_have_k() -> None:
    both = split_figures(Aggregate.of(make_entries(5, validated=True) + make_entries(5)), K)
    assert both.validated.count.value == 5 and both.self_assessed.count.value == 5
    one = split_figures(Aggregate.of(make_entries(3, validated=True) + make_entries(20)), K)
    assert not one.validated.count.shown and not one.self_assessed.count.shown
    assert one.self_assessed.count.suppressed is not None
    assert one.self_assessed.count.suppressed.code == Reason.SMALL_CELL


def test_no_validated_organisation_reads_like_a_few() -> None:
    """One message for 0 and for 1..k-1: "none validated" and "two validated" look the same."""
    none = split_figures(Aggregate.of(make_entries(20)), K)
    few = split_figures(Aggregate.of(make_entries(2, validated=True) + make_entries(18)), K)
    assert none == few


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0, 100),
    st.lists(st.floats(0, 100), min_size=3, max_size=3).map(sorted),
)
def test_a_band_is_consistent_with_the_quartiles(value: float, qs: list[float]) -> None:
    p25, median, p75 = qs
    band = band_of(value, p25, median, p75)
    if band == Band.LOWEST:
        assert value < p25
    elif band == Band.SECOND:
        assert p25 <= value <= median
    elif band == Band.THIRD:
        assert median < value <= p75
    else:
        assert value > p75


def test_the_own_band_is_shown_exactly_when_the_quartiles_are() -> None:
    shown = Figure.show(50.0, 12)
    hidden: Figure[float] = Figure.hide(area_figures({50.0: 6}, k=K, code="SI").median.suppressed)  # type: ignore[arg-type]
    assert own_band(70.0, Figure.show(25.0, 12), shown, Figure.show(75.0, 12), K).value == (
        Band.THIRD
    )
    assert own_band(70.0, hidden, hidden, hidden, K).suppressed == hidden.suppressed
    none = own_band(None, shown, shown, shown, K)
    assert none.suppressed is not None and none.suppressed.code == Reason.NO_OWN_VALUE

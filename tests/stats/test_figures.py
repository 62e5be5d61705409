"""Figures and quantiles (definitions in diam.stats.figures)."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diam.stats import Figure, Reason, SuppressionReason, ValueCounts, quantile

values = st.lists(st.floats(0, 100), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(values)
def test_quantiles_match_statistics_inclusive_method(xs: list[float]) -> None:
    if len(xs) >= 2:
        p25, p50, p75 = statistics.quantiles(xs, n=4, method="inclusive")
    else:
        p25 = p50 = p75 = xs[0]
    assert quantile(xs, 0.25) == pytest.approx(p25, abs=1e-9)
    assert quantile(xs, 0.5) == pytest.approx(p50, abs=1e-9)
    assert quantile(xs, 0.75) == pytest.approx(p75, abs=1e-9)
    assert quantile(xs, 0.5) == pytest.approx(statistics.median(xs), abs=1e-9)
    assert quantile(xs, 0.0) == min(xs) and quantile(xs, 1.0) == max(xs)


def test_mean_does_not_depend_on_the_order_of_values() -> None:
    xs = [0.1, 0.2, 0.3, 1e16, -1e16, 12.5]
    forward = ValueCounts.of({v: 1 for v in xs}).mean()
    backward = ValueCounts.of({v: 1 for v in reversed(xs)}).mean()
    assert forward == backward == pytest.approx(statistics.fmean(sorted(xs)))


def test_a_shown_figure_has_a_value_and_an_n() -> None:
    figure = Figure.show(3.5, 12)
    assert figure.shown and figure.reason is None and figure.n == 12


def test_a_hidden_figure_has_a_reason_and_no_value_or_n() -> None:
    reason = SuppressionReason(Reason.TOO_FEW, "fewer than 5 organisations")
    figure: Figure[float] = Figure.hide(reason)
    assert not figure.shown and figure.value is None and figure.n is None
    assert figure.reason == "fewer than 5 organisations" and str(reason) == figure.reason
    with pytest.raises(AssertionError):
        Figure(1.0, 3, reason)

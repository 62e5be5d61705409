"""Figures that carry their own n, suppression reasons, and the percentile definitions.

Definitions (docs/benchmarks.md §3):

- **Quantile** (P25, median, P75): the "inclusive" linear interpolation, the same as
  `statistics.quantiles(..., method="inclusive")`, Excel's PERCENTILE.INC and numpy's default.
  With the values sorted as x[0] <= ... <= x[n-1], the p-quantile is at position h = (n-1)p:
  x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)]). With one value, every quantile
  is that value; the median is `statistics.median`.
- **Percentile rank** of an organisation's value v among its peers: the percentage of peers
  strictly below v plus half of the peers equal to v, over the peers *excluding* the
  organisation itself: 100 * (below + equal / 2) / peers. 0 means everyone is above, 100
  everyone below, 50 the middle (also when everybody has the same value).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Reason(StrEnum):
    """Why a figure is not shown."""

    NO_DATA = "no_data"  # nobody contributes: not a disclosure rule, n=0 is shown
    TOO_FEW = "too_few"  # fewer than k organisations contribute
    SMALL_CELL = "small_cell"  # a count of 1..k-1, or hidden with one (complementary)
    DIFFERENCING = "differencing"  # with other shown figures it would reveal fewer than k
    NO_OWN_VALUE = "no_own_value"  # the organisation itself has no value to rank


@dataclass(frozen=True, slots=True)
class SuppressionReason:
    """A human-readable reason; it never states a count below k."""

    code: Reason
    message: str

    def __str__(self) -> str:
        return self.message


def too_few(k: int, what: str = "organisations") -> SuppressionReason:
    return SuppressionReason(Reason.TOO_FEW, f"fewer than {k} {what}")


def no_data(what: str = "no organisation has a value") -> SuppressionReason:
    return SuppressionReason(Reason.NO_DATA, what)


@dataclass(frozen=True, slots=True)
class Figure(Generic[T]):
    """A value with the number of organisations behind it, or why it is hidden.

    Shown: `value` is set, `n` >= k and `suppressed` is None. Hidden: `value` is None and
    `suppressed` says why; `n` is None (a small n would itself disclose), except 0 when nobody
    contributes (`Reason.NO_DATA`).
    """

    value: T | None
    n: int | None
    suppressed: SuppressionReason | None = None

    def __post_init__(self) -> None:
        if self.suppressed is None:
            assert self.value is not None and self.n is not None, "a shown figure needs a value"
        else:
            assert self.value is None, "a hidden figure has no value"
            assert self.n is None or (self.n == 0 and self.suppressed.code == Reason.NO_DATA)

    @property
    def shown(self) -> bool:
        return self.suppressed is None

    @property
    def reason(self) -> str | None:
        """The suppression message, or None when shown."""
        return None if self.suppressed is None else self.suppressed.message

    @classmethod
    def show(cls, value: T, n: int) -> Figure[T]:
        return cls(value, n)

    @classmethod
    def hide(cls, reason: SuppressionReason) -> Figure[T]:
        return cls(None, 0 if reason.code == Reason.NO_DATA else None, reason)


@dataclass(frozen=True, slots=True)
class ValueCounts:
    """A multiset of numbers as sorted distinct values with cumulative counts."""

    values: tuple[float, ...]
    cumulative: tuple[int, ...]  # cumulative[i] = how many values <= values[i]

    @classmethod
    def of(cls, counts: Mapping[float, int]) -> ValueCounts:
        values = tuple(sorted(v for v, c in counts.items() if c > 0))
        running, cumulative = 0, []
        for v in values:
            running += counts[v]
            cumulative.append(running)
        return cls(values, tuple(cumulative))

    @property
    def n(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    def nth(self, index: int) -> float:
        """The value at 0-based position `index` of the sorted multiset."""
        if not 0 <= index < self.n:
            raise IndexError(index)
        return self.values[bisect.bisect_right(self.cumulative, index)]

    def quantile(self, p: float) -> float:
        """The inclusive p-quantile (module docstring); needs at least one value."""
        if self.n == 0:
            raise ValueError("no values")
        h = (self.n - 1) * p
        low = math.floor(h)
        x_low = self.nth(low)
        if low + 1 >= self.n or h == low:
            return x_low
        return x_low + (h - low) * (self.nth(low + 1) - x_low)

    def mean(self) -> float:
        """The exact-rounded mean (math.fsum, so independent of the order of the rows)."""
        previous = 0
        terms = []
        for v, c in zip(self.values, self.cumulative, strict=True):
            terms.append(v * (c - previous))
            previous = c
        return math.fsum(terms) / self.n

    def below_and_equal(self, value: float) -> tuple[int, int]:
        """How many values are strictly below `value`, and how many equal it."""
        i = bisect.bisect_left(self.values, value)
        below = self.cumulative[i - 1] if i > 0 else 0
        equal = 0
        if i < len(self.values) and self.values[i] == value:
            equal = self.cumulative[i] - below
        return below, equal


def percentile_rank(below: int, equal: int, peers: int) -> float:
    """100 * (below + equal/2) / peers, the rank defined in the module docstring."""
    if peers <= 0:
        raise ValueError("no peers")
    return 100 * (below + equal / 2) / peers


def quantile(values: Iterable[float], p: float) -> float:
    """The inclusive p-quantile of plain values (module docstring)."""
    counts: dict[float, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return ValueCounts.of(counts).quantile(p)

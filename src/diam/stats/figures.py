"""Figures that carry their own n, suppression reasons, and the quantile definition.

**Quantile** (P25, median, P75; docs/benchmarks.md §3): the "inclusive" linear interpolation,
the same as `statistics.quantiles(..., method="inclusive")`, Excel's PERCENTILE.INC and numpy's
default. With the values sorted as x[0] <= ... <= x[n-1], the p-quantile is at position
h = (n-1)p: x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)]). With one value, every
quantile is that value. (`diam.stats.figuresets` shows quartiles only from 2k values, rounded.)

A hidden figure has one message for "nobody" and for "1 to k-1": "fewer than k ...", so that
no reader can tell whether a lone organisation takes part.
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

    TOO_FEW = "too_few"  # fewer than k organisations contribute (none, or 1..k-1)
    SMALL_CELL = "small_cell"  # a count of 1..k-1, or hidden with one (complementary)
    DIFFERENCING = "differencing"  # with other shown figures it would reveal fewer than k
    NO_OWN_VALUE = "no_own_value"  # the organisation itself has no value to rank
    EARLIER_K = "earlier_k"  # published under a smaller k than the one figures are held to now


@dataclass(frozen=True, slots=True)
class SuppressionReason:
    """A human-readable reason; it never states a count below k."""

    code: Reason
    message: str

    def __str__(self) -> str:
        return self.message


def too_few(k: int, what: str = "organisations") -> SuppressionReason:
    return SuppressionReason(Reason.TOO_FEW, f"fewer than {k} {what}")


@dataclass(frozen=True, slots=True)
class Figure(Generic[T]):
    """A value with the number of organisations behind it, or why it is hidden.

    Shown: `value` is set, `n` >= k and `suppressed` is None. Hidden: `value` and `n` are None
    (a small n would itself disclose) and `suppressed` says why.
    """

    value: T | None
    n: int | None
    suppressed: SuppressionReason | None = None

    def __post_init__(self) -> None:
        if self.suppressed is None:
            assert self.value is not None and self.n is not None, "a shown figure needs a value"
        else:
            assert self.value is None and self.n is None, "a hidden figure has no value or n"

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
        return cls(None, None, reason)


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


def quantile(values: Iterable[float], p: float) -> float:
    """The inclusive p-quantile of plain values (module docstring)."""
    counts: dict[float, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return ValueCounts.of(counts).quantile(p)

"""Adapter from a Result to the shared SVG charts (diam.charts) for the results page.

The charts library is pure and escapes every label, so its SVG strings are safe to inline.
If the library is not importable (it lives in its own module and may be absent in a trimmed
install), each function returns an empty string and the page shows the tables alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from diam.scoring.result import Result

try:
    from diam import charts as _charts
except ImportError:  # pragma: no cover - the library ships with diam; see the module docstring
    _charts = None  # type: ignore[assignment]


def _call(name: str, **kwargs: Any) -> SafeString:
    function: Callable[..., str] | None = getattr(_charts, name, None) if _charts else None
    if function is None:
        return mark_safe("")  # noqa: S308 - an empty string
    return mark_safe(function(**kwargs))  # noqa: S308 - diam.charts escapes all text


def radar(result: Result, *, title: str) -> SafeString:
    """Percent met per focus area (None where nothing is applicable)."""
    axes = [(f.name, f.percent) for f in result.focus_areas]
    return _call("radar_svg", axes=axes, title=title)


def ladder(result: Result, *, title: str) -> SafeString:
    """Core stages as steps with percent met, branches beside the top step."""
    stages = [(s.key, s.name, s.percent, result.core_stage >= int(s.key)) for s in result.stages]
    branches = [(b.key, b.name, b.percent, b.passed) for b in result.branches]
    return _call(
        "ladder_svg", stages=stages, branches=branches, current_stage=result.stage, title=title
    )


def bars(result: Result, *, title: str) -> SafeString:
    rows = [(f"{f.code} {f.name}", f.percent) for f in result.focus_areas]
    return _call("bars_svg", rows=rows, title=title)

"""The report selectors' small parts: options, the peer-median hook, the scoped stylesheet."""

from __future__ import annotations

import sys
import types

import pytest

from diam.reports.document import PEER_PLACEHOLDER
from diam.web.reports import selectors
from diam.web.reports.selectors import ReportOptions, ReportOptionsError, parse_options
from diam.web.reports.styles import SCOPE, report_css, scope_css
from tests.web.reports.conftest import PAGE


def test_parse_options() -> None:
    assert parse_options({}) == ReportOptions()
    assert parse_options({"target": " 5 ", "branch_order": "c, a"}) == ReportOptions(5, "CA")
    assert ReportOptions(5, "CA").query() == {"target": "5", "branch_order": "CA"}
    assert ReportOptions().query() == {}
    for bad in ({"target": "4.5"}, {"target": "1e3"}, {"branch_order": "A-B"}):
        with pytest.raises(ReportOptionsError):
            parse_options(bad)


@pytest.fixture
def benchmarks(monkeypatch):
    """A stand-in for the benchmarks app's selectors module with `peer_medians_for`."""
    calls = []

    def peer_medians_for(assessment):
        calls.append(assessment.pk)
        return {"SI": 61.5, "HX": None}

    package = types.ModuleType("diam.web.benchmarks")
    module = types.ModuleType("diam.web.benchmarks.selectors")
    module.peer_medians_for = peer_medians_for
    monkeypatch.setitem(sys.modules, "diam.web.benchmarks", package)
    monkeypatch.setitem(sys.modules, "diam.web.benchmarks.selectors", module)
    real = selectors.apps.is_installed
    monkeypatch.setattr(
        selectors.apps,
        "is_installed",
        lambda name: name == selectors.BENCHMARKS_APP or real(name),
    )
    return calls


def test_without_benchmarks_the_report_says_peers_come_later(alice_client, filled) -> None:
    assert selectors.peer_medians(filled) is None
    page = alice_client.get(PAGE.format(pk=filled.pk)).content.decode()
    assert PEER_PLACEHOLDER in page and "Peer median" not in page


def test_peer_medians_come_from_the_benchmarks_app_when_it_has_them(
    alice_client, filled, benchmarks
) -> None:
    assert selectors.peer_medians(filled) == {"SI": 61.5, "HX": None}
    page = alice_client.get(PAGE.format(pk=filled.pk)).content.decode()
    assert PEER_PLACEHOLDER not in page
    assert '<th scope="col" class="num">Peer median</th>' in page
    assert "61.5" in page
    assert filled.pk in benchmarks


def test_a_benchmarks_module_without_the_function_means_no_peers(
    filled, benchmarks, monkeypatch
) -> None:
    monkeypatch.delattr(sys.modules["diam.web.benchmarks.selectors"], "peer_medians_for")
    assert selectors.peer_medians(filled) is None


def test_a_broken_benchmarks_module_is_not_hidden(filled, benchmarks, monkeypatch) -> None:
    def broken(assessment):
        raise ZeroDivisionError

    monkeypatch.setattr(sys.modules["diam.web.benchmarks.selectors"], "peer_medians_for", broken)
    with pytest.raises(ZeroDivisionError):
        selectors.peer_medians(filled)


def test_scope_css_limits_every_rule_to_the_report() -> None:
    css = scope_css(
        ":root { --a: 1; }\n/* c { } */\nbody { margin: 0 }\nh1, .x p { color: red; }\n"
        "@media print { body { padding: 0 } .cover { display: block; } }\n"
        "@page { size: A4; @top-left { content: 'x'; } }\n@page :first { margin: 0 }\n"
    )
    assert ".report-doc { --a: 1; }" in css
    assert ".report-doc { margin: 0 }" in css
    assert ".report-doc h1, .report-doc .x p { color: red; }" in css
    assert (
        "@media print {\n.report-doc { padding: 0 }\n.report-doc .cover { display: block; }" in css
    )
    assert "@page" not in css and "top-left" not in css and "c { }" not in css


def test_the_shipped_stylesheet_is_scoped() -> None:
    css = report_css()
    assert "@page" not in css
    body = css.split("/* Screen adjustments")[0]
    for line in body.splitlines():
        if "{" in line and not line.startswith("@media"):
            selectors_part = line.split("{")[0]
            for sel in selectors_part.split(","):
                assert sel.strip().startswith(SCOPE), line

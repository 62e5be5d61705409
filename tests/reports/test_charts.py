"""SVG charts: well-formed XML, text alternatives, escaping, None handling, geometry."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from diam.charts import (
    BoxStats,
    bars_svg,
    box_plot_svg,
    distribution_svg,
    ladder_svg,
    radar_svg,
)

NS = "{http://www.w3.org/2000/svg}"
NASTY = 'a<&>"b'

STAGES = [
    ("1", "Departmental", 100.0, True),
    ("2", "Enterprise", 100.0, True),
    ("3", "Secure workflow", 80.0, False),
    ("4", "Integrated", None, False),
]
BRANCHES = [("A", "Exchange", 10.0, False), ("B", "Decision support", 100.0, True)]
BOX = BoxStats(p25=40, median=55, p75=70, n=12)


def charts_with(label: str) -> dict[str, Callable[[], str]]:
    return {
        "radar": lambda: radar_svg(
            axes=[(label, 50.0), ("Two", None), ("Three", 100.0)], peer=[60, 20, None], title=label
        ),
        "ladder": lambda: ladder_svg(
            stages=[("1", label, 50.0, True), *STAGES[1:]],
            branches=[("A", label, 5.0, False)],
            current_stage=2,
            title=label,
        ),
        "bars": lambda: bars_svg(
            rows=[(label, 40.0), ("x", None)], title=label, markers=[50, None]
        ),
        "box": lambda: box_plot_svg(rows=[(label, BOX, 33.0), ("x", None, None)], title=label),
        "dist": lambda: distribution_svg(
            counts=[(label, 3), ("1", None)], highlight=label, title=label
        ),
    }


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{NS}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


@pytest.mark.parametrize("kind", ["radar", "ladder", "bars", "box", "dist"])
def test_every_chart_is_valid_xml_with_an_accessible_name(kind: str) -> None:
    svg = charts_with("Label")[kind]()
    root = parse(svg)
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox") or "")
    assert "DejaVu Sans" in (root.get("font-family") or "")
    title = root.find(f"{NS}title")
    desc = root.find(f"{NS}desc")
    assert title is not None and title.text == "Label"
    assert desc is not None and desc.text and len(desc.text) > 10
    assert (root.get("aria-labelledby") or "").split() == [title.get("id"), desc.get("id")]


@pytest.mark.parametrize("kind", ["radar", "ladder", "bars", "box", "dist"])
def test_labels_are_escaped(kind: str) -> None:
    svg = charts_with(NASTY)[kind]()
    assert "a<&>" not in svg  # never raw
    root = parse(svg)
    title = root.find(f"{NS}title")
    assert title is not None and title.text == NASTY
    assert any(NASTY in t for t in texts(root))


def test_radar_draws_none_at_zero_and_says_n_a() -> None:
    svg = radar_svg(axes=[("Top", 100.0), ("Right", None), ("Left", 0.0)], title="t", size=400)
    root = parse(svg)
    assert "n/a" in texts(root) and "100%" in texts(root)
    own = [p for p in root.iter(f"{NS}polygon") if p.get("fill-opacity")]
    (polygon,) = own
    points = [tuple(map(float, p.split(","))) for p in (polygon.get("points") or "").split()]
    (tx, ty), (rx, ry), (lx, ly) = points
    centre = (rx, ry)
    assert (lx, ly) == centre  # 0 and None both sit at the centre
    assert tx == pytest.approx(centre[0]) and ty < centre[1] - 100  # 100 % at the top
    desc = root.find(f"{NS}desc")
    assert desc is not None and "Right: n/a" in (desc.text or "")


def test_radar_peer_polygon_is_dashed_with_a_legend() -> None:
    with_peer = parse(
        radar_svg(axes=[("a", 1.0), ("b", 2.0), ("c", 3.0)], peer=[4, 5, 6], title="t")
    )
    dashed = [p for p in with_peer.iter(f"{NS}polygon") if p.get("stroke-dasharray")]
    assert len(dashed) == 1 and "Peer median" in texts(with_peer)
    without = parse(radar_svg(axes=[("a", 1.0), ("b", 2.0), ("c", 3.0)], title="t"))
    assert not [p for p in without.iter(f"{NS}polygon") if p.get("stroke-dasharray")]
    assert "Peer median" not in texts(without)
    with pytest.raises(ValueError):
        radar_svg(axes=[("a", 1.0)], peer=[1.0, 2.0], title="t")


def test_ladder_marks_reached_steps_and_the_current_one() -> None:
    root = parse(ladder_svg(stages=STAGES, branches=BRANCHES, current_stage=2, title="t"))
    words = texts(root)
    assert words.count("reached") == 2 and words.count("not reached") == 2
    assert words.count("current") == 1
    assert "BRANCH B · mastered" in words and "BRANCH A · not mastered" in words
    assert "80% met" in words and "n/a met" in words
    desc = root.find(f"{NS}desc").text or ""  # type: ignore[union-attr]
    assert desc.startswith("Current stage 2.") and "Stage 3 Secure workflow: 80% met" in desc


def test_bars_draw_markers_only_where_given() -> None:
    root = parse(bars_svg(rows=[("a", 40.0), ("b", 90.0)], markers=[50.0, None], title="t"))
    peer_lines = [ln for ln in root.iter(f"{NS}line") if ln.get("stroke-width") == "3"]
    assert len(peer_lines) == 2  # one legend swatch + one marker
    with pytest.raises(ValueError):
        bars_svg(rows=[("a", 1.0)], markers=[], title="t")


def test_box_plot_suppressed_rows_say_why() -> None:
    root = parse(box_plot_svg(rows=[("shown", BOX, 50.0), ("hidden", None, 20.0)], title="t", k=5))
    words = texts(root)
    assert "suppressed (fewer than 5 organisations)" in words
    assert "n=12" in words
    dots = [c for c in root.iter(f"{NS}circle") if c.get("r") == "5"]
    assert len(dots) == 2  # own value drawn on both rows


def test_distribution_highlights_own_stage_and_marks_suppressed() -> None:
    svg = distribution_svg(counts=[("0", 4), ("1", None), ("2", 9)], highlight="2", title="t")
    root = parse(svg)
    words = texts(root)
    assert "hidden" in words and "you" in words and "9" in words
    desc = root.find(f"{NS}desc")
    assert desc is not None and "1: suppressed" in (desc.text or "")
    assert "2: 9 (this organisation)" in (desc.text or "")


def test_different_charts_get_different_ids() -> None:
    one = parse(bars_svg(rows=[("a", 1.0)], title="same"))
    two = parse(bars_svg(rows=[("a", 2.0)], title="same"))
    assert one.find(f"{NS}title").get("id") != two.find(f"{NS}title").get("id")  # type: ignore[union-attr]


def test_a_timeline_states_every_figure_and_breaks_its_line_where_one_is_missing() -> None:
    from diam.charts import timeline_svg

    svg = timeline_svg(
        labels=["1 Mar 2026", "2 Mar 2027", "3 Mar 2028"],
        series=[("SI", [25.0, None, 50.0]), ("<HX>", [10.0, 20.0, 30.0])],
        y_max=100,
        y_ticks=(0, 50, 100),
        title="Focus areas",
        unit="%",
    )
    parse(svg)  # well-formed, the label escaped
    assert "SI: 1 Mar 2026 25%, 2 Mar 2027 no figure, 3 Mar 2028 50%" in svg
    assert "&lt;HX&gt;" in svg and "<HX>" not in svg
    # SI has no figure in the middle: no line joins its first and last points.
    assert svg.count("<polyline") == 1
    with pytest.raises(ValueError):
        timeline_svg(labels=["a"], series=[("x", [1.0, 2.0])], y_max=7, y_ticks=(), title="t")

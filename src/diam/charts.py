"""Server-side SVG charts, shared by the web pages, the PDF/HTML reports and benchmarks.

Every chart is a hand-written SVG string (no plotting library): a fixed ``viewBox``, the
report's colours, "DejaVu Sans" text, and a text alternative (``<title>`` and ``<desc>``,
referenced by ``aria-labelledby``) that states the same figures as the picture. All text is
escaped, so labels may contain ``<``, ``&`` or quotes.

Percentages are 0-100; ``None`` means "no figure" (nothing applicable, or suppressed) and is
drawn and said as such, never as a silent zero.
"""

from __future__ import annotations

import hashlib
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "DejaVu Sans, sans-serif"

# One palette for every chart and the report's CSS (render.py uses the same values).
INK = "#1f2933"
MUTED = "#5b6673"
GRID = "#d5dbe3"
PRIMARY = "#1d4e89"
PRIMARY_LIGHT = "#dbe6f3"
MET = "#0f766e"
MET_LIGHT = "#d6efeb"
OPEN = "#eef1f5"
PEER = "#b45309"
SUPPRESSED = "#9aa4b1"

PALETTE = {
    "ink": INK,
    "muted": MUTED,
    "grid": GRID,
    "primary": PRIMARY,
    "primary_light": PRIMARY_LIGHT,
    "met": MET,
    "met_light": MET_LIGHT,
    "open": OPEN,
    "peer": PEER,
    "suppressed": SUPPRESSED,
}


@dataclass(frozen=True, slots=True)
class BoxStats:
    """A disclosure-safe distribution summary: quartiles and the number of values.

    No minimum or maximum: each is one organisation's value (docs/benchmarks.md §3).
    """

    p25: float
    median: float
    p75: float
    n: int


# --- helpers ---------------------------------------------------------------------------------


def _e(text: str) -> str:
    return escape(text, quote=True)


def _n(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing `.0`."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def pct_text(value: float | None) -> str:
    """`72%`, `72.5%` or `n/a`."""
    if value is None:
        return "n/a"
    return f"{_n(value)}%"


def _clamp(value: float | None, top: float = 100.0) -> float:
    if value is None or math.isnan(value):
        return 0.0
    return max(0.0, min(top, value))


def _chart_id(kind: str, *parts: object) -> str:
    """A deterministic id, distinct for charts with different content on one page."""
    digest = hashlib.sha1(repr(parts).encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"{kind}-{digest[:10]}"


def _open(kind: str, width: float, height: float, title: str, desc: str, *key: object) -> str:
    cid = _chart_id(kind, title, desc, *key)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diam-chart diam-{kind}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
        f'role="img" aria-labelledby="{cid}-t {cid}-d" font-family="{FONT}" '
        f'font-size="12" fill="{INK}">'
        f'<title id="{cid}-t">{_e(title)}</title><desc id="{cid}-d">{_e(desc)}</desc>'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 12,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = INK,
    extra: str = "",
) -> str:
    weight_attr = f' font-weight="{weight}"' if weight != "normal" else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" '
        f'fill="{fill}"{weight_attr}{extra}>{_e(text)}</text>'
    )


def _lines(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: float = 12,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = INK,
    leading: float = 1.25,
) -> str:
    """Several lines of text starting at baseline `y`."""
    return "".join(
        _text(x, y + i * size * leading, line, size=size, anchor=anchor, weight=weight, fill=fill)
        for i, line in enumerate(lines)
    )


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: width - 1] if len(last) >= width else last) + "…"
    return lines


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- radar -----------------------------------------------------------------------------------


def radar_svg(
    *,
    axes: Sequence[tuple[str, float | None]],
    peer: Sequence[float | None] | None = None,
    title: str,
    size: int = 420,
) -> str:
    """A spider chart of 0-100 % per axis (focus area); optional dashed peer-median polygon.

    `None` values are drawn at 0 and labelled "n/a". `peer` is aligned with `axes`.
    """
    if peer is not None and len(peer) != len(axes):
        raise ValueError("peer must have one value per axis")
    side = 165.0  # room for labels left and right
    legend_h = 30.0 if peer is not None else 0.0
    width, height = size + 2 * side, size + legend_h + 20
    cx, cy = width / 2, size / 2 + 10
    radius = size * 0.36
    n = len(axes)
    parts_desc = [f"{label}: {pct_text(value)}" for label, value in axes]
    if peer is not None:
        parts_desc.append(
            "peer median: "
            + ", ".join(f"{label} {pct_text(v)}" for (label, _), v in zip(axes, peer, strict=True))
        )
    desc = "Percent of criteria met per area. " + "; ".join(parts_desc) + "."
    out = [_open("radar", width, height, title, desc, tuple(axes), tuple(peer or ()))]
    if n == 0:
        out.append(_text(cx, cy, "No data", anchor="middle", fill=MUTED))
        out.append("</svg>")
        return "".join(out)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * value / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def polygon(values: Sequence[float]) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in (point(i, v) for i, v in enumerate(values)))

    # Grid rings at 25/50/75/100 % and spokes.
    out.append(f'<g fill="none" stroke="{GRID}" stroke-width="1">')
    for ring in (25, 50, 75, 100):
        if n >= 3:
            out.append(f'<polygon points="{polygon([ring] * n)}"/>')
        else:
            out.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius * ring / 100)}"/>')
    for i in range(n):
        x, y = point(i, 100)
        out.append(f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}"/>')
    out.append("</g>")
    for ring in (50, 100):
        out.append(_text(cx + 3, cy - radius * ring / 100 - 3, f"{ring}%", size=9, fill=MUTED))
    own = [_clamp(v) for _, v in axes]
    if peer is not None:
        out.append(
            f'<polygon points="{polygon([_clamp(v) for v in peer])}" fill="none" '
            f'stroke="{PEER}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    out.append(
        f'<polygon points="{polygon(own)}" fill="{PRIMARY}" fill-opacity="0.18" '
        f'stroke="{PRIMARY}" stroke-width="2.2" stroke-linejoin="round"/>'
    )
    for i, own_value in enumerate(own):
        x, y = point(i, own_value)
        out.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.2" fill="{PRIMARY}"/>')
    # Labels outside the 100 % ring: name (wrapped) and the figure.
    for i, (label, value) in enumerate(axes):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        cos, sin = math.cos(angle), math.sin(angle)
        lx, ly = cx + (radius + 14) * cos, cy + (radius + 14) * sin
        anchor = "start" if cos > 0.25 else "end" if cos < -0.25 else "middle"
        lines = _wrap(label, 18, 2)
        block = (len(lines) + 1) * 15
        if sin < -0.5:
            top = ly - block + 6
        elif sin > 0.5:
            top = ly + 10
        else:
            top = ly - block / 2 + 10
        out.append(_lines(lx, top, lines, size=12, anchor=anchor, leading=1.2))
        figure = pct_text(value)
        out.append(
            _text(
                lx,
                top + len(lines) * 14.6,
                figure,
                size=12,
                anchor=anchor,
                weight="bold",
                fill=MUTED if value is None else PRIMARY,
            )
        )
    if peer is not None:
        ly = size + 22
        lx = width / 2 - 110
        out.append(
            f'<rect x="{_n(lx)}" y="{_n(ly - 9)}" width="14" height="10" fill="{PRIMARY}" '
            f'fill-opacity="0.18" stroke="{PRIMARY}" stroke-width="2"/>'
        )
        out.append(_text(lx + 20, ly, "This organisation", size=10.5))
        lx2 = lx + 140
        out.append(
            f'<line x1="{_n(lx2)}" y1="{_n(ly - 4)}" x2="{_n(lx2 + 20)}" y2="{_n(ly - 4)}" '
            f'stroke="{PEER}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        out.append(_text(lx2 + 26, ly, "Peer median", size=10.5))
    out.append("</svg>")
    return "".join(out)


# --- stage ladder ----------------------------------------------------------------------------


def _progress_bar(
    x: float, y: float, width: float, height: float, percent: float | None, *, done: bool
) -> list[str]:
    """A small percent bar inside a ladder step or branch box (white on a reached/dark box)."""
    parts = [
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{height}" rx="3" '
        f'fill="#ffffff" fill-opacity="{0.35 if done else 1}" '
        f'stroke="{"none" if done else GRID}"/>'
    ]
    filled = width * _clamp(percent) / 100
    if filled > 0:
        parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(filled)}" height="{height}" rx="3" '
            f'fill="{"#ffffff" if done else MET}"/>'
        )
    return parts


def ladder_svg(
    *,
    stages: Sequence[tuple[str, str, float | None, bool]],
    branches: Sequence[tuple[str, str, float | None, bool]],
    current_stage: int,
    title: str,
) -> str:
    """The stage ladder: core stages as rising steps, the branches beside the top step.

    Tuples are `(key, name, percent met, reached/mastered)`. `current_stage` is the overall
    stage (0-7); the highest reached core step is marked "current".
    """
    width, height = 760.0, 340.0
    base = height - 16
    step_w, gap = 128.0, 6.0
    desc_parts = [
        f"Stage {key} {name}: {pct_text(p)} met, {'reached' if ok else 'not reached'}"
        for key, name, p, ok in stages
    ] + [
        f"Branch {key} {name}: {pct_text(p)} met, {'mastered' if ok else 'not mastered'}"
        for key, name, p, ok in branches
    ]
    desc = f"Current stage {current_stage}. " + "; ".join(desc_parts) + "."
    out = [_open("ladder", width, height, title, desc, tuple(stages), tuple(branches))]
    current_core = min(current_stage, len(stages))
    n = max(len(stages), 1)
    top_h = base - 62  # tallest step
    low_h = 138.0
    for i, (key, name, percent, reached) in enumerate(stages):
        h = low_h + (top_h - low_h) * (i / (n - 1) if n > 1 else 1)
        x, y = 10 + i * (step_w + gap), base - h
        fill, ink, sub = (PRIMARY, "#ffffff", "#dbe6f3") if reached else (OPEN, INK, MUTED)
        out.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(step_w)}" height="{_n(h)}" rx="4" '
            f'fill="{fill}" stroke="{PRIMARY}" stroke-width="{2.5 if reached else 1}"/>'
        )
        out.append(_text(x + 10, y + 20, f"STAGE {key}", size=10, weight="bold", fill=sub))
        out.append(_lines(x + 10, y + 36, _wrap(name, 16, 4), size=10, fill=ink, weight="bold"))
        # Percent bar, figure and status at the bottom of the step.
        by = base - 48
        out += _progress_bar(x + 10, by, step_w - 20, 7, percent, done=reached)
        out.append(
            _text(x + 10, base - 25, f"{pct_text(percent)} met", size=10.5, weight="bold", fill=ink)
        )
        status = "reached" if reached else "not reached"
        out.append(_text(x + 10, base - 10, status, size=9.5, fill=sub))
        if key == str(current_core):
            out.append(
                f'<path d="M{_n(x + step_w / 2 - 7)},{_n(y - 16)} l7,9 l7,-9 z" fill="{MET}"/>'
            )
            out.append(
                _text(
                    x + step_w / 2,
                    y - 21,
                    "current",
                    size=10,
                    anchor="middle",
                    weight="bold",
                    fill=MET,
                )
            )
    if current_core == 0:
        out.append(
            _text(10, 24, "Stage 0: no core stage reached yet", size=11, weight="bold", fill=MET)
        )
    # Branches beside the top step.
    bx = 10 + n * (step_w + gap) + 8
    bw = width - bx - 8
    if branches:
        header_y = base - top_h
        out.append(
            _text(
                bx,
                header_y - 8,
                "Branches (count from stage 4)",
                size=10,
                weight="bold",
                fill=MUTED,
            )
        )
        box_h = min(78.0, (top_h - 6 * (len(branches) - 1)) / len(branches))
        last_step_x = 10 + (n - 1) * (step_w + gap) + step_w
        for j, (key, name, percent, mastered) in enumerate(branches):
            y = header_y + j * (box_h + 6)
            fill, ink = (MET, "#ffffff") if mastered else ("#ffffff", INK)
            out.append(
                f'<path d="M{_n(last_step_x)},{_n(header_y + 10)} H{_n(bx - 4)} '
                f'V{_n(y + box_h / 2)} H{_n(bx)}" fill="none" stroke="{GRID}" stroke-width="1.5"/>'
            )
            out.append(
                f'<rect x="{_n(bx)}" y="{_n(y)}" width="{_n(bw)}" height="{_n(box_h)}" rx="4" '
                f'fill="{fill}" stroke="{MET}" stroke-width="{2.5 if mastered else 1}"/>'
            )
            label = f"BRANCH {key} · {'mastered' if mastered else 'not mastered'}"
            out.append(
                _text(
                    bx + 10,
                    y + 17,
                    label,
                    size=9.5,
                    weight="bold",
                    fill="#d6efeb" if mastered else MUTED,
                )
            )
            x = bx + 10
            out.append(_lines(x, y + 32, _wrap(name, 30, 2), size=10, fill=ink, weight="bold"))
            by = y + box_h - 14
            out += _progress_bar(x, by, bw - 70, 6, percent, done=mastered)
            out.append(
                _text(
                    bx + bw - 10,
                    by + 6,
                    pct_text(percent),
                    size=10,
                    anchor="end",
                    weight="bold",
                    fill=ink,
                )
            )
    out.append("</svg>")
    return "".join(out)


# --- horizontal bars -------------------------------------------------------------------------


def bars_svg(
    *,
    rows: Sequence[tuple[str, float | None]],
    title: str,
    markers: Sequence[float | None] | None = None,
    marker_label: str = "Peer median",
) -> str:
    """Horizontal 0-100 % bars, one per row; an optional marker (e.g. peer median) per row."""
    if markers is not None and len(markers) != len(rows):
        raise ValueError("markers must have one value per row")
    label_w, bar_w, value_w = 230.0, 360.0, 60.0
    row_h, top = 26.0, 28.0 if markers is not None else 10.0
    width = label_w + bar_w + value_w + 20
    height = top + row_h * len(rows) + 26
    desc = "; ".join(f"{label}: {pct_text(v)}" for label, v in rows)
    if markers is not None:
        desc += "; " + marker_label.lower() + ": " + ", ".join(pct_text(m) for m in markers)
    out = [_open("bars", width, height, title, desc + ".", tuple(rows), tuple(markers or ()))]
    x0 = label_w + 10
    if markers is not None:
        out.append(
            f'<rect x="{_n(x0)}" y="6" width="12" height="10" fill="{PRIMARY}"/>'
            + _text(x0 + 17, 15, "This organisation", size=10.5)
            + f'<line x1="{_n(x0 + 150)}" y1="4" x2="{_n(x0 + 150)}" y2="18" stroke="{PEER}" '
            f'stroke-width="3"/>' + _text(x0 + 157, 15, marker_label, size=10.5)
        )
    for tick in (0, 25, 50, 75, 100):
        tx = x0 + bar_w * tick / 100
        out.append(
            f'<line x1="{_n(tx)}" y1="{_n(top)}" x2="{_n(tx)}" y2="{_n(top + row_h * len(rows))}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            _text(tx, top + row_h * len(rows) + 14, f"{tick}%", size=9, anchor="middle", fill=MUTED)
        )
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        out.append(_text(label_w, y + 17, _truncate(label, 36), size=11, anchor="end"))
        out.append(
            f'<rect x="{_n(x0)}" y="{_n(y + 5)}" width="{_n(bar_w)}" height="16" fill="{OPEN}"/>'
        )
        filled = bar_w * _clamp(value) / 100
        if filled > 0:
            out.append(
                f'<rect x="{_n(x0)}" y="{_n(y + 5)}" width="{_n(filled)}" height="16" '
                f'fill="{PRIMARY}"/>'
            )
        out.append(
            _text(
                x0 + bar_w + 8,
                y + 17,
                pct_text(value),
                size=11,
                weight="bold",
                fill=MUTED if value is None else INK,
            )
        )
        if markers is not None and markers[i] is not None:
            mx = x0 + bar_w * _clamp(markers[i]) / 100
            out.append(
                f'<line x1="{_n(mx)}" y1="{_n(y + 1)}" x2="{_n(mx)}" y2="{_n(y + 25)}" '
                f'stroke="{PEER}" stroke-width="3"/>'
            )
    out.append("</svg>")
    return "".join(out)


# --- box plots -------------------------------------------------------------------------------


def box_plot_svg(
    *,
    rows: Sequence[tuple[str, BoxStats | None, float | None]],
    title: str,
    scale_max: float = 100,
    k: int = 5,
    unit: str = "%",
    reasons: Sequence[str | None] | None = None,
) -> str:
    """Box plots (p25-p75 box, median line, no whiskers) with the organisation as a dot.

    A row whose box is `None` is suppressed by disclosure control and says so: "fewer than `k`
    organisations", or the row's own reason from `reasons` (aligned with `rows`) when given,
    e.g. a differencing rule. The organisation's own value (third item) may be `None`.
    """
    if scale_max <= 0:
        raise ValueError("scale_max must be positive")
    if reasons is not None and len(reasons) != len(rows):
        raise ValueError("reasons must have one entry per row")

    def why(i: int) -> str:
        reason = reasons[i] if reasons is not None else None
        return reason or f"fewer than {k} organisations"

    label_w, plot_w, n_w = 230.0, 360.0, 70.0
    row_h, top = 30.0, 26.0
    width = label_w + plot_w + n_w + 20
    height = top + row_h * len(rows) + 26

    def fmt(v: float) -> str:
        return f"{_n(v)}{unit}"

    desc_parts = []
    for i, (label, box, own) in enumerate(rows):
        mine = f"; this organisation {fmt(own)}" if own is not None else ""
        if box is None:
            desc_parts.append(f"{label}: suppressed ({why(i)}){mine}")
        else:
            desc_parts.append(
                f"{label}: median {fmt(box.median)}, quartiles {fmt(box.p25)}-{fmt(box.p75)}, "
                f"n={box.n}{mine}"
            )
    out = [
        _open(
            "box",
            width,
            height,
            title,
            "; ".join(desc_parts) + ".",
            tuple(rows),
            scale_max,
            k,
            tuple(reasons or ()),
        )
    ]
    x0 = label_w + 10

    def sx(v: float) -> float:
        return x0 + plot_w * _clamp(v, scale_max) / scale_max

    out.append(
        f'<rect x="{_n(x0)}" y="6" width="14" height="10" fill="{PRIMARY_LIGHT}" '
        f'stroke="{PRIMARY}"/>'
        + _text(x0 + 19, 15, "Peers: quartiles and median", size=10)
        + f'<circle cx="{_n(x0 + 220)}" cy="11" r="4.5" fill="{PEER}"/>'
        + _text(x0 + 229, 15, "This organisation", size=10)
    )
    for q in range(5):
        tv = scale_max * q / 4
        tx = sx(tv)
        out.append(
            f'<line x1="{_n(tx)}" y1="{_n(top)}" x2="{_n(tx)}" y2="{_n(top + row_h * len(rows))}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            _text(tx, top + row_h * len(rows) + 14, fmt(tv), size=9, anchor="middle", fill=MUTED)
        )
    for i, (label, box, own) in enumerate(rows):
        y = top + i * row_h
        mid = y + row_h / 2
        out.append(_text(label_w, mid + 4, _truncate(label, 36), size=11, anchor="end"))
        if box is None:
            out.append(
                _text(
                    x0 + 8,
                    mid + 4,
                    _truncate(f"suppressed ({why(i)})", 64),
                    size=10.5,
                    fill=MUTED,
                    extra=' font-style="italic"',
                )
            )
        else:
            out.append(
                f'<rect x="{_n(sx(box.p25))}" y="{_n(mid - 9)}" '
                f'width="{_n(max(sx(box.p75) - sx(box.p25), 1))}" height="18" '
                f'fill="{PRIMARY_LIGHT}" stroke="{PRIMARY}" stroke-width="1.3"/>'
            )
            out.append(
                f'<line x1="{_n(sx(box.median))}" y1="{_n(mid - 9)}" x2="{_n(sx(box.median))}" '
                f'y2="{_n(mid + 9)}" stroke="{PRIMARY}" stroke-width="2.6"/>'
            )
            out.append(_text(x0 + plot_w + 8, mid + 4, f"n={box.n}", size=10, fill=MUTED))
        if own is not None:
            out.append(
                f'<circle cx="{_n(sx(own))}" cy="{_n(mid)}" r="5" fill="{PEER}" '
                f'stroke="#ffffff" stroke-width="1.5"/>'
            )
    out.append("</svg>")
    return "".join(out)


# --- distribution ----------------------------------------------------------------------------


def distribution_svg(
    *,
    counts: Sequence[tuple[str, int | None]],
    highlight: str | None,
    title: str,
) -> str:
    """Vertical bars of a distribution (e.g. organisations per stage); `None` = suppressed.

    The bar whose label equals `highlight` (the organisation's own stage) is emphasised.
    """
    plot_h, col_w, gap = 180.0, 54.0, 14.0
    left, top = 40.0, 30.0
    width = left + len(counts) * (col_w + gap) + 10
    width = max(width, 260.0)
    height = top + plot_h + 50
    shown = [c for _, c in counts if c is not None]
    peak = max(shown, default=0) or 1
    desc = "; ".join(
        f"{label}: {'suppressed' if c is None else c}"
        + (" (this organisation)" if label == highlight else "")
        for label, c in counts
    )
    out = [_open("dist", width, height, title, desc + ".", tuple(counts), highlight)]
    base = top + plot_h
    out.append(
        f'<line x1="{_n(left - 4)}" y1="{_n(base)}" x2="{_n(width - 6)}" y2="{_n(base)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    for i, (label, count) in enumerate(counts):
        x = left + i * (col_w + gap)
        own = label == highlight
        if count is None:
            out.append(
                f'<rect x="{_n(x)}" y="{_n(base - 40)}" width="{_n(col_w)}" height="40" '
                f'fill="none" stroke="{SUPPRESSED}" stroke-dasharray="4 3"/>'
            )
            out.append(
                _text(
                    x + col_w / 2,
                    base - 16,
                    "hidden",  # the word the table beside the chart uses
                    size=9.5,
                    anchor="middle",
                    fill=MUTED,
                    extra=' font-style="italic"',
                )
            )
        else:
            h = plot_h * count / peak
            out.append(
                f'<rect x="{_n(x)}" y="{_n(base - h)}" width="{_n(col_w)}" height="{_n(h)}" '
                f'fill="{PEER if own else PRIMARY}"/>'
            )
            out.append(
                _text(
                    x + col_w / 2, base - h - 5, str(count), size=11, anchor="middle", weight="bold"
                )
            )
        out.append(
            _text(
                x + col_w / 2,
                base + 16,
                _truncate(label, 9),
                size=11,
                anchor="middle",
                weight="bold" if own else "normal",
            )
        )
        if own:
            out.append(
                _text(
                    x + col_w / 2,
                    base + 31,
                    "you",
                    size=10,
                    anchor="middle",
                    weight="bold",
                    fill=PEER,
                )
            )
    out.append("</svg>")
    return "".join(out)


# --- timeline --------------------------------------------------------------------------------

# Distinct line colours for several series (focus areas); each line also ends in its own label,
# so no colour has to be told apart from another to read the chart.
SERIES = (PRIMARY, MET, PEER, "#7c3aed", "#be123c", "#0369a1", "#4d7c0f", "#a16207", MUTED, INK)


def timeline_svg(
    *,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_max: float,
    y_ticks: Sequence[float],
    title: str,
    unit: str = "",
) -> str:
    """Lines over equally spaced points in time (one per assessment), one line per series.

    `labels` name the points (e.g. dates); each series has one value per point, `None` where it
    has no figure (the line breaks there). Each line ends in its series' name.
    """
    if any(len(values) != len(labels) for _, values in series):
        raise ValueError("every series needs one value per label")
    left, top, plot_h, step = 44.0, 14.0, 180.0, 92.0
    label_w = 60.0 if len(series) > 1 else 20.0
    plot_w = max(step * max(len(labels) - 1, 1), 200.0)
    width = left + plot_w + label_w + 30
    height = top + plot_h + 44

    def fmt(value: float | None) -> str:
        return "no figure" if value is None else f"{_n(value)}{unit}"

    desc = "; ".join(
        f"{name}: "
        + ", ".join(f"{label} {fmt(v)}" for label, v in zip(labels, values, strict=True))
        for name, values in series
    )
    out = [_open("timeline", width, height, title, desc + ".", tuple(labels), tuple(series))]
    base = top + plot_h

    def x_at(i: int) -> float:
        return left + (plot_w * i / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return base - plot_h * _clamp(value, y_max) / y_max

    for tick in y_ticks:
        ty = y_at(tick)
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(ty)}" x2="{_n(left + plot_w)}" y2="{_n(ty)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(left - 6, ty + 4, f"{_n(tick)}{unit}", size=9.5, anchor="end", fill=MUTED))
    for i, label in enumerate(labels):
        out.append(_text(x_at(i), base + 18, _truncate(label, 14), size=10, anchor="middle"))
    ends: list[tuple[float, float, str, str]] = []  # baseline, x, name, colour
    for k, (name, values) in enumerate(series):
        colour = SERIES[k % len(SERIES)]
        run: list[str] = []
        for i, value in enumerate(values):
            if value is None:
                if len(run) > 1:
                    out.append(_polyline(run, colour))
                run = []
                continue
            run.append(f"{_n(x_at(i))},{_n(y_at(value))}")
            out.append(
                f'<circle cx="{_n(x_at(i))}" cy="{_n(y_at(value))}" r="3.5" fill="{colour}"/>'
            )
            if len(series) == 1:  # one line: each point says its figure
                out.append(
                    _text(
                        x_at(i),
                        y_at(value) - 8,
                        fmt(value),
                        size=11,
                        anchor="middle",
                        weight="bold",
                    )
                )
        if len(run) > 1:
            out.append(_polyline(run, colour))
        last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
        if last is not None and len(series) > 1:
            ends.append((y_at(last[1]) + 4, x_at(last[0]) + 8, name, colour))
    # End labels of lines that end close together are spread apart so none covers another:
    # pushed down from the top, then up from the axis (never below it, where the dates are).
    ends.sort()
    placed = [y for y, *_ in ends]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + 11)
    for i in reversed(range(len(placed))):
        ceiling = base + 4 if i == len(placed) - 1 else placed[i + 1] - 11
        placed[i] = min(placed[i], ceiling)
    for y, (_, x, name, colour) in zip(placed, ends, strict=True):
        out.append(_text(x, y, _truncate(name, 8), size=10, fill=colour))
    out.append("</svg>")
    return "".join(out)


def _polyline(points: Sequence[str], colour: str) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'

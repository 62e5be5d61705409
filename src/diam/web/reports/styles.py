"""The report's own stylesheet, scoped to `.report-doc` so it can sit inside the site layout.

The page shows the very HTML body the PDF is made from (`render_html`); this module turns the
report's stylesheet (`diam/reports/templates/report.css`, written for a whole document) into
one whose every rule applies only inside `<div class="report-doc">`: `:root`, `html` and
`body` become the container, other selectors are prefixed, `@page` rules (print-only, the
PDF's) are dropped and `@media` blocks are scoped in turn. A few screen-only adjustments
follow (the cover is a page-sized block in print; on screen it should not be), and undo the
few site rules whose class names the report shares (`.disclaimer`, `figure.chart`).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources

SCOPE = ".report-doc"
_ROOTS = {":root", "html", "body"}

WEB_OVERRIDES = f"""
/* Screen adjustments for the report inside the site layout (diam.web.reports.styles). */
{SCOPE} {{ max-width: none; padding: 0 0 2rem; margin: 0; }}
{SCOPE} .cover {{ min-height: 0; padding: 0.5rem 0 1rem; }}
{SCOPE} .cover-kicker {{ margin-top: 1.5rem; }}
{SCOPE} .cover-stage {{ margin: 1.5rem 0; }}
{SCOPE} .disclaimer {{ margin-top: 1.5rem; border-left: 0; padding-left: 0; }}
{SCOPE} figure.chart {{ border: 0; border-radius: 0; background: none; padding: 0; }}
@media (max-width: 40rem) {{
  {SCOPE} .badge {{ white-space: normal; }}
  {SCOPE} table {{ font-size: 0.8em; }}
  {SCOPE} th, {SCOPE} td {{ padding: 0.3em 0.25em; }}
  {SCOPE} .two-col {{ display: block; }}
  {SCOPE} .cover-stage {{ flex-direction: column; align-items: flex-start; }}
}}
.report-controls {{ margin: 0 0 1.5rem; }}
.report-controls h2 {{ margin-top: 0.3rem; }}
.report-form {{ display: flex; flex-wrap: wrap; gap: 0.5rem 1.2rem; align-items: flex-start; }}
.report-form .field {{ flex: 1 1 16rem; margin: 0; }}
.report-form .field-submit {{ flex: 0 0 auto; align-self: flex-start; padding-top: 1.75rem; }}
.report-controls .downloads {{ list-style: none; padding: 0; margin: 0.3rem 0; }}
.report-controls .downloads li {{ padding: 0.3rem 0; }}
.report-controls .download-group {{ font-weight: 600; margin-right: 0.3rem; }}
@media print {{
  .site-header, .site-footer, .tabs, .report-controls, .skip-link {{ display: none; }}
}}
"""


def _matching_brace(css: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(css)):
        if css[i] == "{":
            depth += 1
        elif css[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced braces in the report stylesheet")


def _scope_selector(selector: str) -> str:
    selector = selector.strip()
    if selector in _ROOTS:
        return SCOPE
    return f"{SCOPE} {selector}"


def scope_css(css: str) -> str:
    """Every rule of `css` limited to descendants of `SCOPE` (see the module docstring)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out: list[str] = []
    pos = 0
    while True:
        open_at = css.find("{", pos)
        if open_at < 0:
            break
        prelude = css[pos:open_at].strip()
        close_at = _matching_brace(css, open_at)
        block = css[open_at + 1 : close_at]
        if prelude.startswith("@media"):
            out.append(f"{prelude} {{\n{scope_css(block)}}}")
        elif prelude.startswith("@"):
            pass  # @page and friends belong to the PDF, not to a page of the site
        else:
            selectors = ", ".join(_scope_selector(s) for s in prelude.split(","))
            out.append(f"{selectors} {{{block}}}")
        pos = close_at + 1
    return "\n".join(out) + "\n"


@cache
def report_css() -> str:
    source = resources.files("diam.reports").joinpath("templates", "report.css")
    return scope_css(source.read_text("utf-8")) + WEB_OVERRIDES


@cache
def report_css_version() -> str:
    return hashlib.sha256(report_css().encode("utf-8")).hexdigest()[:12]

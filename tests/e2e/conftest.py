"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

`playwright install` cannot work on these machines; the system browser is used instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# "in an async context" unless told that this test-only use is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def report_files_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stored report files of each flow go to a directory of their own, never to ./data."""
    settings.REPORTS_DIR = tmp_path_factory.mktemp("reports")
    return Path(settings.REPORTS_DIR)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


def axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core in the page; return serious/critical violations as readable lines."""
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does it)"
    # Let the page finish reacting to a resize or a swap (two frames) before it is judged.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does
    # not govern (an injected <script> tag would be refused, as it should be).
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for v in results["violations"]:
        if v["impact"] in impacts:
            targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}")
    return lines


CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")


def watch_csp(page: Any) -> list[str]:
    """Collect the page's Content-Security-Policy violations (Chromium reports each on the
    console): the browser flows prove the site works under its strict policy."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if any(word in message.text for word in CSP_WORDS)
            else None
        ),
    )
    return violations


@pytest.fixture(autouse=True)
def no_csp_violations(page: Any) -> Any:
    violations = watch_csp(page)
    yield violations
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)

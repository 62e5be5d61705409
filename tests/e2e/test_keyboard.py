"""Signing in, finding the survey, answering, saving and moving on with the keyboard alone
(Tab, Shift+Tab, Space, Enter, typing), the focus visible at every step (issue 15)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from diam.web.accounts.models import Role
from diam.web.assessments.models import Answer
from diam.web.assessments.services import assessment_create
from tests.web.factories import PASSWORD, make_member, make_organisation, make_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("whole-server"),
]

# What has the focus, and whether a sighted keyboard user can see where it is: an outline (or
# a box shadow) drawn around it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
    text: (el.innerText || el.value || "").trim().slice(0, 80),
    visible: outline || style.boxShadow !== "none",
    onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.left < window.innerWidth,
  };
}"""


def tab_to(page: Page, wanted: re.Pattern[str], *, limit: int = 120) -> dict[str, str]:
    """Press Tab until the focused element's id, name or text matches `wanted`; every stop on
    the way must show its focus on screen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused is not None, "the focus left the page"
        assert focused["visible"] and focused["onScreen"], f"focus not visible on {focused}"
        if any(wanted.search(focused[k]) for k in ("id", "name", "text")):
            return focused
    raise AssertionError(f"{wanted.pattern} not reached with {limit} Tabs on {page.url}")


def test_the_survey_is_usable_with_the_keyboard_alone(page: Page, live_server) -> None:
    org = make_organisation("Rivertown General Hospital")
    bob = make_user("bob@rivertown.example.org", "Bob Contributor")
    make_member(bob, org, Role.CONTRIBUTOR)
    alice = make_user("alice@rivertown.example.org", "Alice Admin")
    make_member(alice, org, Role.ADMIN)
    assessment = assessment_create(organisation=org, user=alice, title="Imaging IT 2027")
    base = live_server.url

    # The sign-in page starts in its e-mail field.
    page.goto(f"{base}/login/")
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type("bob@rivertown.example.org")
    tab_to(page, re.compile("^password$"), limit=3)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Rivertown General Hospital")
    # The first Tab of a page reaches the skip link, shown when focused.
    assert tab_to(page, re.compile("Skip to content"), limit=1)["tag"] == "a"

    # From the organisation's page to the survey: the first section the contributor answers.
    tab_to(page, re.compile("Imaging IT 2027"))
    page.keyboard.press("Enter")
    expect(page.locator(".section-head h2")).to_contain_text("SI")
    page.wait_for_load_state("load")  # htmx binds autosave on load

    # Answer SI-01 (a percentage) and save with the question's own Save button.
    tab_to(page, re.compile("^q-SI-01-value$"))
    page.keyboard.type("97")
    focused = tab_to(page, re.compile("^Save$"), limit=6)
    assert focused["tag"] == "button"
    page.keyboard.press("Enter")
    expect(page.locator("#q-SI-01-status")).to_contain_text(re.compile("Saved at"))
    answer = Answer.objects.get(assessment=assessment, criterion_id="SI-01")
    assert answer.value == 97 and answer.updated_by == bob

    # A yes/no question: Space ticks the radio the Tab lands on, Enter on Save stores it.
    radio = page.locator("fieldset.answer-field input[type=radio]").first
    question = radio.get_attribute("id").split("-")[1:3]  # q-SI-02-yes -> SI, 02
    cid = "-".join(question)
    tab_to(page, re.compile(rf"^q-{cid}-(yes|no)$"))
    page.keyboard.press("Space")
    tab_to(page, re.compile("^Save$"))
    page.keyboard.press("Enter")
    expect(page.locator(f"#q-{cid}-status")).to_contain_text(re.compile("Saved at"))
    assert Answer.objects.filter(assessment=assessment, criterion_id=cid).exists()

    # On to the next focus area by its link at the end of the page.
    tab_to(page, re.compile(r"→$"), limit=400)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/s/(?!SI/)[A-Z]{2}/$"))
    expect(page.locator(".section-head h2")).not_to_contain_text("SI")

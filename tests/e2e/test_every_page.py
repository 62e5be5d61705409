"""Every page a person can reach, as that person, at 1280 px and 390 px wide (issue 15).

Each page must answer as expected, keep its content within the window (no page-level
horizontal scroll: a wide table scrolls inside its own labelled region) and have no serious or
critical axe-core violation, under the strict Content-Security-Policy. One browser and one
server: the world is built once (the demo population plus a validation in review and a decided
one), each persona signs in once, and the pages are visited from the list below.

Adding a page is one line in PAGES. `test_every_url_is_a_page_visited_or_exempt` fails for a
URL pattern that is neither visited nor exempt (with its reason) in NOT_PAGES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import Resolver404, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Browser, Page

from diam.web.accounts.models import Invitation, Membership, Organisation, Role, User
from diam.web.accounts.services import invitation_token
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import assessment_submit
from diam.web.core.demo import DEMO_ORGANISATION, DEMO_PASSWORD, demo_load
from diam.web.validation import keys
from diam.web.validation.services.decision import validation_decide
from diam.web.validation.services.requests import validator_assign
from diam.web.verification.services import verification_request
from tests.e2e import error_urls
from tests.e2e.conftest import AXE, watch_csp
from tests.web.factories import make_organisation
from tests.web.security.test_access_matrix import url_patterns
from tests.web.validation.conftest import accept_all, fill_all_met, request_for

WIDTHS = (1280, 390)

# Who signs in, once each (None: nobody). The demo's people; the programme admin and the
# validator give their second factor at sign-in, as they must.
PERSONAS: dict[str, str | None] = {
    "anonymous": None,
    "admin": "admin@demo.example.org",
    "contributor": "contributor@demo.example.org",
    "viewer": "viewer@demo.example.org",
    "programme": "programme@demo.example.org",
    "validator": "validator@demo.example.org",
}


@dataclass(frozen=True)
class Visit:
    """One page: its URL name, its path ({placeholders} from the world), who visits it, and
    the status it answers with."""

    name: str
    path: str
    persona: str
    status: int = 200


ORG, DRAFT, BASE = "/o/{org}", "/a/{draft}", "/a/{baseline}"
PILOT, DONE = "/a/{pilot}", "/a/{done}"
V = "/validation/{open}"
ERRORS = error_urls.PREFIX
# fmt: off
PAGES: list[Visit] = [
    # Public
    Visit("home", "/", "anonymous"),
    Visit("about", "/about/", "anonymous"),
    Visit("signup", "/signup/", "anonymous"),
    Visit("login", "/login/", "anonymous"),
    Visit("password_reset", "/password/reset/", "anonymous"),
    Visit("password_reset_done", "/password/reset/sent/", "anonymous"),
    Visit("password_reset_confirm", "/password/reset/{reset}/", "anonymous"),
    Visit("password_reset_complete", "/password/reset/complete/", "anonymous"),
    Visit("invitation_accept", "/invitations/{invitation}/", "anonymous"),
    Visit("public_statistics", "/statistics/", "anonymous"),
    Visit("registry", "/registry/", "anonymous"),
    Visit("verify", "/verify/", "anonymous"),
    Visit("verify_code", "/verify/{code}/", "anonymous"),
    Visit("api_root", "/api/", "anonymous"),  # the API's documentation
    Visit("not found", "/no-such-page/", "anonymous", 404),
    # The other error pages, through test-only URLs (tests/e2e/error_urls.py) that fail the
    # way real requests do; the pages come from the production handlers and templates.
    Visit("bad request", "/" + ERRORS + "400/", "anonymous", 400),
    Visit("too many requests", "/" + ERRORS + "429/", "anonymous", 429),
    Visit("server error", "/" + ERRORS + "500/", "anonymous", 500),
    # The organisation's admin
    Visit("home", "/", "admin"),
    Visit("organisation", ORG + "/", "admin"),
    Visit("members", ORG + "/members/", "admin"),
    Visit("member_remove", ORG + "/members/{membership}/remove/", "admin"),
    Visit("organisation_leave", ORG + "/leave/", "admin"),
    Visit("organisation_settings", ORG + "/settings/", "admin"),
    Visit("organisation_benchmarks", ORG + "/benchmarks/", "admin"),
    Visit("organisation_audit", ORG + "/audit/", "admin"),
    Visit("organisation_recognition", ORG + "/recognition/", "admin"),
    Visit("organisation_data", ORG + "/data/", "admin"),
    Visit("api_tokens", ORG + "/tokens/", "admin"),
    Visit("assessment", DRAFT + "/", "admin"),
    Visit("assessment_section", DRAFT + "/s/SI/", "admin"),
    Visit("assessment_answer_history", DRAFT + "/history/{answered}/", "admin"),
    Visit("assessment_assign", DRAFT + "/assign/", "admin"),
    Visit("assessment_submit", DRAFT + "/submit/", "admin"),
    Visit("assessment_results", DRAFT + "/results/", "admin"),
    Visit("assessment_profile", DRAFT + "/profile/", "admin"),
    Visit("assessment_data", DRAFT + "/data/", "admin"),
    Visit("assessment_section", BASE + "/s/HX/", "admin"),  # submitted, in validation
    Visit("assessment_submit", BASE + "/submit/", "admin"),
    Visit("assessment_results", BASE + "/results/", "admin"),
    Visit("assessment_report", BASE + "/report/", "admin"),
    Visit("assessment_reopen", PILOT + "/reopen/", "admin"),
    Visit("assessment_upgrade", PILOT + "/upgrade/", "admin"),
    Visit("validation_request", PILOT + "/validation/request/", "admin"),
    Visit("assessment_submit", DONE + "/submit/", "admin"),  # validated
    Visit("assessment_results", DONE + "/results/", "admin"),
    Visit("validation", V + "/", "admin"),
    Visit("validation_withdraw", V + "/withdraw/", "admin"),
    Visit("waiting", "/waiting/", "admin"),
    Visit("organisation_progress", ORG + "/progress/", "admin"),
    Visit("organisation_compare", ORG + "/progress/compare/?before={pilot}&after={baseline}",
          "admin"),
    Visit("password_change", "/account/password/", "admin"),
    Visit("password_change_done", "/account/password/changed/", "admin"),
    Visit("two_factor", "/account/two-factor/", "admin"),
    Visit("two_factor_setup", "/account/two-factor/setup/", "admin"),
    # A contributor and a viewer
    Visit("assessment_section", DRAFT + "/s/HX/", "contributor"),
    Visit("assessment_submit", DRAFT + "/submit/", "contributor"),
    Visit("assessment_submit", DRAFT + "/submit/", "viewer"),
    Visit("assessment_section", DRAFT + "/s/SI/", "viewer"),
    Visit("forbidden", ORG + "/settings/", "viewer", 403),
    Visit("bad request", "/" + ERRORS + "400/", "viewer", 400),  # the signed-in layout
    Visit("server error", "/" + ERRORS + "500/", "viewer", 500),
    # The validator assigned to the open validation
    Visit("waiting", "/waiting/", "validator"),
    Visit("validation", V + "/", "validator"),
    Visit("validation_criterion", V + "/c/{claimed}/", "validator"),
    Visit("validation_visit", V + "/visit/", "validator"),
    Visit("validation_decide", V + "/decide/", "validator"),
    # The programme admin
    Visit("programme_console", "/programme/", "programme"),
    Visit("programme_organisation", "/programme/organisations/{org}/", "programme"),
    Visit("programme_certificates", "/programme/certificates/", "programme"),
    Visit("programme_models", "/programme/models/", "programme"),
    Visit("programme_statistics", "/programme/statistics/", "programme"),
    Visit("programme_validations", "/programme/validations/", "programme"),
    Visit("programme_validators", "/programme/validators/", "programme"),
    Visit("verification_queue", "/programme/verification/", "programme"),
    Visit("verification_detail", "/programme/verification/{signed_up}/", "programme"),
    Visit("programme_audit", "/programme/audit/", "programme"),
    Visit("research", "/programme/research/", "programme"),
]
# fmt: on
# The second-factor page is checked while the programme admin signs in (it exists only then).
SEEN_AT_SIGN_IN = {"two_factor_verify"}

# URL patterns that are not pages a person reads, each with its reason.
_DOWNLOAD = "a file download, not a page"
_POST = "an action (POST only): its outcome is a page listed above"
_JSON = "machine-readable (JSON), not a page"
NOT_PAGES: dict[str, str] = {
    "healthz": _JSON,
    "healthz_live": _JSON,
    "api": _JSON,
    "api_not_found": _JSON,
    "credential_keys": _JSON,
    "assessment_answers_json": _DOWNLOAD,
    "assessment_fhir": _DOWNLOAD,
    "model_questionnaire": _DOWNLOAD,
    "validation_credential": _DOWNLOAD,
    "admin": "Django's own admin site (staff only), not diam's pages",
    "report_css": "the report's stylesheet",
    "badge": "an SVG image embedded by others",
    "assessment_report_pdf": _DOWNLOAD,
    "assessment_report_docx": _DOWNLOAD,
    "assessment_report_xlsx": _DOWNLOAD,
    "assessment_checklist_xlsx": _DOWNLOAD,
    "assessment_checklist_csv": _DOWNLOAD,
    "assessment_answers_csv": _DOWNLOAD,
    "assessment_bundle": _DOWNLOAD,
    "assessment_workbook": _DOWNLOAD,
    "organisation_answers_csv": _DOWNLOAD,
    "organisation_results_csv": _DOWNLOAD,
    "model_workbook": _DOWNLOAD,
    "research_download": _DOWNLOAD,
    "programme_statistics_csv": _DOWNLOAD,
    "organisation_audit_csv": _DOWNLOAD,
    "programme_audit_csv": _DOWNLOAD,
    "assessment_evidence_file": _DOWNLOAD,
    "validation_evidence": _DOWNLOAD,
    "validation_certificate": _DOWNLOAD,
    "logout": _POST,
    "member_invite": _POST,
    "member_role": _POST,
    "invitation_revoke": _POST,
    "assessment_new": _POST,
    "assessment_answer": _POST,
    "assessment_answer_confirm": _POST,
    "assessment_section_confirm": _POST,
    "assessment_evidence": _POST,
    "assessment_evidence_remove": _POST,
    "assessment_workbook_upload": _POST,
    "organisation_import": _POST,
    "api_token_revoke": _POST,
    "two_factor_recovery_codes": _POST,
    "two_factor_remove": _POST,
    "benchmark_release_cut": _POST,
    "programme_validator_revoke": _POST,
    "validation_assign": _POST,
    "validation_unassign": _POST,
    "validation_revoke": _POST,
}

# Visits of the test-only error URLs (not URL names of the site).
ERROR_PAGES = {"bad request", "too many requests", "server error"}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("whole-server"),
]


def test_every_url_is_a_page_visited_or_exempt() -> None:
    names = {name for name, _ in url_patterns()}
    covered = {v.name for v in PAGES} | SEEN_AT_SIGN_IN | set(NOT_PAGES)
    missing = sorted(names - covered)
    assert not missing, (
        f"Pages not visited by tests/e2e/test_every_page.py: {missing}. Add a line to PAGES "
        '(e.g. Visit("name", "/o/{org}/thing/", "admin")), or to NOT_PAGES with the reason.'
    )
    pseudo = {"not found", "forbidden", *ERROR_PAGES}
    stale = sorted((covered - pseudo) - names)
    assert not stale, f"Listed but no such URL pattern: {stale}"
    assert set(PERSONAS) >= {v.persona for v in PAGES}
    # The test-only error URLs exist only in the walk's URLconf, never in production's.
    for visit in PAGES:
        if visit.name in ERROR_PAGES:
            with pytest.raises(Resolver404):
                resolve(visit.path, urlconf="diam.web.urls")


# --- the world ---------------------------------------------------------------------------------


def build_world(settings: Any, tmp_path: Path, base: str) -> dict[str, Any]:
    """The demo population, with the demo hospital's baseline in validation (review open), a
    fourth assessment validated, an invitation and a password reset link to follow, and a
    real organisation waiting for verification."""
    settings.SITE_URL = base  # the badge and links the pages embed point at this server
    settings.DIAM_DEMO_MODE = True
    settings.DIAM_VALIDATION_MIN_STAGE = 0
    settings.MEDIA_ROOT = tmp_path / "evidence"
    settings.DIAM_CREDENTIAL_KEY_DIR = tmp_path / "keys"
    keys.key_create()
    demo_load(organisations=60, seed=5)
    org = Organisation.objects.get(name=DEMO_ORGANISATION)
    people = {p: User.objects.filter(email=e).first() for p, e in PERSONAS.items() if e}
    admin, validator, programme = people["admin"], people["validator"], people["programme"]
    draft = org.assessments.get(status="draft")
    baseline = org.assessments.get(title="Baseline assessment")
    pilot = org.assessments.get(title="Pilot assessment")

    done = Assessment.objects.create(
        organisation=org,
        title="Validated assessment",
        model_id=draft.model_id,
        model_version=draft.model_version,
        model_hash=draft.model_hash,
        created_by=admin,
    )
    fill_all_met(done, admin)
    assessment_submit(assessment=done, user=admin)
    decided = request_for(done, admin)
    validator_assign(validation=decided, validator=validator, user=programme)
    accept_all(decided, validator)
    decision = validation_decide(validation=decided, user=validator, narrative="All seen.")

    in_review = request_for(baseline, admin)
    validator_assign(validation=in_review, validator=validator, user=programme)
    invitation = Invitation.objects.create(
        organisation=org, email="newcomer@example.org", role=Role.VIEWER, invited_by=admin
    )
    viewer = people["viewer"]
    signed_up = make_organisation("Sunrise Clinic", country="PT")
    verification_request(organisation=signed_up, reason="sign-up")
    return {
        "signed_up": signed_up.pk,
        "org": org.pk,
        "draft": draft.pk,
        "baseline": baseline.pk,
        "pilot": pilot.pk,
        "done": done.pk,
        "open": in_review.pk,
        "claimed": in_review.items.order_by("criterion_id").first().criterion_id,
        "answered": draft.answers.order_by("criterion_id").first().criterion_id,
        "membership": Membership.objects.get(user=viewer, organisation=org).pk,
        "invitation": invitation_token(invitation=invitation),
        "reset": f"{urlsafe_base64_encode(force_bytes(viewer.pk))}/"
        f"{default_token_generator.make_token(viewer)}",
        "code": decision.code,
    }


def sign_in(browser: Browser, base: str, persona: str, problems: list[str]) -> Page:
    """A browser context of its own for `persona`, signed in; its CSP violations are watched."""
    context = browser.new_context()
    page = context.new_page()
    CSP[persona] = watch_csp(page)
    email = PERSONAS[persona]
    if email is None:
        return page
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.wait_for_load_state("load")
    if "/account/two-factor/verify/" in page.url:
        problems += check(page, "two_factor_verify", persona)
        page.fill("input[name=code]", totp_code(email))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("load")
    assert "/login/" not in page.url and "/two-factor/" not in page.url, page.url
    return page


CSP: dict[str, list[str]] = {}  # persona -> Content-Security-Policy violations seen


def totp_code(email: str) -> str:
    """The code the demo login's authenticator shows now (its key is printed by `diam demo`)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__email=email)
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{totp.token():0{device.digits}d}"


# --- the checks --------------------------------------------------------------------------------

SETTLED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

OVERFLOW = """() => {
  const limit = window.innerWidth;
  if (document.scrollingElement.scrollWidth <= limit) return null;
  // Name the widest elements not inside a scroll region, to say what to fix.
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right <= limit + 1 || box.width === 0) continue;
    let clipped = false;
    for (let a = el.parentElement; a && !clipped; a = a.parentElement) {
      clipped = ["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX);
    }
    const right = Math.round(box.right);
    if (!clipped) out.push(`${el.tagName.toLowerCase()}.${el.className} (${right} px)`);
  }
  return `${document.scrollingElement.scrollWidth} px wide: ` + out.slice(0, 4).join(", ");
}"""


# Known violations of pages diam does not draw itself, each with its reason.
AXE_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("api_root", "nested-interactive"): "Swagger UI (django-ninja's API documentation) puts a "
    "copy button inside each operation's toggle button; its markup is not ours to change",
}


def axe_lines(page: Page, name: str, *, contrast: bool = True) -> list[str]:
    """Serious and critical axe-core violations, less the known exceptions of this page.

    `contrast=False` leaves out colour contrast, by far the slowest rule on long pages: the
    stylesheet sets no colour by width, so it is checked once, at the first width."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, which the page's Content-Security-Policy does not govern.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate(
        """async (contrast) => await axe.run(document, {
            resultTypes: ['violations'], rules: {'color-contrast': {enabled: contrast}}})""",
        contrast,
    )
    lines = []
    for v in results["violations"]:
        if v["impact"] in ("serious", "critical") and (name, v["id"]) not in AXE_EXCEPTIONS:
            targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}")
    return lines


def check(page: Page, name: str, persona: str) -> list[str]:
    """The page as it is now, at each width: overflow and axe problems, as readable lines."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # The page reacts to its new width (resize event, ResizeObserver: scroll regions gain
        # their tab stop) before the next frames are drawn; a person cannot press Tab sooner.
        page.evaluate(SETTLED)
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            problems.append(f"{name} as {persona} at {width} px: page scrolls sideways, {overflow}")
        problems += [
            f"{name} as {persona} at {width} px: {line}"
            for line in axe_lines(page, name.split(" (")[0], contrast=width == WIDTHS[0])
        ]
    return problems


def test_every_page_fits_both_widths_and_is_axe_clean(
    browser: Browser, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    base = live_server.url
    world = build_world(settings, tmp_path, base)
    settings.ROOT_URLCONF = "tests.e2e.error_urls"  # the site's URLs plus the error ones
    problems: list[str] = []
    pages: dict[str, Page] = {}
    CSP.clear()
    try:
        for visit in PAGES:
            if visit.persona not in pages:
                pages[visit.persona] = sign_in(browser, base, visit.persona, problems)
            page = pages[visit.persona]
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(base + visit.path.format(**world))
            assert response is not None
            where = f"{visit.name} ({visit.path.format(**world)})"
            if response.status != visit.status:
                problems.append(f"{where} as {visit.persona}: HTTP {response.status}")
                continue
            if visit.name == "api_root":  # the documentation is drawn by its script
                page.locator(".swagger-ui .info").wait_for()
            problems += check(page, where, visit.persona)
        for persona, lines in CSP.items():
            problems += [f"Content-Security-Policy, as {persona}: {line}" for line in lines]
    finally:
        # Closed before the live server stops (see test_validation_flow.close_contexts).
        for page in pages.values():
            page.context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)

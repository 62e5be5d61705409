"""Headers (CSP, deploy checks), error pages in the site's layout, configuration errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def test_every_page_carries_a_strict_content_security_policy(db: None) -> None:
    response = Client().get("/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["style-src-elem"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert "unsafe" not in policy["default-src"]


def test_pages_have_no_inline_script(alice_client: Client, assessment) -> None:
    for path in ("/", f"/a/{assessment.pk}/s/SI/", f"/a/{assessment.pk}/report/", "/login/"):
        page = alice_client.get(path, follow=True).content.decode()
        for tag in page.split("<script")[1:]:
            assert tag.split(">", 1)[0].strip().startswith("src="), f"inline script on {path}"
        assert " hx-on" not in page and "<style" not in page


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/o/999999/", 404, "Page not found"),
        ("/a/123456789012345678901234567890/", 404, "Page not found"),
        ("/no/such/page/", 404, "Page not found"),
    ],
)
def test_not_found_pages_are_in_the_layout_and_say_where_to_go(
    alice_client: Client, path: str, status: int, text: str
) -> None:
    response = alice_client.get(path)
    assert response.status_code == status
    page = response.content.decode()
    assert text in page and '<header class="site-header">' in page
    assert "Go to your organisations" in page


def test_a_forbidden_action_explains_itself(vic_client: Client, assessment) -> None:
    response = vic_client.post(f"/a/{assessment.pk}/submit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You may not do this" in page and "Only an organisation admin can do this." in page


def test_a_server_error_is_a_page_without_a_traceback(db: None, settings) -> None:
    settings.ROOT_URLCONF = "tests.web.security.boom_urls"
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "Traceback" not in page


def test_a_bad_request_has_its_page(db: None) -> None:
    response = Client().get("/", HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS
    assert response.status_code == 400 and "Bad request" in response.content.decode()


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DIAM_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"  # set by browser tests
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def test_the_development_key_is_refused_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_env(DIAM_DEBUG="0", DIAM_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("diam cannot start: DIAM_SECRET_KEY is the development")


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_env(
            DIAM_DEBUG="0",
            DIAM_SECRET_KEY="x7-" + "k9Qz#p2Lw" * 7,
            DIAM_ALLOWED_HOSTS="diam.example.org",
            DIAM_DATA_DIR=str(tmp_path),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_head_requests_answer_like_get_without_a_body(client) -> None:
    """Uptime monitors and link checkers send HEAD: a page that answers GET answers HEAD."""
    for path in ("/", "/about/", "/healthz", "/healthz/live", "/registry/", "/statistics/"):
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.content == b"", path

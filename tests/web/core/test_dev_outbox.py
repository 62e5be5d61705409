"""The development outbox: e-mails of a development server are kept as files and listed at
/dev/outbox/; with production settings the page does not exist and mail is delivered."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from diam.web import settings as settings_module
from diam.web.accounts.models import Organisation
from diam.web.core.outbox import OutboxBackend, outbox_list
from tests.web.accounts.helpers import link_path


def test_with_production_settings_the_outbox_url_does_not_exist(client: Client) -> None:
    # The test settings are the production settings (DEBUG off).
    with pytest.raises(NoReverseMatch):
        reverse("dev_outbox")
    assert client.get("/dev/outbox/").status_code == 404


def _settings_with(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> ModuleType:
    """The settings module as a process started with `env` reads it (a fresh copy; Django's
    own settings object is left alone)."""
    for name in [k for k in os.environ if k.startswith("DIAM_")]:
        monkeypatch.delenv(name)
    for name, value in (env | {"DIAM_ALLOW_DEV_SECRET": "1"}).items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_probe", settings_module.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_delivers_by_console_or_smtp_and_development_uses_the_outbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    production = _settings_with(monkeypatch, {"DIAM_DEBUG": "0"})
    assert production.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    assert production.DIAM_DEV_OUTBOX is False  # so diam.web.urls registers no outbox URL
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    configured = _settings_with(monkeypatch, {"DIAM_DEBUG": "0", "DIAM_EMAIL_BACKEND": smtp})
    assert configured.EMAIL_BACKEND == smtp
    development = _settings_with(monkeypatch, {"DIAM_DEBUG": "1"})
    assert development.EMAIL_BACKEND == "diam.web.core.outbox.OutboxBackend"
    assert development.DIAM_DEV_OUTBOX is True
    assert development.EMAIL_FILE_PATH == development.DATA_DIR / "mail"


@pytest.fixture
def dev_server(settings, tmp_path: Path) -> Path:
    """Settings of `make run`: the outbox on, its files in a folder of this test."""
    # The project's URLs are read with the settings at hand: read them before the override,
    # as a real process does at start-up, so they stay production's for the other tests.
    importlib.import_module(settings.ROOT_URLCONF)
    settings.DIAM_DEV_OUTBOX = True
    settings.EMAIL_BACKEND = "diam.web.core.outbox.OutboxBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.ROOT_URLCONF = "tests.web.core.dev_urls"
    return tmp_path / "mail"


def test_a_newcomer_finds_the_invitation_link_in_the_outbox(
    dev_server: Path, alice_client: Client, org: Organisation, settings
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"
    response = alice_client.post(
        f"/o/{org.pk}/members/invite/", {"email": "dave@example.org", "role": "viewer"}, follow=True
    )
    assert "the e-mail and its link are in the outbox" in response.content.decode()
    Client().post("/password/reset/", {"email": "alice@example.org"})
    assert mail.outbox == []  # written to files, not kept in memory

    page = Client().get("/dev/outbox/")  # open without signing in, in development
    assert page.status_code == 200
    html = page.content.decode()
    assert "development only" in html
    invitation, reset = outbox_list(dev_server)[1], outbox_list(dev_server)[0]  # newest first
    assert invitation.to == "dave@example.org" and org.name in invitation.subject
    assert reset.to == "alice@example.org"
    assert html.index(reset.subject) < html.index(invitation.subject)
    path = link_path(invitation.body, "/invitations/")
    # The server answers elsewhere than DIAM_SITE_URL (another port): the link is clickable and
    # points to this server, and the page says why.
    assert f'<a href="http://testserver{path}"' in html
    assert "127.0.0.1:8000/invitations/" not in html
    assert "start the server with <code>DIAM_SITE_URL=http://testserver</code>" in html
    assert Client().get(path).status_code == 200  # and leads to the invitation
    settings.SITE_URL = "http://testserver"  # configured right: nothing to say
    assert "DIAM_SITE_URL=" not in Client().get("/dev/outbox/").content.decode()


def test_the_outbox_shows_a_message_as_text_never_as_markup(dev_server: Path) -> None:
    message = mail.EmailMessage(
        "<b>Hi</b>", "<script>alert(1)</script> see https://example.org/x", to=["a@example.org"]
    )
    assert OutboxBackend(file_path=dev_server).send_messages([message]) == 1
    html = Client().get("/dev/outbox/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;Hi&lt;/b&gt;" in html
    assert '<a href="https://example.org/x"' in html

"""Three personas, as in every access test: alice (admin) and bob (contributor) of St Elsewhere,
carol (admin of another organisation, who must see nothing of St Elsewhere), plus vic, a viewer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from diam.web.accounts.models import Organisation, Role, User
from diam.web.assessments.models import Assessment
from diam.web.security.twofactor import second_factor_required
from tests.web.factories import make_assessment, make_member, make_organisation, make_user


@pytest.fixture(autouse=True)
def report_files_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stored report files of each test go to a directory of their own, never to ./data."""
    settings.REPORTS_DIR = tmp_path_factory.mktemp("reports")
    return Path(settings.REPORTS_DIR)


@pytest.fixture
def org(db: None) -> Organisation:
    return make_organisation("St Elsewhere Hospital")


@pytest.fixture
def other_org(db: None) -> Organisation:
    return make_organisation("Other General", country="DE")


@pytest.fixture
def alice(org: Organisation) -> User:
    user = make_user("alice@example.org", "Alice Admin")
    make_member(user, org, Role.ADMIN)
    return user


@pytest.fixture
def bob(org: Organisation) -> User:
    user = make_user("bob@example.org", "Bob Contributor")
    make_member(user, org, Role.CONTRIBUTOR)
    return user


@pytest.fixture
def vic(org: Organisation) -> User:
    user = make_user("vic@example.org", "Vic Viewer")
    make_member(user, org, Role.VIEWER)
    return user


@pytest.fixture
def carol(other_org: Organisation) -> User:
    user = make_user("carol@example.org", "Carol Elsewhere")
    make_member(user, other_org, Role.ADMIN)
    return user


@pytest.fixture
def assessment(org: Organisation, alice: User) -> Assessment:
    return make_assessment(org, alice)


def client_for(user: User) -> Client:
    """A client signed in as `user`; with the second factor given when the role requires it
    (the two-factor tests sign in step by step instead)."""
    client = Client()
    client.force_login(user)
    if second_factor_required(user):
        verify_second_factor(client, user)
    return client


def verify_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as having passed the second factor (an enrolled app)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def alice_client(alice: User) -> Client:
    return client_for(alice)


@pytest.fixture
def bob_client(bob: User) -> Client:
    return client_for(bob)


@pytest.fixture
def carol_client(carol: User) -> Client:
    return client_for(carol)


@pytest.fixture
def vic_client(vic: User) -> Client:
    return client_for(vic)

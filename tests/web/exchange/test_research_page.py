"""The research dataset page: programme admins only, real and demo never mixed, recorded."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.test import Client

from diam.paths import latest_version
from diam.web.accounts.models import ProgrammeRole
from diam.web.audit.models import AuditEvent
from tests.web.benchmarks.conftest import _fresh_populations, peer  # noqa: F401
from tests.web.conftest import client_for
from tests.web.factories import make_user

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    text = archive.read("dataset.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_programme_admins_download_an_anonymised_dataset(alice_client: Client) -> None:
    admin = make_user("pa@example.org", "Programme Admin", programme_role=ProgrammeRole.ADMIN)
    for i in range(5):
        peer(f"Dutch {i}", country="NL", stage=3)
    peer("Lonely Belgian", country="BE", stage=2)
    peer("Demo", country="NL", stage=1, is_demo=True)
    peer("Opted out", country="NL", stage=1, consent=False)
    version = latest_version("radiology")
    url = f"/programme/research/radiology/{version}.zip"
    assert alice_client.get("/programme/research/").status_code == 403
    assert alice_client.get(url).status_code == 403
    client = client_for(admin)
    assert "at least 5 organisations" in client.get("/programme/research/").content.decode()
    rows = _rows(client.get(url))
    assert len(rows) == 6
    assert sorted(r["country"] for r in rows) == ["NL"] * 5 + ["suppressed"]
    assert "Dutch" not in str(rows) and "Belgian" not in str(rows)
    demo = _rows(client.get(url + "?population=demo"))
    assert len(demo) == 1 and demo[0]["country"] == "suppressed"
    assert AuditEvent.objects.filter(action="export.research_dataset", actor=admin).count() == 2

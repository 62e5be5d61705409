"""The benchmarks endpoint says exactly what the benchmark page says: the figures of the latest
release, n beside every shown figure, a reason for every hidden one."""

from __future__ import annotations

import pytest

from diam.web.accounts.models import Organisation
from diam.web.benchmarks import selectors
from tests.web.api.conftest import CheckedClient
from tests.web.benchmarks.conftest import _fresh_releases, cut, peer, submitted, verify  # noqa: F401

pytestmark = pytest.mark.django_db
K = 5


def test_every_figure_is_the_releases_figure_with_its_n_or_its_reason(
    alice_api: CheckedClient, org: Organisation, carol_api: CheckedClient
) -> None:
    verify(org)
    for i in range(10):
        peer(f"Peer {i}", country="NL", stage=2 + i % 3)
    for i in range(2):
        peer(f"Small {i}", country="BE", stage=3)
    submitted(org, 3)
    release = cut()
    body = alice_api.get(f"/api/organisations/{org.pk}/benchmarks").json()
    assert body["k"] == K and body["own_counted"] and body["source"] == release.key
    assert body["unavailable"] == "" and body["release_date"]
    ob = selectors.organisation_benchmark(organisation=org)
    assert [g["key"] for g in body["groups"]] == [g.group.key for g in ob.groups]
    shown = 0
    for group, expected in zip(body["groups"], ob.groups, strict=True):
        for name, figure in expected.stage.figures():
            got = group["figures"][f"stage.{name}"]
            if figure.shown:
                shown += 1
                assert got["n"] == figure.n and got["n"] >= K and got["suppressed"] is None
            else:
                assert got["value"] is None and got["n"] is None and got["suppressed"]
        position = group["figures"]["stage.position"]
        assert position["value"] in (1, 2, 3, 4) or position["suppressed"]
    assert shown > 0
    assert carol_api.get(f"/api/organisations/{org.pk}/benchmarks").status_code == 404


def test_an_unverified_organisation_gets_the_reason_and_no_figures(
    alice_api: CheckedClient, org: Organisation
) -> None:
    for i in range(6):
        peer(f"Peer {i}", country="NL")
    body = alice_api.get(f"/api/organisations/{org.pk}/benchmarks").json()
    assert body["groups"] == [] and "verified" in body["unavailable"] and body["source"] == ""

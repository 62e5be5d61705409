"""The benchmarks endpoint says exactly what the benchmark page says: the same figures from the
same disclosure control, n beside every shown figure, a reason for every hidden one."""

from __future__ import annotations

import pytest

from diam.paths import shipped_model
from diam.stats import benchmark_for
from diam.web.accounts.models import Organisation
from tests.web.api.conftest import CheckedClient
from tests.web.benchmarks.conftest import _fresh_populations, entries, peer, submitted  # noqa: F401

pytestmark = pytest.mark.django_db
K = 5


def test_every_figure_is_the_pages_figure_with_its_n_or_its_reason(
    alice_api: CheckedClient, org: Organisation, carol_api: CheckedClient
) -> None:
    for i in range(6):
        peer(f"Peer {i}", country="NL", stage=2 + i % 3)
    for i in range(2):
        peer(f"Small {i}", country="BE", stage=3)
    submitted(org, 3)
    body = alice_api.get(f"/api/organisations/{org.pk}/benchmarks").json()
    assert body["k"] == K and body["own_counted"] and body["source"] == "live"
    rows = entries()
    own = next(e for e in rows if e.organisation_id == org.pk)
    model = shipped_model()
    core = benchmark_for(
        rows,
        own,
        k=K,
        branches=[b.id for b in model.manifest.branches],
        focus_areas=[f.code for f in model.manifest.focus_areas],
    )
    assert [g["key"] for g in body["groups"]] == [g.group.key for g in core.groups]
    shown = 0
    for group, expected in zip(body["groups"], core.groups, strict=True):
        for path, figure in expected.summary.figures():
            got = group["figures"][path]
            if figure.shown:
                shown += 1
                assert got["n"] == figure.n and got["n"] >= K and got["suppressed"] is None
            else:
                assert got["value"] is None and got["n"] in (None, 0) and got["suppressed"]
    assert shown > 0
    assert carol_api.get(f"/api/organisations/{org.pk}/benchmarks").status_code == 404

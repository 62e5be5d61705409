"""`diam demo` and `diam rescore` against the database."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from diam.web.accounts.models import Membership, Organisation, User
from diam.web.assessments.models import Assessment, Status
from diam.web.core.demo import DEMO_ORGANISATION, DEMO_PASSWORD, demo_load
from diam.web.core.maintenance import assessments_rescore
from tests.conftest import ROOT


@pytest.mark.django_db
def test_demo_load_creates_a_labelled_population_and_is_idempotent() -> None:
    summary = demo_load(organisations=12, seed=1)
    assert summary.created
    demo = Organisation.objects.get(name=DEMO_ORGANISATION)
    assert demo.is_demo
    assert {m.role for m in Membership.objects.filter(organisation=demo)} == {
        "admin",
        "contributor",
        "viewer",
    }
    draft = demo.assessments.get(status=Status.DRAFT)
    answered = draft.answers.count()
    assert 20 <= answered < 80  # about half filled in
    assert draft.answers.filter(changes__isnull=False).exists()  # with history
    assert demo.assessments.filter(status=Status.SUBMITTED).count() == 2  # pilot and baseline
    peers = Organisation.objects.exclude(pk=demo.pk)
    assert peers.count() == 12 and all(o.is_demo and "(demo)" in o.name for o in peers)
    submitted = Assessment.objects.exclude(status=Status.DRAFT)
    assert all(a.stage is not None and a.focus_area_percents for a in submitted)
    user = User.objects.get(email="admin@demo.example.org")
    assert user.check_password(DEMO_PASSWORD)
    again = demo_load(organisations=12, seed=1)
    assert not again.created and Organisation.objects.count() == 13


@pytest.mark.django_db
def test_rescore_restores_tampered_stored_results_and_counts_changes() -> None:
    demo_load(organisations=5, seed=3)
    scored = Assessment.objects.exclude(status=Status.DRAFT).first()
    truth = scored.stage
    Assessment.objects.filter(pk=scored.pk).update(stage=(truth + 1) % 8)
    summary = assessments_rescore()
    assert summary.total == Assessment.objects.count()
    assert summary.changed == 1
    scored.refresh_from_db()
    assert scored.stage == truth


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DIAM_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**base, "DJANGO_SETTINGS_MODULE": "diam.web.settings", **env},
    )


def test_deploy_checks_are_clean_with_production_settings(tmp_path) -> None:
    done = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DIAM_SECRET_KEY=secrets.token_urlsafe(50),
        DIAM_ALLOWED_HOSTS="diam.example.org",
        DIAM_DATA_DIR=str(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_settings_refuse_the_development_secret(tmp_path) -> None:
    done = _manage("check", DIAM_DATA_DIR=str(tmp_path))
    assert done.returncode != 0
    assert "DIAM_SECRET_KEY is the development default" in done.stderr


def test_a_malformed_boolean_setting_is_named(tmp_path) -> None:
    done = _manage("check", DIAM_DEBUG="maybe", DIAM_DATA_DIR=str(tmp_path))
    assert done.returncode != 0
    assert "DIAM_DEBUG must be a boolean" in done.stderr


@pytest.mark.django_db
def test_the_demo_is_on_2_0_0_with_some_history_on_1_0_0() -> None:
    demo_load(organisations=40, seed=4)
    latest = {}  # each organisation's latest submitted or validated assessment
    for a in Assessment.objects.exclude(status=Status.DRAFT).order_by("submitted_at", "pk"):
        latest[a.organisation_id] = a
    demo = Organisation.objects.get(name=DEMO_ORGANISATION)
    assert {a.model_version for a in latest.values()} == {"2.0.0"}
    peers = {oid: a for oid, a in latest.items() if oid != demo.pk}
    history = Assessment.objects.exclude(status=Status.DRAFT).exclude(
        pk__in=[a.pk for a in latest.values()]
    )
    assert history.filter(model_version="1.0.0").exists()
    pilot = demo.assessments.get(title="Pilot assessment")
    baseline = demo.assessments.get(title="Baseline assessment")
    draft = demo.assessments.get(status=Status.DRAFT)
    assert pilot.model_version == "1.0.0"
    assert baseline.model_version == draft.model_version == "2.0.0"
    assert draft.services["ai"] is True  # the draft's service profile is filled in
    from diam.web.assessments.upgrade import upgrade_version

    assert upgrade_version(pilot) == "2.0.0"  # the demo shows the move to 2.0.0
    # Current results sit near stage 3 with few at 6-7, as the public population did.
    stages = [a.stage for a in peers.values()]
    assert 2.0 <= sum(stages) / len(stages) <= 4.0
    # A validated peer has the decision every page reads (stage, validity, a code that checks).
    from diam.web.validation.services.decision import code_confirms

    validated = Assessment.objects.filter(status=Status.VALIDATED)
    assert validated.exists()
    for a in validated:
        decision = a.validation_requests.get().decision
        assert decision.stage == a.stage and decision.valid_until > decision.decided_on
        assert code_confirms(decision)


@pytest.mark.django_db
def test_rescore_keeps_each_assessment_on_its_model_version() -> None:
    demo_load(organisations=8, seed=5)
    before = dict(Assessment.objects.values_list("pk", "model_version"))
    Assessment.objects.update(stage=None)
    assessments_rescore()
    after = dict(Assessment.objects.values_list("pk", "model_version"))
    assert after == before and "1.0.0" in after.values() and "2.0.0" in after.values()
    from diam.web.assessments.services import assessment_result

    for assessment in Assessment.objects.select_related("organisation"):
        assert assessment.stage == assessment_result(assessment).stage
        assert assessment_result(assessment).model.version == assessment.model_version


@pytest.mark.django_db
def test_the_demo_submitted_assessments_have_the_history_their_pages_claim() -> None:
    """Shown as submitted by a named person, so their status page lists who created and
    submitted them, and each answer's history says who gave it (issue 15)."""
    from diam.web.assessments.models import AnswerChange, AssessmentEvent

    demo_load(organisations=0)
    admin = User.objects.get(email="admin@demo.example.org")
    check_history(admin)
    # A demo database loaded before the history was recorded gets it at the next `make run`.
    submitted = Assessment.objects.filter(status=Status.SUBMITTED)
    AssessmentEvent.objects.filter(assessment__in=submitted).delete()
    AnswerChange.objects.filter(answer__assessment__in=submitted).delete()
    demo_load(organisations=0)
    check_history(admin)


def check_history(admin: User) -> None:
    from diam.web.assessments.models import AnswerChange, EventKind

    for assessment in Assessment.objects.filter(status=Status.SUBMITTED):
        events = list(assessment.events.order_by("at"))
        assert [(e.kind, e.user) for e in events] == [
            (EventKind.CREATED, admin),
            (EventKind.SUBMITTED, admin),
        ]
        assert events[-1].at == assessment.submitted_at
        assert assessment.created_at <= events[0].at < events[-1].at
        answers = assessment.answers.count()
        changes = AnswerChange.objects.filter(answer__assessment=assessment)
        assert changes.count() == answers > 0
        assert all(assessment.created_at < c.changed_at < assessment.submitted_at for c in changes)
        assert not assessment.answers.filter(updated_by__isnull=True).exists()

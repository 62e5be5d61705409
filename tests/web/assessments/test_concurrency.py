"""An autosave and a submission of the same assessment never interleave.

The autosave reads the assessment under its row lock (in the access query), so a save that
arrives while a submission is being committed waits for it and is then refused: no answer
changes after the result was fixed. PostgreSQL only: SQLite takes its write lock at BEGIN, so
the interleaving cannot happen there, and its test database is not shared across threads.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from diam.web.accounts.models import User
from diam.web.assessments.models import Answer, Assessment, Status
from diam.web.assessments.services import answer_save_with_values
from tests.web.assessments.conftest import answer_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_save_waits_for_a_submission_being_committed_and_is_then_refused(
    alice: User, assessment: Assessment
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite serialises whole transactions)")
    client = Client()
    client.force_login(alice)
    outcome: dict[str, Any] = {}

    def autosave() -> None:
        try:
            outcome["response"] = client.post(
                answer_url(assessment, "SI-01"),
                {"value": "98", "version": "0"},
                HTTP_HX_REQUEST="true",
            )
        finally:
            connections.close_all()

    saver = threading.Thread(target=autosave)
    with transaction.atomic():  # a submission in progress holds the assessment's row lock
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        saver.start()
        saver.join(0.5)
        assert saver.is_alive(), "the save did not wait for the submission's lock"
        locked.status = Status.SUBMITTED
        locked.save(update_fields=["status"])
    saver.join(10)
    assert not saver.is_alive()
    assert outcome["response"].status_code == 409  # locked: the page reloads read-only
    assert not Answer.objects.filter(assessment=assessment).exists()


def test_a_caller_claiming_to_hold_the_lock_outside_a_transaction_is_refused(
    alice: User, assessment: Assessment
) -> None:
    with pytest.raises(RuntimeError, match="outside the transaction"):
        answer_save_with_values(
            assessment=assessment,
            criterion_id="SI-01",
            value=98,
            expected_version=0,
            user=alice,
            lock_held=True,
        )
    assert not Answer.objects.filter(assessment=assessment).exists()

"""The audit trail is append-only: no code path, and on PostgreSQL no SQL client, changes a row."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from diam.web.accounts.models import Organisation, User
from diam.web.audit.models import AuditEvent, AuditImmutable
from diam.web.audit.services import audit_record


@pytest.fixture
def event(org: Organisation, alice: User) -> AuditEvent:
    request = RequestFactory().post("/x", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="pytest")
    return audit_record(
        action="assessment.submitted",
        actor=alice,
        organisation=org,
        target=org,
        summary="Submitted",
        detail={"stage": 3},
        request=request,
    )


def test_a_record_names_who_what_when_and_from_where(event: AuditEvent, alice: User) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == alice and stored.actor_label == "alice@example.org"
    assert stored.action == "assessment.submitted"
    assert (stored.target_type, stored.target_id) == ("accounts.organisation", str(event.target_id))
    assert stored.detail == {"stage": 3}
    assert stored.ip == "192.0.2.7" and stored.user_agent == "pytest"


def test_no_orm_path_updates_or_deletes_a_record(event: AuditEvent) -> None:
    event.summary = "forged"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(summary="forged")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "Submitted"


def test_deleting_the_user_or_organisation_keeps_the_record(
    event: AuditEvent, alice: User, org: Organisation
) -> None:
    alice.delete()
    org.delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_label == "alice@example.org" and stored.summary == "Submitted"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_raw_sql_updates_and_deletes(event: AuditEvent) -> None:
    for sql in (
        "UPDATE audit_auditevent SET summary = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == "Submitted"

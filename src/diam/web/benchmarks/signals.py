"""Keep the benchmark rows right when a counted assessment is deleted (e.g. in the admin, or
with its organisation): the organisation's row then follows its next latest assessment, or
goes, and the population version moves so the aggregates are rebuilt."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from diam.web.assessments.models import Assessment
from diam.web.benchmarks.services import COUNTED, benchmark_refresh_after_delete


@receiver(post_delete, sender=Assessment, dispatch_uid="benchmarks.assessment_deleted")
def assessment_deleted(sender: type[Assessment], instance: Assessment, **kwargs: Any) -> None:
    if instance.status not in COUNTED:
        return
    organisation_id, model_id = instance.organisation_id, instance.model_id
    transaction.on_commit(
        lambda: benchmark_refresh_after_delete(organisation_id=organisation_id, model_id=model_id)
    )

"""Benchmark rows (one per organisation and model) and the cached peer aggregates.

`BenchmarkEntry` is a denormalised copy of an organisation's latest submitted or validated
assessment of a model with the organisation's peer attributes, so a benchmark never rescores
and never joins. `PeerSnapshot` holds, per model, the population version (bumped by every
change to the entries) and the aggregates per combination of peer attributes built for some
version; the benchmark page reads the aggregates, never the rows (services, selectors).
"""

from __future__ import annotations

from django.db import models

from diam.web.accounts.models import Organisation
from diam.web.assessments.models import Assessment


class BenchmarkEntry(models.Model):
    """An organisation's latest submitted or validated assessment of one model."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="benchmark_entries"
    )
    model_id = models.CharField(max_length=60)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    stage = models.PositiveSmallIntegerField()
    core_stage = models.PositiveSmallIntegerField()
    branches = models.CharField(max_length=10, blank=True, help_text="Mastered branch letters.")
    focus_area_percents = models.JSONField(default=dict, blank=True)
    validated = models.BooleanField(default=False)
    region = models.CharField(max_length=60, blank=True)
    country = models.CharField(max_length=2)
    org_type = models.CharField(max_length=20)
    size_band = models.CharField(max_length=20)
    assessed_on = models.DateField(help_text="Date of submission.")
    consent = models.BooleanField(
        default=True, help_text="The organisation takes part in benchmarking."
    )
    is_demo = models.BooleanField(default=False, help_text="A synthetic demo organisation.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "model_id"], name="one_benchmark_entry_per_model"
            )
        ]
        indexes = [
            # The aggregates and programme statistics read one model's consenting rows.
            models.Index(fields=["model_id", "consent"], name="benchmark_model_consent"),
        ]
        verbose_name_plural = "benchmark entries"

    def __str__(self) -> str:
        return f"{self.organisation_id} · {self.model_id}: stage {self.stage}"


class PeerSnapshot(models.Model):
    """Per model: the population version and the peer aggregates built for `built_version`.

    `version` goes up with every change to the model's entries (in the same transaction);
    `data` is valid while `built_version == version`. `token` changes with every build, so a
    process can tell its cached copy from a newer build of the same version number.
    """

    model_id = models.CharField(max_length=60, unique=True)
    version = models.PositiveBigIntegerField(default=1)
    built_version = models.PositiveBigIntegerField(default=0)
    token = models.CharField(max_length=32, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.model_id} v{self.version} (built v{self.built_version})"

"""Benchmark rows (live) and benchmark releases (frozen, published).

`BenchmarkEntry` is a denormalised copy of an organisation's latest submitted or validated
assessment of a model with the organisation's peer attributes, consent, verification and demo
flag: the live population a release is cut from. A `BenchmarkRelease` is what everyone sees: its
frozen rows (`BenchmarkReleaseMember`), and every group's figures (`BenchmarkReleaseGroup`, the
JSON of `diam.stats.GroupRecord`). Releases are never changed after they are cut.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from diam.web.accounts.models import Organisation
from diam.web.assessments.models import Assessment


class BenchmarkEntry(models.Model):
    """An organisation's latest submitted or validated assessment of one model."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="benchmark_entries"
    )
    model_id = models.CharField(max_length=60)
    model_version = models.CharField(max_length=20, blank=True)
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
    verified = models.BooleanField(
        default=False, help_text="A programme admin verified the organisation's identity."
    )
    is_demo = models.BooleanField(default=False, help_text="A synthetic demo organisation.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "model_id"], name="one_benchmark_entry_per_model"
            )
        ]
        indexes = [
            # A release reads one model's counted rows of one population.
            models.Index(fields=["model_id", "consent", "is_demo"], name="benchmark_population"),
        ]
        verbose_name_plural = "benchmark entries"

    def __str__(self) -> str:
        return f"{self.organisation_id} · {self.model_id}: stage {self.stage}"


class Population(models.TextChoices):
    REAL = "real", "Verified organisations"
    DEMO = "demo", "Synthetic demo organisations"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "Due on the schedule"
    PROGRAMME = "programme", "A programme admin"
    COMMAND = "command", "The diam command"


class BenchmarkSeries(models.Model):
    """One line of releases: a model, its major version, and a population (locked while cut)."""

    model_id = models.CharField(max_length=60)
    major = models.PositiveSmallIntegerField()
    population = models.CharField(max_length=10, choices=Population.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model_id", "major", "population"], name="one_series_per_population"
            )
        ]
        verbose_name_plural = "benchmark series"

    def __str__(self) -> str:
        return f"{self.model_id} {self.major}.x · {self.population}"


class BenchmarkRelease(models.Model):
    """A published release: figures over a frozen population, never changed afterwards."""

    series = models.ForeignKey(BenchmarkSeries, on_delete=models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField()
    key = models.CharField(
        max_length=80, unique=True, help_text="Stable id, e.g. radiology-1-real-12."
    )
    cut_at = models.DateTimeField()
    cut_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    k = models.PositiveSmallIntegerField()
    organisations = models.PositiveIntegerField(help_text="Rows of the frozen population.")
    held_back = models.PositiveIntegerField(
        default=0, help_text="Live changes not released yet (they would expose a few)."
    )
    branches = models.CharField(max_length=20, blank=True)
    focus_areas = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="one_release_number")
        ]
        ordering = ("-cut_at", "-pk")

    def __str__(self) -> str:
        return f"{self.key} ({self.cut_at:%Y-%m-%d})"


class BenchmarkReleaseGroup(models.Model):
    """One group's figures in a release (`diam.stats.GroupRecord` as JSON)."""

    release = models.ForeignKey(BenchmarkRelease, on_delete=models.CASCADE, related_name="groups")
    key = models.CharField(max_length=200)
    dimensions = models.CharField(max_length=60, help_text="e.g. country, or country&org_type.")
    shown = models.BooleanField()
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "key"], name="one_group_per_release")
        ]

    def __str__(self) -> str:
        return f"{self.release_id} · {self.key}"


class BenchmarkReleaseMember(models.Model):
    """A row of a release's frozen population (kept to check later releases against it).

    The organisation is referenced without a database constraint: a deleted organisation's
    rows stay, since what was published about it stays published.
    """

    release = models.ForeignKey(BenchmarkRelease, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    stage = models.PositiveSmallIntegerField()
    core_stage = models.PositiveSmallIntegerField()
    branches = models.CharField(max_length=10, blank=True)
    focus_area_percents = models.JSONField(default=dict)
    validated = models.BooleanField()
    region = models.CharField(max_length=60, blank=True)
    country = models.CharField(max_length=2)
    org_type = models.CharField(max_length=20)
    size_band = models.CharField(max_length=20)
    assessed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "organisation"], name="one_row_per_release_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release_id} · {self.organisation_id}: stage {self.stage}"

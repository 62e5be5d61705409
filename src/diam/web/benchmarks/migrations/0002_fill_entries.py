"""Fill the benchmark rows from the assessments already submitted before this app existed.

Self-contained (historical models only): one row per organisation and model from its latest
submitted or validated, scored assessment. The peer aggregates are built on first read.
"""

from datetime import datetime

from django.db import migrations
from django.utils import timezone

from diam.regions import region_for
from diam.stats import size_band


def fill(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    BenchmarkEntry = apps.get_model("benchmarks", "BenchmarkEntry")
    latest = {}
    rows = Assessment.objects.filter(
        status__in=("submitted", "validated"), stage__isnull=False
    ).values_list(
        "pk",
        "organisation_id",
        "model_id",
        "submitted_at",
        "created_at",
        "status",
        "stage",
        "core_stage",
        "branches",
        "focus_area_percents",
        "organisation__country",
        "organisation__region",
        "organisation__org_type",
        "organisation__beds",
        "organisation__annual_exams",
        "organisation__benchmarking_consent",
        "organisation__is_demo",
    )
    for row in rows.iterator(chunk_size=5000):
        key = (row[1], row[2])
        rank = (row[3] or datetime.min.replace(tzinfo=row[4].tzinfo), row[0])
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, row)
    entries = []
    for _, row in latest.values():
        (pk, org, model, submitted, created, status, stage, core, branches, percents,
         country, region, org_type, beds, exams, consent, is_demo) = row
        country = str(country or "")
        entries.append(
            BenchmarkEntry(
                organisation_id=org,
                model_id=model,
                assessment_id=pk,
                stage=stage,
                core_stage=core or 0,
                branches="".join(sorted(branches or "")),
                focus_area_percents=dict(percents or {}),
                validated=status == "validated",
                region=region or (region_for(country) if country else ""),
                country=country,
                org_type=org_type,
                size_band=size_band(beds, exams),
                assessed_on=timezone.localdate(submitted or created),
                consent=consent,
                is_demo=is_demo,
            )
        )
    BenchmarkEntry.objects.bulk_create(entries, batch_size=2000)
    # A snapshot row per model with rows (version 1, never built): readers build it when first
    # asked, and "no snapshot row" keeps meaning "no rows" (selectors.population_for).
    PeerSnapshot = apps.get_model("benchmarks", "PeerSnapshot")
    for model_id in sorted({e.model_id for e in entries}):
        PeerSnapshot.objects.get_or_create(model_id=model_id)


class Migration(migrations.Migration):
    dependencies = [("benchmarks", "0001_initial")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

"""Reads of verification: the queue, counts, and whether an organisation is verified."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from diam.web.accounts.models import Organisation
from diam.web.verification.models import OrganisationVerification, Status


def is_verified(organisation: Organisation) -> bool:
    return OrganisationVerification.objects.filter(
        organisation=organisation, status=Status.VERIFIED
    ).exists()


def verification_of(organisation: Organisation) -> OrganisationVerification | None:
    return next(
        iter(OrganisationVerification.objects.filter(organisation=organisation).order_by()[:1]),
        None,
    )


def queue(status: str = Status.PENDING) -> QuerySet[OrganisationVerification]:
    """Organisations with this status, the oldest request first (pending) or newest decision."""
    rows = OrganisationVerification.objects.filter(status=status).select_related(
        "organisation", "decided_by"
    )
    if status == Status.PENDING:
        return rows.order_by("requested_at", "pk")
    return rows.order_by("-decided_at", "-pk")


def counts() -> dict[str, int]:
    found = {s: 0 for s in Status.values}
    for row in OrganisationVerification.objects.values("status").annotate(n=Count("pk")):
        found[row["status"]] = row["n"]
    return found

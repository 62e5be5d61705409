"""Every organisation registered before verification existed waits in the queue.

Their results counted in benchmarks without anyone checking who they are (issue 11): a
programme admin verifies them like new sign-ups. Synthetic demo organisations are not queued
(they never enter real figures). Self-contained: historical models only.
"""

from django.db import migrations
from django.utils import timezone


def queue(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Membership = apps.get_model("accounts", "Membership")
    Verification = apps.get_model("verification", "OrganisationVerification")
    Decision = apps.get_model("verification", "VerificationDecision")
    now = timezone.now()
    reason = "registered before organisations were verified"
    for org in Organisation.objects.filter(is_demo=False).iterator():
        admin = (
            Membership.objects.filter(organisation=org, role="admin")
            .select_related("user")
            .order_by("created_at", "pk")
            .first()
        )
        email = admin.user.email if admin is not None else ""
        identity = {
            "name": org.name,
            "country": str(org.country or ""),
            "region": org.region,
            "org_type": org.org_type,
            "beds": org.beds,
            "annual_exams": org.annual_exams,
            "admin_name": admin.user.name if admin is not None else "",
            "admin_email": email,
            "email_domain": email.rpartition("@")[2] if "@" in email else "",
        }
        Verification.objects.create(
            organisation=org, requested_at=now, request_reason=reason, identity=identity
        )
        Decision.objects.create(
            organisation=org, status="pending", at=now, note=reason, identity=identity
        )


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(queue, migrations.RunPython.noop)]

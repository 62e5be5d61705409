"""Every business action leaves an audit event: who, what (old and new), when, from where."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import assignments_state
from diam.web.audit.models import AuditEvent
from tests.web.accounts.helpers import link_path, org_settings_data
from tests.web.assessments.conftest import answer_url
from tests.web.conftest import client_for
from tests.web.factories import PASSWORD, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_an_answer_change_records_the_old_and_the_new_value_and_the_client(
    alice_client: Client, alice: User, org: Organisation, assessment: Assessment
) -> None:
    url = answer_url(assessment, "PU-02")
    alice_client.post(url, {"value": "40", "version": "0"}, REMOTE_ADDR="198.51.100.4", **HTMX)
    alice_client.post(url, {"value": "75", "version": "1"}, REMOTE_ADDR="198.51.100.4", **HTMX)
    first, second = events("answer.changed")
    assert second.actor == alice and second.organisation_id == org.pk
    assert second.detail["criterion"] == "PU-02"
    assert second.detail["old"]["value"] == 40 and second.detail["new"]["value"] == 75
    assert second.summary == "PU-02: 40 → 75"
    assert second.ip == "198.51.100.4"
    assert first.detail["old"]["value"] is None


def test_a_refused_answer_records_nothing(alice_client: Client, assessment: Assessment) -> None:
    alice_client.post(answer_url(assessment, "PU-02"), {"value": "140", "version": "0"}, **HTMX)
    assert not events("answer.changed")


def test_submission_and_reopening_are_recorded(
    alice_client: Client, alice: User, assessment: Assessment
) -> None:
    alice_client.post(f"/a/{assessment.pk}/submit/")
    alice_client.post(f"/a/{assessment.pk}/reopen/", {"reason": "A typo in PU-02"})
    (submitted,) = events("assessment.submitted")
    (reopened,) = events("assessment.reopened")
    assert submitted.actor == alice and reopened.detail == {"reason": "A typo in PU-02"}


def test_downloads_of_reports_and_evidence_are_recorded(
    alice_client: Client,
    vic_client: Client,
    vic: User,
    assessment: Assessment,
    tmp_path: Path,
    settings,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    vic_client.get(f"/a/{assessment.pk}/checklist.csv")
    vic_client.get(f"/a/{assessment.pk}/report.xlsx")
    downloads = events("export.downloaded")
    assert [e.detail["format"] for e in downloads] == ["csv", "xlsx"]
    assert all(e.actor == vic for e in downloads)
    upload = io.BytesIO(b"plain evidence\n")
    upload.name = "note.txt"
    alice_client.post(f"/a/{assessment.pk}/evidence/SI-01/", {"file": upload})
    (added,) = events("evidence.added")
    token = assessment.answers.get(criterion_id="SI-01").evidence.get().token
    vic_client.get(f"/a/{assessment.pk}/evidence/file/{token}/")
    (downloaded,) = events("evidence.downloaded")
    assert added.detail["name"] == "note.txt" and downloaded.actor == vic


def test_members_roles_invitations_and_settings_are_recorded(
    alice_client: Client, alice: User, bob: User, org: Organisation
) -> None:
    bob_membership = Membership.objects.get(user=bob, organisation=org)
    alice_client.post(f"/o/{org.pk}/members/{bob_membership.pk}/role/", {"role": "viewer"})
    (role,) = events("membership.role_changed")
    assert role.actor == alice and role.detail == {
        "user": "bob@example.org",
        "old": "contributor",
        "new": "viewer",
    }
    alice_client.post(
        f"/o/{org.pk}/members/invite/", {"email": "dan@example.org", "role": "contributor"}
    )
    assert events("invitation.sent")[0].detail == {
        "email": "dan@example.org",
        "role": "contributor",
    }
    link = link_path(mail.outbox[-1].body, "/invitations/")
    Client().post(link, {"full_name": "Dan New", "password1": PASSWORD, "password2": PASSWORD})
    (accepted,) = events("invitation.accepted")
    assert accepted.actor.email == "dan@example.org"
    alice_client.post(f"/o/{org.pk}/settings/", org_settings_data(org, beds=999))
    (settings_changed,) = events("organisation.settings_changed")
    assert settings_changed.detail == {"beds": {"old": 450, "new": 999}}
    alice_client.post(f"/o/{org.pk}/members/{bob_membership.pk}/remove/")
    (removed,) = events("membership.removed")
    assert removed.actor == alice and removed.detail["user"] == "bob@example.org"


def test_assignments_are_recorded(alice_client: Client, bob: User, assessment: Assessment) -> None:
    alice_client.post(
        f"/a/{assessment.pk}/assign/",
        {"fa-SI": [str(bob.pk)], "state": assignments_state(assessment=assessment)},
    )
    (assigned,) = events("assessment.assignments_changed")
    assert assigned.detail == {"SI": ["bob@example.org"]}


def test_sign_ins_failed_sign_ins_and_password_resets_are_recorded(alice: User) -> None:
    client = Client()
    client.post("/login/", {"username": "alice@example.org", "password": "wrong"})
    client.post("/login/", {"username": "ALICE@example.org", "password": PASSWORD})
    (failed,) = events("auth.sign_in_failed")
    assert failed.detail == {"email": "alice@example.org"} and failed.actor is None
    assert events("auth.signed_in")[-1].actor == alice
    Client().post("/password/reset/", {"email": "alice@example.org"})
    link = link_path(mail.outbox[-1].body, "/password/reset/")
    anonymous = Client()
    form = anonymous.get(link, follow=True)
    anonymous.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert events("auth.password_reset_requested")[0].detail == {"email": "alice@example.org"}
    assert events("auth.password_reset")[0].actor == alice


# --- the log pages -------------------------------------------------------------------------


@pytest.fixture
def trail(org: Organisation, other_org: Organisation, alice: User, carol: User) -> None:
    from diam.web.audit.services import audit_record

    for i in range(60):
        audit_record(action="answer.changed", actor=alice, organisation=org, summary=f"own {i}")
    audit_record(action="membership.role_changed", actor=alice, organisation=org, summary="role")
    audit_record(action="answer.changed", actor=carol, organisation=other_org, summary="theirs")


def test_an_org_admin_reads_only_their_organisation_s_log_filtered_and_paginated(
    alice_client: Client, org: Organisation, trail: None
) -> None:
    page = alice_client.get(f"/o/{org.pk}/audit/").content.decode()
    assert "61 entries" in page and "theirs" not in page
    assert "Page 1 of 2" in page and "own 59" in page and "own 0" not in page
    older = alice_client.get(f"/o/{org.pk}/audit/?page=2").content.decode()
    assert "own 0" in older
    filtered = alice_client.get(f"/o/{org.pk}/audit/?action=membership").content.decode()
    assert "1 entry" in filtered and ">role<" in filtered
    nobody = alice_client.get(f"/o/{org.pk}/audit/?person=carol").content.decode()
    assert "No entries match these filters" in nobody
    bad = alice_client.get(f"/o/{org.pk}/audit/?date_from=2026-02-01&date_to=2026-01-01")
    assert bad.status_code == 400 and "end date is before" in bad.content.decode()


def test_the_csv_export_has_the_filtered_rows_and_is_itself_recorded(
    alice_client: Client, alice: User, org: Organisation, trail: None
) -> None:
    response = alice_client.get(f"/o/{org.pk}/audit.csv?action=membership")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Time (UTC)", "Action", "Person"]
    assert [r[1] for r in rows[1:]] == ["membership.role_changed"]
    (exported,) = events("audit.exported")
    assert exported.actor == alice and exported.organisation_id == org.pk


def test_only_admins_of_the_organisation_and_programme_admins_read_logs(
    bob_client: Client, carol_client: Client, org: Organisation, trail: None
) -> None:
    assert bob_client.get(f"/o/{org.pk}/audit/").status_code == 403
    assert carol_client.get(f"/o/{org.pk}/audit/").status_code == 404
    assert carol_client.get(f"/o/{org.pk}/audit.csv").status_code == 404
    assert bob_client.get("/programme/audit/").status_code == 403
    pat = make_user("pat@example.org", "Pat", programme_role="programme_admin")
    page = client_for(pat).get("/programme/audit/").content.decode()
    total = int(re.search(r"<caption>(\d+) entries", page).group(1))
    assert "theirs" in page and total == AuditEvent.objects.count() >= 62
    other = client_for(pat).get(f"/programme/audit/?organisation={org.pk + 1}").content.decode()
    assert "theirs" in other and "own 1" not in other


def test_a_formula_in_a_summary_is_never_a_formula_in_the_csv(
    alice_client: Client, alice: User, org: Organisation
) -> None:
    from diam.web.audit.services import audit_record

    audit_record(action="answer.changed", actor=alice, organisation=org, summary="=HYPERLINK(1)")
    text = alice_client.get(f"/o/{org.pk}/audit.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_no_code_path_updates_or_deletes_audit_rows() -> None:
    """Besides the model refusing it (test_append_only), no source file even tries."""
    root = Path(__file__).resolve().parents[3] / "src"
    offenders = []
    pattern = re.compile(r"AuditEvent\.objects[^\n]*\.(update|delete|bulk_update)\(")
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if pattern.search(text) or re.search(r"(UPDATE|DELETE FROM) audit_auditevent", text):
            if path.name != "0002_append_only_trigger.py":
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_role_labels_in_the_summary_are_people_s_words(
    alice_client: Client, bob: User, org: Organisation
) -> None:
    membership = Membership.objects.get(user=bob, organisation=org)
    alice_client.post(f"/o/{org.pk}/members/{membership.pk}/role/", {"role": Role.ADMIN})
    assert events("membership.role_changed")[0].summary == (
        "bob@example.org: Contributor → Organisation admin"
    )

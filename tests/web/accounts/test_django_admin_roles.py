"""Roles changed in the Django admin go through the product's services: the same audit
records, the same rules (a revoked validator leaves open validations, an organisation keeps
an admin), and staff who are not programme admins cannot change programme roles at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from diam.web.accounts.models import Membership, Organisation, ProgrammeRole, Role, User
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import assessment_submit
from diam.web.audit.models import AuditEvent
from diam.web.validation.models import RequestState, ValidationRequest
from diam.web.validation.services.requests import validator_assign
from tests.web.conftest import client_for
from tests.web.factories import make_user
from tests.web.validation.conftest import fill_all_met, request_for


@pytest.fixture
def in_review(
    assessment: Assessment, alice: User, settings: Any, tmp_path: Path
) -> ValidationRequest:
    """St Elsewhere's submitted assessment, under review by val (assigned by pam)."""
    settings.MEDIA_ROOT = tmp_path / "evidence"
    settings.DIAM_CREDENTIAL_KEY_DIR = tmp_path / "keys"
    fill_all_met(assessment, alice)
    validation = request_for(assessment_submit(assessment=assessment, user=alice), alice)
    pam = make_user("pam@example.org", "Pam", programme_role=ProgrammeRole.ADMIN)
    val = make_user("val@example.org", "Val", programme_role=ProgrammeRole.VALIDATOR)
    validator_assign(validation=validation, validator=val, user=pam)
    validation.refresh_from_db()
    return validation


@pytest.fixture
def root(db: None) -> User:
    return make_user("root@example.org", "Root", is_staff=True, is_superuser=True)


@pytest.fixture
def root_client(root: User) -> Client:
    return client_for(root)


def user_form(user: User, **changes: Any) -> dict[str, Any]:
    """The admin's change form for `user` as the browser posts it, with `changes`."""
    data: dict[str, Any] = {
        "email": user.email,
        "name": user.name,
        "programme_role": user.programme_role,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **changes,
    }
    # Unticked boxes are not posted at all.
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def post_user(client: Client, user: User, **changes: Any) -> Any:
    return client.post(f"/admin/accounts/user/{user.pk}/change/", user_form(user, **changes))


def actions() -> list[str]:
    """What the trail recorded, but for signing in (the test clients sign in)."""
    events = AuditEvent.objects.exclude(action__startswith="auth.").order_by("pk")
    return list(events.values_list("action", flat=True))


def test_granting_the_validator_role_in_the_admin_is_the_programme_pages_grant(
    root_client: Client, root: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    before = len(actions())
    with django_capture_on_commit_callbacks(execute=True):
        response = post_user(root_client, bob, programme_role=ProgrammeRole.VALIDATOR)
    assert response.status_code == 302, response.content.decode()[:3000]
    bob.refresh_from_db()
    assert bob.is_validator
    event = AuditEvent.objects.get(action="validation.role_granted")
    assert (event.actor, event.target_id) == (root, str(bob.pk))
    assert actions()[before:] == ["validation.role_granted"]
    assert [m.to for m in mail.outbox] == [[bob.email]]  # told, as from the page


def test_revoking_a_validator_in_the_admin_takes_them_off_open_validations(
    root_client: Client, in_review: ValidationRequest
) -> None:
    val = in_review.assignments.get().validator
    response = post_user(root_client, val, programme_role=ProgrammeRole.NONE)
    assert response.status_code == 302
    val.refresh_from_db()
    in_review.refresh_from_db()
    assert not val.is_validator
    assert in_review.state == RequestState.REQUESTED and not in_review.assignments.exists()
    revoked = AuditEvent.objects.get(action="validation.role_revoked")
    assert revoked.detail["left_validations"] == 1
    assert AuditEvent.objects.filter(action="validation.validator_removed").count() == 1


def test_programme_admin_role_changes_are_recorded(
    root_client: Client, root: User, bob: User
) -> None:
    post_user(root_client, bob, programme_role=ProgrammeRole.ADMIN)
    bob.refresh_from_db()
    assert bob.is_programme_admin
    # Programme admin to validator: the one role revoked, then the other granted.
    post_user(root_client, bob, programme_role=ProgrammeRole.VALIDATOR)
    bob.refresh_from_db()
    assert bob.is_validator and not bob.is_programme_admin
    assert [a for a in actions() if a.startswith(("programme.", "validation."))] == [
        "programme.admin_granted",
        "programme.admin_revoked",
        "validation.role_granted",
    ]
    assert set(
        AuditEvent.objects.exclude(action__startswith="auth.").values_list("actor", flat=True)
    ) == {root.pk}


def test_a_role_the_services_would_refuse_is_a_form_error_and_changes_nothing(
    root_client: Client, bob: User
) -> None:
    bob.is_active = False
    bob.save()
    response = post_user(root_client, bob, programme_role=ProgrammeRole.VALIDATOR, name="B")
    assert response.status_code == 200
    assert "bob@example.org is deactivated" in response.content.decode()
    bob.refresh_from_db()
    assert (bob.programme_role, bob.name) == (ProgrammeRole.NONE, "Bob Contributor")
    assert actions() == []


def test_superuser_status_given_in_the_admin_is_recorded(
    root_client: Client, root: User, bob: User
) -> None:
    post_user(root_client, bob, is_staff=True, is_superuser=True)
    bob.refresh_from_db()
    assert bob.is_superuser
    event = AuditEvent.objects.get(action="account.privileges_changed")
    assert event.actor == root
    assert event.detail["is_superuser"] == {"old": False, "new": True}


def test_staff_who_are_not_programme_admins_cannot_change_programme_roles(
    db: None, bob: User
) -> None:
    support = make_user("support@example.org", "Support", is_staff=True)
    support.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = client_for(support)
    response = post_user(
        client, bob, programme_role=ProgrammeRole.ADMIN, is_superuser=True, name="Bob B."
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.name == "Bob B."  # what support may change is saved
    assert (bob.programme_role, bob.is_superuser) == (ProgrammeRole.NONE, False)
    assert not AuditEvent.objects.filter(action__startswith="programme.").exists()


# --- memberships in the organisation's page -----------------------------------------------------


def post_memberships(
    client: Client, org: Organisation, rows: list[tuple[Membership, str, bool]]
) -> Any:
    data: dict[str, Any] = {
        "name": org.name,
        "org_type": org.org_type,
        "country": str(org.country),
        "region": org.region,
        "beds": org.beds,
        "annual_exams": org.annual_exams,
        "service_areas": '["radiology"]',
        "memberships-TOTAL_FORMS": len(rows),
        "memberships-INITIAL_FORMS": len(rows),
    }
    if org.benchmarking_consent:
        data["benchmarking_consent"] = "on"
    for i, (membership, role, delete) in enumerate(rows):
        data[f"memberships-{i}-id"] = membership.pk
        data[f"memberships-{i}-organisation"] = org.pk
        data[f"memberships-{i}-role"] = role
        if delete:
            data[f"memberships-{i}-DELETE"] = "on"
    return client.post(f"/admin/accounts/organisation/{org.pk}/change/", data)


def test_a_membership_role_changed_in_the_admin_is_recorded_as_on_the_members_page(
    root_client: Client, root: User, org: Organisation, alice: User, bob: User
) -> None:
    a, b = Membership.objects.get(user=alice), Membership.objects.get(user=bob)
    response = post_memberships(root_client, org, [(a, Role.ADMIN, False), (b, Role.VIEWER, False)])
    assert response.status_code == 302, response.content.decode()[:3000]
    b.refresh_from_db()
    assert b.role == Role.VIEWER
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.actor == root and event.organisation_id == org.pk
    assert event.detail == {"user": bob.email, "old": Role.CONTRIBUTOR, "new": Role.VIEWER}


def test_the_admin_cannot_leave_an_organisation_without_an_admin(
    root_client: Client, org: Organisation, alice: User, bob: User
) -> None:
    a, b = Membership.objects.get(user=alice), Membership.objects.get(user=bob)
    for rows in (
        [(a, Role.VIEWER, False), (b, Role.CONTRIBUTOR, False)],  # demoted
        [(a, Role.ADMIN, True), (b, Role.CONTRIBUTOR, False)],  # removed
    ):
        response = post_memberships(root_client, org, rows)
        assert response.status_code == 200
        assert "must keep at least one admin" in response.content.decode()
    assert set(Membership.objects.values_list("user__email", "role")) == {
        (alice.email, Role.ADMIN),
        (bob.email, Role.CONTRIBUTOR),
    }
    assert actions() == []


def test_a_successor_can_be_made_admin_while_the_departed_admin_is_removed(
    root_client: Client, org: Organisation, alice: User, bob: User
) -> None:
    """Support's usual case: the only admin has left the hospital."""
    a, b = Membership.objects.get(user=alice), Membership.objects.get(user=bob)
    response = post_memberships(root_client, org, [(a, Role.ADMIN, True), (b, Role.ADMIN, False)])
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(Membership.objects.values_list("user__email", "role")) == [(bob.email, Role.ADMIN)]
    memberships = [a for a in actions() if a.startswith("membership.")]
    assert memberships == ["membership.role_changed", "membership.removed"]


def test_memberships_are_neither_added_nor_moved_to_another_person_in_the_admin(
    root_client: Client, org: Organisation, alice: User, bob: User
) -> None:
    carol = make_user("carol@example.org", "Carol")
    a = Membership.objects.get(user=alice)
    page = root_client.get(f"/admin/accounts/organisation/{org.pk}/change/").content.decode()
    assert 'name="memberships-0-role"' in page and 'name="memberships-0-user"' not in page
    # A forged extra row and a forged user on an existing row change nothing.
    forged = {
        "name": org.name,
        "org_type": org.org_type,
        "country": str(org.country),
        "beds": org.beds,
        "annual_exams": org.annual_exams,
        "service_areas": '["radiology"]',
        "memberships-TOTAL_FORMS": 2,
        "memberships-INITIAL_FORMS": 1,
        "memberships-0-id": a.pk,
        "memberships-0-organisation": org.pk,
        "memberships-0-user": carol.pk,
        "memberships-0-role": Role.ADMIN,
        "memberships-1-organisation": org.pk,
        "memberships-1-user": carol.pk,
        "memberships-1-role": Role.ADMIN,
    }
    root_client.post(f"/admin/accounts/organisation/{org.pk}/change/", forged)
    assert not Membership.objects.filter(user=carol).exists()
    assert Membership.objects.get(pk=a.pk).user == alice


def test_the_programme_admin_service_refuses_by_name(root: User, bob: User, alice: User) -> None:
    from diam.web.accounts.services import RoleRefused, programme_admin_set

    with pytest.raises(RoleRefused, match="Only a programme admin"):
        programme_admin_set(user=bob, admin=True, by=alice)
    with pytest.raises(RoleRefused, match="not a programme admin"):
        programme_admin_set(user=bob, admin=False, by=root)
    bob.programme_role = ProgrammeRole.VALIDATOR
    bob.save()
    with pytest.raises(RoleRefused, match="is a validator; revoke that role first"):
        programme_admin_set(user=bob, admin=True, by=root)
    assert actions() == []


def test_an_account_created_in_the_admin_is_recorded(root_client: Client, root: User) -> None:
    response = root_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "vera.validator@example.org",
            "name": "Vera Validator",
            "password1": "a long and unusual passphrase 7",
            "password2": "a long and unusual passphrase 7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="vera.validator@example.org")
    event = AuditEvent.objects.get(action="account.created")
    assert (event.actor, event.target_id) == (root, str(created.pk))
    assert event.detail == {"where": "django admin"}


def test_an_organisation_deleted_in_the_admin_leaves_its_name_in_the_trail(
    root_client: Client, root: User, org: Organisation, alice: User, other_org: Organisation
) -> None:
    org_pk = org.pk
    response = root_client.post(f"/admin/accounts/organisation/{org_pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=org_pk).exists()
    event = AuditEvent.objects.get(action="organisation.deleted")
    assert (event.actor, event.organisation_id) == (root, org_pk)
    assert event.detail["name"] == "St Elsewhere Hospital" and event.detail["members"] == 1

    # The list's bulk delete records each organisation it deletes.
    response = root_client.post(
        "/admin/accounts/organisation/",
        {"action": "delete_selected", "_selected_action": [other_org.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=other_org.pk).exists()
    names = AuditEvent.objects.filter(action="organisation.deleted").values_list(
        "detail__name", flat=True
    )
    assert sorted(names) == ["Other General", "St Elsewhere Hospital"]

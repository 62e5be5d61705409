"""The members page: everyone in the organisation sees it; only its admins change anything."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from diam.web.accounts.models import Invitation, Membership, Organisation, Role, User
from diam.web.accounts.services import invitation_create
from diam.web.assessments.models import Assessment, SectionAssignment
from diam.web.assessments.services import answer_save, section_assign
from tests.web.accounts.helpers import messages_of, org_settings_data
from tests.web.factories import make_member, make_user


def membership(user: User, org: Organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


def admin_actions(org: Organisation, target: Membership, invitation: Invitation) -> list[tuple]:
    """Every state-changing request of the accounts app on `org`: (method, url, data)."""
    base = f"/o/{org.pk}"
    return [
        ("post", f"{base}/members/invite/", {"email": "eve@example.org", "role": "admin"}),
        ("post", f"{base}/members/{target.pk}/role/", {"role": "admin"}),
        ("get", f"{base}/members/{target.pk}/remove/", {}),
        ("post", f"{base}/members/{target.pk}/remove/", {}),
        ("post", f"{base}/invitations/{invitation.pk}/revoke/", {}),
        ("get", f"{base}/settings/", {}),
        ("post", f"{base}/settings/", org_settings_data(org, name="Hijacked")),
    ]


@pytest.fixture
def everyone(alice: User, bob: User, vic: User, carol: User) -> None:
    """All four personas exist."""


@pytest.fixture
def open_invitation(org: Organisation, alice: User) -> Invitation:
    invitation = invitation_create(
        organisation=org, email="zed@example.org", role=Role.VIEWER, invited_by=alice
    )
    mail.outbox.clear()
    return invitation


def assert_nothing_changed(org: Organisation, vic: User, invitation: Invitation) -> None:
    org.refresh_from_db()
    invitation.refresh_from_db()
    assert org.name == "St Elsewhere Hospital"
    assert membership(vic, org).role == Role.VIEWER
    assert invitation.is_open
    assert Invitation.objects.filter(organisation=org).count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["alice", "bob", "vic"])
def test_every_member_sees_the_member_list(
    request, everyone: None, org: Organisation, persona: str
) -> None:
    client = request.getfixturevalue(f"{persona}_client")
    response = client.get(f"/o/{org.pk}/members/")
    assert response.status_code == 200
    html = response.content.decode()
    for name, email, role in [
        ("Alice Admin", "alice@example.org", "Organisation admin"),
        ("Bob Contributor", "bob@example.org", "Contributor"),
        ("Vic Viewer", "vic@example.org", "Viewer"),
    ]:
        assert name in html and email in html and role in html
    assert "Carol" not in html
    assert [m.user.email for m in response.context["members"]] == [
        "alice@example.org",
        "bob@example.org",
        "vic@example.org",
    ]


@pytest.mark.parametrize("persona", ["bob", "vic"])
def test_non_admins_see_no_admin_controls(
    request, everyone: None, org: Organisation, open_invitation: Invitation, persona: str
) -> None:
    client = request.getfixturevalue(f"{persona}_client")
    html = client.get(f"/o/{org.pk}/members/").content.decode()
    assert "Invite a colleague" not in html
    assert "/role/" not in html and "/remove/" not in html
    assert "zed@example.org" not in html  # open invitations are for admins
    assert "Only an admin of St Elsewhere Hospital can invite" in html


def test_the_admin_sees_controls_and_open_invitations(
    alice_client: Client, everyone: None, org: Organisation, open_invitation: Invitation
) -> None:
    html = alice_client.get(f"/o/{org.pk}/members/").content.decode()
    assert "Invite a colleague" in html
    assert f"/o/{org.pk}/invitations/{open_invitation.pk}/revoke/" in html
    assert "zed@example.org" in html
    assert html.count('name="csrfmiddlewaretoken"') >= 5  # every form posts with CSRF


@pytest.mark.parametrize("persona", ["bob", "vic"])
def test_non_admins_get_403_on_every_admin_action_and_nothing_changes(
    request,
    everyone: None,
    org: Organisation,
    vic: User,
    open_invitation: Invitation,
    persona: str,
) -> None:
    client = request.getfixturevalue(f"{persona}_client")
    for method, url, data in admin_actions(org, membership(vic, org), open_invitation):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    assert_nothing_changed(org, vic, open_invitation)


def test_another_organisation_gets_404_on_every_page_and_action(
    carol_client: Client,
    everyone: None,
    org: Organisation,
    vic: User,
    open_invitation: Invitation,
) -> None:
    assert carol_client.get(f"/o/{org.pk}/members/").status_code == 404
    for method, url, data in admin_actions(org, membership(vic, org), open_invitation):
        response = getattr(carol_client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert_nothing_changed(org, vic, open_invitation)


def test_signed_out_visitors_are_sent_to_sign_in(
    everyone: None, org: Organisation, vic: User, open_invitation: Invitation
) -> None:
    client = Client()
    assert client.get(f"/o/{org.pk}/members/")["Location"].startswith("/login/?next=")
    for method, url, data in admin_actions(org, membership(vic, org), open_invitation):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/login/?next="), (method, url)
    assert_nothing_changed(org, vic, open_invitation)


def test_ids_of_another_organisation_are_not_found_through_mine(
    carol_client: Client,
    everyone: None,
    org: Organisation,
    other_org: Organisation,
    vic: User,
    open_invitation: Invitation,
) -> None:
    """Carol administers her own organisation; St Elsewhere's ids do not work under it."""
    base = f"/o/{other_org.pk}"
    vic_membership = membership(vic, org)
    assert (
        carol_client.post(
            f"{base}/members/{vic_membership.pk}/role/", {"role": "admin"}
        ).status_code
        == 404
    )
    assert carol_client.post(f"{base}/members/{vic_membership.pk}/remove/").status_code == 404
    assert carol_client.post(f"{base}/invitations/{open_invitation.pk}/revoke/").status_code == 404
    assert_nothing_changed(org, vic, open_invitation)


def test_the_admin_changes_a_role(alice_client: Client, org: Organisation, bob: User) -> None:
    response = alice_client.post(
        f"/o/{org.pk}/members/{membership(bob, org).pk}/role/", {"role": "viewer"}, follow=True
    )
    assert membership(bob, org).role == Role.VIEWER
    assert "Bob Contributor is now Viewer." in messages_of(response)


def test_an_unknown_role_is_refused(alice_client: Client, org: Organisation, bob: User) -> None:
    response = alice_client.post(
        f"/o/{org.pk}/members/{membership(bob, org).pk}/role/", {"role": "owner"}, follow=True
    )
    assert membership(bob, org).role == Role.CONTRIBUTOR
    assert "Choose one of the roles listed." in messages_of(response)


def test_changing_a_role_by_get_is_refused(
    alice_client: Client, org: Organisation, bob: User
) -> None:
    url = f"/o/{org.pk}/members/{membership(bob, org).pk}/role/"
    assert alice_client.get(url, {"role": "viewer"}).status_code == 405
    assert membership(bob, org).role == Role.CONTRIBUTOR


def test_the_admin_removes_a_member_after_confirming(
    alice_client: Client, org: Organisation, vic: User
) -> None:
    url = f"/o/{org.pk}/members/{membership(vic, org).pk}/remove/"
    confirm = alice_client.get(url)
    assert confirm.status_code == 200
    assert "Remove Vic Viewer from St Elsewhere Hospital?" in confirm.content.decode()
    assert Membership.objects.filter(user=vic, organisation=org).exists()  # GET changes nothing

    response = alice_client.post(url, follow=True)
    assert not Membership.objects.filter(user=vic, organisation=org).exists()
    assert User.objects.filter(pk=vic.pk).exists()  # the account stays
    assert "Vic Viewer was removed from St Elsewhere Hospital." in messages_of(response)
    assert vic.email not in [m.user.email for m in response.context["members"]]


def test_a_removed_member_s_assignments_go_and_his_answers_stay(
    alice_client: Client, org: Organisation, bob: User, assessment: Assessment
) -> None:
    answer = answer_save(
        assessment=assessment, criterion_id="SI-01", value=97, expected_version=0, user=bob
    )
    section_assign(assessment=assessment, focus_area="QS", users=[bob])
    alice_client.post(f"/o/{org.pk}/members/{membership(bob, org).pk}/remove/")
    assert not Membership.objects.filter(user=bob, organisation=org).exists()
    assert not SectionAssignment.objects.filter(user=bob).exists()
    answer.refresh_from_db()
    assert (answer.value, answer.updated_by) == (97, bob)


def test_the_last_admin_cannot_be_demoted(
    alice_client: Client, org: Organisation, alice: User, bob: User
) -> None:
    response = alice_client.post(
        f"/o/{org.pk}/members/{membership(alice, org).pk}/role/",
        {"role": "contributor"},
        follow=True,
    )
    assert membership(alice, org).role == Role.ADMIN
    assert any("must keep at least one admin" in m for m in messages_of(response))


def test_the_last_admin_cannot_be_removed(
    alice_client: Client, org: Organisation, alice: User
) -> None:
    response = alice_client.post(
        f"/o/{org.pk}/members/{membership(alice, org).pk}/remove/", follow=True
    )
    assert Membership.objects.filter(user=alice, organisation=org).exists()
    assert any("must keep at least one admin" in m for m in messages_of(response))


def test_with_a_second_admin_an_admin_may_step_down(
    alice_client: Client, org: Organisation, alice: User
) -> None:
    make_member(make_user("ada@example.org", "Ada Second"), org, Role.ADMIN)
    response = alice_client.post(
        f"/o/{org.pk}/members/{membership(alice, org).pk}/role/", {"role": "viewer"}
    )
    assert membership(alice, org).role == Role.VIEWER
    assert response["Location"] == f"/o/{org.pk}/"  # no longer allowed on the admin controls
    assert (
        alice_client.post(
            f"/o/{org.pk}/members/invite/", {"email": "x@example.org", "role": "viewer"}
        ).status_code
        == 403
    )


def test_with_a_second_admin_an_admin_may_leave(
    alice_client: Client, org: Organisation, alice: User
) -> None:
    make_member(make_user("ada@example.org", "Ada Second"), org, Role.ADMIN)
    response = alice_client.post(f"/o/{org.pk}/members/{membership(alice, org).pk}/remove/")
    assert not Membership.objects.filter(user=alice, organisation=org).exists()
    assert response["Location"] == "/"
    assert alice_client.get(f"/o/{org.pk}/members/").status_code == 404


def test_revoking_a_used_invitation_is_refused(
    alice_client: Client, org: Organisation, open_invitation: Invitation
) -> None:
    alice_client.post(f"/o/{org.pk}/invitations/{open_invitation.pk}/revoke/")
    response = alice_client.post(
        f"/o/{org.pk}/invitations/{open_invitation.pk}/revoke/", follow=True
    )
    assert "This invitation was already used or revoked." in messages_of(response)

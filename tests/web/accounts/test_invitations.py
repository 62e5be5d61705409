"""Invitations: e-mailed signed links that expire, are revocable, and work once."""

from __future__ import annotations

import smtplib
import time
from unittest.mock import patch

import pytest
from django.contrib.auth import get_user
from django.core import mail, signing
from django.test import Client

from diam.web.accounts.models import Invitation, Membership, Organisation, Role, User
from diam.web.accounts.services import (
    AlreadyMember,
    InvitationClosed,
    WrongInvitee,
    invitation_accept,
    invitation_create,
    invitation_token,
)
from tests.web.accounts.helpers import STRONG_PASSWORD, link_path, messages_of
from tests.web.factories import make_member, make_user

DAY = 24 * 60 * 60


def invite(
    org: Organisation, alice: User, email: str = "dave@example.org", role: str = Role.CONTRIBUTOR
) -> tuple[Invitation, str]:
    """Create an invitation as alice and return it with the link path from its e-mail."""
    invitation = invitation_create(organisation=org, email=email, role=role, invited_by=alice)
    return invitation, link_path(mail.outbox[-1].body, "/invitations/")


def test_an_admin_invites_by_email_with_a_working_link(
    alice_client: Client, org: Organisation, settings
) -> None:
    settings.SITE_URL = "https://diam.example"
    response = alice_client.post(
        f"/o/{org.pk}/members/invite/",
        {"email": "Dave@Example.org", "role": "viewer"},
        follow=True,
    )
    assert response.status_code == 200
    invitation = Invitation.objects.get(organisation=org)
    assert (invitation.email, invitation.role) == ("dave@example.org", Role.VIEWER)
    assert invitation.invited_by.email == "alice@example.org"
    assert "Invitation sent to dave@example.org as Viewer." in messages_of(response)
    assert "dave@example.org" in response.content.decode()  # listed as open

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dave@example.org"]
    assert org.name in message.subject
    assert "Alice Admin" in message.body and "Viewer" in message.body
    html, mimetype = message.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    path = link_path(message.body, "/invitations/")
    assert f"https://diam.example{path}" in message.body
    assert f'href="https://diam.example{path}"' in html
    token = path.removeprefix("/invitations/").rstrip("/")
    assert signing.TimestampSigner(salt="diam.invitation").unsign(token) == str(invitation.pk)

    page = Client().get(path)
    assert page.status_code == 200
    assert f"Join {org.name}" in page.content.decode()


def test_a_new_user_accepts_by_creating_an_account(org: Organisation, alice: User) -> None:
    invitation, path = invite(org, alice, role=Role.VIEWER)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="dave@example.org" readonly' in html
    assert 'name="email"' not in html  # the address cannot be changed

    response = client.post(
        path,
        {
            "full_name": "Dave New",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "email": "mallory@example.org",
        },
    )  # ignored
    dave = User.objects.get(email="dave@example.org")
    assert not User.objects.filter(email="mallory@example.org").exists()
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.pk}/"
    assert dave.name == "Dave New" and dave.check_password(STRONG_PASSWORD)
    assert Membership.objects.get(user=dave, organisation=org).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_by == dave
    assert get_user(client) == dave
    welcome = client.get(response["Location"]).content.decode()
    assert f"Welcome to {org.name}. You joined as viewer." in welcome


def test_a_new_user_with_mismatched_passwords_sees_the_error_and_nothing_is_created(
    org: Organisation, alice: User
) -> None:
    invitation, path = invite(org, alice)
    response = Client().post(
        path,
        {"full_name": "Dave", "password1": STRONG_PASSWORD, "password2": "Another-Password-99"},
    )
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert 'value="Dave"' in response.content.decode()
    assert not User.objects.filter(email="dave@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_an_existing_user_signs_in_as_the_invited_address_to_accept(
    org: Organisation, alice: User
) -> None:
    dave = make_user("dave@example.org", "Dave Existing")
    invitation, path = invite(org, alice, role=Role.ADMIN)

    anonymous = Client()
    page = anonymous.get(path)
    assert 'name="password1"' not in page.content.decode()
    assert "Sign in as dave@example.org" in page.content.decode()
    refused = anonymous.post(path)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/login/?next=%2Finvitations%2F")
    assert not Membership.objects.filter(user=dave).exists()

    client = Client()
    client.force_login(dave)
    assert f"Join {org.name}" in client.get(path).content.decode()
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.pk}/"
    assert Membership.objects.get(user=dave, organisation=org).role == Role.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_by == dave


def test_signed_in_as_someone_else_the_page_says_so_and_accepting_does_nothing(
    org: Organisation, alice: User, carol_client: Client, carol: User
) -> None:
    invitation, path = invite(org, alice)
    page = carol_client.get(path)
    html = page.content.decode()
    assert "You are signed in as <strong>carol@example.org</strong>" in html
    assert "but this invitation is for" in " ".join(html.split())
    assert "<strong>dave@example.org</strong>" in html
    response = carol_client.post(path)
    assert response.status_code == 302
    assert not Membership.objects.filter(user=carol, organisation=org).exists()
    invitation.refresh_from_db()
    assert invitation.is_open
    with pytest.raises(WrongInvitee):
        invitation_accept(invitation=invitation, user=carol)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: "9999" + token[token.index(":") :],  # another invitation's id
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_token_is_not_valid(org: Organisation, alice: User, mangle) -> None:
    invitation, path = invite(org, alice)
    token = path.removeprefix("/invitations/").rstrip("/")
    bad = f"/invitations/{mangle(token)}/"
    for response in (Client().get(bad), Client().post(bad)):
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()
    assert not User.objects.filter(email="dave@example.org").exists()


def test_a_token_signed_with_another_salt_is_not_valid(org: Organisation, alice: User) -> None:
    invitation, _ = invite(org, alice)
    forged = signing.TimestampSigner(salt="something.else").sign(str(invitation.pk))
    assert Client().get(f"/invitations/{forged}/").status_code == 404


def test_an_expired_link_says_so_with_410_and_cannot_be_accepted(
    org: Organisation, alice: User, settings
) -> None:
    settings.INVITATION_MAX_AGE_DAYS = 7
    eight_days_ago = time.time() - 8 * DAY
    with patch("time.time", return_value=eight_days_ago):
        invitation, path = invite(org, alice)
    response = Client().get(path)
    assert response.status_code == 410
    assert (
        "This invitation has expired; ask your administrator for a new one"
        in response.content.decode()
    )
    posted = Client().post(
        path, {"full_name": "Dave", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    )
    assert posted.status_code == 410
    assert not User.objects.filter(email="dave@example.org").exists()


def test_a_link_within_its_max_age_still_works(org: Organisation, alice: User, settings) -> None:
    settings.INVITATION_MAX_AGE_DAYS = 7
    with patch("time.time", return_value=time.time() - 6 * DAY):
        _, path = invite(org, alice)
    assert Client().get(path).status_code == 200


def test_a_revoked_invitation_cannot_be_accepted(
    alice_client: Client, org: Organisation, alice: User
) -> None:
    invitation, path = invite(org, alice)
    response = alice_client.post(f"/o/{org.pk}/invitations/{invitation.pk}/revoke/", follow=True)
    assert "The invitation of dave@example.org was revoked." in messages_of(response)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

    page = Client().get(path)
    assert page.status_code == 410
    assert "revoked" in page.content.decode()
    posted = Client().post(
        path, {"full_name": "Dave", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    )
    assert posted.status_code == 410
    assert not User.objects.filter(email="dave@example.org").exists()
    with pytest.raises(InvitationClosed):
        invitation_accept(invitation=invitation, user=alice)


def test_an_invitation_works_only_once(org: Organisation, alice: User) -> None:
    invitation, path = invite(org, alice)
    client = Client()
    client.post(
        path, {"full_name": "Dave", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    )
    again = client.get(path)
    assert again.status_code == 410
    html = again.content.decode()
    assert "already been accepted" in html
    assert f'href="/o/{org.pk}/"' in html  # dave is a member: offered the way in
    assert Client().post(path).status_code == 410
    assert Membership.objects.filter(organisation=org, user__email="dave@example.org").count() == 1


def test_inviting_a_member_is_refused_and_sends_nothing(
    alice_client: Client, org: Organisation, bob: User
) -> None:
    response = alice_client.post(
        f"/o/{org.pk}/members/invite/", {"email": "BOB@example.org", "role": "admin"}
    )
    assert response.status_code == 422
    errors = response.context["invite_form"].errors["email"]
    assert "bob@example.org is already a member of St Elsewhere Hospital." in errors[0]
    assert 'id="id_email_error"' in response.content.decode()
    assert mail.outbox == []
    assert not Invitation.objects.exists()
    assert Membership.objects.get(user=bob, organisation=org).role == Role.CONTRIBUTOR


def test_an_invalid_invitation_form_shows_errors_and_sends_nothing(
    alice_client: Client, org: Organisation
) -> None:
    response = alice_client.post(
        f"/o/{org.pk}/members/invite/", {"email": "not an address", "role": "overlord"}
    )
    form = response.context["invite_form"]
    assert set(form.errors) == {"email", "role"}
    assert 'value="not an address"' in response.content.decode()
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_accepting_sets_the_invited_role_for_someone_who_became_a_member_meanwhile(
    org: Organisation, alice: User
) -> None:
    invitation, path = invite(org, alice, role=Role.ADMIN)
    dave = make_user("dave@example.org", "Dave")
    make_member(dave, org, Role.VIEWER)
    client = Client()
    client.force_login(dave)
    client.post(path)
    assert Membership.objects.get(user=dave, organisation=org).role == Role.ADMIN
    assert Membership.objects.filter(user=dave).count() == 1
    invitation.refresh_from_db()
    assert invitation.accepted_by == dave


def test_inviting_again_revokes_the_earlier_link(org: Organisation, alice: User) -> None:
    first, first_path = invite(org, alice)
    second, second_path = invite(org, alice, role=Role.VIEWER)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.is_open
    assert Client().get(first_path).status_code == 410
    assert Client().get(second_path).status_code == 200


def test_the_invitation_service_refuses_members(org: Organisation, alice: User, bob: User) -> None:
    with pytest.raises(AlreadyMember):
        invitation_create(
            organisation=org, email="bob@example.org", role=Role.VIEWER, invited_by=alice
        )
    assert mail.outbox == []


def test_the_token_names_the_invitation(org: Organisation, alice: User) -> None:
    invitation, path = invite(org, alice)
    signer = signing.TimestampSigner(salt="diam.invitation")
    assert signer.unsign(invitation_token(invitation=invitation)) == str(invitation.pk)


def test_when_the_mail_server_fails_no_invitation_is_made(
    alice_client: Client, org: Organisation
) -> None:
    with patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=smtplib.SMTPServerDisconnected("down"),
    ):
        response = alice_client.post(
            f"/o/{org.pk}/members/invite/", {"email": "dave@example.org", "role": "viewer"}
        )
    assert response.status_code == 422
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.exists()

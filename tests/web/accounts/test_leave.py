"""Leaving an organisation: any member may, except its only admin; their answers stay."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import Client

from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.accounts.services import LastAdmin, membership_leave
from diam.web.assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    Evidence,
    SectionAssignment,
)
from diam.web.assessments.services import (
    answer_save,
    assessment_create,
    evidence_add,
    section_assign,
)
from tests.web.accounts.helpers import messages_of
from tests.web.factories import make_member, make_user

ONLY_ADMIN = "You are the only admin of St Elsewhere Hospital, so you cannot leave it"


def leave_url(org: Organisation) -> str:
    return f"/o/{org.pk}/leave/"


def is_member(user: User, org: Organisation) -> bool:
    return Membership.objects.filter(user=user, organisation=org).exists()


@pytest.fixture
def private_media(settings: Any, tmp_path: Path) -> Path:
    """Evidence files go to a temporary directory, never into the repository's data/."""
    settings.MEDIA_ROOT = tmp_path / "evidence"
    return settings.MEDIA_ROOT


@pytest.fixture
def bobs_work(private_media: Path, assessment: Assessment, bob: User) -> Answer:
    """Bob answered SI-01, attached evidence to it, and is assigned QS and PM."""
    answer = answer_save(
        assessment=assessment, criterion_id="SI-01", value=97, expected_version=0, user=bob
    )
    upload = SimpleUploadedFile("audit.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    evidence_add(assessment=assessment, criterion_id="SI-01", upload=upload, user=bob)
    section_assign(assessment=assessment, focus_area="QS", users=[bob])
    section_assign(assessment=assessment, focus_area="PM", users=[bob])
    return answer


def test_bob_leaves_after_confirming_and_his_answers_stay(
    bob_client: Client, org: Organisation, bob: User, assessment: Assessment, bobs_work: Answer
) -> None:
    confirm = bob_client.get(leave_url(org))
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Leave St Elsewhere Hospital?" in page
    assert "you will no longer see this organisation's assessments, reports and" in page
    assert "your answers stay in its history" in page
    assert f'action="{leave_url(org)}"' in page and 'name="csrfmiddlewaretoken"' in page
    assert is_member(bob, org)  # GET changes nothing

    response = bob_client.post(leave_url(org), follow=True)
    assert response.redirect_chain[0] == ("/", 302)
    assert "You have left St Elsewhere Hospital." in messages_of(response)
    assert not is_member(bob, org)
    assert User.objects.filter(pk=bob.pk, is_active=True).exists()  # the account stays
    assert not SectionAssignment.objects.filter(user=bob).exists()
    # The organisation's record keeps what he gave, under his name.
    answer = Answer.objects.get(pk=bobs_work.pk)
    assert (answer.value, answer.updated_by) == (97, bob)
    assert [c.changed_by for c in AnswerChange.objects.filter(answer=answer)] == [bob]
    assert Evidence.objects.get(answer=answer).uploaded_by == bob

    for url in (f"/o/{org.pk}/", f"/o/{org.pk}/members/", f"/a/{assessment.pk}/", leave_url(org)):
        assert bob_client.get(url).status_code == 404, url


def test_vic_leaves(vic_client: Client, org: Organisation, alice: User, vic: User) -> None:
    response = vic_client.post(leave_url(org), follow=True)
    assert "You have left St Elsewhere Hospital." in messages_of(response)
    assert not is_member(vic, org)
    assert is_member(alice, org)
    assert vic_client.get(f"/o/{org.pk}/").status_code == 404


def test_leaving_one_organisation_keeps_the_others(
    bob_client: Client,
    org: Organisation,
    other_org: Organisation,
    bob: User,
    carol: User,
    assessment: Assessment,
) -> None:
    make_member(bob, other_org, Role.VIEWER)
    elsewhere = assessment_create(organisation=other_org, user=carol, title="Other's")
    section_assign(assessment=elsewhere, focus_area="SI", users=[bob])
    section_assign(assessment=assessment, focus_area="SI", users=[bob])

    response = bob_client.post(leave_url(org), follow=True)
    # Home sends a member of one organisation straight to it; the message goes along.
    assert response.redirect_chain[-1] == (f"/o/{other_org.pk}/", 302)
    assert "You have left St Elsewhere Hospital." in messages_of(response)
    assert is_member(bob, other_org)
    kept = SectionAssignment.objects.filter(user=bob).values_list("assessment", flat=True)
    assert list(kept) == [elsewhere.pk]


def test_the_only_admin_is_told_why_she_cannot_leave_and_nothing_changes(
    alice_client: Client, org: Organisation, alice: User, bob: User, assessment: Assessment
) -> None:
    section_assign(assessment=assessment, focus_area="SI", users=[alice])
    page = alice_client.get(leave_url(org)).content.decode()
    assert ONLY_ADMIN in page
    assert "make someone else an admin first" in page
    assert f'action="{leave_url(org)}"' not in page  # no button to press

    response = alice_client.post(leave_url(org), follow=True)
    assert response.redirect_chain == [(f"/o/{org.pk}/members/", 302)]
    assert any(m.startswith(ONLY_ADMIN) for m in messages_of(response))
    assert Membership.objects.get(user=alice, organisation=org).role == Role.ADMIN
    assert SectionAssignment.objects.filter(user=alice, assessment=assessment).exists()


def test_the_admin_may_leave_once_bob_is_made_admin(
    alice_client: Client, org: Organisation, alice: User, bob: User
) -> None:
    bob_membership = Membership.objects.get(user=bob, organisation=org)
    alice_client.post(f"/o/{org.pk}/members/{bob_membership.pk}/role/", {"role": "admin"})
    assert ONLY_ADMIN not in alice_client.get(leave_url(org)).content.decode()

    response = alice_client.post(leave_url(org), follow=True)
    assert "You have left St Elsewhere Hospital." in messages_of(response)
    assert not is_member(alice, org)
    assert Membership.objects.get(user=bob, organisation=org).role == Role.ADMIN
    # Bob is now the only admin, so he in turn cannot leave.
    with pytest.raises(LastAdmin, match=ONLY_ADMIN):
        membership_leave(membership=Membership.objects.get(user=bob, organisation=org))


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisation_gets_404(
    carol_client: Client, org: Organisation, alice: User, bob: User, method: str
) -> None:
    assert getattr(carol_client, method)(leave_url(org)).status_code == 404
    assert is_member(alice, org) and is_member(bob, org)


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_visitors_are_sent_to_sign_in(org: Organisation, bob: User, method: str) -> None:
    response = getattr(Client(), method)(leave_url(org))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert is_member(bob, org)


def test_leaving_needs_the_csrf_token_of_the_confirmation_form(
    org: Organisation, bob: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post(leave_url(org)).status_code == 403
    assert is_member(bob, org)

    page = client.get(leave_url(org)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    response = client.post(leave_url(org), {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert not is_member(bob, org)


def test_other_methods_are_refused(bob_client: Client, org: Organisation, bob: User) -> None:
    assert bob_client.put(leave_url(org)).status_code == 405
    assert bob_client.delete(leave_url(org)).status_code == 405
    assert is_member(bob, org)


@pytest.mark.parametrize("persona", ["alice", "bob", "vic"])
def test_the_members_page_offers_every_member_to_leave(
    request: pytest.FixtureRequest, org: Organisation, persona: str
) -> None:
    client = request.getfixturevalue(f"{persona}_client")
    page = client.get(f"/o/{org.pk}/members/").content.decode()
    assert f'<a href="{leave_url(org)}">Leave this organisation</a>' in page


def test_leaving_twice_is_harmless(org: Organisation, bob: User) -> None:
    """A second click (or a removal meanwhile) finds the membership gone: nothing to do."""
    membership = Membership.objects.get(user=bob, organisation=org)
    stale = Membership.objects.get(pk=membership.pk)
    membership_leave(membership=membership)
    membership_leave(membership=stale)
    assert not is_member(bob, org)


@pytest.mark.django_db(transaction=True)
def test_two_admins_leaving_at_once_leave_one_behind(org: Organisation, alice: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite serialises whole transactions)")
    ada = make_user("ada@example.org", "Ada Second")
    make_member(ada, org, Role.ADMIN)
    client = Client()
    client.force_login(ada)
    outcome: dict[str, Any] = {}

    def ada_leaves() -> None:
        try:
            outcome["response"] = client.post(leave_url(org))
        finally:
            connections.close_all()

    other = threading.Thread(target=ada_leaves)
    with transaction.atomic():  # alice's leaving holds the admin rows until it commits
        membership_leave(membership=Membership.objects.get(user=alice, organisation=org))
        other.start()
        other.join(0.5)
        assert other.is_alive(), "the second leave did not wait for the first"
    other.join(10)
    assert not other.is_alive()
    assert outcome["response"]["Location"] == f"/o/{org.pk}/members/"
    assert list(Membership.objects.filter(organisation=org).values_list("user", "role")) == [
        (ada.pk, Role.ADMIN)
    ]

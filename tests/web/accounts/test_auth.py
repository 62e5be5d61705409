"""Sign in with e-mail and password, sign out by POST only, reset and change the password."""

from __future__ import annotations

from django.contrib.auth import get_user
from django.core import mail
from django.test import Client

from diam.web.accounts.models import User
from tests.web.accounts.helpers import STRONG_PASSWORD, link_path
from tests.web.factories import PASSWORD


def test_the_login_page_renders_with_a_reset_link(db: None) -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="email"' in html and 'name="password"' in html
    assert 'href="/password/reset/"' in html


def test_login_with_email_and_password_signs_in(alice: User) -> None:
    client = Client()
    response = client.post("/login/", {"username": "Alice@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert get_user(client) == alice


def test_login_follows_a_safe_next_and_ignores_a_foreign_one(alice: User) -> None:
    client = Client()
    response = client.post(
        "/login/?next=/o/1/members/", {"username": "alice@example.org", "password": PASSWORD}
    )
    assert response["Location"] == "/o/1/members/"
    client = Client()
    response = client.post(
        "/login/",
        {"username": "alice@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused_with_a_message(alice: User) -> None:
    client = Client()
    response = client.post("/login/", {"username": "alice@example.org", "password": "wrong"})
    assert response.status_code == 422
    assert "do not match an account" in response.content.decode()
    assert get_user(client).is_anonymous


def test_logout_by_post_signs_out(alice_client: Client) -> None:
    response = alice_client.post("/logout/")
    assert response.status_code == 302
    assert get_user(alice_client).is_anonymous


def test_logout_by_get_is_refused_and_keeps_the_session(alice_client: Client, alice: User) -> None:
    response = alice_client.get("/logout/")
    assert response.status_code == 405
    assert get_user(alice_client) == alice


def test_password_reset_sends_a_link_that_sets_a_new_password(alice: User) -> None:
    client = Client()
    response = client.post("/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert "Reset your diam password" in message.subject
    assert message.alternatives and message.alternatives[0][1] == "text/html"  # type: ignore[attr-defined]

    path = link_path(message.body, "/password/reset/")
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    set_url = page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD}
    )
    assert done.status_code == 302
    assert done["Location"] == "/password/reset/complete/"
    alice.refresh_from_db()
    assert alice.check_password(STRONG_PASSWORD)
    assert not alice.check_password(PASSWORD)
    # The link works only once.
    again = client.get(path, follow=True)
    assert again.context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(db: None) -> None:
    response = Client().post("/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"
    assert mail.outbox == []


def test_a_tampered_reset_link_does_not_work(alice: User) -> None:
    Client().post("/password/reset/", {"email": "alice@example.org"})
    path = link_path(mail.outbox[0].body, "/password/reset/")
    page = Client().get(path[:-3] + "xx/", follow=True)
    assert page.context["validlink"] is False
    assert "no longer works" in page.content.decode()


def test_a_signed_in_user_changes_the_password(alice_client: Client, alice: User) -> None:
    assert alice_client.get("/account/password/").status_code == 200
    response = alice_client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/password/changed/"
    alice.refresh_from_db()
    assert alice.check_password(STRONG_PASSWORD)
    assert get_user(alice_client) == alice  # still signed in


def test_changing_the_password_needs_the_old_one(alice_client: Client, alice: User) -> None:
    response = alice_client.post(
        "/account/password/",
        {
            "old_password": "wrong",
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "old_password" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_changing_the_password_needs_signing_in(db: None) -> None:
    response = Client().get("/account/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")

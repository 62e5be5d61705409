"""Two-factor sign-in: a programme admin cannot sign in without a second factor; others may
enrol; recovery codes work once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from diam.web.accounts.models import User
from diam.web.audit.models import AuditEvent
from tests.web.factories import PASSWORD, make_user


def code_for(device: TOTPDevice, *, ahead: int = 0) -> str:
    """The app's code now, or `ahead` steps later: a code once accepted is never accepted
    again (replay protection), so a second sign-in in the same 30 s uses the next one."""
    device.refresh_from_db()
    device.throttle_reset()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{totp.token():0{device.digits}d}"


def signed_in(email: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def pat(db: None) -> User:
    return make_user("pat@example.org", "Pat Programme", programme_role="programme_admin")


def enrol(client: Client, user: User) -> list[str]:
    page = client.get("/account/two-factor/setup/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/account/two-factor/setup/", {"code": code_for(device)})
    assert done.status_code == 200
    return re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.content.decode())


@pytest.mark.parametrize(
    "path", ["/programme/statistics/", "/programme/audit/", "/admin/", "/", "/statistics/"]
)
def test_a_programme_admin_without_a_second_factor_reaches_nothing(pat: User, path: str) -> None:
    client = signed_in("pat@example.org")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/setup/")


def test_a_programme_admin_enrols_then_gets_in(pat: User) -> None:
    client = signed_in("pat@example.org")
    client.get("/account/two-factor/setup/")
    device = TOTPDevice.objects.get(user=pat, confirmed=False)
    almost = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    wrong = client.post("/account/two-factor/setup/", {"code": almost})
    assert wrong.status_code == 422 and "does not match" in wrong.content.decode()
    codes = enrol(client, pat)
    assert len(codes) == 10
    assert client.get("/programme/statistics/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_enrolled", actor=pat).exists()


def test_the_next_sign_in_asks_for_a_code_and_a_wrong_one_gets_nowhere(pat: User) -> None:
    enrol(signed_in("pat@example.org"), pat)
    client = signed_in("pat@example.org")
    assert client.get("/programme/statistics/")["Location"].startswith(
        "/account/two-factor/verify/?next=%2Fprogramme%2Fstatistics%2F"
    )
    wrong = client.post("/account/two-factor/verify/", {"code": "123456"})
    assert wrong.status_code == 422 and "not right" in wrong.content.decode()
    assert client.get("/programme/statistics/").status_code == 302
    device = TOTPDevice.objects.get(user=pat, confirmed=True)
    device.throttle_reset()
    right = client.post(
        "/account/two-factor/verify/",
        {"code": code_for(device, ahead=1), "next": "/programme/statistics/"},
    )
    assert right["Location"] == "/programme/statistics/"
    assert client.get("/programme/statistics/").status_code == 200


def test_a_recovery_code_works_once(pat: User) -> None:
    codes = enrol(signed_in("pat@example.org"), pat)
    first = signed_in("pat@example.org")
    assert first.post("/account/two-factor/verify/", {"code": codes[0].upper()}).status_code == 302
    assert first.get("/programme/statistics/").status_code == 200
    again = signed_in("pat@example.org")
    assert again.post("/account/two-factor/verify/", {"code": codes[0]}).status_code == 422
    assert AuditEvent.objects.filter(action="auth.recovery_code_used").count() == 1


def test_the_admin_site_also_needs_the_second_factor(db: None) -> None:
    root = make_user("root@example.org", "Root", is_staff=True, is_superuser=True)
    client = Client()
    client.post("/admin/login/", {"username": "root@example.org", "password": PASSWORD})
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/setup/")
    enrol(client, root)
    assert client.get("/admin/").status_code == 200


def test_a_validator_needs_one_too(db: None) -> None:
    make_user("val@example.org", "Val", programme_role="validator")
    assert (
        signed_in("val@example.org").get("/")["Location"].startswith("/account/two-factor/setup/")
    )


def test_members_may_sign_in_without_one_or_turn_it_on_and_off(alice: User) -> None:
    client = signed_in("alice@example.org")
    assert client.get("/").status_code in (200, 302)
    assert "/account/two-factor/" not in client.get("/").get("Location", "")
    overview = client.get("/account/two-factor/").content.decode()
    assert "Off: you sign in with your password alone" in overview
    enrol(client, alice)
    later = signed_in("alice@example.org")
    assert later.get("/")["Location"].startswith("/account/two-factor/verify/")
    device = TOTPDevice.objects.get(user=alice)
    later.post("/account/two-factor/verify/", {"code": code_for(device, ahead=1)})
    assert later.post("/account/two-factor/remove/").status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert "/two-factor/" not in signed_in("alice@example.org").get("/").get("Location", "")


def test_a_required_second_factor_cannot_be_removed(pat: User) -> None:
    client = signed_in("pat@example.org")
    enrol(client, pat)
    client.post("/account/two-factor/remove/")
    assert TOTPDevice.objects.filter(user=pat, confirmed=True).exists()


def test_signing_out_works_half_signed_in(pat: User) -> None:
    client = signed_in("pat@example.org")
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_next_cannot_send_anyone_to_another_site(pat: User) -> None:
    client = signed_in("pat@example.org")
    enrol(client, pat)
    again = signed_in("pat@example.org")
    device = TOTPDevice.objects.get(user=pat, confirmed=True)
    response = again.post(
        "/account/two-factor/verify/",
        {"code": code_for(device, ahead=1), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_the_demo_programme_admin_signs_in_with_the_printed_key_or_code(db: None) -> None:
    import base64

    from diam.web.core.demo import DEMO_PASSWORD, PROGRAMME_ADMIN, VALIDATOR, demo_load

    summary = demo_load(organisations=0)
    again = demo_load(organisations=0)  # `make run` again: the same key, the codes still there
    assert again.second_factors == summary.second_factors
    factors = {email: (key, codes) for email, key, codes in summary.second_factors}
    assert set(factors) == {PROGRAMME_ADMIN[0], VALIDATOR[0]}
    key, codes = factors[PROGRAMME_ADMIN[0]]
    assert len(codes) == 10
    device = TOTPDevice.objects.get(user__email=PROGRAMME_ADMIN[0])
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == key
    client = Client()
    client.post("/login/", {"username": PROGRAMME_ADMIN[0], "password": DEMO_PASSWORD})
    assert client.get("/programme/statistics/").status_code == 302
    client.post("/account/two-factor/verify/", {"code": code_for(device)})
    assert client.get("/programme/statistics/").status_code == 200
    other = Client()
    other.post("/login/", {"username": PROGRAMME_ADMIN[0], "password": DEMO_PASSWORD})
    other.post("/account/two-factor/verify/", {"code": codes[0]})
    assert other.get("/admin/").status_code == 200
    validator = Client()
    validator.post("/login/", {"username": VALIDATOR[0], "password": DEMO_PASSWORD})
    validator.post("/account/two-factor/verify/", {"code": factors[VALIDATOR[0]][1][0]})
    assert "/two-factor/" not in validator.get("/").get("Location", "")

"""Recognition: certificate, registry, badge, verification by code and by signed credential.
No URL edit, altered file, expired or revoked validation passes for a valid one."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from diam.credentials import keys_from_text, verify_credential
from diam.web.validation import keys
from diam.web.validation.models import Recognition, ValidationDecision
from diam.web.validation.services.decision import (
    code_confirms,
    decision_revoke,
    recognition_update,
    validation_decide,
)
from tests.web.validation.conftest import accept_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(in_review, val, signing_key) -> ValidationDecision:
    accept_all(in_review, val)
    return validation_decide(validation=in_review, user=val, narrative="All seen on site.")


def credential_of(client: Client, decision: ValidationDecision) -> dict:
    response = client.get(f"/validation/{decision.request_id}/credential.json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


# --- certificate -------------------------------------------------------------------------------


def test_the_certificate_pdf_states_the_validation(decision, alice_client) -> None:
    response = alice_client.get(f"/validation/{decision.request_id}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "validated-stage-7-certificate.pdf" in response["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "St Elsewhere Hospital",
        "stage 7",
        "Val Idator",
        decision.code,
        f"https://diam.example.org/verify/{decision.code}/",
        "inspired by the public description",
        "not an official DIAM",
    ):
        assert expected in text, expected
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1


def test_certificates_are_for_the_parties_only(decision, carol_client) -> None:
    assert carol_client.get(f"/validation/{decision.request_id}/certificate.pdf").status_code == 404
    assert Client().get(f"/validation/{decision.request_id}/credential.json").status_code == 302


def test_an_undecided_validation_has_no_certificate(in_review, alice_client) -> None:
    assert alice_client.get(f"/validation/{in_review.pk}/certificate.pdf").status_code == 404


# --- codes ---------------------------------------------------------------------------------------


def test_the_verification_page_confirms_a_code(decision) -> None:
    page = Client().get(f"/verify/{decision.code}/").content.decode()
    assert "Confirmed: a valid validation" in page and "St Elsewhere Hospital" in page
    assert "Val Idator" in page
    # spaces and lower case as typed from paper are fine
    typed = decision.code.lower().replace("-", " - ")
    assert Client().get("/verify/", {"code": typed}).status_code == 302


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # one character of the signature
        lambda c: ("A" if c[0] != "A" else "B") + c[1:],  # one character of the serial
        lambda c: c.split("-")[0],  # no signature
        lambda c: c + "A",
        lambda c: "../" + c,
    ],
)
def test_an_edited_code_is_not_confirmed(decision, edit) -> None:
    response = Client().get("/verify/", {"code": edit(decision.code)}, follow=True)
    assert response.status_code == 404
    assert "Not confirmed" in response.content.decode()


def test_a_code_signed_with_another_secret_is_not_confirmed(decision, settings) -> None:
    settings.SECRET_KEY = "another-secret-" * 4
    assert not code_confirms(decision)
    assert Client().get(f"/verify/{decision.code}/").status_code == 404
    settings.SECRET_KEY_FALLBACKS = ["dev-only-insecure-secret-key-change-me"]
    assert code_confirms(decision)  # a rotated secret keeps printed codes valid


def test_a_stage_changed_in_the_database_no_longer_verifies(decision) -> None:
    ValidationDecision.objects.filter(pk=decision.pk).update(stage=6)
    assert Client().get(f"/verify/{decision.code}/").status_code == 404


def test_an_expired_validation_is_confirmed_as_expired(decision, org) -> None:
    ValidationDecision.objects.filter(pk=decision.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    page = Client().get(f"/verify/{decision.code}/").content.decode()
    assert "Confirmed, but expired" in page


def test_a_revoked_validation_shows_as_revoked(decision, pam) -> None:
    decision_revoke(decision=decision, user=pam, reason="Systems misrepresented")
    page = Client().get(f"/verify/{decision.code}/").content.decode()
    assert "Revoked" in page and "Confirmed: a valid" not in page


# --- registry and badge -------------------------------------------------------------------


def test_the_registry_is_opt_in(decision, org, alice) -> None:
    page = Client().get("/registry/").content.decode()
    assert "St Elsewhere Hospital" not in page and "inspired by the public description" in page
    recognition_update(organisation=org, listed=True, user=alice)
    page = Client().get("/registry/").content.decode()
    assert "St Elsewhere Hospital" in page and "Valid" in page


def test_the_registry_shows_expired_and_revoked_as_such(decision, org, alice, pam) -> None:
    recognition_update(organisation=org, listed=True, user=alice)
    ValidationDecision.objects.filter(pk=decision.pk).update(valid_until=dt.date(2020, 1, 1))
    assert "<strong>Expired</strong>" in Client().get("/registry/").content.decode()
    decision.refresh_from_db()
    decision_revoke(decision=decision, user=pam, reason="x")
    assert "<strong>Revoked</strong>" in Client().get("/registry/").content.decode()


def test_only_an_org_admin_lists_the_organisation(decision, org, vic_client, alice_client) -> None:
    assert vic_client.get(f"/o/{org.pk}/recognition/").status_code == 200
    assert vic_client.post(f"/o/{org.pk}/recognition/", {"listed": "on"}).status_code == 403
    assert alice_client.post(f"/o/{org.pk}/recognition/", {"listed": "on"}).status_code == 302
    assert Recognition.objects.get(organisation=org).listed


def test_the_badge_comes_from_the_database_not_the_url(decision, org, pam) -> None:
    token = Recognition.objects.get(organisation=org).badge_token
    response = Client().get(f"/badge/{token}.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert "Validated stage 7" in svg and "valid until" in svg
    assert Client().get(f"/badge/{token}x.svg").status_code == 404
    assert Client().get(f"/badge/{org.pk}.svg").status_code == 404  # ids are not tokens
    decision_revoke(decision=decision, user=pam, reason="x")
    assert "revoked" in Client().get(f"/badge/{token}.svg").content.decode()


def test_an_expired_badge_says_expired(decision, org) -> None:
    ValidationDecision.objects.filter(pk=decision.pk).update(valid_until=dt.date(2020, 1, 1))
    token = Recognition.objects.get(organisation=org).badge_token
    assert "Stage 7: expired" in Client().get(f"/badge/{token}.svg").content.decode()


def test_the_badge_escapes_the_organisation_name(decision, org) -> None:
    org.name = "<script>alert(1)</script> & Co"
    org.save()
    token = Recognition.objects.get(organisation=org).badge_token
    svg = Client().get(f"/badge/{token}.svg").content.decode()
    assert "<script>" not in svg and "&lt;script&gt;" in svg


# --- signed credentials --------------------------------------------------------------------------


def test_the_downloaded_credential_verifies_against_the_published_keys(
    decision, alice_client
) -> None:
    document = credential_of(alice_client, decision)
    served = Client().get("/keys/credentials.json")
    assert served.status_code == 200
    published = keys_from_text(served.content.decode())
    outcome = verify_credential(document, keys=published, now=timezone.now())
    assert outcome.ok and outcome.facts["stage"] == "7"
    assert outcome.facts["organisation"] == "St Elsewhere Hospital"
    assert document["id"] == f"https://diam.example.org/verify/{decision.code}/"
    assert document["proof"]["verificationMethod"].startswith(
        "https://diam.example.org/keys/credentials.json#key-"
    )
    # the same document on every download
    assert credential_of(alice_client, decision) == document


def test_the_verification_page_checks_an_uploaded_credential(decision, alice_client) -> None:
    document = credential_of(alice_client, decision)
    ok = Client().post("/verify/", {"credential_text": json.dumps(document)})
    assert "The credential is authentic and valid" in ok.content.decode()
    document["credentialSubject"]["result"][0]["value"] = "7"
    document["credentialSubject"]["name"] = "Another Hospital"
    forged = Client().post("/verify/", {"credential_text": json.dumps(document)})
    assert forged.status_code == 200
    assert "Not a valid credential" in forged.content.decode()
    assert "altered" in forged.content.decode()


def test_garbage_is_not_a_credential(db) -> None:
    response = Client().post("/verify/", {"credential_text": "{not json"})
    assert response.status_code == 400 and "Not a credential" in response.content.decode()


def test_a_revoked_credential_is_authentic_but_revoked_online(decision, alice_client, pam) -> None:
    document = credential_of(alice_client, decision)
    decision_revoke(decision=decision, user=pam, reason="x")
    page = Client().post("/verify/", {"credential_text": json.dumps(document)}).content.decode()
    assert "Authentic, but revoked" in page


def test_without_a_key_the_credential_waits_for_one(in_review, val, alice_client) -> None:
    accept_all(in_review, val)
    decision = validation_decide(validation=in_review, user=val, narrative="ok")
    response = alice_client.get(f"/validation/{decision.request_id}/credential.json", follow=True)
    assert "no signing key yet" in response.content.decode()
    keys.key_create()
    assert credential_of(alice_client, decision)["proof"]["cryptosuite"] == "eddsa-jcs-2022"


def test_rotation_keeps_old_credentials_valid_and_a_compromised_key_invalidates_them(
    decision, alice_client
) -> None:
    document = credential_of(alice_client, decision)
    old, new = keys.key_rotate()
    outcome = verify_credential(document, keys=keys.published_keys(), now=timezone.now())
    assert outcome.ok and outcome.key_id == old and old != new
    served = json.loads(Client().get("/keys/credentials.json").content)
    assert [m["id"].rsplit("#")[-1] for m in served["verificationMethod"]] == [old, new]
    keys.key_rotate(compromised=True)
    outcome = verify_credential(document, keys=keys.published_keys(), now=timezone.now())
    assert not outcome.ok and "revoked" in outcome.reason
    # the organisation downloads it again: signed with the new key, valid
    again = credential_of(alice_client, decision)
    assert verify_credential(again, keys=keys.published_keys(), now=timezone.now()).ok


def test_the_private_key_is_readable_by_its_owner_only(signing_key) -> None:
    mode = (keys.key_dir() / keys.PRIVATE_NAME).stat().st_mode & 0o777
    assert mode == 0o600
    with pytest.raises(FileExistsError):
        keys.key_create()
    assert keys.key_create(if_missing=True) == (signing_key, False)

"""Signed credentials: what a verifier relies on (intact → valid; any edit → invalid)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from diam.credentials import (
    CredentialError,
    PublishedKey,
    Recognition,
    base58btc_decode,
    base58btc_encode,
    build_credential,
    key_document,
    key_id,
    keys_from_text,
    parse_credential,
    public_key_from_multibase,
    public_key_multibase,
    sign_credential,
    verify_credential,
)

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)
RECOGNITION = Recognition(
    credential_id="https://diam.example.org/verify/7-ABCDEFGHJKMNPQRS/",
    issuer_id="https://diam.example.org/",
    issuer_name="diam validation programme",
    organisation="St Elsewhere Hospital",
    country="NL",
    stage=6,
    stage_name="Connected enterprise",
    model_id="radiology",
    model_version="1.0.0",
    decided_on=date(2027, 3, 1),
    valid_until=date(2030, 3, 1),
    validators=("Val Idator", "Vera Second"),
    code="7-ABCDEFGHJKMNPQRS",
)


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def published(private_key: Ed25519PrivateKey) -> list[PublishedKey]:
    public = private_key.public_key()
    return [PublishedKey(key_id(public), public, created="2027-01-01")]


@pytest.fixture(scope="module")
def signed(private_key: Ed25519PrivateKey) -> dict:
    kid = key_id(private_key.public_key())
    return sign_credential(
        build_credential(RECOGNITION),
        private_key=private_key,
        verification_method=f"https://diam.example.org/keys/credentials.json#{kid}",
        created=datetime(2027, 3, 1, 9, tzinfo=UTC),
    )


@given(st.binary(max_size=80))
def test_base58btc_round_trips_any_bytes_including_leading_zeros(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data


def test_base58btc_matches_the_bitcoin_alphabet_reference() -> None:
    assert base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert base58btc_encode(b"\0\0\x01") == "112"


def test_an_ed25519_multikey_starts_z6mk_and_round_trips(private_key) -> None:
    public = private_key.public_key()
    text = public_key_multibase(public)
    assert text.startswith("z6Mk")
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert public_key_from_multibase(text).public_bytes(*raw) == public.public_bytes(*raw)


def test_the_credential_has_the_open_badges_shape(signed) -> None:
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert signed["credentialSubject"]["type"] == ["AchievementSubject"]
    assert signed["credentialSubject"]["result"][0]["value"] == "6"
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed["validUntil"] == "2030-03-01T23:59:59Z"
    assert "not an official DIAM" in signed["description"]


def test_an_intact_credential_verifies_with_its_facts(signed, published) -> None:
    outcome = verify_credential(signed, keys=published, now=NOW)
    assert outcome.ok and outcome.status == "valid"
    assert outcome.facts["organisation"] == "St Elsewhere Hospital"
    assert outcome.facts["stage"] == "6"


def test_a_credential_survives_a_json_round_trip_with_other_formatting(signed, published) -> None:
    text = json.dumps(signed, indent=4, ensure_ascii=True)
    assert verify_credential(parse_credential(text), keys=published, now=NOW).ok


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["credentialSubject"]["result"][0].update(value="7"),
        lambda d: d.update(validUntil="2040-03-01T23:59:59Z"),
        lambda d: d["credentialSubject"].update(name="Another Hospital"),
        lambda d: d["credentialSubject"]["achievement"].update(name="Stage 7: Everything"),
        lambda d: d["proof"].update(created="2027-03-02T09:00:00Z"),
        lambda d: d.update(extra="field"),
    ],
)
def test_any_edit_after_signing_makes_the_credential_invalid(signed, published, edit) -> None:
    forged = copy.deepcopy(signed)
    edit(forged)
    outcome = verify_credential(forged, keys=published, now=NOW)
    assert not outcome.ok and outcome.status == "invalid"
    assert "altered" in outcome.reason


def test_a_credential_signed_by_another_key_is_invalid(signed) -> None:
    stranger = Ed25519PrivateKey.generate().public_key()
    keys = [PublishedKey(key_id(stranger), stranger)]
    outcome = verify_credential(signed, keys=keys, now=NOW)
    assert not outcome.ok and "not one of the programme's keys" in outcome.reason


def test_a_forger_cannot_reuse_a_published_key_id_with_own_key(signed, published) -> None:
    forger = Ed25519PrivateKey.generate()
    forged = sign_credential(
        {**build_credential(RECOGNITION), "name": "forged"},
        private_key=forger,
        verification_method=signed["proof"]["verificationMethod"],
        created=NOW,
    )
    assert verify_credential(forged, keys=published, now=NOW).status == "invalid"


def test_an_expired_credential_verifies_its_signature_but_is_not_ok(signed, published) -> None:
    later = datetime(2030, 3, 2, tzinfo=UTC)
    outcome = verify_credential(signed, keys=published, now=later)
    assert not outcome.ok and outcome.status == "expired" and outcome.signature_valid
    assert "2030-03-01" in outcome.reason


def test_a_revoked_key_verifies_nothing(signed, published) -> None:
    revoked = [PublishedKey(published[0].id, published[0].key, revoked="2027-04-01")]
    outcome = verify_credential(signed, keys=revoked, now=NOW)
    assert not outcome.ok and "revoked" in outcome.reason


def test_an_unsigned_document_is_invalid_not_an_error(published) -> None:
    outcome = verify_credential(build_credential(RECOGNITION), keys=published, now=NOW)
    assert outcome.status == "invalid" and "no proof" in outcome.reason


def test_the_key_document_round_trips_and_pem_is_accepted(private_key, published) -> None:
    doc = key_document(controller="https://diam.example.org/keys/credentials.json", keys=published)
    keys = keys_from_text(json.dumps(doc))
    assert [k.id for k in keys] == [published[0].id]
    assert doc["assertionMethod"] == [f"{doc['id']}#{published[0].id}"]
    pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert keys_from_text(pem)[0].id == published[0].id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "neither JSON nor PEM"),
        ("{}", "no verificationMethod"),
        ('{"verificationMethod": [{"id": "x", "publicKeyMultibase": "zzz0"}]}', "base58btc"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "not a public key"),
    ],
)
def test_bad_key_files_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(CredentialError, match=message):
        keys_from_text(text)


def test_parse_credential_refuses_non_objects() -> None:
    with pytest.raises(CredentialError, match="JSON object"):
        parse_credential("[1, 2]")
    with pytest.raises(CredentialError, match="not a JSON document"):
        parse_credential("{")


def test_a_number_too_long_to_read_is_a_clear_refusal() -> None:
    import pytest

    from diam.credentials import CredentialError, parse_credential

    with pytest.raises(CredentialError, match="not a JSON document"):
        parse_credential('{"a": ' + "9" * 5000 + "}")
    with pytest.raises(CredentialError, match="nested too deeply"):
        parse_credential("[" * 100_000 + "]" * 100_000)

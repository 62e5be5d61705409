"""Signed, machine-verifiable validation credentials (pure: no Django, no files, no clock).

A credential is a JSON document in the shape of an Open Badges 3.0 `OpenBadgeCredential`
(a W3C Verifiable Credential 2.0) with a Data Integrity proof of the `eddsa-jcs-2022`
cryptosuite: the document and the proof options are canonicalised with the JSON
Canonicalization Scheme (RFC 8785), hashed with SHA-256, and the two hashes signed with an
Ed25519 key. Public keys are published as Multikey `publicKeyMultibase` values (base58btc of
the multicodec prefix 0xed01 and the 32 raw key bytes) in a key document served by the web
app and printed by `diam key show`; `verify_credential` checks a document against such keys
offline. See docs/recognition.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)
TYPES = ("VerifiableCredential", "OpenBadgeCredential")
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
DISCLAIMER = (
    "Issued by an open programme inspired by the public description of the HIMSS/ESR Digital "
    "Imaging Adoption Model (DIAM); not affiliated with HIMSS or ESR and not an official DIAM "
    "stage or certification."
)

_ED25519_MULTICODEC = b"\xed\x01"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


class CredentialError(ValueError):
    """A document or key that cannot be read as a credential or a key (message for the user)."""


# --- encodings --------------------------------------------------------------------------------


def base58btc_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58; leading zero bytes become leading '1's."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_B58[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    """The bytes of a base58btc string; raises `CredentialError` for a character outside it."""
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            raise CredentialError(f"{char!r} is not a base58btc character")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey form of an Ed25519 public key ('z6Mk…')."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(_ED25519_MULTICODEC + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Parse a Multikey Ed25519 public key; raises `CredentialError` when it is not one."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise CredentialError("publicKeyMultibase must be a base58btc ('z…') string")
    data = base58btc_decode(value[1:])
    if not data.startswith(_ED25519_MULTICODEC) or len(data) != 34:
        raise CredentialError("publicKeyMultibase is not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable identifier of a public key (the fragment of its verification method)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "key-" + hashlib.sha256(raw).hexdigest()[:16]


def canonical(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical bytes of a JSON object."""
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise CredentialError(f"the document is not canonical JSON: {exc}") from None


# --- the credential ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recognition:
    """What one validation decision states, as plain values."""

    credential_id: str  # the verification URL of this decision
    issuer_id: str  # the programme's site URL
    issuer_name: str
    organisation: str
    country: str
    stage: int
    stage_name: str
    model_id: str
    model_version: str
    decided_on: date
    valid_until: date
    validators: tuple[str, ...]
    code: str
    narrative: str = ""


def build_credential(recognition: Recognition) -> dict[str, Any]:
    """The unsigned Open Badges 3.0 credential of one decision."""
    r = recognition
    stage_text = f"Stage {r.stage}: {r.stage_name}"
    return {
        "@context": list(CONTEXTS),
        "id": r.credential_id,
        "type": list(TYPES),
        "issuer": {"id": r.issuer_id, "type": ["Profile"], "name": r.issuer_name},
        "validFrom": _timestamp(datetime.combine(r.decided_on, time.min, tzinfo=UTC)),
        "validUntil": _timestamp(datetime.combine(r.valid_until, time(23, 59, 59), tzinfo=UTC)),
        "name": f"Validated imaging IT maturity: stage {r.stage}",
        "description": DISCLAIMER,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": r.organisation,
            "achievement": {
                "id": f"{r.issuer_id.rstrip('/')}/about/#stage-{r.stage}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": stage_text,
                "description": (
                    f"{stage_text} of the open model {r.model_id} {r.model_version}, confirmed "
                    "by an expert validation of the organisation's self-assessment."
                ),
                "criteria": {
                    "narrative": (
                        f"Validated on {r.decided_on.isoformat()} by {', '.join(r.validators)}. "
                        f"Certificate code {r.code}."
                    )
                },
                "tag": [f"stage-{r.stage}", f"model-{r.model_id}-{r.model_version}"],
            },
            "result": [{"type": ["Result"], "value": str(r.stage)}],
        },
    }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_timestamp(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise CredentialError(f"{name} must be a date-time string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CredentialError(f"{name} is not a date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise CredentialError(f"{name} has no time zone: {value!r}")
    return moment


def _hash_data(document: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
    # eddsa-jcs-2022: SHA-256 of the canonical proof options, then of the canonical document.
    return (
        hashlib.sha256(canonical(proof_options)).digest()
        + hashlib.sha256(canonical(document)).digest()
    )


def sign_credential(
    document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """The document with an `eddsa-jcs-2022` Data Integrity proof added."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
        "@context": unsigned["@context"],
    }
    signature = private_key.sign(_hash_data(unsigned, options))
    proof = {k: v for k, v in options.items() if k != "@context"}
    proof["proofValue"] = "z" + base58btc_encode(signature)
    return {**unsigned, "proof": proof}


# --- keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedKey:
    """One public key of the programme; `revoked` keys verify nothing (a compromised key)."""

    id: str
    key: Ed25519PublicKey
    created: str = ""
    retired: str = ""
    revoked: str = ""


def key_document(*, controller: str, keys: Sequence[PublishedKey]) -> dict[str, Any]:
    """The programme's public keys as a controller document (Multikey verification methods)."""
    base = controller.split("#", 1)[0]
    return {
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": base,
        "verificationMethod": [
            {
                "id": f"{base}#{k.id}",
                "type": "Multikey",
                "controller": base,
                "publicKeyMultibase": public_key_multibase(k.key),
                **({"created": k.created} if k.created else {}),
                **({"retired": k.retired} if k.retired else {}),
                **({"revoked": k.revoked} if k.revoked else {}),
            }
            for k in keys
        ],
        "assertionMethod": [f"{base}#{k.id}" for k in keys if not k.revoked],
    }


def keys_from_text(text: str) -> list[PublishedKey]:
    """Public keys from a key document (JSON, as served and printed) or a PEM public key.

    Raises `CredentialError` naming what is wrong.
    """
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        try:
            loaded = serialization.load_pem_public_key(stripped.encode())
        except ValueError:
            raise CredentialError("the PEM text is not a public key") from None
        if not isinstance(loaded, Ed25519PublicKey):
            raise CredentialError("the PEM public key is not an Ed25519 key")
        return [PublishedKey(key_id(loaded), loaded)]
    try:
        document = json.loads(stripped)
    except (ValueError, RecursionError) as exc:
        raise CredentialError(f"the key file is neither JSON nor PEM: {exc}") from None
    methods = document.get("verificationMethod") if isinstance(document, dict) else None
    if not isinstance(methods, list) or not methods:
        raise CredentialError("the key document has no verificationMethod list")
    keys = []
    for index, method in enumerate(methods):
        if not isinstance(method, dict) or not isinstance(method.get("id"), str):
            raise CredentialError(f"verificationMethod[{index}] has no id")
        key = public_key_from_multibase(method.get("publicKeyMultibase", ""))
        keys.append(
            PublishedKey(
                id=method["id"].rsplit("#", 1)[-1],
                key=key,
                created=str(method.get("created", "")),
                retired=str(method.get("retired", "")),
                revoked=str(method.get("revoked", "")),
            )
        )
    return keys


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a credential; `ok` only for an intact, current credential."""

    ok: bool
    status: str  # valid | expired | not-yet-valid | invalid
    reason: str
    key_id: str = ""
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def signature_valid(self) -> bool:
        return self.status in ("valid", "expired", "not-yet-valid")


def _facts(document: Mapping[str, Any]) -> dict[str, str]:
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {} if isinstance(subject, dict) else {}
    results = subject.get("result") if isinstance(subject, dict) else None
    issuer = document.get("issuer") or {}
    stage = ""
    if isinstance(results, list) and results and isinstance(results[0], dict):
        stage = str(results[0].get("value", ""))
    return {
        "id": str(document.get("id", "")),
        "issuer": str(issuer.get("name", "") if isinstance(issuer, dict) else issuer),
        "organisation": str(subject.get("name", "") if isinstance(subject, dict) else ""),
        "stage": stage,
        "achievement": str(achievement.get("name", "") if isinstance(achievement, dict) else ""),
        "criteria": str(
            (achievement.get("criteria") or {}).get("narrative", "")
            if isinstance(achievement, dict)
            else ""
        ),
        "valid_from": str(document.get("validFrom", "")),
        "valid_until": str(document.get("validUntil", "")),
    }


def _invalid(reason: str, document: Mapping[str, Any] | None = None) -> Verification:
    return Verification(False, "invalid", reason, facts=_facts(document) if document else {})


def parse_credential(text: str | bytes) -> dict[str, Any]:
    """A credential document from JSON text; raises `CredentialError` when it is not one."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise CredentialError("not a credential: nested too deeply") from None
    except ValueError as exc:  # also a number too long to read, or bad encoding
        raise CredentialError(f"not a JSON document: {exc}") from None
    if not isinstance(document, dict):
        raise CredentialError("a credential is a JSON object")
    return document


def verify_credential(
    document: Mapping[str, Any], *, keys: Sequence[PublishedKey], now: datetime
) -> Verification:
    """Check a credential's proof against the published keys, then its validity period.

    Any change to the document after signing (a stage, a date, a name) breaks the signature;
    a key marked revoked verifies nothing. Never raises for a bad document: the reason says
    what is wrong.
    """
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return _invalid("the document has no proof: it is not a signed credential", document)
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return _invalid(
            f"unsupported proof: expected {PROOF_TYPE} with the {CRYPTOSUITE} cryptosuite",
            document,
        )
    if proof.get("proofPurpose") != "assertionMethod":
        return _invalid("the proof's purpose is not assertionMethod", document)
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or "#" not in method:
        return _invalid("the proof names no verification method", document)
    kid = method.rsplit("#", 1)[1]
    published = next((k for k in keys if k.id == kid), None)
    if published is None:
        return _invalid(f"signed with {kid}, which is not one of the programme's keys", document)
    if published.revoked:
        return _invalid(f"signed with {kid}, a key the programme has revoked", document)
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return _invalid("the proof value is missing or not base58btc", document)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    if "@context" not in unsigned:
        return _invalid("the document has no @context", document)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = unsigned["@context"]
    try:
        signature = base58btc_decode(value[1:])
        published.key.verify(signature, _hash_data(unsigned, options))
    except (InvalidSignature, CredentialError):
        return _invalid(
            "the signature does not match: the document was altered or not issued by this "
            "programme",
            document,
        )
    facts = _facts(document)
    try:
        valid_from = _parse_timestamp(document.get("validFrom"), "validFrom")
        valid_until = _parse_timestamp(document.get("validUntil"), "validUntil")
    except CredentialError as exc:
        return _invalid(str(exc), document)
    if now < valid_from:
        return Verification(False, "not-yet-valid", "valid only from validFrom", kid, facts)
    if now > valid_until:
        return Verification(
            False, "expired", f"expired on {valid_until.date().isoformat()}", kid, facts
        )
    return Verification(
        True, "valid", "the signature is intact and the credential current", kid, facts
    )

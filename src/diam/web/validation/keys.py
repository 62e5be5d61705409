"""The programme's credential signing key: where it lives, how it is created and rotated.

`DIAM_CREDENTIAL_KEY_DIR` (default `<data dir>/keys`, never the repository) holds
- `signing-key.pem`: the current Ed25519 private key (PKCS#8 PEM, file mode 0600);
- `public-keys.json`: every public key the programme ever signed with, with its creation date
  and, once replaced, its retirement date (or revocation date, for a compromised key), so
  credentials signed before a rotation keep verifying.
`diam key create` writes the first key (`make run` does it for development), `diam key rotate`
replaces it, `diam key show` prints the published keys. See docs/recognition.md.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from diam.credentials import (
    PublishedKey,
    key_document,
    key_id,
    public_key_from_multibase,
    public_key_multibase,
)

PRIVATE_NAME = "signing-key.pem"
PUBLIC_NAME = "public-keys.json"


class KeyMissing(Exception):
    """No signing key has been created yet (`diam key create`)."""


def key_dir() -> Path:
    return Path(settings.DIAM_CREDENTIAL_KEY_DIR)


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    # Created readable by the owner only, before any byte of the key is written.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(tmp, path)


def _read_published(directory: Path) -> list[PublishedKey]:
    path = directory / PUBLIC_NAME
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        PublishedKey(
            id=entry["id"],
            key=public_key_from_multibase(entry["publicKeyMultibase"]),
            created=entry.get("created", ""),
            retired=entry.get("retired", ""),
            revoked=entry.get("revoked", ""),
        )
        for entry in data.get("keys", [])
    ]


def _write_published(directory: Path, keys: list[PublishedKey]) -> None:
    entries = [
        {
            "id": k.id,
            "publicKeyMultibase": public_key_multibase(k.key),
            "created": k.created,
            "retired": k.retired,
            "revoked": k.revoked,
        }
        for k in keys
    ]
    tmp = directory / (PUBLIC_NAME + ".tmp")
    tmp.write_text(json.dumps({"keys": entries}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, directory / PUBLIC_NAME)


def signing_key() -> tuple[str, Ed25519PrivateKey]:
    """The current key id and private key; raises `KeyMissing` when none was created."""
    path = key_dir() / PRIVATE_NAME
    if not path.exists():
        raise KeyMissing(
            f"No credential signing key in {key_dir()}; a programme admin creates one with "
            "`diam key create`."
        )
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyMissing(f"{path} is not an Ed25519 private key.")
    return key_id(loaded.public_key()), loaded


def published_keys() -> list[PublishedKey]:
    """Every public key of the programme, current and retired (empty before the first key)."""
    return _read_published(key_dir())


def key_create(*, if_missing: bool = False) -> tuple[str, bool]:
    """Create the first signing key; (key id, created). Refuses to replace an existing key."""
    directory = key_dir()
    if (directory / PRIVATE_NAME).exists():
        if if_missing:
            return signing_key()[0], False
        raise FileExistsError(
            f"{directory / PRIVATE_NAME} exists; use `diam key rotate` to replace it."
        )
    directory.mkdir(parents=True, exist_ok=True)
    return _install(Ed25519PrivateKey.generate(), directory, compromised=False), True


def key_rotate(*, compromised: bool = False) -> tuple[str, str]:
    """Replace the signing key; (old id, new id). The old public key stays published as
    retired (credentials it signed keep verifying) or, when `compromised`, as revoked: they stop
    verifying, and the stored ones are dropped so the next download signs them again."""
    old_id, _ = signing_key()
    revoked = {k.id for k in published_keys() if not k.revoked} if compromised else set()
    new_id = _install(Ed25519PrivateKey.generate(), key_dir(), compromised=compromised)
    if revoked:
        credentials_forget(revoked)
    return old_id, new_id


def credentials_forget(key_ids: set[str]) -> int:
    """Drop stored credentials signed by these keys; each is signed again with the current key
    on its next download. Returns how many were dropped."""
    from diam.web.validation.models import ValidationDecision

    stale = [
        d.pk
        for d in ValidationDecision.objects.filter(credential__isnull=False).only("credential")
        if str((d.credential or {}).get("proof", {}).get("verificationMethod", "")).rsplit("#", 1)[
            -1
        ]
        in key_ids
    ]
    return ValidationDecision.objects.filter(pk__in=stale).update(credential=None)


def _install(key: Ed25519PrivateKey, directory: Path, *, compromised: bool) -> str:
    today = timezone.now().date().isoformat()
    keys = []
    for k in _read_published(directory):
        if compromised and not k.revoked:
            k = replace(k, revoked=today)
        elif not k.retired and not k.revoked:
            k = replace(k, retired=today)
        keys.append(k)
    public = key.public_key()
    kid = key_id(public)
    keys.append(PublishedKey(kid, public, created=today))
    _write_published(directory, keys)
    _write_private(directory / PRIVATE_NAME, key)
    return kid


def public_key_document() -> dict[str, object]:
    """The key document served at `keys_url()` and printed by `diam key show`."""
    return key_document(controller=keys_url(), keys=published_keys())


def keys_url() -> str:
    """The stable public URL of the key document (SITE_URL, never the request's host)."""
    return settings.SITE_URL.rstrip("/") + reverse("credential_keys")

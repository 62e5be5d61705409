"""`diam key` and `diam verify`: the offline check a third party runs on a credential."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.test import Client

from diam.cli import main
from diam.web.validation import keys
from diam.web.validation.services.decision import validation_decide
from tests.web.validation.conftest import accept_all

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture
def files(in_review, val, signing_key, alice_client, tmp_path: Path) -> tuple[Path, Path]:
    accept_all(in_review, val)
    decision = validation_decide(validation=in_review, user=val, narrative="ok")
    credential = tmp_path / "credential.json"
    credential.write_bytes(
        alice_client.get(f"/validation/{decision.request_id}/credential.json").content
    )
    published = tmp_path / "keys.json"
    published.write_bytes(Client().get("/keys/credentials.json").content)
    return credential, published


def test_a_downloaded_credential_verifies_offline_with_the_published_keys(files) -> None:
    credential, published = files
    code, output = run("verify", str(credential), "--keys", str(published))
    assert code == 0, output
    assert output.startswith("VALID:")
    assert "St Elsewhere Hospital" in output and "Stage:        7" in output


def test_json_output_for_machines(files) -> None:
    credential, published = files
    code, output = run("verify", str(credential), "--keys", str(published), "--format", "json")
    data = json.loads(output)
    assert code == 0 and data["ok"] and data["stage"] == "7"


def test_an_altered_credential_fails_with_exit_1(files) -> None:
    credential, published = files
    document = json.loads(credential.read_text())
    document["validUntil"] = "2099-01-01T00:00:00Z"
    credential.write_text(json.dumps(document))
    code, output = run("verify", str(credential), "--keys", str(published))
    assert code == 1 and output.startswith("INVALID:") and "altered" in output


def test_a_credential_checked_against_another_programmes_key_fails(files, tmp_path) -> None:
    credential, _ = files
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = tmp_path / "other.pem"
    pem.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    code, output = run("verify", str(credential), "--keys", str(pem))
    assert code == 1 and "not one of the programme's keys" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such credential"), ("{", "not a JSON document"), ("[]", "JSON object")],
)
def test_unreadable_input_exits_2_without_a_traceback(tmp_path, content, message) -> None:
    path = tmp_path / "c.json"
    if content is not None:
        path.write_text(content)
    keys_file = tmp_path / "k.json"
    keys_file.write_text('{"verificationMethod": []}')
    code, output = run("verify", str(path), "--keys", str(keys_file))
    assert code == 2 and message in output and "Traceback" not in output


def test_a_bad_key_file_exits_2(files, tmp_path) -> None:
    credential, _ = files
    bad = tmp_path / "k.json"
    bad.write_text("nonsense")
    code, output = run("verify", str(credential), "--keys", str(bad))
    assert code == 2 and "neither JSON nor PEM" in output


def test_key_commands_create_show_and_rotate(settings, tmp_path) -> None:
    settings.DIAM_CREDENTIAL_KEY_DIR = tmp_path / "k"
    code, output = run("key", "show")
    assert code == 2 and "diam key create" in output
    code, output = run("key", "create")
    assert code == 0 and "Created signing key key-" in output
    assert run("key", "create")[0] == 2
    assert run("key", "create", "--if-missing")[0] == 0
    shown = json.loads(run("key", "show")[1])
    assert len(shown["verificationMethod"]) == 1
    assert shown["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")
    assert "BEGIN PUBLIC KEY" in run("key", "show", "--format", "pem")[1]
    code, output = run("key", "rotate")
    assert code == 0 and "retired" in output
    assert len(json.loads(run("key", "show")[1])["verificationMethod"]) == 2
    assert (tmp_path / "k" / keys.PRIVATE_NAME).read_text().startswith("-----BEGIN PRIVATE KEY")


def test_the_cli_starts_as_a_program(tmp_path) -> None:
    """One real process: `diam verify` needs no database with --keys."""
    env = {**os.environ, "DIAM_DEBUG": "1"}
    path = tmp_path / "c.json"
    path.write_text("{}")
    keys_file = tmp_path / "k.json"
    keys_file.write_text('{"verificationMethod": []}')
    done = subprocess.run(
        [sys.executable, "-m", "diam.cli", "verify", str(path), "--keys", str(keys_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2 and "verificationMethod" in done.stderr

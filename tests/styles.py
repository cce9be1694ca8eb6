"""Real sops files in the layouts other sops versions and tools write."""

from __future__ import annotations

import re
from pathlib import Path

from tests import helpers


def rules_file(root: Path, public: str, *, indent2: bool = False, encrypted_regex: bool = True) -> None:
    body = "creation_rules:\n  - path_regex: \\.(enc|sops)\\.ya?ml$\n"
    if encrypted_regex:
        body += "    encrypted_regex: ^(data|stringData)$\n"
    body += f"    age: {public}\n"
    if indent2:
        body += "stores:\n  yaml:\n    indent: 2\n"
    helpers.write(root / ".sops.yaml", body)


def encrypt_in_place(root: Path, rel: str, plaintext: str) -> str:
    path = helpers.write(root / rel, plaintext)
    res = helpers.sops(root, "--config", str(root / ".sops.yaml"), "encrypt", "-i", rel)
    assert res.code == 0, res.err
    return path.read_text()


def kustomize_controller_style(root: Path, public: str, rel: str, value: str) -> str:
    """sops 3.9/3.10 as Flux users run it: 2-space indent and encrypted_regex (data|stringData)."""
    rules_file(root, public, indent2=True)
    text = encrypt_in_place(root, rel, helpers.secret_yaml("app", value))
    text = text.replace("version: 3.11.0", "version: 3.9.4")
    (root / rel).write_text(text)
    return text


def sops371_style(root: Path, public: str, rel: str, value: str) -> str:
    """sops 3.7.1: 4-space indent, empty kms/pgp lists, `_unencrypted` suffix, no rule option.

    Only metadata outside the MAC is changed (recipient lists and version), so the file is
    exactly what sops 3.7.1 writes for these values and the real sops decrypts it.
    """
    rules_file(root, public, encrypted_regex=False)
    text = encrypt_in_place(root, rel, f"db:\n  password: {value}\n  user_unencrypted: admin\n")
    assert "unencrypted_suffix: _unencrypted" in text
    text = text.replace("sops:\n    age:", "sops:\n    kms: []\n    gcp_kms: []\n    azure_kv: []\n    hc_vault: []\n    age:")
    text = re.sub(r"(    mac: .*\n)", r"\1    pgp: []\n", text)
    text = text.replace("version: 3.11.0", "version: 3.7.1")
    (root / rel).write_text(text)
    return text

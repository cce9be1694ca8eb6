"""Post-quantum age private keys (issue 25): found raw, base64-encoded (at any offset, as a key
file with age-keygen's comment lines encodes) and inside JSON strings; `age1pq1…` recipients are
public and never findings. Keys are made by tests/check/pqkeys.py, in the format of the reference
implementation."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers
from tests.check import pqkeys
from tests.check.conftest import check


def _key_file(secret: str, recipient: str) -> str:
    return f"# created: 2026-12-01T10:00:00Z\n# public key: {recipient}\n{secret}\n"


def _cases(secret: str) -> dict[str, tuple[str, str]]:
    rcp = pqkeys.recipient()
    b64 = [base64.b64encode((" " * pad + _key_file(secret, rcp)).encode()).decode() for pad in range(3)]
    return {
        "raw": ("keys/pq.agekey", secret + "\n"),
        "raw-in-yaml": ("apps/bootstrap/values.yaml", f"sops:\n  ageKey: {secret}\n"),
        "key-file": ("bootstrap/age.txt", _key_file(secret, rcp)),
        **{f"base64-offset-{pad}": (f"apps/cm{pad}.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\n"
                                    f"binaryData:\n  keys.txt: {b64[pad]}\n") for pad in range(3)},
        "json-string": ("terraform/state.json", json.dumps({"outputs": {"age": {"value": _key_file(secret, rcp)}}})),
        "json-base64": ("ci/config.json", json.dumps({"env": {"SOPS_AGE_KEY_B64": b64[1]}})),
    }


@pytest.mark.parametrize("case", sorted(_cases("x")))
@pytest.mark.parametrize("kind", ["pq", "x25519"])
def test_age_private_keys_in_every_encoding(repo: Path, case: str, kind: str) -> None:
    secret = helpers.plant(pqkeys.identity() if kind == "pq" else agekeys.generate().secret)
    rel, body = _cases(secret)[case]
    helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert code == 1 and "age-private-key" in {f["rule"] for f in findings}, out
    assert secret not in out and secret[19:40] not in out


def test_the_test_keys_have_the_reference_format() -> None:
    key = pqkeys.identity()
    assert len(key) == 77 and key.startswith("AGE-SECRET-KEY-PQ-1")
    hrp, seed = pqkeys.decode(key)
    assert hrp == "age-secret-key-pq-" and len(seed) == 32
    assert len(pqkeys.recipient()) == 1959


def test_pq_recipients_are_never_findings(repo: Path) -> None:
    rcp, other = pqkeys.recipient(), pqkeys.recipient()
    files = {
        ".sops.yaml": f"creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: >-\n      {rcp},\n      {other}\n",
        "apps/values.yaml": f"sops:\n  publicKey: {rcp}\n  recipient: {other}\n  ageRecipients: [{rcp}]\n",
        "ci/.env": f"SOPS_AGE_RECIPIENTS={rcp}\nAGE_PUBLIC_KEY={other}\n",
        "ci/keys.json": json.dumps({"recipient": rcp, "key": other}),
        "docs/keys.md": f"Encrypt for `{rcp}`; the identity looks like `AGE-SECRET-KEY-PQ-1...`.\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r\ndata:\n  recipients.b64: "
                        + base64.b64encode(f"# public key\n{rcp}\n".encode()).decode() + "\n",
    }
    for rel, body in files.items():
        helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--staged")
    assert code == 0 and findings == [], out

"""Plant a known value, run every command, and grep all captured output for it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests import helpers


def test_no_secret_in_any_output(fleet: Path, keys_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = helpers.plant("planted-VALUE-9f3b2c71")
    helpers.write(fleet / "apps/planted.clear.yaml", helpers.secret_yaml("planted", secret))
    runs = [
        ["encrypt", "apps/planted.clear.yaml"], ["status"], ["status", "--format", "json"],
        ["decrypt", "apps/planted.enc.yaml"], ["encrypt"], ["init"],
        ["decrypt", "apps/planted.clear.yaml"],  # an error path
    ]
    outputs = [helpers.run_cli(args, fleet).text for args in runs]
    outputs.append(helpers.cli_proc(["status", "--format", "json"], fleet).text)
    keys = [line for line in keys_file.read_text().splitlines() if line.startswith("AGE-SECRET-KEY-")]
    assert keys
    for text in [*outputs, caplog.text]:
        assert secret not in text
        assert not any(k in text for k in keys)


V = "planted-Fq8z-value"


@pytest.mark.parametrize("name,text", [
    ("unclosed.yaml", f'kind: Secret\napiVersion: v1\nstringData:\n  password: "{V}\n'),
    ("tab.yaml", f"kind: Secret\napiVersion: v1\nstringData:\n\tpassword: {V}\n"),
    ("tag.enc.yaml", f"kind: Secret\npassword: !{V} x\n"),
    ("dupes.enc.yaml", f"kind: Secret\na: {V}-1\na: {V}-2\n"),
    ("badjson.json", f'{{"kind": "Secret", "stringData": {{"password": "{V}"}}'),
    ("key.enc.yaml", f"{V}: [unclosed\n"),
    ("crafted-tag.enc.yaml", f"kind: Secret\npassword: !a'%22{V} x\n"),  # quote pairs cannot unquote this
    ("crafted-tag.yaml", f"kind: Secret\napiVersion: v1\nstringData: !a'\"{V} {{a: b}}\n"),
    ("crafted-escape.enc.yaml", f'kind: Secret\npassword: "\\q{V}"\n'),
    ("crafted-anchor.enc.yaml", f"a: &x 1\nb: &x 2\nc: *{V}\n"),
    ("regex.sops.yaml", "kind: Secret\napiVersion: v1\nstringData:\n  a: b\nsops:\n  mac: ENC[AES256_GCM,data:AA==,"
                        f"iv:AA==,tag:AA==,type:str]\n  encrypted_regex: '(?<={V})'\n  version: 3.11.0\n"),
])
def test_check_failure_paths_never_quote_the_file(tmp_path: Path, name: str, text: str) -> None:
    helpers.plant(V)
    root = tmp_path / "r"
    root.mkdir()
    helpers.git(root, "init", "-q")
    helpers.write(root / name, text)
    helpers.git(root, "add", "-A")
    for fmt in ("text", "json", "sarif"):
        res = helpers.run_cli(["check", "--staged", "--format", fmt], root)
        assert res.code in (1, 2), res.text
        assert V not in res.text and "Traceback" not in res.text


def test_sops_yaml_errors_never_quote_it(tmp_path: Path) -> None:
    helpers.plant(V)
    root = tmp_path / "r"
    root.mkdir()
    helpers.git(root, "init", "-q")
    helpers.write(root / ".sops.yaml", f"creation_rules:\n  - path_regex: '(?<={V})'\n")
    helpers.git(root, "add", "-A")
    res = helpers.run_cli(["check", "--staged"], root)
    assert res.code == 2 and V not in res.text


@pytest.mark.parametrize("text", [f'kind: Secret\nstringData:\n  password: "{V}\n',
                                  f"kind: Secret\nstringData: !a'%22{V} x\n",
                                  f"kind: Secret\nstringData:\n  a: {V}\n  a: {V}2\n",
                                  f"stringData:\n  x: !{V} y\n"])
def test_encrypt_failure_paths_never_quote_the_file(fleet: Path, text: str) -> None:
    helpers.plant(V)
    helpers.write(fleet / "clusters/dev/apps/bad.clear.yaml", text)
    res = helpers.run_cli(["encrypt", "clusters/dev/apps/bad.clear.yaml"], fleet)
    assert res.code == 2 and V not in res.text and res.err.count("\n") == 1


def test_decrypt_failure_paths_never_quote_the_file(fleet: Path) -> None:
    rel = "clusters/dev/apps/app0.enc.yaml"
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0
    clear = fleet / "clusters/dev/apps/app0.clear.yaml"
    clear.write_text(clear.read_text() + f"note: {helpers.plant(V)}\n")
    res = helpers.run_cli(["decrypt", rel], fleet)  # refuses: the clear copy holds edits
    assert res.code == 2 and V not in res.text
    enc = fleet / rel
    enc.write_text(enc.read_text().replace("kind: Secret", f"kind: Secret\nextra: {V}", 1))  # MAC now fails
    res = helpers.run_cli(["decrypt", "--force", rel], fleet)
    assert res.code == 2 and V not in res.text and "MAC" in res.err
    enc.write_text(enc.read_text().replace(f"extra: {V}", f'extra: "{V}'))  # and now invalid YAML
    res = helpers.run_cli(["decrypt", "--force", rel], fleet)
    assert res.code == 2 and V not in res.text


def test_value_types_never_show_their_secrets() -> None:
    from secretops.check.model import Blob
    from secretops.flux.kubeconfig import Kubeconfig
    from secretops.git.blobs import Piece

    secret = helpers.plant("repr-Lk42-secret")
    shown = [repr(Blob("a.yaml", secret.encode())), repr(Piece("0" * 40, secret.encode(), 16)),
             repr(Kubeconfig({"users": {"u": {"token": secret}}, "clusters": {}, "contexts": {}}))]
    assert not any(secret in s for s in shown), shown

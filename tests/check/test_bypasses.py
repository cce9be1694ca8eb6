"""Every way plaintext got past the checker on the previous main (issue 8), and variants of each."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check, rules_of
from tests.check.tokens import rand

PW = "Zk8q-unique-bypass-pw"


def _stage(repo: Path, rel: str, data: bytes | str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    helpers.git(repo, "add", "-f", rel)


SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": PW}}


@pytest.mark.parametrize("name,body", [
    ("one-line-json.yaml", json.dumps(SECRET)),
    ("flow.yaml", "{kind: Secret, apiVersion: v1, metadata: {name: db}, stringData: {password: " + PW + "}}\n"),
    ("list.yaml", "apiVersion: v1\nkind: List\nitems:\n- " + json.dumps(SECRET) + "\n"),
    ("multi.yaml", "kind: ConfigMap\napiVersion: v1\n---\n" + json.dumps(SECRET) + "\n"),
    ("crlf.yaml", "apiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: db\r\nstringData:\r\n  password: " + PW + "\r\n"),
    ("tagged.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: !vault " + PW + "\n"),
    ("dupes.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: " + PW +
     "\n  password: other-" + PW + "\n"),
    ("secret.json", json.dumps(SECRET, indent=2)),
    ("tabs.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData: {\n\tpassword: " + PW + "\n}\n"),
])
def test_secret_in_any_serialization(repo: Path, name: str, body: str) -> None:
    helpers.plant(PW)
    _stage(repo, f"apps/{name}", body)
    code, findings, out = check(repo, "--staged")
    assert code == 1 and "plaintext-secret" in rules_of(findings), out
    assert PW not in out


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-8-sig", "utf-32"])
def test_secret_in_other_encodings(repo: Path, codec: str) -> None:
    helpers.plant(PW)
    text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: " + PW + "\n"
    _stage(repo, "apps/s.yaml", text.encode(codec))
    code, findings, out = check(repo, "--staged")
    assert code == 1 and "plaintext-secret" in rules_of(findings), out


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-8-sig", "utf-32", "utf-8"])
def test_other_encodings_in_a_large_scan(repo: Path, codec: str) -> None:
    """A large scan passes over blobs with nothing to find after one RE2 pass, on the raw bytes when
    they are their own text (ASCII without NUL); every other encoding is decoded first, so a UTF-16
    token and a Secret with a non-ASCII name are found there too."""
    from secretops.check import workers

    helpers.plant(PW)
    token = helpers.plant("gh" + "p_" + rand(36))
    for n in range(workers.PARALLEL_MIN):
        helpers.write(repo / f"apps/filler/f{n}.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f{n}\n")
    _stage(repo, "apps/s.yaml", ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: dé\nstringData:\n  password: "
                                 + PW + "\n").encode(codec))
    _stage(repo, "apps/t.yaml", f"note: café\ntoken: {token}\n".encode(codec))
    helpers.git(repo, "add", "-A")
    code, findings, out = check(repo, "--all")
    got = {(f["rule"], f["path"]) for f in findings}
    assert {("plaintext-secret", "apps/s.yaml"), ("credential", "apps/t.yaml")} <= got, out
    assert not [f for f in findings if "/filler/" in str(f["path"])]


def test_big_file_is_never_skipped(repo: Path) -> None:
    helpers.plant(PW)
    token = helpers.plant("gh" + "p_" + rand(36))
    body = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: " + PW + "\n"
            + "# padding\n" * 900_000 + "token: " + token + "\n")
    _stage(repo, "apps/big.yaml", body)
    _stage(repo, "apps/big.clear.yaml", "x" * (5 * 1024 * 1024))
    code, findings, out = check(repo, "--staged")
    got = {(f["rule"], f["path"]) for f in findings}
    assert ("unscannable", "apps/big.yaml") in got and ("credential", "apps/big.yaml") in got, out
    assert ("clear-file", "apps/big.clear.yaml") in got, out


@pytest.mark.parametrize("name", ["app.clear.yml", "app.clear.json", "app.clear.yaml"])
def test_clear_file_variants(repo: Path, name: str) -> None:
    _stage(repo, f"apps/{name}", "a: b\n")
    code, findings, _ = check(repo, "--staged")
    assert "clear-file" in rules_of(findings)


@pytest.mark.parametrize("sops_yaml", ["creation_rules: [\n", "creation_rules:\n  - path_regex: '(?<=x)y'\n"])
def test_broken_sops_yaml_is_an_error_not_a_pass(repo: Path, sops_yaml: str) -> None:
    _stage(repo, ".sops.yaml", sops_yaml)
    _stage(repo, "apps/x.enc.yaml", "kind: ConfigMap\n")
    res = helpers.run_cli(["check", "--staged"], repo)
    assert res.code == 2 and res.err.count("\n") == 1 and "Traceback" not in res.err, res.text


def test_go_regex_with_inline_flags(repo: Path) -> None:
    go = "((?i)(pass|secret($|[^N])|key|token|^data$|^stringData$))"
    _stage(repo, ".sops.yaml", f"creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    encrypted_regex: '{go}'\n"
                               "    age: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n")
    meta = ("sops:\n    lastmodified: '2026-01-01T00:00:00Z'\n    mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n"
            f"    encrypted_regex: '{go}'\n    version: 3.11.0\n")
    _stage(repo, "apps/a.sops.yaml", f"kind: Secret\napiVersion: v1\nstringData:\n  password: {PW}\n{meta}")
    helpers.plant(PW)
    code, findings, out = check(repo, "--staged")
    assert code == 1 and "partially-encrypted" in rules_of(findings) and PW not in out, out


def test_kubeconfig_private_key_data(repo: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    data = base64.b64encode(pem).decode()
    helpers.plant(data[20:60])
    _stage(repo, "kubeconfig.yaml", "users:\n- name: admin\n  user:\n    client-key-data: " + data + "\n")
    code, findings, out = check(repo, "--staged")
    assert code == 1 and "private-key" in rules_of(findings), out


def test_duplicate_key_message_quotes_nothing(repo: Path) -> None:
    first, second = helpers.plant("dup-first-Qq71"), helpers.plant("dup-second-Qq71")
    _stage(repo, "apps/x.enc.yaml", f"apiVersion: v1\nkind: Secret\nstringData:\n  a: {first}\n  a: {second}\n")
    for fmt in ("text", "json", "sarif"):
        res = helpers.run_cli(["check", "--staged", "--format", fmt], repo)
        assert res.code == 1 and first not in res.text and second not in res.text


def test_mode_flags_and_bad_arguments(repo: Path) -> None:
    for args in (["--staged", "--all"], ["--diff", ".."], ["--all", "-o", "/no/such/dir/x.sarif"]):
        res = helpers.run_cli(["check", *args], repo)
        assert res.code == 2 and "Traceback" not in res.text and "internal error" not in res.text, (args, res.text)
    (repo / "b.json").write_text('{"version": 1, "findings": [{"rule": 5}]}')
    res = helpers.run_cli(["check", "--all", "--baseline", "b.json"], repo)
    assert res.code == 2 and "malformed" in res.err


def test_hook_with_files_reads_their_index_content(repo: Path) -> None:
    """What `pre-commit run --all-files` does: every tracked file is passed, staged or not."""
    helpers.plant(PW)
    _stage(repo, "apps/s.yaml", json.dumps(SECRET))
    helpers.git(repo, "commit", "-qm", "leak")
    assert helpers.run_cli(["check", "--staged"], repo).code == 0  # nothing staged
    res = helpers.run_cli(["check", "--staged", "apps/s.yaml"], repo)
    assert res.code == 1 and "plaintext-secret" in res.out


@pytest.mark.skipif(shutil.which("git") is None, reason="git")
def test_real_pre_commit_all_files(repo: Path, tmp_path: Path) -> None:
    """The real pre-commit, with this repository as the hook repo (`try-repo`), on a tree that holds
    a plaintext Secret: `run --all-files` and `run --files` must fail; a clean tree must pass."""
    project = Path(__file__).resolve().parents[2]
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed in this environment")
    helpers.plant(PW)
    _stage(repo, "apps/s.yaml", json.dumps(SECRET))
    _stage(repo, "apps/ok.yaml", "kind: ConfigMap\n")
    helpers.git(repo, "commit", "-qm", "leak")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pc-home"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("SOPS_AGE_KEY_FILE", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        res = subprocess.run([str(pre_commit), "try-repo", str(project), "secretops", *args], cwd=repo, env=env,
                             capture_output=True, text=True, timeout=900)
        helpers.OUTPUTS.append(res.stdout + res.stderr)
        return res

    res = run("--all-files")
    assert res.returncode == 1 and "plaintext-secret" in res.stdout, res.stdout[-2000:] + res.stderr[-2000:]
    assert run("--files", "apps/s.yaml").returncode == 1
    assert run("--files", "apps/ok.yaml").returncode == 0


def test_binary_bytes_in_a_yaml_file_are_not_a_hiding_place(repo: Path) -> None:
    helpers.plant(PW)
    _stage(repo, "apps/s.yaml", b"\x00\x01\x02apiVersion: v1\nkind: Secret\nstringData:\n  password: " + PW.encode()
           + b"\n\x00")
    code, findings, out = check(repo, "--staged")
    assert code == 1 and "unscannable" in rules_of(findings), out

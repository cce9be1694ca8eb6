"""Each rule: a true case, and a look-alike that must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers, styles
from tests.check import tokens
from tests.check.conftest import check, rules_of


def _stage(root: Path, rel: str, text: str) -> None:
    helpers.write(root / rel, text)
    helpers.git(root, "add", "-f", rel)


@pytest.mark.parametrize("kind", sorted(tokens.config_lines({k: "x" for k in tokens.tokens()})))
def test_credential_formats(repo: Path, kind: str) -> None:
    made = tokens.tokens()
    _stage(repo, "config/app.env" if kind in ("github", "npm") else "config/app.yaml", tokens.config_lines(made)[kind])
    code, findings, text = check(repo, "--staged")
    assert code == 1 and rules_of(findings) == {"credential"}, text
    assert made[kind] not in text


# A large manifest (over patterns.LARGE) is searched by the RE2 selector, not marker by marker: words
# that are markers elsewhere (`pattern`, URLs with ports) fill it, and every format is still found.
_PADDING = "".join(f"  # pattern {n}: https://svc{n}.example.com:8443/path, a SecretRef to a token\n"
                   for n in range(600))


@pytest.mark.parametrize("kind", sorted(tokens.config_lines({k: "x" for k in tokens.tokens()})))
def test_credential_formats_in_a_large_file(repo: Path, kind: str) -> None:
    from secretops.check.patterns import LARGE

    made = tokens.tokens()
    rel = "config/app.env" if kind in ("github", "npm") else "config/app.yaml"
    assert len(_PADDING) > LARGE
    _stage(repo, rel, _PADDING)
    assert check(repo, "--staged")[0] == 0
    _stage(repo, rel, _PADDING + tokens.config_lines(made)[kind] + _PADDING)
    code, findings, text = check(repo, "--staged")
    assert code == 1 and rules_of(findings) == {"credential"}, text


@pytest.mark.parametrize("line", [
    "password: ${DB_PASSWORD}\n", "token: '{{ .Values.token }}'\n", "apiKey: <<MY_API_KEY>>\n",
    "secretKey: aws-secret-access-key\n", "existingSecret: grafana-admin-secret\n", "password: changeme\n",
    "clientSecret: OIDC_CLIENT_SECRET\n", "image: ghcr.io/x/y@sha256:" + "a1" * 32 + "\n",
    "uid: 123e4567-e89b-12d3-a456-426614174000\n", "url: https://user:${PASS}@example.com\n",
    "ssh: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq2examplepublickeyonly user@host\n",
])
def test_credential_look_alikes_pass(repo: Path, line: str) -> None:
    _stage(repo, "config/values.yaml", line)
    code, findings, text = check(repo, "--staged")
    assert code == 0, text


def test_age_private_key(repo: Path) -> None:
    ident = agekeys.generate()
    _stage(repo, "notes/key.txt", f"# my key\n{ident.secret}\n")
    _stage(repo, "notes/public.txt", f"recipient: {ident.public}\n")
    code, findings, text = check(repo, "--staged")
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("age-private-key", "notes/key.txt", 2)]
    assert ident.secret not in text and "AGE-SECRET-KEY-1…" in text


def test_private_key_but_not_certificate(repo: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    helpers.plant(pem.splitlines()[2])
    _stage(repo, "deploy/id_ed25519", pem)
    _stage(repo, "deploy/id_ed25519.pub.pem", public)
    code, findings, text = check(repo, "--staged")
    assert [(f["rule"], f["path"]) for f in findings] == [("private-key", "deploy/id_ed25519")]


def test_plaintext_secret_and_look_alikes(repo: Path) -> None:
    value = helpers.plant("plain-Secret-value-Zx81")
    _stage(repo, "apps/db/secret.yaml", "# rendered by helm\n" + helpers.secret_yaml("db", value))
    _stage(repo, "apps/vars/secret.yaml", helpers.secret_yaml("vars", "${DB_PASSWORD}")
           + "---\n" + helpers.secret_yaml("helm", "'{{ .Values.pw }}'") + "---\n" + helpers.secret_yaml("empty", '""'))
    _stage(repo, "apps/sealed.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: s\n"
                                     "spec:\n  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA==\n")
    _stage(repo, "apps/external.yaml", "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n"
                                       "  name: e\nspec:\n  data:\n    - secretKey: password\n")
    code, findings, text = check(repo, "--staged")
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("plaintext-secret", "apps/db/secret.yaml", 9)]
    assert value not in text


def test_clear_file_staged_while_worktree_is_clean(repo: Path) -> None:
    value = helpers.plant("clear-copy-Vb55")
    _stage(repo, "apps/db.clear.yaml", helpers.secret_yaml("db", "${X}") + f"# note {value}\n")
    (repo / "apps/db.clear.yaml").unlink()
    _stage(repo, "docs/clear.yaml.example", "a: b\n")
    code, findings, text = check(repo, "--staged")
    assert ("clear-file", "apps/db.clear.yaml") in [(f["rule"], f["path"]) for f in findings]
    assert "docs/clear.yaml.example" not in text


def test_gitignore_rule(repo: Path) -> None:
    """Only where the clear-file convention is in use: a clear copy exists, .secretops.yaml declares
    it, or the change touches .gitignore. A sops repository without clear copies is left alone, so
    every pull request's `--diff` does not fail."""
    helpers.write(repo / ".sops.yaml", "creation_rules:\n  - age: age1" + "q" * 58 + "\n")
    helpers.git(repo, "add", ".sops.yaml")
    assert check(repo, "--all")[0] == 0
    (repo / ".gitignore").write_text("")
    helpers.git(repo, "commit", "-qam", "no ignore rules")
    assert check(repo, "--all")[0] == 0  # no clear copy anywhere: nothing to ignore
    helpers.write(repo / "notes.md", "x\n")
    helpers.git(repo, "add", "notes.md")
    helpers.git(repo, "commit", "-qm", "unrelated")
    assert check(repo, "--diff", "HEAD~1..HEAD")[0] == 0
    helpers.write(repo / "apps/db.clear.yaml", "a: b\n")  # a clear copy, in use (not staged)
    code, findings, _ = check(repo, "--all")
    assert rules_of(findings) == {"gitignore"}
    (repo / "apps/db.clear.yaml").unlink()
    (repo / ".gitignore").write_text("# nothing\n")
    helpers.git(repo, "add", ".gitignore")  # the change touches .gitignore itself
    code, findings, _ = check(repo, "--staged")
    assert rules_of(findings) == {"gitignore"}
    (repo / ".gitignore").write_text("*.clear.yaml\n")
    helpers.git(repo, "add", ".gitignore")
    assert check(repo, "--staged")[0] == 0


@pytest.fixture
def sops_repo(repo: Path, keys_file: Path) -> tuple[Path, agekeys.Identity]:
    ident = agekeys.generate()
    agekeys.append_to_key_file([ident], "test", keys_file)
    styles.rules_file(repo, ident.public)
    return repo, ident


def test_not_encrypted_and_second_plaintext_document(sops_repo: tuple[Path, agekeys.Identity]) -> None:
    repo, _ = sops_repo
    value = helpers.plant("second-doc-Rt61")
    text = styles.encrypt_in_place(repo, "apps/a.enc.yaml", helpers.secret_yaml("a", helpers.plant("first-Rt61")))
    _stage(repo, "apps/a.enc.yaml", text + "---\n" + helpers.secret_yaml("b", value))
    _stage(repo, "apps/plain.enc.yaml", helpers.secret_yaml("p", "${X}"))
    # matched by the path_regex, not the suffix, and holding what its encrypted_regex selects
    _stage(repo, "apps/named.sops.yml", "data:\n  key: dmFsdWU=\n")
    helpers.git(repo, "add", ".sops.yaml")
    code, findings, out = check(repo, "--staged")
    got = {(f["rule"], f["path"]) for f in findings}
    assert ("not-encrypted", "apps/a.enc.yaml") in got and ("plaintext-secret", "apps/a.enc.yaml") in got
    assert ("not-encrypted", "apps/plain.enc.yaml") in got and ("not-encrypted", "apps/named.sops.yml") in got
    second = next(f for f in findings if f["rule"] == "not-encrypted" and f["path"] == "apps/a.enc.yaml")
    assert second["line"] == text.count("\n") + 2 and value not in out


@pytest.mark.parametrize("option,plain,cipher", [
    ("encrypted_regex: ^(data|stringData)$", "metadata.name", "stringData.password"),
    ("unencrypted_regex: ^(kind|apiVersion|metadata|name|namespace)$", "metadata.name", "stringData.password"),
    ("encrypted_suffix: _secret", "stringData.password", "stringData.api_secret"),
    ("unencrypted_suffix: _plain", "stringData.note_plain", "stringData.password"),
    ("mac_only_encrypted: true\n    encrypted_regex: ^(data|stringData)$", "metadata.name", "stringData.password"),
])
def test_partially_encrypted_honours_sops_options(sops_repo: tuple[Path, agekeys.Identity], option: str,
                                                  plain: str, cipher: str) -> None:
    repo, ident = sops_repo
    helpers.write(repo / ".sops.yaml", f"creation_rules:\n  - {option}\n    age: {ident.public}\n")
    body = helpers.secret_yaml("app", helpers.plant("partial-Pw77")) + "  api_secret: s3\n  note_plain: hello\n"
    text = styles.encrypt_in_place(repo, "apps/p.enc.yaml", body)
    _stage(repo, "apps/p.enc.yaml", text)
    code, findings, out = check(repo, "--staged")
    if option.startswith("encrypted_suffix"):  # stringData left plain by the metadata: no excuse in a Secret
        assert [f["rule"] for f in findings] == ["plaintext-secret"], out
    else:
        assert code == 0, out  # the look-alike: values the metadata leaves plain outside data are fine
    leaf = cipher.split(".")[-1]
    hand = helpers.plant("by-hand-Qw90")
    edited = text.replace(f"    {leaf}: ENC[", f"    {leaf}: {hand}\n    was_{leaf}: ENC[", 1)
    assert edited != text
    _stage(repo, "apps/p.enc.yaml", edited)
    code, findings, out = check(repo, "--staged")
    assert "partially-encrypted" in [f["rule"] for f in findings] and hand not in out
    findings = [f for f in findings if f["rule"] == "partially-encrypted"]
    assert findings[0]["line"] == edited.splitlines().index(f"    {leaf}: {hand}") + 1


def test_recipients_mismatch(sops_repo: tuple[Path, agekeys.Identity]) -> None:
    repo, ident = sops_repo
    text = styles.encrypt_in_place(repo, "apps/r.enc.yaml", helpers.secret_yaml("r", "${X}x"))
    _stage(repo, "apps/r.enc.yaml", text)
    helpers.git(repo, "add", ".sops.yaml")
    assert check(repo, "--staged")[0] == 0
    other = agekeys.generate()
    helpers.write(repo / ".sops.yaml", (repo / ".sops.yaml").read_text().replace(ident.public, other.public))
    helpers.git(repo, "add", ".sops.yaml")
    code, findings, _ = check(repo, "--staged")
    assert rules_of(findings) == {"recipients-mismatch"}


def test_partially_encrypted_with_encrypted_comment_regex(sops_repo: tuple[Path, agekeys.Identity]) -> None:
    repo, ident = sops_repo
    helpers.write(repo / ".sops.yaml", f"creation_rules:\n  - encrypted_comment_regex: sops:enc\n    age: {ident.public}\n")
    body = "# sops:enc\npassword: " + helpers.plant("comment-Pq11") + "\nuser: admin\n"
    text = styles.encrypt_in_place(repo, "apps/c.enc.yaml", body)
    _stage(repo, "apps/c.enc.yaml", text)
    assert check(repo, "--staged")[0] == 0  # `user` is plaintext by design
    hand = helpers.plant("by-hand-Cm12")
    _stage(repo, "apps/c.enc.yaml", text.replace("password: ENC[", f"password: {hand}\nwas: ENC[", 1))
    code, findings, out = check(repo, "--staged")
    assert [(f["rule"], f["line"]) for f in findings] == [("partially-encrypted", 2)] and hand not in out


@pytest.mark.parametrize("name,text", [
    ("config/app.json", '{\n  "db": {\n    "password": "VALUE"\n  }\n}\n'),
    ("config/app.ini", "[db]\npassword = VALUE\n"),
    ("config/.env.production", "DB_PASSWORD=VALUE\n"),
])
def test_entropy_in_json_ini_and_env(repo: Path, name: str, text: str) -> None:
    value = tokens.rand(24)
    helpers.plant(value)
    _stage(repo, name, text.replace("VALUE", value))
    code, findings, out = check(repo, "--staged")
    assert [f["rule"] for f in findings] == ["credential"] and "secret-like key" in findings[0]["message"]
    assert value not in out


def test_dockerconfigjson_without_credentials_passes(repo: Path) -> None:
    import base64

    empty = base64.b64encode(b'{"auths":{}}').decode() + "AAAAAAAAAAAA"
    _stage(repo, "charts/values.yaml", f"pull:\n  .dockerconfigjson: {base64.b64encode(b'{}').decode()}\n"
                                       f"other:\n  .dockerconfigjson: {empty}\n")
    assert check(repo, "--staged")[0] == 0

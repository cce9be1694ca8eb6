"""Claims that follow sops's semantics (issue 21, item 5): a creation rule claims a file as "must be
encrypted" only when sops would encrypt something in it. Judged against the real sops: what it
encrypts in the same file is what the claim says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check

AGE = "age1" + "q" * 58
DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  LOG_LEVEL: info\n"


def _commit(repo: Path, files: dict[str, str]) -> None:
    for rel, body in files.items():
        helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", "files")


def _not_encrypted(repo: Path) -> set[str]:
    code, findings, out = check(repo, "--all")
    return {str(f["path"]) for f in findings if f["rule"] == "not-encrypted"}


def _sops_encrypts_something(repo: Path, rel: str, tmp_path: Path) -> bool:
    """The judge: the real sops, with the same rules (a real key in place of the placeholder),
    encrypts at least one value of the file. The config sits beside a copy of the file, at the same
    relative path, as sops matches `path_regex` relative to the config's folder."""
    from secretops.sops import agekeys

    judge = tmp_path / "judge"
    (judge / rel).parent.mkdir(parents=True, exist_ok=True)
    (judge / ".sops.yaml").write_text((repo / ".sops.yaml").read_text().replace(AGE, agekeys.generate().public))
    (judge / rel).write_bytes((repo / rel).read_bytes())
    res = helpers.run_proc([helpers.sops_bin(), "encrypt", rel], judge)
    assert res.code == 0, res.err
    body = res.out.split("\nsops:\n")[0]
    return "ENC[" in body


def test_a_catch_all_rule_with_encrypted_regex_claims_nothing(repo: Path, tmp_path: Path) -> None:
    """`path_regex: .*.yaml` with `encrypted_regex: ^(data|stringData)$` in a small repository: no
    ordinary manifest is claimed (not a Deployment, not a ConfigMap), and a plaintext Secret under it
    is still found as one."""
    _commit(repo, {".sops.yaml": "creation_rules:\n  - path_regex: .*.yaml\n    encrypted_regex: ^(data|stringData)$\n"
                                 f"    age: {AGE}\n",
                   "apps/web/deployment.yaml": DEPLOY, "apps/web/configmap.yaml": CONFIGMAP})
    assert not _sops_encrypts_something(repo, "apps/web/deployment.yaml", tmp_path)
    assert _not_encrypted(repo) == set()
    pw = helpers.plant("pw-Zq81" + "x7Lm2")
    _commit(repo, {"apps/web/secret.yaml": helpers.secret_yaml("web", pw)})
    code, findings, out = check(repo, "--all")
    assert {(f["path"], f["rule"]) for f in findings} == {("apps/web/secret.yaml", "plaintext-secret")}, out


def test_a_catch_all_rule_claims_a_file_named_as_a_sops_file(repo: Path, tmp_path: Path) -> None:
    """One catch-all rule, no path_regex, `encrypted_regex: ^(data|stringData)$`, and every sops file
    named `*.sops.yaml` (wrmilling's layout): a plaintext ConfigMap named so is a fake sops file, as
    under a rule that names `.sops.`; a Deployment named so (sops would encrypt nothing in it), an
    ordinary ConfigMap and a SealedSecret are left alone."""
    sealed = ("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: web\nspec:\n"
              "  encryptedData:\n    password: AgB" + "x" * 60 + "\n")
    _commit(repo, {".sops.yaml": f"creation_rules:\n  - encrypted_regex: ^(data|stringData)$\n    age: {AGE}\n",
                   "apps/web/deploy.sops.yaml": DEPLOY, "apps/web/configmap.yaml": CONFIGMAP,
                   "apps/web/sealed-secret.yaml": sealed})
    assert not _sops_encrypts_something(repo, "apps/web/deploy.sops.yaml", tmp_path)
    assert _not_encrypted(repo) == set()
    _commit(repo, {"apps/web/settings.sops.yaml": CONFIGMAP})
    assert _sops_encrypts_something(repo, "apps/web/settings.sops.yaml", tmp_path)
    assert _not_encrypted(repo) == {"apps/web/settings.sops.yaml"}


@pytest.mark.parametrize("option,quiet,claimed", [
    ("encrypted_regex: ^(data|stringData)$", DEPLOY, CONFIGMAP),
    ("encrypted_regex: ^(password|token)$", "replicas: 1\nuser: app\n", "replicas: 1\npassword: hunter2\n"),
    ("unencrypted_regex: ^(apiVersion|kind|metadata|name)$", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n",
     "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\nspec:\n  finalizers: [kubernetes]\n"),
    ("encrypted_comment_regex: sops:enc", "replicas: 1\n# a comment\nuser: app\n",
     "replicas: 1\n# sops:enc\npassword: hunter2\n"),
    ("mac_only_encrypted: true\n    encrypted_regex: ^(password)$", "replicas: 1\n", "password: hunter2\n"),
    ("encrypted_regex: ^(data|stringData)$", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}\n",
     "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  a: ''\n  b: YQ==\n"),
])
def test_a_selective_rule_claims_a_file_only_when_sops_would_encrypt_something(
        repo: Path, tmp_path: Path, option: str, quiet: str, claimed: str) -> None:
    rel = "apps/db/values.yaml"  # a specific rule, over one file: it claims it, if sops would encrypt in it
    _commit(repo, {".sops.yaml": f"creation_rules:\n  - path_regex: ^apps/db/values\\.yaml$\n    {option}\n"
                                 f"    age: {AGE}\n", rel: quiet})
    assert not _sops_encrypts_something(repo, rel, tmp_path)
    assert _not_encrypted(repo) == set()
    _commit(repo, {rel: claimed})
    assert _sops_encrypts_something(repo, rel, tmp_path)
    assert _not_encrypted(repo) == {rel}


def test_a_rule_without_options_still_claims_its_files(repo: Path) -> None:
    _commit(repo, {".sops.yaml": f"creation_rules:\n  - path_regex: .*\\.sops\\.ya?ml$\n    age: {AGE}\n",
                   "apps/db/db.sops.yaml": "replicas: 1\n"})
    assert _not_encrypted(repo) == {"apps/db/db.sops.yaml"}


def test_a_selective_rule_over_the_encrypted_suffix_still_claims_by_name(repo: Path) -> None:
    """The repository's own suffix (`*.enc.yaml`) says a file is encrypted, whatever it holds."""
    _commit(repo, {".sops.yaml": "creation_rules:\n  - path_regex: .*\\.enc\\.yaml$\n"
                                 f"    encrypted_regex: ^(data|stringData)$\n    age: {AGE}\n",
                   "apps/db/db.enc.yaml": DEPLOY})
    assert _not_encrypted(repo) == {"apps/db/db.enc.yaml"}


def test_status_lists_no_ordinary_manifest_under_a_catch_all_rule(repo: Path) -> None:
    """`status` lists sops files and files that should be, not every manifest a catch-all rule matches;
    a file that a specific rule names is still listed."""
    _commit(repo, {".sops.yaml": "creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: " + AGE + "\n"
                                 "  - path_regex: .*.yaml\n    encrypted_regex: ^(data|stringData)$\n"
                                 f"    age: {AGE}\n",
                   **{f"apps/web/d{n}.yaml": DEPLOY.replace("web", f"web{n}") for n in range(3)}})
    res = helpers.run_cli(["status"], repo)
    assert res.code == 0 and "apps/web/" not in res.out and "not-encrypted" not in res.out, res.text
    _commit(repo, {"apps/db/db.sops.yaml": "replicas: 1\n"})
    res = helpers.run_cli(["status"], repo)
    assert "apps/db/db.sops.yaml" in res.out and "not-encrypted" in res.out and "apps/web/" not in res.out, res.text

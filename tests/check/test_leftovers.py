"""The checker's items left from the first adversarial sweep (issue 24): a Secret outside a sparse
checkout's cone under `pre-commit run --all-files`, a pushed range that adds a Secret and removes
it again, and 10,000 levels of nesting. Judged with the real git and the real pre-commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers

PW = "Kp4w-leftover-hunter-pw"
SECRET = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {PW}\n"
CLI = str(Path(sys.executable).with_name("secretops"))
META = ("sops:\n    age:\n        - recipient: age1" + "q" * 58 + "\n          enc: |\n"
        "            -----BEGIN AGE ENCRYPTED FILE-----\n            YWJj\n            -----END AGE ENCRYPTED FILE-----\n"
        "    lastmodified: \"2026-01-01T00:00:00Z\"\n    mac: ENC[AES256_GCM,data:YWJj,iv:YWJj,tag:YWJj,type:str]\n"
        "    version: 3.11.0\n")
ENC = "ENC[AES256_GCM,data:YWJj,iv:YWJj,tag:YWJj,type:str]"
DEPTH = 10_000


@pytest.fixture(scope="module")
def pc_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: the hook's environment is built once."""
    if not Path(sys.executable).with_name("pre-commit").exists():
        pytest.skip("pre-commit is not installed in this environment")
    return tmp_path_factory.mktemp("pc-home")


def _pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real pre-commit, running this project's shipped hook (.pre-commit-hooks.yaml)."""
    project = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1")
    res = subprocess.run([str(Path(sys.executable).with_name("pre-commit")), "try-repo", str(project), "secretops",
                          *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    helpers.OUTPUTS.append(res.stdout + res.stderr)
    return res


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, body in files.items():
        helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", message)
    return helpers.git(repo, "rev-parse", "HEAD").strip()


def test_all_files_in_a_sparse_checkout_checks_the_secret_outside_the_cone(repo: Path, pc_home: Path) -> None:
    _commit(repo, {"apps/web/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
                   "infra/db/secret.yaml": SECRET}, "a Secret under infra/")
    helpers.git(repo, "sparse-checkout", "set", "--cone", "apps")
    assert not (repo / "infra/db/secret.yaml").exists()  # git itself: outside the cone, only in the index
    assert "infra/db/secret.yaml" in helpers.git(repo, "ls-files")
    res = _pre_commit(repo, pc_home, "--all-files")
    assert res.returncode == 1 and "infra/db/secret.yaml" in res.stdout and "plaintext-secret" in res.stdout, \
        res.stdout[-3000:]
    assert PW not in res.stdout
    # the look-alike: the same sparse checkout with nothing outside the cone that holds a secret
    helpers.git(repo, "sparse-checkout", "disable")
    _commit(repo, {"infra/db/secret.yaml": SECRET.replace(PW, "${DB_PASSWORD}")}, "a reference")
    helpers.git(repo, "sparse-checkout", "set", "--cone", "apps")
    assert _pre_commit(repo, pc_home, "--all-files").returncode == 0


def test_a_commit_in_a_sparse_checkout_is_judged_for_what_it_changes(repo: Path) -> None:
    """Under pre-commit, a commit's files are its staged changes: a Secret outside the cone that the
    commit does not touch does not block it; one staged with `git add --sparse` does."""
    _commit(repo, {"apps/a.yaml": "a: 1\n", "infra/secret.yaml": SECRET}, "old leak outside")
    helpers.git(repo, "sparse-checkout", "set", "--cone", "apps")
    helpers.write(repo / "apps/a.yaml", "a: 2\n")
    helpers.git(repo, "add", "apps/a.yaml")
    env = {"PRE_COMMIT": "1"}
    assert helpers.run_proc([CLI, "check", "--staged", "apps/a.yaml"], repo, env).code == 0
    blob = helpers.run_proc(["git", "hash-object", "-w", "--stdin"], repo, input=SECRET.replace("db", "db2").encode())
    helpers.git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob.out.strip()},infra/new.yaml")
    helpers.git(repo, "update-index", "--skip-worktree", "infra/new.yaml")
    res = helpers.run_proc([CLI, "check", "--staged", "apps/a.yaml"], repo, env)
    assert res.code == 1 and "infra/new.yaml" in res.out and "infra/secret.yaml" not in res.out, res.text


def test_pre_push_checks_every_commit_of_a_range_that_adds_and_removes_a_secret(repo: Path, pc_home: Path) -> None:
    base = helpers.git(repo, "rev-parse", "HEAD").strip()
    _commit(repo, {"apps/db/secret.yaml": SECRET}, "add a Secret")
    helpers.git(repo, "rm", "-q", "apps/db/secret.yaml")
    helpers.git(repo, "commit", "-qm", "remove it again")
    tip = helpers.git(repo, "rev-parse", "HEAD").strip()
    assert helpers.git(repo, "diff", "--name-only", f"{base}...{tip}") == ""  # pre-commit passes no file
    res = _pre_commit(repo, pc_home, "--hook-stage", "pre-push", "--from-ref", base, "--to-ref", tip)
    assert res.returncode == 1 and "apps/db/secret.yaml" in res.stdout and PW not in res.stdout, res.stdout[-3000:]
    # the look-alikes: a range whose commits hold no secret, and one with no commit at all
    later = _commit(repo, {"apps/web/app.yaml": "a: 1\n"}, "something else")
    assert _pre_commit(repo, pc_home, "--hook-stage", "pre-push", "--from-ref", tip, "--to-ref",
                       later).returncode == 0
    assert _pre_commit(repo, pc_home, "--hook-stage", "pre-push", "--from-ref", later, "--to-ref",
                       later).returncode == 0


def _nested(kind: str) -> tuple[str, str]:
    """(path, content) of a file nested DEPTH levels deep, as the sweep built them."""
    if kind == "sops-flow-list":
        return "apps/deep.enc.yaml", "data: " + "[" * DEPTH + "1" + "]" * DEPTH + "\n" + META
    if kind == "sops-flow-map":
        return "apps/deep.sops.yaml", "data: " + "{a: " * DEPTH + ENC + "}" * DEPTH + "\n" + META
    if kind == "sops-json":
        return "apps/deep.enc.json", ('{"data": ' + '{"k": ' * DEPTH + f'"{ENC}"' + "}" * DEPTH +
                                      ', "sops": {"mac": "x", "version": "3.11.0", "age": []}}')
    if kind == "secret-value":
        return "apps/secret.yaml", SECRET.replace(PW, "[" * DEPTH + PW + "]" * DEPTH)
    return "apps/values.yaml", "password: " + "[" * DEPTH + PW + "]" * DEPTH + "\n"


@pytest.mark.parametrize("kind", ["sops-flow-list", "sops-flow-map", "sops-json", "secret-value", "values"])
@pytest.mark.parametrize("mode", ["--staged", "--all", "--history"])
def test_ten_thousand_levels_of_nesting_give_a_finding_not_a_traceback(repo: Path, kind: str, mode: str) -> None:
    rel, body = _nested(kind)
    helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    if mode == "--history":
        helpers.git(repo, "commit", "-qm", "deep")
    res = helpers.run_proc([CLI, "check", mode, "--no-cache" if mode == "--history" else "-q"], repo)
    assert res.code == 1 and rel in res.out, res.text
    assert "Traceback" not in res.text and "internal error" not in res.text and PW not in res.text

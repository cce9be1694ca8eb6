"""The guard holds against a careless or hostile commit (issue 16): every way plaintext got past the
checker in the adversarial sweep, each built the way a user or an attacker would, and each run
through every entry point: --staged, --staged FILE…, --diff, --all, --history, the plain git hook,
and the real pre-commit (--all-files, --files, the pre-push stage). The look-alikes that real
repositories hold stay quiet (test_rules.py and test_precision.py hold more of those)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check

PW = "Vq7m-guard-hunter-pw"


def _secret(kind: str = "Secret", value: str = PW, extra: str = "") -> str:
    return f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: db\n{extra}stringData:\n  password: {value}\n"


# path -> (content, the rule that must find it)
CASES: dict[str, tuple[str, str]] = {
    # names git quotes (non-ASCII, tab, newline, quote, backslash, ESC) and pathspec magic
    "apps/café.yaml": (_secret(), "plaintext-secret"),
    "apps/tab\there.yaml": (_secret(), "plaintext-secret"),
    "apps/new\nline.yaml": (_secret(), "plaintext-secret"),
    'apps/quo"te.yaml': (_secret(), "plaintext-secret"),
    "apps/back\\slash.yaml": (_secret(), "plaintext-secret"),
    "apps/esc\x1b[31m.yaml": (_secret(), "plaintext-secret"),
    "apps/naïve.clear.yaml": ("a: b\n", "clear-file"),
    ":top.yaml": (_secret(), "plaintext-secret"),
    # kind: Secret spelled another way
    "kinds/anchor.yaml": ("apiVersion: v1\nkind: &k Secret\nmetadata: {name: a, labels: {x: *k}}\nstringData:\n"
                          f"  password: {PW}\n", "plaintext-secret"),
    "kinds/alias.yaml": ("apiVersion: v1\nmetadata:\n  name: a\n  labels: {t: &k Secret}\nkind: *k\nstringData:\n"
                         f"  password: {PW}\n", "plaintext-secret"),
    "kinds/block.yaml": (_secret("|-\n  Secret"), "plaintext-secret"),
    "kinds/folded.yaml": (_secret(">-\n  Secret"), "plaintext-secret"),
    "kinds/hex.yaml": (_secret('"Secr\\x65t"'), "plaintext-secret"),
    "kinds/unicode.yaml": (_secret('"\\u0053ecret"'), "plaintext-secret"),
    "kinds/tag.yaml": (_secret("!<tag:yaml.org,2002:str> Secret"), "plaintext-secret"),
    # duplicate keys: kubectl and Flux keep the last
    "dupes/empty-first.yaml": ("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData: {}\nstringData:\n"
                               f"  password: {PW}\n", "plaintext-secret"),
    "dupes/inner.yaml": ("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  password: ${PW}\n"
                         f"  password: {PW}\n", "plaintext-secret"),
    "dupes/kind.yaml": ("apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\nstringData:\n"
                        f"  config: {PW}\n", "plaintext-secret"),
    # a value that merely holds a template or looks like ciphertext
    "tmpl/suffix.yaml": (_secret(value=f'"{PW}-${{SUFFIX}}"'), "plaintext-secret"),
    "tmpl/helm.yaml": (_secret(value=f'"{PW}{{{{ .Values.x }}}}"'), "plaintext-secret"),
    "tmpl/config.yaml": ("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  app.ini: |\n"
                         f"    host = ${{DB_HOST}}\n    password = {PW}\n", "plaintext-secret"),
    "tmpl/fake-enc.yaml": (_secret(value=f'"ENC[AES256_GCM,{PW}]"'), "plaintext-secret"),
    # names the Secret rule did not parse
    "names/db.clear.yaml~": ("a: b\n", "clear-file"),
    "names/db.clear.yaml.orig": ("a: b\n", "clear-file"),
    "names/.db.clear.yaml.swp": ("a: b\n", "clear-file"),
    "names/db.clear_BACKUP_4711.yaml": ("a: b\n", "clear-file"),
    "names/s.YAML": (_secret(), "plaintext-secret"),
    "names/s.Yml": (_secret(), "plaintext-secret"),
    "names/secret": (_secret(), "plaintext-secret"),
    "names/secret.txt": (_secret(), "plaintext-secret"),
    # password keys in every form a parser reads
    "keys/one-line.json": (json.dumps({"db": {"password": PW + "-json"}}), "credential"),
    "keys/flow.yaml": ("db: {host: x, password: " + PW + "-flow}\n", "credential"),
    "keys/next-line.yaml": ("db:\n  password:\n    " + PW + "-next\n", "credential"),
    "keys/block.yaml": ("db:\n  password: |-\n    " + PW + "-block\n", "credential"),
    "keys/hash.yaml": ("db:\n  password: " + PW + "#x,y;z\n", "credential"),
    "keys/spaces.yaml": ("db:\n  password: correct horse battery " + PW + "\n", "credential"),
    "keys/anchored.yaml": ("db:\n  password: &pw " + PW + "-anchored\nother: *pw\n", "credential"),
    "keys/str-tag.yaml": ("db:\n  password: !!str " + PW + "-tag\n", "credential"),
    "keys/lowercase.yaml": ("spec:\n  values:\n    adminPassword: hunterlowercasepw\n", "credential"),
    "keys/comments.json": ('{\n  // the dev database\n  "db": {"password": "' + PW + '-jsonc"}, /* x */\n}\n',
                           "credential"),
    "keys/inline.toml": ('[server]\ndb = { user = "app", password = "' + PW + '-toml" }\n', "credential"),
    "keys/quoted.env": ('DB_PASSWORD="correct horse ' + PW + '"\n', "credential"),
}


def _write_all(repo: Path) -> None:
    helpers.plant(PW)
    for rel, (body, _rule) in CASES.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode())
    helpers.git(repo, "--literal-pathspecs", "add", "-f", "--", *CASES)


def _found(findings: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(f["path"], "clear-file" if f["rule"] == "clear-file-in-history" else f["rule"]) for f in findings}


def _expected() -> set[tuple[str, str]]:
    return {(rel, rule) for rel, (_b, rule) in CASES.items()}


def _missing(got: set[tuple[object, object]]) -> list[str]:
    return sorted(repr(rel) for rel, rule in _expected() if (rel, rule) not in got)


@pytest.fixture
def leaky(repo: Path) -> Path:
    _write_all(repo)
    return repo


def test_staged(leaky: Path) -> None:
    code, findings, out = check(leaky, "--staged")
    assert code == 1 and not _missing(_found(findings)), _missing(_found(findings))
    assert PW not in out


def test_staged_with_the_files_pre_commit_passes(leaky: Path) -> None:
    code, findings, _ = check(leaky, "--staged", "--", *CASES)
    assert not _missing(_found(findings)), _missing(_found(findings))


def test_all_diff_and_history(leaky: Path) -> None:
    helpers.git(leaky, "commit", "-qm", "leaks")
    for mode in (["--all"], ["--diff", "HEAD~1..HEAD"], ["--history"]):
        code, findings, out = check(leaky, *mode)
        assert code == 1 and not _missing(_found(findings)), (mode, _missing(_found(findings)))
        assert PW not in out


def test_a_large_scan_finds_every_case(leaky: Path) -> None:
    """A scan of PARALLEL_MIN blobs or more runs in forked workers that read their own blobs, and
    passes over the blobs in which the selector finds nothing any rule looks for (tokens.quiet):
    it finds every case that --staged finds, and none of the fillers."""
    from secretops.check import workers

    for n in range(workers.PARALLEL_MIN):
        helpers.write(leaky / f"apps/filler/app{n}/ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
                      f"kind: Kustomization\nmetadata:\n  name: app{n}\nspec:\n  path: ./apps/app{n}\n")
    helpers.git(leaky, "add", "-A")
    helpers.git(leaky, "commit", "-qm", "leaks and fillers")
    code, findings, out = check(leaky, "--all")
    assert code == 1 and not _missing(_found(findings)), _missing(_found(findings))
    assert not [f for f in findings if "/filler/" in str(f["path"])] and PW not in out


def test_plain_git_hook_blocks_the_commit(leaky: Path) -> None:
    assert helpers.run_cli(["install-hook"], leaky).code == 0
    res = helpers.run_proc(["git", "commit", "-qm", "leaks"], leaky)
    assert res.code != 0 and "plaintext-secret" in res.text and PW not in res.text
    assert helpers.git(leaky, "rev-list", "--count", "HEAD").strip() == "1"


def _pre_commit(repo: Path, tmp_path: Path, *args: str, stage: str | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    project = Path(__file__).resolve().parents[2]
    pre_commit = Path(sys.executable).with_name("pre-commit")
    full = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pc-home"), PIP_DISABLE_PIP_VERSION_CHECK="1",
                **(env or {}))
    extra = ["--hook-stage", stage] if stage else []
    res = subprocess.run([str(pre_commit), "try-repo", str(project), "secretops", *extra, *args], cwd=repo, env=full,
                         capture_output=True, text=True, timeout=900)
    helpers.OUTPUTS.append(res.stdout + res.stderr)
    return res


def test_real_pre_commit_every_stage(leaky: Path, tmp_path: Path) -> None:
    """The real pre-commit: --all-files and --files check the index content of the files it passes;
    the pre-push stage checks the commits being pushed, not the index."""
    if not Path(sys.executable).with_name("pre-commit").exists():
        pytest.skip("pre-commit is not installed in this environment")
    helpers.git(leaky, "commit", "-qm", "leaks")
    base = helpers.git(leaky, "rev-parse", "HEAD~1").strip()
    res = _pre_commit(leaky, tmp_path, "--all-files")
    assert res.returncode == 1 and "plaintext-secret" in res.stdout and PW not in res.stdout, res.stdout[-3000:]
    assert "names/secret.txt" in res.stdout and "kinds/hex.yaml" in res.stdout
    assert _pre_commit(leaky, tmp_path, "--files", "kinds/unicode.yaml").returncode == 1
    # pre-push: the index is clean (everything committed), the pushed commits are not
    helpers.git(leaky, "--literal-pathspecs", "rm", "-rq", "--cached", "--", *CASES)
    res = _pre_commit(leaky, tmp_path, "--from-ref", base, "--to-ref", "HEAD", stage="pre-push")
    assert res.returncode == 1 and "plaintext-secret" in res.stdout, res.stdout[-3000:]
    clean = helpers.git(leaky, "rev-parse", "HEAD~1").strip()
    assert _pre_commit(leaky, tmp_path, "--from-ref", clean, "--to-ref", clean, stage="pre-push").returncode == 0


def test_names_are_shown_with_escapes_made_visible(leaky: Path) -> None:
    res = helpers.run_cli(["check", "--staged"], leaky)
    assert "\x1b" not in res.out and "\n" not in "".join(ln for ln in res.out.splitlines())
    assert len([ln for ln in res.out.splitlines() if "new" in ln and "line.yaml" in ln]) == 1  # one line a finding


@pytest.mark.parametrize("value", ["${DB_PASSWORD}", "${DB_PASSWORD:-}", "{{ .Values.db.password }}",
                                   "$__env{GF_DB_PASSWORD}", "$__file{/etc/secrets/db}", "$(DB_PASSWORD)",
                                   "<% password %>", "postgres://${DB_USER}:${DB_PASSWORD}@${DB_HOST}:5432/app"])
def test_a_value_that_is_a_reference_is_not_a_secret(repo: Path, value: str) -> None:
    helpers.write(repo / "apps/s.yaml", _secret(value=f'"{value}"'))
    helpers.git(repo, "add", "apps/s.yaml")
    assert check(repo, "--staged")[0] == 0


def test_identities_beside_references_are_not_secrets(repo: Path) -> None:
    """Policy: a Secret whose only plaintext values say who and where (user, host, port, database)
    beside references is not a finding; one more plaintext value is."""
    body = ("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  DB_USER: app\n  DB_HOST: "
            "postgres.db.svc.cluster.local\n  DB_PORT: '5432'\n  DB_NAME: app\n  DB_PASSWORD: ${DB_PASSWORD}\n")
    helpers.write(repo / "apps/s.yaml", body)
    helpers.git(repo, "add", "apps/s.yaml")
    assert check(repo, "--staged")[0] == 0
    helpers.write(repo / "apps/s.yaml", body + f"  API_TOKEN: {PW}\n")
    helpers.git(repo, "add", "apps/s.yaml")
    code, findings, _ = check(repo, "--staged")
    assert code == 1 and {f["rule"] for f in findings} == {"plaintext-secret"}


def test_a_sparse_checkout_is_checked_from_the_index(repo: Path) -> None:
    """Files outside the cone are not on disk and pre-commit never passes them: `--all` reads the
    index, and `--staged FILE` reads the index content of a file that is not on disk."""
    helpers.plant(PW)
    helpers.write(repo / "far/away/s.yaml", _secret())
    helpers.write(repo / "near/ok.yaml", "kind: ConfigMap\n")
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", "leak far away")
    helpers.git(repo, "sparse-checkout", "set", "near")
    assert not (repo / "far/away/s.yaml").exists()
    code, findings, _ = check(repo, "--all")
    assert ("far/away/s.yaml", "plaintext-secret") in _found(findings)
    code, findings, _ = check(repo, "--staged", "far/away/s.yaml")
    assert ("far/away/s.yaml", "plaintext-secret") in _found(findings)

"""Modes (staged, diff, all, history), allows, the baseline, formats and the hooks."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests import helpers
from tests.check import tokens
from tests.check.conftest import check, rules_of


def test_secret_only_in_history(repo: Path) -> None:
    token = tokens.tokens()["github"]
    intro = helpers.commit_file(repo, "ci/env.sh", f"export GH={token}\n", "add ci")
    for n in range(5):
        helpers.commit_file(repo, "ci/env.sh", f"export GH=${{GH_TOKEN}}\n# {n}\n", f"fix {n}")
    assert check(repo, "--all")[0] == 0
    code, findings, text = check(repo, "--history")
    assert code == 1 and [(f["rule"], f["path"], f["commit"]) for f in findings] == [("credential", "ci/env.sh", intro)]
    assert token not in text


def test_clear_file_in_history(repo: Path) -> None:
    helpers.write(repo / "apps/a.clear.yaml", "a: b\n")
    helpers.git(repo, "add", "-f", "apps/a.clear.yaml")
    helpers.git(repo, "commit", "-qm", "oops")
    intro = helpers.git(repo, "rev-parse", "HEAD").strip()
    helpers.git(repo, "rm", "-q", "--cached", "apps/a.clear.yaml")
    helpers.git(repo, "commit", "-qm", "fix")
    code, findings, _ = check(repo, "--history")
    assert [(f["rule"], f["commit"]) for f in findings] == [("clear-file-in-history", intro)]


def test_diff_range(repo: Path) -> None:
    made = tokens.tokens()
    base = helpers.commit_file(repo, "old.yaml", f"stripe: {made['stripe']}\n", "old secret (not in range)")
    helpers.commit_file(repo, "new.yaml", f"slack: {made['slack']}\n", "new secret")
    helpers.commit_file(repo, "new.yaml", "slack: ${SLACK}\n", "removed again, but it was pushed")
    code, findings, _ = check(repo, "--diff", f"{base}..HEAD")
    assert [(f["rule"], f["path"]) for f in findings] == [("credential", "new.yaml")]
    res = helpers.run_cli(["check", "--diff", "nonsense"], repo)
    assert res.code == 2 and "BASE..HEAD" in res.err


def test_a_three_dot_range_is_what_the_change_made_since_it_forked(repo: Path) -> None:
    """`--diff main...pr` reads as `git diff main...pr` (how CI names a pull request): what pr made
    since it forked from main. The target's own commits since then (a secret there) are not the
    change's, and the range's head says which .sops.yaml applies (it was read as `.pr`: exit 2)."""
    made = tokens.tokens()
    helpers.git(repo, "checkout", "-q", "-b", "pr")
    helpers.commit_file(repo, "app.yaml", "a: 1\n", "the change, clean")
    helpers.git(repo, "checkout", "-q", "main")
    helpers.commit_file(repo, "main.yaml", f"slack: {made['slack']}\n", "the target's own commit, later")
    for spec in ("main...pr", "main..pr"):
        assert check(repo, "--diff", spec)[:2] == (0, []), spec
    helpers.git(repo, "checkout", "-q", "pr")
    helpers.commit_file(repo, "pr.yaml", f"stripe: {made['stripe']}\n", "the change adds a secret")
    code, findings, _ = check(repo, "--diff", "main...pr")
    assert code == 1 and [f["path"] for f in findings] == ["pr.yaml"]
    assert [f["path"] for f in check(repo, "--diff", "pr...main")[1]] == ["main.yaml"]  # the other side's


def test_inline_allow_and_no_inline_allow(repo: Path) -> None:
    made = tokens.tokens()
    helpers.write(repo / "a.yaml", f"key: {made['google']}  # secretops:allow credential\n"
                                   f"# secretops:allow credential\nother: {made['npm']}\n"
                                   f"third: {made['stripe']}  # secretops:allow private-key\n")
    helpers.git(repo, "add", "a.yaml")
    code, findings, _ = check(repo, "--staged")
    assert [f["line"] for f in findings] == [4]
    code, findings, _ = check(repo, "--staged", "--no-inline-allow")
    assert [f["line"] for f in findings] == [1, 3, 4]


def test_baseline_survives_moving_lines(repo: Path) -> None:
    made = tokens.tokens()
    helpers.write(repo / "a.yaml", f"one: 1\ntoken: {made['gitlab']}\n")
    helpers.git(repo, "add", "a.yaml")
    base = repo / ".secretops-baseline.json"
    res = helpers.run_cli(["check", "--staged", "--write-baseline", str(base)], repo)
    assert res.code == 0
    data = json.loads(base.read_text())
    assert data["version"] == 1 and len(data["findings"]) == 1 and "line" not in data["findings"][0]
    assert made["gitlab"] not in base.read_text()
    helpers.write(repo / "a.yaml", f"# moved\n\n\none: 1\nb: 2\ntoken: {made['gitlab']}\n")
    helpers.git(repo, "add", "a.yaml")
    assert check(repo, "--staged")[0] == 0  # the default baseline file is picked up
    helpers.write(repo / "a.yaml", f"token: {made['gitlab']}\nnew: {made['npm']}\n")
    helpers.git(repo, "add", "a.yaml")
    code, findings, _ = check(repo, "--staged", "--baseline", str(base))
    assert [f["line"] for f in findings] == [2]
    before = base.read_text()
    helpers.run_cli(["check", "--staged", "--write-baseline", str(base)], repo)
    helpers.run_cli(["check", "--staged", "--write-baseline", str(base)], repo)
    assert json.loads(base.read_text())["findings"] == sorted(json.loads(base.read_text())["findings"],
                                                              key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    assert before != base.read_text()


def test_sarif(repo: Path) -> None:
    made = tokens.tokens()
    helpers.write(repo / "deploy/a.yaml", f"token: {made['github']}\n")
    helpers.git(repo, "add", "-A")
    res = helpers.run_cli(["check", "--staged", "--format", "sarif"], repo)
    assert res.code == 1
    doc = json.loads(res.out)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"credential", "plaintext-secret", "clear-file", "not-encrypted", "gitignore"} <= set(rule_ids)
    result = run["results"][0]
    assert result["ruleId"] == "credential" and rule_ids[result["ruleIndex"]] == "credential"
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "deploy/a.yaml" and loc["region"]["startLine"] == 1
    assert result["partialFingerprints"]["secretops/v1"]
    assert made["github"] not in res.out


def test_reports_take_file_names_that_are_no_utf8(repo: Path, tmp_path: Path) -> None:
    """git keeps names as bytes: a finding in `cfg\xe9 #1.yaml` (Latin-1, a space, a `#`) is reported in
    JSON as UTF-8 text (the byte written `\\xe9`, as the text output shows it), to a file too (it was an
    internal error, exit 3), and in SARIF as a URI whose percent-encoded bytes are the name git lists."""
    import urllib.parse

    made = tokens.tokens()
    name = b"cfg\xe9 #1.yaml"
    (repo / os.fsdecode(name)).write_text(f"token: {made['github']}\n")
    helpers.git(repo, "add", "-A")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True).stdout
    assert name + b"\0" in listed  # what git holds: the bytes
    report = tmp_path / "report.json"
    res = helpers.run_cli(["check", "--staged", "--format", "json", "-o", str(report)], repo)
    assert res.code == 1, res.text
    doc = json.loads(report.read_bytes().decode("utf-8"))  # strict UTF-8
    assert [f["path"] for f in doc["findings"]] == ["cfg\\xe9 #1.yaml"]
    sarif = helpers.run_cli(["check", "--staged", "--format", "sarif"], repo)
    uri = json.loads(sarif.out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "cfg%E9%20%231.yaml" and urllib.parse.unquote_to_bytes(uri) == name
    assert made["github"] not in sarif.out and made["github"] not in report.read_text()
    shown = helpers.run_cli(["check", "--staged"], repo).out  # text: the byte as the JSON writes it
    assert shown.startswith("cfg\\xe9 #1.yaml:1: credential")


def test_a_bare_repository_s_history_is_read_as_it_is(repo: Path, tmp_path: Path) -> None:
    """A mirror clone (git, no work tree) is how a history is often scanned: `check --history` and
    `--diff` read it as they read a clone, with the `.secretops.yaml` its HEAD holds (here a suffix
    of its own, so a plaintext `*.crypt.yaml` is a finding), and find what a clone's check finds."""
    made = tokens.tokens()
    helpers.commit_file(repo, ".secretops.yaml", "version: 1\nencrypted_suffix: .crypt.yaml\n", "config")
    base = helpers.commit_file(repo, "apps/db.crypt.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n", "fake")
    helpers.commit_file(repo, "apps/app.yaml", f"token: {made['github']}\n", "a token")
    helpers.git(tmp_path, "clone", "-q", "--mirror", str(repo), "mirror.git")
    mirror = tmp_path / "mirror.git"
    assert helpers.git(mirror, "rev-parse", "--is-bare-repository").strip() == "true"
    for args in (("--history", "--no-cache"), ("--history",)):
        code, findings, out = check(mirror, *args)
        assert {(f["path"], f["rule"]) for f in findings} == {("apps/db.crypt.yaml", "not-encrypted"),
                                                            ("apps/app.yaml", "credential")}, out
        assert check(repo, *args)[1] == findings  # what the clone's own check finds
    code, findings, out = check(mirror, "--diff", f"{base}..main")
    assert [f["path"] for f in findings] == ["apps/app.yaml"], out


def test_text_output_is_redacted(repo: Path) -> None:
    made = tokens.tokens()
    helpers.write(repo / "a.yaml", f"token: {made['github']}\n")
    helpers.git(repo, "add", "-A")
    res = helpers.run_cli(["check"], repo)
    assert res.code == 1 and "a.yaml:1: credential" in res.out and f"ghp_…{made['github'][-4:]}" in res.out


def test_paths_restrict_the_check(repo: Path) -> None:
    made = tokens.tokens()
    helpers.write(repo / "a/x.yaml", f"t: {made['npm']}\n")
    helpers.write(repo / "b/x.yaml", f"t: {made['npm']}\n")
    helpers.git(repo, "add", "-A")
    code, findings, _ = check(repo, "--staged", "b")
    assert [f["path"] for f in findings] == ["b/x.yaml"]


def test_paths_restrict_a_history_check_and_leave_its_cache_whole(repo: Path) -> None:
    """`check --history b` reads what history held under b (a folder, or a file, deleted since or not)
    and nothing else; it neither reads nor writes the cache of the whole history (it read all of it)."""
    made = tokens.tokens()
    helpers.commit_file(repo, "a/x.yaml", f"t: {made['npm']}\n", "a")
    helpers.commit_file(repo, "b/x.yaml", f"t: {made['slack']}\n", "b")
    helpers.commit_file(repo, "bb/x.yaml", f"t: {made['stripe']}\n", "bb: not in b")
    helpers.git(repo, "rm", "-q", "b/x.yaml")
    helpers.git(repo, "commit", "-qm", "b removed")
    for args in (("--history", "b"), ("--history", "--no-cache", "b/"), ("--history", "b/x.yaml")):
        assert [f["path"] for f in check(repo, *args)[1]] == ["b/x.yaml"], args
    assert [f["path"] for f in check(repo, "--history", "a", "bb")[1]] == ["a/x.yaml", "bb/x.yaml"]
    assert len(check(repo, "--history")[1]) == 3  # a whole run after them: the whole history
    assert [f["path"] for f in check(repo, "--history", "b")[1]] == ["b/x.yaml"]  # and after a cache was saved


def test_install_hook_and_real_commit(repo: Path) -> None:
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho other\n")
    res = helpers.run_cli(["install-hook"], repo)
    assert res.code == 2 and "already exists" in res.err and "other" in hook.read_text()
    assert helpers.run_cli(["install-hook", "--force"], repo).code == 0
    assert (repo / ".git/hooks/pre-commit.bak").read_text() == "#!/bin/sh\necho other\n"
    assert stat.S_IMODE(hook.stat().st_mode) & 0o111
    helpers.write(repo / "apps/db.clear.yaml", "a: b\n")
    helpers.git(repo, "add", "-f", "apps/db.clear.yaml")
    res = helpers.run_proc(["git", "commit", "-m", "try"], repo)
    assert res.code != 0 and "clear-file" in res.text
    helpers.git(repo, "rm", "-q", "--cached", "apps/db.clear.yaml")
    helpers.write(repo / "ok.yaml", "a: b\n")
    helpers.git(repo, "add", "ok.yaml")
    assert helpers.run_proc(["git", "commit", "-qm", "fine"], repo).code == 0


def test_commit_all_reads_the_commit_index(repo: Path) -> None:
    """`git commit -a` stages into a temporary index (GIT_INDEX_FILE): the hook must read that one."""
    assert helpers.run_cli(["install-hook"], repo).code == 0
    made = tokens.tokens()
    helpers.commit_file(repo, "app.yaml", "token: none\n", "app")
    helpers.write(repo / "app.yaml", f"token: {made['stripe']}\n")
    res = helpers.run_proc(["git", "commit", "-a", "-m", "sneaky"], repo)
    assert res.code != 0 and "credential" in res.text


def test_one_hook_script() -> None:
    root = Path(__file__).resolve().parents[2]
    assert (root / "hooks/pre-commit").resolve() == (root / "secretops/data/pre-commit").resolve()
    assert os.access(root / "hooks/pre-commit", os.X_OK)
    assert "entry: secretops check --staged" in (root / ".pre-commit-hooks.yaml").read_text()
    assert "id: secretops" in (root / ".pre-commit-hooks.yaml").read_text()


def test_corpus_has_no_false_positives(corpus: Path) -> None:
    code, findings, _ = check(corpus / "onedr0p__home-ops", "--all")
    assert code == 0 and findings == []
    code, findings, _ = check(corpus / "joryirving__home-ops", "--all")
    assert {(f["rule"], f["path"]) for f in findings} == {
        ("not-encrypted", "talos/main/talsecret.sops.yaml"), ("not-encrypted", "talos/utility/talsecret.sops.yaml")}
    assert rules_of(findings) == {"not-encrypted"}


def test_the_project_checks_clean_under_its_own_checker() -> None:
    """This repository's own files (rules, tests, docs, the benches' generators: every shape of a
    secret, none of them one) give no finding: what a user of the hook on this project would see."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    code, findings, out = check(root, "--all")
    assert code == 0 and findings == [], out


def test_plain_calls_do_not_load_click(repo: Path) -> None:
    """`secretops check --staged` (what both hooks run), `--all` and `--history` (CI) skip click, and
    say what click's path says; other calls use click."""
    import subprocess
    import sys

    made = tokens.tokens()
    helpers.write(repo / "a.yaml", f"token: {made['npm']}\n")
    helpers.git(repo, "add", "a.yaml")
    code = ("import sys\nfrom secretops.cli.main import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    print('exit', e.code, 'click' in sys.modules, file=sys.stderr)\n")
    outputs: dict[str, set[str]] = {}
    for args, loaded in ((["check", "--staged"], False), (["check", "-q"], False),
                         (["check", "--staged", "--format", "text"], True), (["check", "--all", "-q"], False),
                         (["check", "--all", "--format", "text", "-q"], True), (["check", "-q", "--all", "--"], False),
                         (["check", "--history", "-q", "--no-cache"], False),
                         (["check", "--history", "-q", "--no-cache", "--format", "text"], True)):
        if args[1] == "--history" and helpers.git(repo, "diff", "--cached", "--name-only") != "":
            helpers.git(repo, "commit", "-qm", "a token")
        res = subprocess.run([sys.executable, "-c", code, *args], cwd=repo, capture_output=True, text=True)
        helpers.OUTPUTS.append(res.stdout + res.stderr)
        assert f"exit 1 {loaded}" in res.stderr, (args, res.stderr)
        assert "a.yaml:1: credential: npm token" in res.stdout
        outputs.setdefault(next((a for a in args if a in ("--all", "--history")), "--staged"), set()).add(res.stdout)
    assert all(len(seen) == 1 for seen in outputs.values()), outputs

"""Every hint that names a command is a command that works in that situation: each test makes the
situation, reads the hint the checker or the CLI prints, runs the command it names (secretops
in-process, git for real) and asserts its exit code, then that the situation is fixed."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests import helpers


def _commands(text: str) -> list[str]:
    return [c for c in re.findall(r"`([^`]+)`", text) if c.startswith(("secretops ", "git "))]


def _follow(text: str, root: Path, expect: int = 0) -> helpers.Result:
    """Run the first command the hint names, as the user would type it."""
    found = _commands(text)
    assert found, f"no command in: {text}"
    argv = shlex.split(found[0])
    if argv[0] == "secretops":
        res = helpers.run_cli(argv[1:], root)
    else:
        res = helpers.run_proc(argv, root)
    assert res.code == expect, (found[0], res.text)
    return res


def _sops_decrypts(root: Path, rel: str) -> bool:
    return subprocess.run([helpers.sops_bin(), "decrypt", rel], cwd=root, capture_output=True,
                          timeout=60).returncode == 0


def test_not_encrypted_finding_names_secretops_encrypt_file(fleet: Path) -> None:
    rel = "clusters/dev/apps/plain.enc.yaml"
    helpers.write(fleet / rel, "# by hand\n" + helpers.secret_yaml("plain", helpers.plant("pw-plain-Hn4")))
    helpers.git(fleet, "add", rel)
    res = helpers.run_cli(["check", "--staged"], fleet)
    assert res.code == 1 and "not-encrypted" in res.out
    line = next(ln for ln in res.out.splitlines() if "not-encrypted" in ln)
    assert f"`secretops encrypt {rel}`" in line
    _follow(line, fleet)
    assert _sops_decrypts(fleet, rel)
    helpers.git(fleet, "add", rel)
    assert helpers.run_cli(["check", "--staged"], fleet).code == 0


def test_decrypt_of_a_plain_file_names_encrypt(fleet: Path) -> None:
    rel = "clusters/dev/apps/plain.enc.yaml"
    helpers.write(fleet / rel, helpers.secret_yaml("plain", helpers.plant("pw-plain2-Hn4")))
    res = helpers.run_cli(["decrypt", rel], fleet)
    assert res.code == 2 and "not a sops-encrypted file" in res.err
    _follow(res.err, fleet)
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0


def test_a_staged_clear_copy_is_staged_not_committed(fleet: Path) -> None:
    rel = "clusters/dev/apps/app0.clear.yaml"
    assert helpers.run_cli(["decrypt", "clusters/dev/apps/app0.enc.yaml"], fleet).code == 0
    helpers.git(fleet, "add", "-f", rel)
    res = helpers.run_cli(["check", "--staged"], fleet)
    assert res.code == 1 and "clear working copy is staged" in res.out and "is committed" not in res.out
    _follow(next(ln for ln in res.out.splitlines() if "clear-file" in ln), fleet)
    assert helpers.run_cli(["check", "--staged"], fleet).code == 0


def test_a_committed_clear_copy_is_committed(fleet: Path) -> None:
    rel = "clusters/dev/apps/app0.clear.yaml"
    assert helpers.run_cli(["decrypt", "clusters/dev/apps/app0.enc.yaml"], fleet).code == 0
    helpers.git(fleet, "add", "-f", rel)
    helpers.git(fleet, "commit", "-qm", "oops")
    res = helpers.run_cli(["check", "--all"], fleet)
    assert res.code == 1 and "clear working copy is committed" in res.out and "rotate" in res.out
    _follow(next(ln for ln in res.out.splitlines() if "clear-file" in ln), fleet)
    helpers.git(fleet, "commit", "-qm", "untrack the clear copy")
    assert helpers.run_cli(["check", "--all"], fleet).code == 0


def test_history_findings_advise_revoking_not_encrypting(fleet: Path) -> None:
    helpers.commit_file(fleet, "clusters/dev/apps/leak.yaml",
                        helpers.secret_yaml("leak", helpers.plant("pw-leak-Hn4")), "leak")
    helpers.git(fleet, "rm", "-q", "clusters/dev/apps/leak.yaml")
    helpers.git(fleet, "commit", "-qm", "remove")
    res = helpers.run_cli(["check", "--history", "--no-cache"], fleet)
    line = next(ln for ln in res.out.splitlines() if "plaintext-secret" in ln)
    assert res.code == 1 and "revoke or rotate" in line and ".clear.yaml" not in line
    assert not _commands(line)  # no command fixes a published value


def test_decrypt_over_edits_names_encrypt_and_then_decrypt_works(fleet: Path) -> None:
    rel = "clusters/dev/apps/app0.enc.yaml"
    clear = fleet / "clusters/dev/apps/app0.clear.yaml"
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0
    clear.write_text(clear.read_text().replace("name: app0", "name: app0-renamed"))
    res = helpers.run_cli(["decrypt", rel], fleet)
    assert res.code == 2 and "not encrypted yet" in res.err
    _follow(res.err, fleet)
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0


def test_status_hints_run(fleet: Path) -> None:
    import json

    helpers.write(fleet / "clusters/dev/apps/new.clear.yaml", helpers.secret_yaml("new", helpers.plant("pw-new-Hn4")))
    rules = (fleet / ".sops.yaml").read_text()
    extra = helpers.run_cli(["status", "--format", "json"], fleet)
    dev_key = next(f for f in json.loads(extra.out)["files"]
                   if f["path"] == "clusters/dev/apps/app0.enc.yaml")["recipients"]["age"][0]
    from secretops.sops import agekeys

    added = agekeys.generate().public
    (fleet / ".sops.yaml").write_text(rules.replace(f"age: {dev_key}\n", f"age: {dev_key},{added}\n", 1))
    rows = {f["path"]: f for f in json.loads(helpers.run_cli(["status", "--format", "json"], fleet).out)["files"]}
    for path in ("clusters/dev/apps/new.clear.yaml", "clusters/dev/apps/app0.enc.yaml"):
        _follow(rows[path]["detail"], fleet)
    rows = {f["path"]: f for f in json.loads(helpers.run_cli(["status", "--format", "json"], fleet).out)["files"]}
    assert rows["clusters/dev/apps/new.clear.yaml"]["state"] == "in-sync"
    assert rows["clusters/dev/apps/app0.enc.yaml"]["state"] == "ok"


def test_a_key_file_that_is_a_folder_or_holds_no_key_is_said(fleet: Path, tmp_path: Path, keys_file: Path) -> None:
    rel = "clusters/dev/apps/app0.enc.yaml"
    keys_file.rename(tmp_path / "keys.txt")  # the only key file is the one SOPS_AGE_KEY_FILE names
    folder = tmp_path / "keys-folder"
    folder.mkdir()
    empty = helpers.write(tmp_path / "empty.txt", "# no key here\n")
    for path, words in ((folder, "is a folder"), (empty, "holds no age key")):
        res = helpers.run_cli(["decrypt", rel], fleet, env={"SOPS_AGE_KEY_FILE": str(path)})
        assert res.code == 2 and words in res.err and "none of your age keys" not in res.err, res.text
        assert res.err.count("\n") == 1


def test_decrypt_outside_gitignore_names_init(tmp_path: Path) -> None:
    from tests.conftest import make_fleet

    root = make_fleet(tmp_path / "f")
    (root / ".gitignore").write_text("")
    res = helpers.run_cli(["decrypt", "clusters/dev/apps/app0.enc.yaml"], root)
    assert res.code == 2 and "secretops init" in res.err
    _follow(res.err, root)
    assert helpers.run_cli(["decrypt", "clusters/dev/apps/app0.enc.yaml"], root).code == 0


def test_init_with_another_tools_hook_names_install_hook(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "clusters/one").mkdir(parents=True)
    helpers.git(root, "init", "-q")
    helpers.write(root / ".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n", 0o755)
    res = helpers.run_cli(["init"], root)
    assert res.code == 0 and "commits are not checked yet" in res.out
    command = next(ln.strip() for ln in res.out.splitlines() if ln.strip().startswith("secretops install-hook"))
    _follow(f"`{command.split('  #')[0].strip()}`", root)
    assert "secretops pre-commit hook" in (root / ".git/hooks/pre-commit").read_text()


def test_edit_with_an_editor_that_fails_or_is_missing(fleet: Path, tmp_path: Path) -> None:
    rel = "clusters/dev/apps/app0.enc.yaml"
    before = (fleet / rel).read_bytes()
    failing = helpers.write(tmp_path / "failing-editor", "#!/bin/sh\nexit 3\n", 0o755)
    for editor, words in ((str(failing), "failed with exit status 3"), (str(tmp_path / "nowhere"), "was not found")):
        res = helpers.run_cli(["edit", rel], fleet, env={"EDITOR": editor, "SOPS_EDITOR": editor})
        assert res.code == 2 and words in res.err and res.err.count("\n") == 1, res.text
        assert "Could not run editor" not in res.text and (fleet / rel).read_bytes() == before


def test_recipients_mismatch_names_updatekeys(fleet: Path) -> None:
    from secretops.sops import agekeys

    rules = (fleet / ".sops.yaml").read_text()
    dev_key = rules.split("^clusters/dev/")[1].split("age: ")[1].split("\n")[0]
    (fleet / ".sops.yaml").write_text(rules.replace(f"age: {dev_key}\n", f"age: {dev_key},{agekeys.generate().public}\n", 1))
    helpers.git(fleet, "commit", "-qam", "an operator key for dev")
    res = helpers.run_cli(["check", "--all"], fleet)
    line = next(ln for ln in res.out.splitlines() if "recipients-mismatch" in ln and "app0.enc.yaml" in ln)
    _follow(line, fleet)
    helpers.git(fleet, "commit", "-qam", "updatekeys")
    assert "clusters/dev/apps/app0.enc.yaml" not in [
        ln.split(":")[0] for ln in helpers.run_cli(["check", "--all"], fleet).out.splitlines()
        if "recipients-mismatch" in ln]


def test_a_merge_conflict_without_an_ignored_clear_copy_names_edit_of_that_file(
        fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from secretops.repo.model import open_repo
    from secretops.workflow.merge import _write_conflict

    (fleet / ".gitignore").write_text("")
    said = _write_conflict(open_repo(fleet), "clusters/dev/apps/app0.enc.yaml", {"ours": [{}], "theirs": [{}]}, [])
    helpers.write(fleet / "ed.sh", "#!/bin/sh\nexit 0\n", 0o755)
    monkeypatch.setenv("EDITOR", str(fleet / "ed.sh"))
    _follow(said, fleet)


def test_a_plaintext_secret_hint_is_followed_step_by_step(fleet: Path) -> None:
    """'move the values into a *.clear.yaml and run `secretops encrypt`': done as a user would."""
    rel = "clusters/dev/apps/db.yaml"
    helpers.write(fleet / rel, helpers.secret_yaml("db", helpers.plant("pw-db-Hn4")))
    helpers.git(fleet, "add", rel)
    res = helpers.run_cli(["check", "--staged"], fleet)
    line = next(ln for ln in res.out.splitlines() if "plaintext-secret" in ln)
    assert res.code == 1 and "*.clear.yaml" in line
    helpers.git(fleet, "rm", "-q", "--cached", rel)
    (fleet / rel).rename(fleet / "clusters/dev/apps/db.clear.yaml")
    _follow(line, fleet)
    helpers.git(fleet, "add", "clusters/dev/apps/db.enc.yaml")
    assert helpers.run_cli(["check", "--staged"], fleet).code == 0
    assert _sops_decrypts(fleet, "clusters/dev/apps/db.enc.yaml")


def test_the_gitignore_finding_names_init(fleet: Path) -> None:
    (fleet / ".gitignore").write_text("")
    helpers.git(fleet, "commit", "-qam", "no ignore lines")
    assert helpers.run_cli(["decrypt", "--force", "clusters/dev/apps/app0.enc.yaml"], fleet).code == 0
    res = helpers.run_cli(["check", "--all"], fleet)
    line = next(ln for ln in res.out.splitlines() if ": gitignore:" in ln)
    _follow(line, fleet)
    assert ": gitignore:" not in helpers.run_cli(["check", "--all"], fleet).out

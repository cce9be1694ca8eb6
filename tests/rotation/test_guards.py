"""Operator mistakes and faults that used to strand a repository or lose a key (issue 9). Every
refusal leaves the work tree, the index and HEAD byte-identical; results are judged by the real sops
with key files holding exactly the keys that should work."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from secretops.repo import discovery
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from tests import helpers, styles
from tests.rotation.conftest import head


def _keyfile() -> Path:
    return Path.home() / ".config/sops/age/keys.txt"


def _encrypted(root: Path) -> list[str]:
    return [p.rel for p in discovery.scan(open_repo(root)).encrypted]


def _refused(root: Path, args: list[str], needle: str) -> helpers.Result:
    before, keys = helpers.repo_state(root), _keyfile().read_bytes()
    res = helpers.run_cli(args, root)
    assert res.code == 2, res.text
    assert res.err.count("\n") == 1 and "Traceback" not in res.err and needle in res.err, res.err
    assert helpers.repo_state(root) == before, "a refusal changed the tree, the index or HEAD"
    assert _keyfile().read_bytes() == keys
    assert not (root / ".git/secretops/journal.json").exists()
    return res


def test_finish_refuses_when_the_new_private_keys_are_gone(rfleet: Path) -> None:
    backup = _keyfile().read_bytes()
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    _keyfile().write_bytes(backup)  # an older backup: the new private keys are gone locally
    res = _refused(rfleet, ["rotate", "finish", "--unverified"], "lack the new private key")
    assert "keys.txt" in res.err
    old = agekeys.load_identities()
    assert all(helpers.sops_opens(rfleet, rel, old) for rel in _encrypted(rfleet))


def _tamper_value(root: Path) -> str:
    rel = "clusters/dev/apps/app0.enc.yaml"
    text = (root / rel).read_text()
    match = re.search(r"(password: ENC\[AES256_GCM,data:)([A-Za-z0-9+/]{4})", text)
    assert match
    swapped = match.group(2)[::-1] if match.group(2)[::-1] != match.group(2) else "AAAA"
    (root / rel).write_text(text[:match.start(2)] + swapped + text[match.end(2):])
    return rel


def _bad_version(root: Path) -> str:
    rel = "clusters/staging/apps/app0.enc.yaml"
    text = (root / rel).read_text()
    (root / rel).write_text(re.sub(r"version: .*", "version: [1, 2]", text))
    return rel


def _duplicate_key(root: Path) -> str:
    rel = "clusters/prod/apps/app0.enc.yaml"
    text = (root / rel).read_text()
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("password: ENC["))
    (root / rel).write_text(text.replace(line, line + "\n" + line, 1))
    return rel


def _not_utf8(root: Path) -> str:
    rel = "apps/shared.enc.yaml"
    (root / rel).write_bytes((root / rel).read_bytes().replace(b"kind: Secret", b"kind: Secr\xe9t", 1))
    return rel


@pytest.mark.parametrize("damage,needle", [(_tamper_value, "does not decrypt"), (_bad_version, "version"),
                                           (_duplicate_key, "duplicate key"), (_not_utf8, "not UTF-8")])
def test_start_checks_every_file_before_the_first_write(rfleet: Path, damage: Callable[[Path], str],
                                                        needle: str) -> None:
    rel = damage(rfleet)
    helpers.git(rfleet, "commit", "-qam", "damage")
    res = _refused(rfleet, ["rotate", "start", "--all"], needle)
    assert rel in res.err and "none of your age keys" not in res.err


def test_start_without_git_identity_writes_nothing_and_abort_leaves_no_staged_state(rfleet: Path,
                                                                                    isolated_home: Path) -> None:
    cfg = isolated_home / ".gitconfig"
    original = cfg.read_text()
    cfg.write_text("[user]\n\tuseConfigOnly = true\n[init]\n\tdefaultBranch = main\n")
    try:
        _refused(rfleet, ["rotate", "start", "--all"], "identity")
    finally:
        cfg.write_text(original)
    assert helpers.run_cli(["rotate", "abort"], rfleet).code in (0, 2)
    assert helpers.git(rfleet, "status", "--porcelain") == ""
    assert helpers.git(rfleet, "diff", "--cached", "--name-only") == ""


def test_finish_brings_along_a_file_added_for_the_old_key_only(rfleet: Path) -> None:
    old = agekeys.load_identities()
    rules = (rfleet / ".sops.yaml").read_text()
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    new = [i for i in agekeys.load_identities() if i.public not in {o.public for o in old}]
    # A teammate, with the .sops.yaml of before commit 1, adds a Secret for the old key only.
    other = rfleet.parent / "teammate"
    other.mkdir()
    helpers.write(other / ".sops.yaml", rules)
    text = styles.encrypt_in_place(other, "clusters/dev/apps/late.enc.yaml",
                                   helpers.secret_yaml("late", helpers.plant("late-Pw31")))
    helpers.write(rfleet / "clusters/dev/apps/late.enc.yaml", text)
    helpers.git(rfleet, "add", "-A")
    helpers.git(rfleet, "commit", "-qm", "teammate: a late secret")
    res = helpers.run_cli(["rotate", "finish", "--unverified"], rfleet)
    assert res.code == 0, res.text
    assert helpers.sops_opens(rfleet, "clusters/dev/apps/late.enc.yaml", new)
    assert not helpers.sops_opens(rfleet, "clusters/dev/apps/late.enc.yaml", old)
    for rel in _encrypted(rfleet):
        assert helpers.sops_opens(rfleet, rel, new) and not helpers.sops_opens(rfleet, rel, old), rel


def test_index_lock_is_named_before_anything_is_written(rfleet: Path) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    (rfleet / ".git/index.lock").write_text("")
    res = _refused(rfleet, ["rotate", "finish", "--unverified"], "index is locked")
    assert "is git installed" not in res.err
    (rfleet / ".git/index.lock").unlink()
    assert helpers.run_cli(["rotate", "finish", "--unverified"], rfleet).code == 0


def test_abort_after_a_finish_killed_before_its_commit(rfleet: Path) -> None:
    old = agekeys.load_identities()
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    c1 = head(rfleet)
    res = helpers.cli_killed_after(3, ["rotate", "finish", "--unverified"], rfleet)
    assert res.code == -9
    assert (rfleet / ".git/secretops/journal.json").exists()
    res = helpers.run_cli(["rotate", "abort"], rfleet)
    assert res.code == 0, res.text
    assert helpers.git(rfleet, "rev-parse", "HEAD~1").strip() == c1
    assert helpers.git(rfleet, "status", "--porcelain") == ""
    for rel in _encrypted(rfleet):
        assert helpers.sops_opens(rfleet, rel, old), rel


def _state_key(root: Path) -> list[str]:
    state = root / ".secretops/rotation.yaml"
    state.write_text(re.sub(r"new: age1\w+", "new: age1notakey", state.read_text(), count=1))
    return ["rotate", "finish", "--unverified"]


def _state_phase(root: Path) -> list[str]:
    state = root / ".secretops/rotation.yaml"
    state.write_text(state.read_text().replace("phase: started", "phase: bogus"))
    return ["rotate", "finish", "--unverified"]


@pytest.mark.parametrize("damage", [_state_key, _state_phase])
def test_damaged_state_file_is_one_line_everywhere(rfleet: Path, damage: Callable[[Path], list[str]]) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    args = damage(rfleet)
    helpers.git(rfleet, "commit", "-qam", "damage")
    for command in (args, ["rotate", "status"], ["rotate", "abort"]):
        _refused(rfleet, command, "damaged")


@pytest.mark.parametrize("config,needle", [
    ("version: 1\nclusters:\n  ghost: {path: clusters/ghost}\n", "does not exist"),
    ("version: 1\nclusters:\n  dev: {path: ../../../etc}\n", "inside the repository"),
    ("version: 1\nclusters:\n  dev: {path: clusters/dev, colour: red}\n", "unknown setting"),
])
def test_secretops_yaml_is_validated(rfleet: Path, config: str, needle: str) -> None:
    helpers.write(rfleet / ".secretops.yaml", config)
    helpers.git(rfleet, "add", "-A")
    helpers.git(rfleet, "commit", "-qm", "config")
    _refused(rfleet, ["rotate", "start", "--all"], needle)


def test_wrongly_typed_rule_fields(rfleet: Path) -> None:
    (rfleet / ".sops.yaml").write_text((rfleet / ".sops.yaml").read_text().replace("encrypted_regex: ",
                                                                                   "encrypted_regex: [1]\n    x: ", 1))
    helpers.git(rfleet, "commit", "-qam", "typo")
    _refused(rfleet, ["rotate", "start", "--all"], "must be a string")


def test_symlinks_are_never_followed_or_rewritten(rfleet: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(rfleet / "apps/shared.enc.yaml", outside / "elsewhere.enc.yaml")
    before = (outside / "elsewhere.enc.yaml").read_bytes()
    (rfleet / "apps/link.enc.yaml").symlink_to(outside / "elsewhere.enc.yaml")
    helpers.git(rfleet, "add", "-A")
    helpers.git(rfleet, "commit", "-qm", "a link")
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    assert helpers.run_cli(["rotate", "finish", "--unverified"], rfleet).code == 0
    assert (outside / "elsewhere.enc.yaml").read_bytes() == before
    assert helpers.git(rfleet, "ls-files", "-s", "apps/link.enc.yaml").startswith("120000")
    res = helpers.run_cli(["decrypt"], rfleet)
    assert res.code == 0 and not (rfleet / "apps/link.clear.yaml").exists()


def test_finish_proves_files_changed_since_commit_one(rfleet: Path) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    rel = _tamper_value(rfleet)
    helpers.git(rfleet, "commit", "-qam", "a hand edit after commit 1")
    res = _refused(rfleet, ["rotate", "finish", "--unverified"], "does not decrypt")
    assert rel in res.err

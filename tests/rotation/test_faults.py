"""Faults that must end in a clean refusal (issue 16): exit 2, one line, and the work tree, the index
and HEAD as they were. Each case is built the way a user would get into it."""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers
from tests.rotation.conftest import head


def _refused(root: Path, args: list[str], words: str, *, proc: bool = False) -> helpers.Result:
    before = helpers.repo_state(root)
    res = helpers.cli_proc(args, root) if proc else helpers.run_cli(args, root)
    assert res.code == 2, res.text
    assert res.err.count("\n") == 1 and "Traceback" not in res.text, res.err
    assert words in res.err, res.err
    assert helpers.repo_state(root) == before
    return res


def _merge_in_progress(root: Path) -> None:
    helpers.git(root, "checkout", "-qb", "side")
    helpers.commit_file(root, "README.md", "# side\n", "side")
    helpers.git(root, "checkout", "-q", "main")
    helpers.commit_file(root, "README.md", "# main\n", "main")
    subprocess.run(["git", "merge", "-q", "side"], cwd=root, capture_output=True)  # a conflict: MERGE_HEAD
    helpers.git(root, "checkout", "--theirs", "README.md")
    helpers.git(root, "add", "README.md")  # resolved but not committed: the tree is clean, the merge is not


def _am_in_progress(root: Path) -> None:
    (root.parent / "patch").mkdir()
    helpers.commit_file(root, "notes.md", "a\n", "a")
    helpers.git(root, "format-patch", "-q", "-1", "-o", str(root.parent / "patch"))
    helpers.git(root, "reset", "-q", "--hard", "HEAD~1")
    helpers.commit_file(root, "notes.md", "b\n", "b")
    patch = next((root.parent / "patch").iterdir())
    subprocess.run(["git", "am", "-q", str(patch)], cwd=root, capture_output=True)  # fails: rebase-apply/
    helpers.git(root, "checkout", "--", ".")


@pytest.mark.parametrize("setup,words", [(_merge_in_progress, "a merge is in progress"),
                                         (_am_in_progress, "is in progress")])
def test_start_refuses_during_a_merge_or_am(rfleet: Path, setup: Callable[[Path], None], words: str) -> None:
    setup(rfleet)
    _refused(rfleet, ["rotate", "start", "--all"], words)


def test_sparse_checkout_is_refused(rfleet: Path) -> None:
    helpers.git(rfleet, "sparse-checkout", "set", "--no-cone", "/clusters/dev/", "/.sops.yaml")
    assert not (rfleet / "clusters/prod/apps/app0.enc.yaml").exists()
    _refused(rfleet, ["rotate", "start", "--all"], "sparse checkout")
    _refused(rfleet, ["cluster", "remove", "prod"], "sparse checkout")


def test_abort_refuses_when_the_key_file_holds_only_the_new_keys(rfleet: Path, keys_file: Path) -> None:
    old = {i.public for i in agekeys.load_identities()}
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    text = keys_file.read_text()
    kept = [b for b in text.split("# secretops: ") if b and not any(k in b for k in old)]
    keys_file.write_text("".join("# secretops: " + b for b in kept))  # the old keys are lost locally
    assert not old & {i.public for i in agekeys.load_identities()}
    _refused(rfleet, ["rotate", "abort"], "your key file holds none of the old keys")
    assert keys_file.read_text() == "".join("# secretops: " + b for b in kept)  # the new keys are kept


def test_finish_after_a_broken_sops_yaml_was_committed(rfleet: Path) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    helpers.commit_file(rfleet, ".sops.yaml", (rfleet / ".sops.yaml").read_text() + "  - path_regex: [\n",
                        "oops")
    res = _refused(rfleet, ["rotate", "finish", "--unverified"], "invalid YAML")
    assert "`secretops rotate finish` again" in res.err
    _refused(rfleet, ["rotate", "abort"], "invalid YAML")


@pytest.mark.parametrize("content", [b"\x00\x01binary", None])
def test_broken_key_file_is_one_line(rfleet: Path, keys_file: Path, content: bytes | None) -> None:
    keys_file.unlink()
    if content is None:
        keys_file.mkdir()
    else:
        keys_file.write_bytes(content)
    for args in (["rotate", "start", "--all"], ["rotate", "start", "--all", "--dry-run"], ["status"]):
        _refused(rfleet, args, "age key file")


def test_a_key_file_of_non_utf8_text_is_read_as_age_reads_it(rfleet: Path, keys_file: Path) -> None:
    keys_file.write_bytes(b"\xff\xfe not utf-8 \xff\n")  # no key in it (issue 24: only key lines matter)
    _refused(rfleet, ["rotate", "start", "--all"], "none of your age keys")


@pytest.mark.parametrize("content", [b"\x00\x01binary", b"creation_rules:\n  - age: \xff\xfe\n", None])
def test_broken_sops_yaml_is_one_line(rfleet: Path, content: bytes | None) -> None:
    (rfleet / ".sops.yaml").unlink()
    if content is None:
        (rfleet / ".sops.yaml").mkdir()
        (rfleet / ".sops.yaml" / "x").write_text("x\n")
    else:
        (rfleet / ".sops.yaml").write_bytes(content)
    helpers.git(rfleet, "add", "-A")
    helpers.git(rfleet, "commit", "-qm", "broken config")
    for args in (["status"], ["rotate", "start", "--all", "--dry-run"], ["updatekeys", "--dry-run"]):
        before = helpers.repo_state(rfleet)
        res = helpers.run_cli(args, rfleet)
        assert res.code in (0, 1, 2) and "Traceback" not in res.text, (args, res.text)
        assert helpers.repo_state(rfleet) == before
        if content is not None:
            assert res.code == 2 and (".sops.yaml is binary" in res.err or "not UTF-8" in res.err), res.err


def test_read_only_git_is_refused(rfleet: Path) -> None:
    gdir = rfleet / ".git" / "secretops"
    gdir.mkdir(exist_ok=True)
    gdir.rmdir()
    gdir.write_text("not a folder\n")  # nothing can be written where the journal goes (as root, too)
    _refused(rfleet, ["rotate", "start", "--all"], "cannot write into")


def _limited(size: int) -> Callable[[], None]:
    def limit() -> None:  # a full disk, as a process sees it: writes past `size` bytes fail (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


@pytest.mark.parametrize("size", [1200, 2500, 6000])
def test_full_disk_during_start_changes_nothing(rfleet: Path, keys_file: Path, size: int) -> None:
    before, keys = helpers.repo_state(rfleet), keys_file.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "secretops", "rotate", "start", "--all"], cwd=rfleet,
                          capture_output=True, text=True, preexec_fn=_limited(size), timeout=300)
    helpers.OUTPUTS.append(proc.stdout + proc.stderr)
    if proc.returncode == 0:
        pytest.skip(f"every write fitted in {size} bytes")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert helpers.repo_state(rfleet) == before
    assert keys_file.read_bytes() == keys  # no key was left behind for nothing
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0  # and the next run works
    assert head(rfleet) != before[2].strip()


def test_full_disk_during_encrypt_and_decrypt(rfleet: Path) -> None:
    helpers.write(rfleet / "clusters/dev/apps/big.clear.yaml",
                  helpers.secret_yaml("big", helpers.plant("pw-big-Zq8s") + "x" * 20000))
    assert helpers.run_cli(["encrypt", "--rm", "clusters/dev/apps/big.clear.yaml"], rfleet).code == 0
    helpers.git(rfleet, "add", "-A")
    helpers.git(rfleet, "commit", "-qm", "big")
    helpers.write(rfleet / "clusters/dev/apps/big2.clear.yaml",
                  helpers.secret_yaml("big2", helpers.plant("pw-big2-Zq8s") + "y" * 20000))
    for args in (["encrypt", "clusters/dev/apps/big2.clear.yaml"], ["decrypt", "clusters/dev/apps/big.enc.yaml"]):
        before = helpers.repo_state(rfleet)
        proc = subprocess.run([sys.executable, "-m", "secretops", *args], cwd=rfleet, capture_output=True, text=True,
                              preexec_fn=_limited(300), timeout=120)
        helpers.OUTPUTS.append(proc.stdout + proc.stderr)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert helpers.repo_state(rfleet) == before


def test_stale_temp_files_are_cleaned_by_the_next_run(rfleet: Path, keys_file: Path) -> None:
    journal_dir = rfleet / ".git" / "secretops"
    journal_dir.mkdir(exist_ok=True)
    strays = [journal_dir / ".journal.json.abc123.secretops-tmp", keys_file.parent / ".keys.txt.abc123.secretops-tmp",
              rfleet / ".secretops" / ".rotation.yaml.abc123.secretops-tmp"]
    for stray in strays:
        stray.parent.mkdir(exist_ok=True)
        stray.write_text("half a write\n")
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    assert not [s for s in strays if s.exists()]

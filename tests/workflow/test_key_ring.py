"""A local key file of thousands of keys (a fleet's): sops is handed the keys that open each file,
not the whole ring (one environment variable holds at most 128 KiB on Linux: ~1,700 keys)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers

REL = "clusters/dev/apps/app0.enc.yaml"
RING = 2500  # ~185 KB of keys: past the limit


@pytest.fixture
def big_ring(fleet: Path, keys_file: Path) -> list[agekeys.Identity]:
    extra = [agekeys.generate() for _ in range(RING)]
    with keys_file.open("a") as fh:
        fh.write("".join(f"{k.secret}\n" for k in extra))
    return extra


def _opens(root: Path, rel: str, keys: list[agekeys.Identity]) -> bool:
    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", rel], cwd=root, capture_output=True,
                         env=dict(os.environ, **agekeys.identity_env(keys)), timeout=60)
    return res.returncode == 0


def test_updatekeys_with_a_fleets_key_ring(fleet: Path, big_ring: list[agekeys.Identity]) -> None:
    added = big_ring[7]
    config = (fleet / ".sops.yaml").read_text()
    dev = next(i for i in agekeys.load_identities() if i.public in (fleet / REL).read_text())
    assert config.count(dev.public) >= 1
    (fleet / ".sops.yaml").write_text(config.replace(dev.public, f"{dev.public},{added.public}", 1))
    res = helpers.run_cli(["updatekeys"], fleet)
    assert res.code == 0, res.text
    assert _opens(fleet, REL, [added]) and _opens(fleet, REL, [dev])


def test_the_merge_driver_with_a_fleets_key_ring(fleet: Path, big_ring: list[agekeys.Identity]) -> None:
    from tests.workflow import test_merge

    assert helpers.run_cli(["install-hook"], fleet).code == 0
    test_merge._set(fleet, test_merge.REL, {"user": "u-Kq2", "password": "pw-base-Kq2", "token": "tk-base-Kq2"})
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "base")
    test_merge._branches(fleet, {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-base-Kq2"},
                         {"user": "u-Kq2", "password": "pw-base-Kq2", "token": "tk-theirs-Kq2"})
    res = test_merge._git(fleet, "merge", "-q", "--no-edit", "theirs")
    assert res.returncode == 0, res.stdout + res.stderr
    dev = [i for i in agekeys.load_identities()[:20] if i.public in (fleet / REL).read_text()]
    assert test_merge._values(fleet, REL, dev) == {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-theirs-Kq2"}

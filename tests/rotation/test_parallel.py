"""The two-process path used on large fleets, forced on a small one."""

from __future__ import annotations

from pathlib import Path

from secretops.repo import discovery as scan
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from tests import helpers
from tests.conftest import make_fleet


def test_forked_worker_rotation(tmp_path: Path) -> None:
    root = make_fleet(tmp_path / "p", clusters=("a", "b", "c"), secrets=3)
    base = helpers.git(root, "rev-parse", "HEAD").strip()
    env = {"SECRETOPS_PARALLEL_MIN": "1"}
    res = helpers.cli_proc(["rotate", "start", "--all"], root, env)
    assert res.code == 0, res.text
    res = helpers.cli_proc(["rotate", "finish", "--unverified"], root, env)
    assert res.code == 0, res.text
    assert helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip() == "2"
    assert helpers.git(root, "status", "--porcelain") == ""
    found = scan.scan(open_repo(root))
    old = {i.public for i in agekeys.load_identities() if "rotation" not in i.public}
    for parsed in found.encrypted:
        assert parsed.meta is not None and len(parsed.meta.recipients.age) in (1, 3)
    assert old  # the old keys stay in the key file

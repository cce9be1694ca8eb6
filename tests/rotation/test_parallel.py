"""The two-process path used on large fleets, forced on a small one: the fork must happen, and the
real sops must open every file with the new keys alone and with no old key."""

from __future__ import annotations

from pathlib import Path

from secretops.repo import discovery
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from tests import helpers
from tests.conftest import make_fleet


def test_forked_worker_rotation(tmp_path: Path) -> None:
    root = make_fleet(tmp_path / "p", clusters=("a", "b", "c"), secrets=3)
    old = agekeys.load_identities()
    base = helpers.git(root, "rev-parse", "HEAD").strip()
    env = {"SECRETOPS_PARALLEL_MIN": "1"}
    forks = tmp_path / "forks.txt"
    forked = 0
    for args in (["rotate", "start", "--all"], ["rotate", "finish", "--unverified"]):
        res = helpers.cli_wrapped(["--forks", str(forks)], args, root, env)
        assert res.code == 0, res.text
        now = len(forks.read_text().split()) if forks.exists() else 0
        assert now >= forked + 2, "each command forked workers (its preflight and its rewrite)"
        forked = now
    assert helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip() == "2"
    assert helpers.git(root, "status", "--porcelain") == ""
    new = [i for i in agekeys.load_identities() if i.public not in {o.public for o in old}]
    assert len(new) == len({i.public for i in old})
    files = [p.rel for p in discovery.scan(open_repo(root)).encrypted]
    assert len(files) == 3 * 3 + 3 + 1  # app secrets, key Secrets, the shared secret
    for rel in files:
        assert helpers.sops_opens(root, rel, new), rel
        assert not helpers.sops_opens(root, rel, old), rel

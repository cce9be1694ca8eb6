"""Files the in-process re-wrap leaves to sops: Shamir key groups and JSON; and --push."""

from __future__ import annotations

import json
from pathlib import Path

import git  # GitPython: an independent look at the commits secretops makes through its own git seam

from secretops.sops import agekeys, document
from tests import helpers
from tests.conftest import make_fleet


def _keys_of(root: Path, cluster: str) -> str:
    text = (root / ".sops.yaml").read_text()
    return text.split(f"^clusters/{cluster}/")[1].split("age: ")[1].split("\n")[0]


def test_key_groups_and_json_rotate_through_sops(tmp_path: Path) -> None:
    root = make_fleet(tmp_path / "f", clusters=("a", "b"))
    a, b = _keys_of(root, "a"), _keys_of(root, "b")
    rules = (root / ".sops.yaml").read_text().replace(
        "creation_rules:\n",
        "creation_rules:\n"
        f"  - path_regex: ^shamir/\n    shamir_threshold: 2\n    key_groups:\n      - age: [{a}]\n      - age: [{b}]\n"
        f"  - path_regex: \\.enc\\.json$\n    age: {a}\n", 1)
    (root / ".sops.yaml").write_text(rules)
    plain = {"shamir/s.enc.yaml": "stringData:\n  token: " + helpers.plant("shamir-Tt01") + "\n",
             "apps/c.enc.json": json.dumps({"password": helpers.plant("json-Tt02")})}
    for rel, text in plain.items():
        kind = "json" if rel.endswith(".json") else "yaml"
        res = helpers.sops(root, "--config", str(root / ".sops.yaml"), "encrypt", "--filename-override", rel,
                           "--input-type", kind, "--output-type", kind, "/dev/stdin", input=text.encode())
        assert res.code == 0, res.err
        helpers.OUTPUTS.pop()
        helpers.write(root / rel, res.out)
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "shamir and json")
    assert document.parse("shamir/s.enc.yaml", (root / "shamir/s.enc.yaml").read_bytes()).meta.uses_key_groups  # type: ignore[union-attr]
    old = {i.public for i in agekeys.load_identities()}
    for step in (["rotate", "start", "--all"], ["rotate", "finish", "--unverified"]):
        res = helpers.run_cli(step, root)
        assert res.code == 0, res.text
    new = [i for i in agekeys.load_identities() if i.public not in old]
    for rel in plain:
        meta = document.parse(rel, (root / rel).read_bytes()).meta
        assert meta is not None and not set(meta.recipients.age) & old and set(meta.recipients.age) <= {
            i.public for i in new}, rel
        res = helpers.sops(root, "decrypt", rel, env=agekeys.identity_env(new))
        helpers.OUTPUTS.pop()
        assert res.code == 0, (rel, res.err)
    repo = git.Repo(root)
    messages = [c.message for c in repo.iter_commits(max_count=2)]
    assert "Secretops-Step: 2" in messages[0] and "Secretops-Step: 1" in messages[1]
    assert {"shamir/s.enc.yaml", "apps/c.enc.json"} <= set(repo.head.commit.stats.files)
    assert not repo.is_dirty(untracked_files=True)


def test_push(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    helpers.git(tmp_path, "init", "-q", "--bare", str(remote))
    root = make_fleet(tmp_path / "f", clusters=("a",))
    helpers.git(root, "remote", "add", "origin", str(remote))
    helpers.git(root, "push", "-q", "origin", "main")
    assert helpers.run_cli(["rotate", "start", "--all", "--push"], root).code == 0
    pushed = git.Repo(remote).commit("main")
    assert "Secretops-Step: 1" in pushed.message and pushed.hexsha == git.Repo(root).head.commit.hexsha
    assert helpers.run_cli(["rotate", "finish", "--unverified", "--push"], root).code == 0
    assert "Secretops-Step: 2" in git.Repo(remote).commit("main").message

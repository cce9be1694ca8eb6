"""updatekeys, diff, the textconv, the merge driver and the checker on every sops store (JSON,
dotenv, INI, sops's binary format under any name, beside YAML), in a repository built by the
real sops without secretops (tests/wild.py). Judged by the real sops with exact key files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from secretops.sops import agekeys
from secretops.sops.agekeys import Identity
from tests import helpers, wild
from tests.wild import STORES, opens


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> wild.Wild:
    return wild.stores_repo(tmp_path / "home-ops")


def _digest(root: Path, rel: str, store: str, key: Identity) -> str:
    """A hash of what the real sops decrypts (the plaintext never reaches any output)."""
    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", "--input-type", store,
                          "--output-type", store, rel], cwd=root, capture_output=True, timeout=60,
                         env=dict(os.environ, **agekeys.identity_env([key])))
    assert res.returncode == 0, rel
    return hashlib.sha256(res.stdout).hexdigest()


def _governed(rel: str) -> bool:
    return rel.startswith("kubernetes/main/")


def _operator_rule(repo: wild.Wild) -> Identity:
    """main's catch-all rule (every non-YAML store file of main matches it) gains an operator key."""
    operator = agekeys.generate()
    config = repo.root / "kubernetes/main/.sops.yaml"
    text = config.read_text()
    assert "  - age: *main  # catch-all" in text
    config.write_text(text.replace("  - age: *main  # catch-all", f"  - age: {repo.keys['main'].public},"
                                                                  f"{operator.public}  # catch-all"))
    helpers.git(repo.root, "commit", "-qam", "main: the operator key too")
    return operator


def test_updatekeys_every_store(repo: wild.Wild) -> None:
    root, main = repo.root, repo.keys["main"]
    operator = _operator_rule(repo)
    drifted = [(rel, store) for rel, store, _ in STORES if _governed(rel)]
    before = {rel: _digest(root, rel, store, main) for rel, store in drifted}
    plan = helpers.run_cli(["updatekeys", "--dry-run"], root)
    assert plan.code == 0 and all(f"would update {rel}" in plan.out for rel, _ in drifted), plan.text
    res = helpers.run_cli(["updatekeys"], root)
    assert res.code == 0, res.text
    assert sorted(helpers.git(root, "diff", "--name-only").split()) == sorted(rel for rel, _ in drifted)
    for rel, store in drifted:
        assert opens(root, rel, store, [operator]) and opens(root, rel, store, [main]), rel
        assert not opens(root, rel, store, [repo.keys["staging"]]), rel
        assert _digest(root, rel, store, operator) == before[rel]  # same values, same data key
    for rel, store, _ in STORES:
        if not _governed(rel):
            assert not opens(root, rel, store, [operator]), rel
    assert "0 file(s) updated" in helpers.run_cli(["updatekeys"], root).out
    # diff: each store's recipients added, no value changed, nothing re-encrypted
    helpers.git(root, "commit", "-qam", "updatekeys")
    res = helpers.run_cli(["diff", "HEAD~1..HEAD", "--format", "json"], root)
    assert res.code == 0, res.text
    files = {f["path"]: f for f in json.loads(res.out)["files"]}
    assert set(files) == {rel for rel, _ in drifted}
    for f in files.values():
        assert f["status"] == "changed" and f["recipients_added"] == [operator.public], f
        assert not f["changed"] and not f["added"] and not f["removed"], f


@pytest.mark.parametrize("rel,store,paths", [
    ("kubernetes/main/apps/db/app/config.sops.json", "json", {"db.password", "db.port", "hosts.[0]", "hosts.[1]"}),
    ("kubernetes/main/apps/db/app/app.env", "dotenv", {"DB_PASSWORD", "DB_PORT"}),
    ("kubernetes/main/apps/db/app/creds.conf", "ini", {"database.password", "database.port", "cache.host"}),
    ("kubernetes/main/apps/db/app/kubeconfig", "binary", {"data"}),
    ("scripts/deploy.sh", "binary", {"data"}),
])
def test_textconv_every_store(repo: wild.Wild, rel: str, store: str, paths: set[str]) -> None:
    """git's textconv gets a temp file named anything: the content decides."""
    tmp = repo.root.parent / "XXXXXX_tmpfile"
    tmp.write_bytes((repo.root / rel).read_bytes())
    res = helpers.run_cli(["textconv", str(tmp)], repo.root)
    assert res.code == 0, res.text
    lines = res.out.splitlines()
    assert "not a sops-encrypted file" not in res.out
    assert {ln.split(": <")[0] for ln in lines if ": <" in ln} == paths
    assert f"sops.age: {repo.keys['main'].public}" in lines


def test_diff_sees_a_value_changed_by_sops(repo: wild.Wild) -> None:
    root = repo.root
    rel = "kubernetes/main/apps/db/app/settings.ini"
    env = dict(os.environ, **agekeys.identity_env([repo.keys["main"]]))
    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "set", rel, '["cache"]["host"]', '"valkey"'],
                         cwd=root, capture_output=True, timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    res = helpers.run_cli(["diff", "--staged", "--format", "json"], root)
    assert json.loads(res.out)["files"] == []
    helpers.git(root, "add", rel)
    files = json.loads(helpers.run_cli(["diff", "--staged", "--format", "json"], root).out)["files"]
    assert [(f["path"], f["status"], f["changed"]) for f in files] == [(rel, "changed", ["cache.host"])]


def _sops_set(root: Path, rel: str, store: str, index: str, value: str, key: Identity) -> None:
    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "set", "--input-type", store, "--output-type",
                          store, rel, index, json.dumps(value)], cwd=root, capture_output=True, timeout=60,
                         env=dict(os.environ, **agekeys.identity_env([key])))
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("rel,store,ours,theirs", [
    ("kubernetes/main/apps/db/app/config.sops.json", "json", '["db"]["password"]', '["hosts"][0]'),
    ("kubernetes/main/apps/db/app/app.env", "dotenv", '["DB_PASSWORD"]', '["DB_PORT"]'),
    ("kubernetes/main/apps/db/app/settings.ini", "ini", '["database"]["password"]', '["cache"]["host"]'),
])
def test_merge_conflicts_safely_on_other_stores(repo: wild.Wild, rel: str, store: str, ours: str,
                                                theirs: str) -> None:
    """A real `git merge` with the driver wired as install-hook wires it: different values changed on
    each side of a non-YAML store conflict; the file stays ours, encrypted, unmerged in the index."""
    root, key = repo.root, repo.keys["main"]
    assert helpers.run_cli(["install-hook"], root).code == 0
    helpers.write(root / ".gitattributes", f"{rel} merge=secretops diff=secretops\n")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "wired")
    helpers.git(root, "checkout", "-qb", "theirs")
    _sops_set(root, rel, store, theirs, "theirs-Kq2", key)
    helpers.git(root, "commit", "-qam", "theirs")
    helpers.git(root, "checkout", "-q", "main")
    _sops_set(root, rel, store, ours, "ours-Kq2", key)
    helpers.git(root, "commit", "-qam", "ours")
    mine = (root / rel).read_bytes()
    res = subprocess.run(["git", "merge", "-q", "theirs", "-m", "merge"], cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode != 0 and "not merged value by value" in res.stderr, res.stderr
    assert (root / rel).read_bytes() == mine and opens(root, rel, store, [key])
    assert rel in helpers.git(root, "ls-files", "-u")
    helpers.git(root, "merge", "--abort")


@pytest.mark.parametrize("store", ["dotenv", "ini", "binary"])
def test_merge_driver_never_writes_other_stores(repo: wild.Wild, store: str, tmp_path: Path) -> None:
    rel = next(r for r, s, _ in STORES if s == store)
    data = (repo.root / rel).read_bytes()
    sides = []
    for side in ("base", "ours", "theirs"):
        sides.append(tmp_path / side)
        sides[-1].write_bytes(data)
    res = helpers.run_cli(["merge-driver", *map(str, sides), rel], repo.root)
    assert res.code == 1 and "not merged value by value" in res.err
    assert all(p.read_bytes() == data for p in sides)


def test_checker_every_store(repo: wild.Wild) -> None:
    """No real sops file of any store is a finding; a file named like one of them that is not
    really encrypted is."""
    from tests.check.conftest import check

    root = repo.root
    code, findings, text = check(root, "--all")
    assert not [f for f in findings if f["path"] in {rel for rel, _, _ in STORES}], text
    plain = {"apps/x/db.enc.json": '{"password": "%s"}\n', "apps/x/db.enc.env": "PASSWORD=%s\n",
             "apps/x/db.enc.ini": "[db]\npassword = %s\n"}
    for n, (rel, body) in enumerate(plain.items()):
        helpers.write(root / rel, body % helpers.plant(f"pw-plain-{n}-Qx7"))
    helpers.write(root / "apps/x/main.tf", 'variable "region" {}\n')  # plain, named like nothing
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "plaintext named encrypted")
    code, findings, text = check(root, "--all")
    got = {(f["path"], f["rule"]) for f in findings}
    assert {(rel, "not-encrypted") for rel in plain} <= got, text
    assert not [f for f in findings if f["path"] in {rel for rel, _, _ in STORES} | {"apps/x/main.tf"}], text


_MALFORMED = {  # sops markers with metadata no sops would write: each is read as far as it goes
    "a.hcl": '{"data": "x", "sops": {"mac": "m", "age": 7, "key_groups": 3, "shamir_threshold": "two"}}',
    "b.tfvars": '{"data": 5, "sops": {"mac": "m", "lastmodified": 3, "age": [{"recipient": "age1zzz", "enc": "x"}]}}',
    "c.ini": "[sops]\nmac = x\nage__list_0__map_recipient = {key}\nage__list_0__map_enc = nope\n",
    "d.env": "X=1\nsops_mac=x\nsops_age__list_0__map_recipient={key}\nsops_age__list_0__map_enc=bad\n",
    "e.enc.json": '{"sops": {"mac": "x", "version": "3", "age": [{"recipient": "{key}", "enc": 5}]}, "k": "v"}',
    "f.ini": "[sops\nmac = x\n[sops]\n=\n = \nmac\nkey_groups__list_0 = z\nkey_groups__list_0__map_age = y\n",
    "g.json": '{"sops": {"mac": "x", "age": [{"recipient": "{key}", "enc": 5}]',
    "h.sh": '{"data": "x", "sops": {"mac": "x", "age": null, "key_groups": [{"age": [{"recipient": 1}]}]}}',
}


def test_malformed_stores_never_crash(tmp_path: Path, isolated_home: Path) -> None:
    """Every command on sops-like files of every store with broken metadata: an answer, a finding or
    one line (exit 2); never a traceback, and nothing written."""
    root = tmp_path / "repo"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    key = agekeys.generate()
    agekeys.append_to_key_file([key], "test")
    helpers.write(root / ".sops.yaml", f"creation_rules:\n  - age: {key.public}\n")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "config")
    for rel, body in _MALFORMED.items():
        helpers.write(root / rel, body.replace("{key}", key.public))
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "malformed")
    before = helpers.repo_state(root)
    for args in (["status"], ["status", "--format", "json"], ["check", "--all"], ["check", "--history"],
                 ["rotate", "start", "--all", "--dry-run"], ["updatekeys", "--dry-run"], ["updatekeys"],
                 ["rotate", "start", "--all"], ["diff", "HEAD~1..HEAD"], ["init", "--dry-run"],
                 *(["textconv", rel] for rel in _MALFORMED),
                 *(["merge-driver", rel, rel, rel, rel] for rel in _MALFORMED)):
        res = helpers.run_cli(args, root)
        assert res.code in (0, 1, 2) and "Traceback" not in res.text, (args, res.text)
        if res.code == 2:
            assert res.err.count("\n") <= 2 and "error" in res.err, (args, res.err)
        assert helpers.repo_state(root) == before, args


def test_checker_finds_plaintext_added_to_every_store(repo: wild.Wild) -> None:
    """A value added by hand, not encrypted, to a sops file of any store is a finding."""
    from tests.check.conftest import check

    root = repo.root
    added = {"kubernetes/main/apps/db/app/app.env": lambda t, v: f"ADDED={v}\n" + t,
             "kubernetes/main/apps/db/app/settings.ini": lambda t, v: t.replace("[sops]", f"added = {v}\n\n[sops]"),
             "kubernetes/main/apps/db/app/config.sops.json": lambda t, v: t.replace('"sops": {', f'"added": "{v}", '
                                                                                  '"sops": {'),
             "kubernetes/main/apps/db/app/terraform.tfvars": lambda t, v: t.replace('"sops": {', f'"added": "{v}", '
                                                                                  '"sops": {')}
    for n, (rel, edit) in enumerate(added.items()):
        path = root / rel
        path.write_text(edit(path.read_text(), helpers.plant(f"pw-added-{n}-Qx7")))
    helpers.git(root, "commit", "-qam", "plaintext added by hand")
    code, findings, text = check(root, "--all")
    assert {(f["path"], f["rule"]) for f in findings} >= {(rel, "partially-encrypted") for rel in added}, text

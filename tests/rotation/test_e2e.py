"""start -> Flux applies commit 1 -> status verified -> finish: exactly two commits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from secretops.repo import discovery as scan
from secretops.repo import keysecrets
from secretops.repo.model import open_repo
from secretops.sops import agekeys, document
from tests import fakeflux, helpers
from tests.conftest import make_fleet
from tests.rotation.conftest import CLUSTERS, head, play_flux, with_remote

_AGE_BLOCK = re.compile(r"^( +)age:\n(?:\1 +\S.*\n|\1- .*\n)*", re.M)
STATE = ".secretops/rotation.yaml"


def _outside_age(text: str) -> str:
    return _AGE_BLOCK.sub("", text)


def _encrypted(root: Path) -> list[str]:
    return [p.rel for p in scan.scan(open_repo(root)).encrypted]


def _key_secrets(root: Path) -> set[str]:
    return {k.rel for k in scan.scan(open_repo(root)).key_secrets}


def _assert_only_allowed_changes(root: Path, old: str, new: str) -> None:
    """A commit touches only sops.age blocks, .sops.yaml, key Secrets and the state file."""
    allowed = {".sops.yaml", STATE} | _key_secrets(root)
    for rel in helpers.git(root, "diff", "--name-only", old, new).split():
        if rel in allowed:
            continue
        before = helpers.git(root, "show", f"{old}:{rel}")
        after = helpers.git(root, "show", f"{new}:{rel}")
        assert _outside_age(before) == _outside_age(after), f"{rel} changed outside its sops.age block"


def _sops_decrypts(root: Path, rel: str, keys: list[agekeys.Identity]) -> int:
    res = helpers.sops(root, "--config", str(root / ".sops.yaml"), "decrypt", rel, env=agekeys.identity_env(keys))
    helpers.OUTPUTS.pop()  # holds plaintext on purpose; it is compared, never shown
    return res.code


def _rotate(root: Path, kube: fakeflux.FakeKube, extra: list[str]) -> tuple[str, str, str]:
    base = head(root)
    old_keys = agekeys.load_identities()
    res = helpers.run_cli(["rotate", "start", *extra], root)
    assert res.code == 0, res.text
    c1 = head(root)
    res = helpers.run_cli(["rotate", "status"], root)
    assert res.code == 1 and "has not applied commit 1" in res.out
    play_flux(kube, root, c1)
    res = helpers.run_cli(["rotate", "status", "--format", "json"], root)
    assert res.code == 0, res.text
    data = json.loads(res.out)
    assert data["verified"] and all(c["verified"] for c in data["clusters"]) and data["clusters"]
    res = helpers.run_cli(["rotate", "finish"], root)
    assert res.code == 0, res.text
    c2 = head(root)
    assert helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip() == "2"
    assert helpers.git(root, "status", "--porcelain") == ""
    new_keys = [i for i in agekeys.load_identities() if i.public not in {o.public for o in old_keys}]
    assert new_keys
    for rel in _encrypted(root):
        assert _sops_decrypts(root, rel, new_keys) == 0, rel
        assert _sops_decrypts(root, rel, old_keys) == 128, rel
    _assert_only_allowed_changes(root, base, c1)
    _assert_only_allowed_changes(root, c1, c2)
    assert not (root / STATE).exists() and STATE in helpers.git(root, "show", "--name-only", c1)
    for rel in _key_secrets(root):  # back to one entry, holding only the new key
        entries = keysecrets.read_entries(root, rel, new_keys)
        assert [e.name for e in entries] == ["age.agekey"]
        held = {i.public for i in keysecrets.identities_of(entries, rel)}
        assert held <= {k.public for k in new_keys} and held
    return base, c1, c2


def test_per_cluster_keys(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    _rotate(rfleet, flux, ["--all"])


def test_shared_key(rshared: Path, isolated_home: Path) -> None:
    import os

    with fakeflux.FakeKube() as kube:
        for name in CLUSTERS:
            kube.add(name).put("kustomizations", fakeflux.kustomization("flux-system"))
        os.environ["KUBECONFIG"] = str(kube.kubeconfig(isolated_home / ".kube/config", list(CLUSTERS)))
        play_flux(kube, rshared, head(rshared))
        before = {i.public for i in agekeys.load_identities()}
        _base, c1, _c2 = _rotate(rshared, kube, ["--cluster", "dev"])  # a shared key pulls in every cluster
        state = helpers.git(rshared, "show", f"{c1}:{STATE}")
        assert all(f"name: {c}" in state for c in CLUSTERS)
        assert len({i.public for i in agekeys.load_identities()} - before) == 1


def test_commit_one_during_rotation(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    """During the rotation each key Secret holds both keys and is encrypted for both."""
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    ids = agekeys.load_identities()
    for rel in _key_secrets(rfleet):
        entries = keysecrets.read_entries(rfleet, rel, ids)
        assert sorted(e.name for e in entries) == ["age-rotation.agekey", "age.agekey"]
        meta = document.parse(rel, (rfleet / rel).read_bytes()).meta
        held = {i.public for i in keysecrets.identities_of(entries, rel)}
        assert meta is not None and set(meta.recipients.age) == held and len(held) == 2
    text = (rfleet / STATE).read_text()
    assert "version: 1" in text and "AGE-SECRET-KEY" not in text
    assert ".secretops/" in (rfleet / ".sourceignore").read_text()


def test_abort_after_commit_one(rfleet: Path, flux: fakeflux.FakeKube, keys_file: Path) -> None:
    base = head(rfleet)
    old = agekeys.load_identities()
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    assert len(agekeys.load_identities()) == len(old) + 3
    res = helpers.run_cli(["rotate", "abort"], rfleet)
    assert res.code == 0, res.text
    assert helpers.git(rfleet, "rev-list", "--count", f"{base}..HEAD").strip() == "2"
    assert helpers.git(rfleet, "diff", base, "HEAD", "--", ".sops.yaml") == ""
    assert {i.public for i in agekeys.load_identities()} == {i.public for i in old}
    for rel in _encrypted(rfleet):
        assert _sops_decrypts(rfleet, rel, old) == 0
        meta = document.parse(rel, (rfleet / rel).read_bytes()).meta
        assert meta is not None and set(meta.recipients.age) <= {i.public for i in old}


def test_finish_compromised_unverified(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    before = (rfleet / "clusters/dev/apps/app0.enc.yaml").read_text()
    res = helpers.run_cli(["rotate", "finish"], rfleet)
    assert res.code == 1 and "not every cluster" in res.err
    res = helpers.run_cli(["rotate", "finish", "--unverified", "--compromised"], rfleet)
    assert res.code == 0, res.text
    after = (rfleet / "clusters/dev/apps/app0.enc.yaml").read_text()
    mac = re.compile(r"mac: (.*)")
    assert mac.search(before).group(1) != mac.search(after).group(1)  # type: ignore[union-attr]
    assert "Secret default/app0 (password)" in res.out and "pw-dev-0" not in res.out
    message = helpers.git(rfleet, "log", "-1", "--format=%B")
    assert "Unverified: yes" in message and "Secretops-Step: 2" in message


def test_dry_run_writes_nothing(rfleet: Path) -> None:
    before = helpers.snapshot(rfleet)
    keys = (Path.home() / ".config/sops/age/keys.txt").read_text()
    res = helpers.run_cli(["rotate", "start", "--all", "--dry-run"], rfleet)
    assert res.code == 0 and "rotation plan" in res.out and "clusters/dev/apps/app0.enc.yaml" in res.out
    assert helpers.snapshot(rfleet) == before and (Path.home() / ".config/sops/age/keys.txt").read_text() == keys


def test_corpus_dry_run(corpus: Path) -> None:
    res = helpers.run_cli(["-C", str(corpus / "joryirving__home-ops"), "rotate", "start", "--all", "--dry-run",
                           "--format", "json"], Path.cwd())
    plan = json.loads(res.out)
    assert res.code == 1 and plan["keys"] == [{"old": "age12v9uw8k6myrr49z9aq6jmcwa79aepu0p6p462nrv968qcae72pcspwldec",
                                              "clusters": ["main", "test", "utility"]}]
    assert "kubernetes/components/common/sops/secret.sops.yaml" in plan["key_secrets"] and plan["problems"]


@pytest.mark.parametrize("layout", ["per-cluster", "shared"])
def test_key_file_keeps_comments(tmp_path: Path, layout: str, keys_file: Path) -> None:
    root = with_remote(make_fleet(tmp_path / layout, clusters=("a", "b"), shared_key=layout == "shared"))
    assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    text = keys_file.read_text()
    assert text.count("# secretops: rotation ") == (1 if layout == "shared" else 2)
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"


def test_one_cluster_of_many(rfleet: Path) -> None:
    """Per-cluster keys, --cluster dev: prod and staging keep their keys; shared files swap only dev's."""
    before = {rel: (rfleet / rel).read_bytes() for rel in _encrypted(rfleet)}
    old = {i.public for i in agekeys.load_identities()}
    assert helpers.run_cli(["rotate", "start", "--cluster", "dev"], rfleet).code == 0
    assert helpers.run_cli(["rotate", "finish", "--unverified"], rfleet).code == 0
    for rel, data in before.items():
        changed = (rfleet / rel).read_bytes() != data
        assert changed == (rel.startswith("clusters/dev/") or rel.startswith("apps/")), rel
    meta = document.parse("apps/shared.enc.yaml", (rfleet / "apps/shared.enc.yaml").read_bytes()).meta
    assert meta is not None and len(meta.recipients.age) == 3 and len(set(meta.recipients.age) - old) == 1
    res = helpers.run_cli(["status", "--format", "json"], rfleet)
    assert '"recipients-mismatch"' not in res.out and '"unknown-key"' not in res.out

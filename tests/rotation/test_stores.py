"""Every sops store through a full rotation: YAML beside JSON, dotenv, INI and sops's JSON
("binary") format under any name, made by the real sops (never by secretops), some matched by a
creation rule and some outside every `.sops.yaml`. start -> each cluster applies commit 1 (the fake
API server) -> finish; each file is judged by the real `sops decrypt`, told the store the file's
content is in, with key files that hold only the old or only the new keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import fakeflux, helpers, wild
from tests.rotation.conftest import head
from tests.rotation.test_adoption import _apply, flux  # noqa: F401  (the fixture is used by name)
from tests.wild import STORES, opens

_AGE = re.compile(r'"age": \[.*?\n\s*\]', re.S)  # the age array: its stanzas are one line each


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> wild.Wild:
    return wild.stores_repo(tmp_path / "home-ops")


def test_status_lists_every_store(repo: wild.Wild) -> None:
    res = helpers.run_cli(["status", "--format", "json"], repo.root)
    assert res.code == 0, res.text
    rows = {r["path"]: r for r in json.loads(res.out)["files"]}
    assert set(rows) == set(repo.all_files())
    for rel, store, cluster in STORES:
        assert rows[rel]["store"] == store
        assert rows[rel]["kind"] == "encrypted" and rows[rel]["recipients"] == {"age": [repo.keys[cluster].public]}
        assert rows[rel]["sops_version"] == "3.11.0" and rows[rel]["lastmodified"]


def test_full_rotation_every_store(repo: wild.Wild, flux: fakeflux.FakeKube) -> None:  # noqa: F811
    root = repo.root
    plan = json.loads(helpers.run_cli(["rotate", "start", "--all", "--dry-run", "--format", "json"], root).out)
    assert {rel for rel, _, _ in STORES} <= set(plan["files"]), plan
    before = {rel: (root / rel).read_text() for rel, _, _ in STORES}
    res = helpers.run_cli(["rotate", "start", "--all"], root)
    assert res.code == 0, res.text
    c1 = head(root)
    for rel, store, _ in STORES:  # JSON and the binary format are re-wrapped in place: only "age" changed
        if store in ("json", "binary"):
            assert _AGE.sub("", before[rel]) == _AGE.sub("", (root / rel).read_text()), rel
    old = dict(repo.keys)
    new = {c: i for c in old for i in agekeys.load_identities()
           if i.public not in {k.public for k in old.values()} and i.public in (root / f"kubernetes/{c}/.sops.yaml").read_text()}
    assert set(new) == set(old)
    for rel, store, cluster in STORES:  # commit 1: the old key alone and the new key alone open it
        assert opens(root, rel, store, [old[cluster]]) and opens(root, rel, store, [new[cluster]]), rel
    _apply(flux, c1)
    res = helpers.run_cli(["rotate", "status", "--apply-key-secrets"], root)
    assert res.code == 0, res.text
    res = helpers.run_cli(["rotate", "finish"], root)
    assert res.code == 0, res.text
    for rel, store, cluster in STORES:  # commit 2: the new key alone opens it, the old keys never
        assert opens(root, rel, store, [new[cluster]]), rel
        assert not opens(root, rel, store, list(old.values())), rel
    assert json.loads((root / "scripts/deploy.sh").read_text())["sops"]["kms"] is None  # as older sops wrote it
    assert helpers.git(root, "status", "--porcelain") == ""


def test_compromised_finish_every_store(repo: wild.Wild) -> None:
    """`finish --compromised`: every file gets a new data key (sops rotate, told the store): every
    ciphertext changes, the new keys alone open it, and the report names each file, never a value."""
    root = repo.root
    old = list(repo.keys.values())
    assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    before = {rel: (root / rel).read_text() for rel, _, _ in STORES}
    res = helpers.run_cli(["rotate", "finish", "--unverified", "--compromised"], root)
    assert res.code == 0, res.text
    new = [i for i in agekeys.load_identities() if i.public not in {k.public for k in old}]
    for rel, store, _ in STORES:
        mac = re.compile(r'(?:"mac": "|^mac\s*= |^sops_mac=)(ENC\[[^\]]*\])', re.M)
        assert mac.findall(before[rel]) != mac.findall((root / rel).read_text()), rel
        assert opens(root, rel, store, new) and not opens(root, rel, store, old), rel
        assert rel in res.out, rel
    assert "kubernetes/main/apps/db/app/app.env: dotenv file (DB_PASSWORD, DB_PORT)" in res.out
    assert "kubernetes/main/apps/db/app/kubeconfig: binary file (its whole content)" in res.out
    assert "Qx7" not in res.text


def test_no_rule_and_kms_refused_before_any_write(repo: wild.Wild) -> None:
    """A dotenv file no rule governs that also holds an AWS KMS recipient: only sops can re-key it,
    and only with a rule (a KMS entry carries more than its ARN). start refuses, naming it."""
    root = repo.root
    rel = "env/main.env"
    kms = (f"sops_kms__list_0__map_arn={wild.KMS_ARN}\nsops_kms__list_0__map_aws_profile=\n"
           "sops_kms__list_0__map_created_at=2026-01-01T00:00:00Z\nsops_kms__list_0__map_enc=AQICAHhbogus\n")
    text = (root / rel).read_text()
    (root / rel).write_text(text.replace("sops_lastmodified=", kms + "sops_lastmodified="))
    helpers.git(root, "commit", "-qam", "kms too")
    before = helpers.repo_state(root)
    plan = json.loads(helpers.run_cli(["rotate", "start", "--all", "--dry-run", "--format", "json"], root).out)
    assert any(p.startswith(f"{rel}: sops must re-key it") for p in plan["problems"]), plan["problems"]
    res = helpers.run_cli(["rotate", "start", "--all"], root)
    errors = [ln for ln in res.err.splitlines() if ln.startswith("secretops: error:")]  # notes aside: one line
    assert res.code == 2 and len(errors) == 1 and f"error: {rel}: sops must re-key it" in errors[0], res.err
    assert helpers.repo_state(root) == before

"""Every sops store through a full rotation: YAML beside JSON, dotenv, INI and sops's JSON
("binary") format under any name, made by the real sops (never by secretops), some matched by a
creation rule and some outside every `.sops.yaml`. start -> each cluster applies commit 1 (the fake
API server) -> finish; each file is judged by the real `sops decrypt`, told the store the file's
content is in, with key files that hold only the old or only the new keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secretops.sops import agekeys
from secretops.sops.agekeys import Identity
from tests import fakeflux, helpers, wild
from tests.rotation.conftest import head
from tests.rotation.test_adoption import _apply, flux  # noqa: F401  (the fixture is used by name)

PLAIN = {"json": '{"db": {"password": "%s", "port": 5432}, "hosts": ["a", "b"]}\n',
         "dotenv": "# database\nDB_PASSWORD=%s\nDB_PORT=5432\n",
         "ini": "[database]\npassword = %s\nport = 5432\n\n[cache]\nhost = redis\n",
         "binary": 'db_password = "%s"\nregion = "eu-west-1"\n'}

# (path, store, cluster): the store is what sops is told (--input-type), whatever the name says
STORES = [
    ("kubernetes/main/apps/db/app/config.sops.json", "json", "main"),
    ("kubernetes/main/apps/db/app/app.env", "dotenv", "main"),
    ("kubernetes/main/apps/db/app/settings.ini", "ini", "main"),
    ("kubernetes/main/apps/db/app/creds.conf", "ini", "main"),  # INI content, a name sops reads as binary
    ("kubernetes/main/apps/db/app/terraform.tfvars", "binary", "main"),
    ("kubernetes/main/apps/db/app/kubeconfig", "binary", "main"),
    ("kubernetes/main/apps/db/app/backup.sops.json", "binary", "main"),  # the binary format named .json
    ("kubernetes/staging/apps/cache/app/values.toml", "binary", "staging"),
    ("kubernetes/staging/apps/cache/app/cache.env", "dotenv", "staging"),
    ("terraform/main/secrets.hcl", "binary", "main"),  # outside every `.sops.yaml`: no rule governs it
    ("scripts/deploy.sh", "binary", "main"),
    ("env/main.env", "dotenv", "main"),
]


def encrypt_store(root: Path, rel: str, store: str, recipients: list[str], plaintext: str) -> None:
    """The real sops, with a throwaway config naming exactly these recipients."""
    tmp = root.parent / f".stores-{root.name}"
    tmp.mkdir(exist_ok=True)
    (tmp / ".sops.yaml").write_text(f"creation_rules:\n  - age: {','.join(recipients)}\n")
    res = helpers.run_proc([helpers.sops_bin(), "--config", str(tmp / ".sops.yaml"), "encrypt", "--input-type", store,
                            "--output-type", store, "/dev/stdin"], root, input=plaintext.encode())
    assert res.code == 0, res.err
    helpers.write(root / rel, res.out)


def older_sops_json(path: Path) -> None:
    """The binary format as older sops wrote it (seen in the wild: `*.sh` files): four-space indent
    and null recipient lists. The MAC covers values only, so the file stays valid."""
    doc = json.loads(path.read_text())
    doc["sops"] = {"kms": None, "gcp_kms": None, "azure_kv": None, "hc_vault": None, **doc["sops"]}
    path.write_text(json.dumps(doc, indent=4) + "\n")


def opens(root: Path, rel: str, store: str, keys: list[Identity]) -> bool:
    """The real sops, told the store, with exactly these keys (no rules read; output discarded)."""
    import os
    import subprocess

    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", "--input-type", store,
                          "--output-type", store, rel], cwd=root, capture_output=True, timeout=60,
                         env=dict(os.environ, **agekeys.identity_env(keys)))
    return res.returncode == 0


def stores_repo(root: Path) -> wild.Wild:
    repo = wild.per_cluster_repo(root, kms=False)
    for n, (rel, store, cluster) in enumerate(STORES):
        encrypt_store(root, rel, store, [repo.keys[cluster].public], PLAIN[store] % helpers.plant(f"pw-{n}-Qx7"))
        repo.files[cluster].append(rel)
    older_sops_json(root / "scripts/deploy.sh")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "secrets of every store")
    return repo


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> wild.Wild:
    return stores_repo(tmp_path / "home-ops")


def test_status_lists_every_store(repo: wild.Wild) -> None:
    res = helpers.run_cli(["status", "--format", "json"], repo.root)
    assert res.code == 0, res.text
    rows = {r["path"]: r for r in json.loads(res.out)["files"]}
    assert set(rows) == set(repo.all_files())
    for rel, _store, cluster in STORES:
        assert rows[rel]["kind"] == "encrypted" and rows[rel]["recipients"] == {"age": [repo.keys[cluster].public]}
        assert rows[rel]["sops_version"] == "3.11.0" and rows[rel]["lastmodified"]


def test_full_rotation_every_store(repo: wild.Wild, flux: fakeflux.FakeKube) -> None:  # noqa: F811
    root = repo.root
    plan = json.loads(helpers.run_cli(["rotate", "start", "--all", "--dry-run", "--format", "json"], root).out)
    assert {rel for rel, _, _ in STORES} <= set(plan["files"]), plan
    res = helpers.run_cli(["rotate", "start", "--all"], root)
    assert res.code == 0, res.text
    c1 = head(root)
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
    assert helpers.git(root, "status", "--porcelain") == ""

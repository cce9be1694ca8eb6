"""Conventions differ between repositories: suffixes, key Secret names, clusters and contexts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from secretops.errors import ConfigError
from secretops.repo import config
from tests import fakeflux, helpers

CUSTOM = """version: 1
encrypted_suffix: .secret.sops.yaml
clear_suffix: .secret.clear.yaml
clusters_dir: kubernetes
key_secret: {name: sops-gpg, namespace: flux-system, data_key: identity.agekey}
clusters:
  main: {path: kubernetes/main, kube_context: admin@main}
  storage: {path: kubernetes/storage, kube_context: admin@storage}
"""


@pytest.fixture
def custom(tmp_path: Path) -> Path:
    root = tmp_path / "c"
    for name in ("main", "storage"):
        helpers.write(root / "kubernetes" / name / "flux" / "kustomization.yaml", "resources: []\n")
    helpers.write(root / ".secretops.yaml", CUSTOM)
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.git(root, "remote", "add", "origin", fakeflux.REPO_URL)
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "repo")
    assert helpers.run_cli(["init"], root).code == 0
    helpers.write(root / "kubernetes/main/apps/db.secret.clear.yaml", helpers.secret_yaml("db", helpers.plant("cfg-Ux3")))
    assert helpers.run_cli(["encrypt", "--rm"], root).code == 0
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "secrets")
    return root


def test_custom_conventions_end_to_end(custom: Path, isolated_home: Path) -> None:
    secret = custom / "kubernetes/main/flux-system/sops-gpg.secret.sops.yaml"
    assert secret.exists() and "identity.agekey: ENC[" in secret.read_text()
    assert "*.secret.clear.yaml" in (custom / ".gitignore").read_text()
    files = {f["path"]: f for f in json.loads(helpers.run_cli(["status", "--format", "json"], custom).out)["files"]}
    assert files["kubernetes/main/apps/db.secret.sops.yaml"]["cluster"] == "main"
    assert all(f["state"] == "ok" for f in files.values())
    assert helpers.run_cli(["decrypt", "kubernetes/main/apps/db.secret.sops.yaml"], custom).code == 0
    assert (custom / "kubernetes/main/apps/db.secret.clear.yaml").exists()
    helpers.git(custom, "add", "-f", "kubernetes/main/apps/db.secret.clear.yaml")
    res = helpers.run_cli(["check", "--staged", "--format", "json"], custom)
    assert res.code == 1 and {f["rule"] for f in json.loads(res.out)["findings"]} == {"clear-file"}
    helpers.git(custom, "rm", "-q", "--cached", "kubernetes/main/apps/db.secret.clear.yaml")
    assert helpers.run_cli(["rotate", "start", "--cluster", "main"], custom).code == 0
    with fakeflux.FakeKube() as kube:
        for ctx in ("admin@main", "admin@storage"):
            kube.add(ctx).put("kustomizations", fakeflux.kustomization("flux-system", secret="sops-gpg"))
        os.environ["KUBECONFIG"] = str(kube.kubeconfig(isolated_home / ".kube/config", ["admin@main", "admin@storage"]))
        res = helpers.run_cli(["rotate", "status", "--format", "json"], custom)
    data = json.loads(res.out)
    assert [c["name"] for c in data["clusters"]] == ["main"]  # per-cluster keys: storage is untouched
    assert data["clusters"][0]["context"] == "admin@main" and data["clusters"][0]["reachable"]
    storage = (custom / "kubernetes/storage/flux-system/sops-gpg.secret.sops.yaml").read_text()
    assert helpers.git(custom, "show", "HEAD~1:kubernetes/storage/flux-system/sops-gpg.secret.sops.yaml") == storage


@pytest.mark.parametrize("text,message", [
    ("version: 2\n", "schema version 2"),
    ("key_secret: {data_key: age.key}\n", "must end in .agekey"),
    ("encrypted_suffix: .x.yaml\nclear_suffix: .x.yaml\n", "must differ"),
    ("clusters: [a, b]\n", "must map names"),
])
def test_bad_config(tmp_path: Path, text: str, message: str) -> None:
    helpers.write(tmp_path / ".secretops.yaml", text)
    with pytest.raises(ConfigError, match=message):
        config.load(tmp_path)
    helpers.git(tmp_path, "init", "-q")
    res = helpers.run_cli(["status"], tmp_path)
    assert res.code == 2 and message in res.err


def test_defaults() -> None:
    cfg = config.Config()
    assert (cfg.encrypted_suffix, cfg.clear_suffix, cfg.key_secret.name, cfg.key_secret.namespace,
            cfg.key_secret.data_key) == (".enc.yaml", ".clear.yaml", "sops-age", "flux-system", "age.agekey")
    assert cfg.clear_name("a/b.enc.yaml") == "a/b.clear.yaml" and cfg.encrypted_name("a/b.clear.yaml") == "a/b.enc.yaml"

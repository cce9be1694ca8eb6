"""Real repositories (../shared: three corpus snapshots, three full histories cloned into tmp), read
with nothing configured: `status`, `init --dry-run` and `rotate start --all --dry-run` infer what
their Flux manifests say. Skipped when ../shared is not beside the checkout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.conftest import CORPUS

HISTORIES = CORPUS.parent / "histories"

# What each repository's Flux manifests say: cluster -> the folder its entry point syncs (home), the
# sops files each cluster applies (a sample), the one shared age key's owners, the key Secrets.
EXPECTED: dict[str, dict[str, Any]] = {
    "onedr0p__home-ops": {  # two bootstrap syncs (kubernetes/<c>/flux/config/cluster.yaml), one shared key
        "clusters": {"main": "kubernetes/main", "storage": "kubernetes/storage"},
        "applies": {"kubernetes/main/flux/vars/cluster-secrets.secret.sops.yaml": ["main"],
                    "kubernetes/storage/flux/vars/cluster-secrets.secret.sops.yaml": ["storage"],
                    # its ks.yaml is commented out of the namespace's kustomization.yaml: applied by none
                    "kubernetes/main/apps/external-secrets/onepassword-connect/app/"
                    "onepassword-connect.secret.sops.yaml": [],
                    "kubernetes/main/bootstrap/flux/age-key.secret.sops.yaml": []},
        "key_secrets": ["kubernetes/main/bootstrap/flux/age-key.secret.sops.yaml",
                        "kubernetes/storage/bootstrap/flux/age-key.secret.sops.yaml"],
        "delivery": {"main": "git", "storage": "git"},
    },
    "joryirving__home-ops": {  # FluxInstance per cluster; the key Secret in a shared component
        "clusters": {"main": "kubernetes/clusters/main", "test": "kubernetes/clusters/test",
                     "utility": "kubernetes/clusters/utility"},
        "applies": {"kubernetes/components/clusters/test/cluster-secrets.sops.yaml": ["test"],
                    "kubernetes/components/common/sops/secret.sops.yaml": ["main", "test", "utility"],
                    "talos/main/talsecret.sops.yaml": []},
        "key_secrets": ["kubernetes/components/common/sops/secret.sops.yaml"],
        "delivery": {"main": "git", "test": "git", "utility": "git"},
    },
    "mirceanton__home-ops": {  # the flux-instance chart syncs apps/; apps/flux-system is an app folder
        "clusters": {"apps": "apps"},
        "applies": {"apps/security-system/1password-connect/app/op-token.secret.sops.yaml": ["apps"],
                    "talos/talsecret.sops.yaml": []},
        "key_secrets": [],
        "delivery": {"apps": "api"},  # the controller's --sops-age-secret; the Secret is not in git
    },
    "budimanjojo__home-cluster": {  # a FluxInstance (HelmRelease values) syncing cluster/base
        "clusters": {"base": "cluster/base"},
        "applies": {"talos/talsecret.sops.yaml": []},
        "key_secrets": ["cluster/bootstrap/sops-age.sops.yaml"],
        "delivery": {"base": "git"},
    },
    "wrmilling__k3s-gitops": {  # flux bootstrap --path=. ; PGP only: no age key to rotate
        "clusters": {"default": "."},
        "applies": {"social/mastodon/mastodon.sops.yaml": ["default"]},
        "key_secrets": None,
    },
    "billimek__k8s-gitops": {  # SealedSecrets, no sops file: nothing to rotate
        "clusters": {"setup": "setup/flux/cluster"},
        "applies": {},
        "key_secrets": None,
    },
}


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HISTORIES.is_dir():
        pytest.skip("../shared/histories is not beside the checkout")
    base = tmp_path_factory.mktemp("histories")
    for bundle in sorted(HISTORIES.glob("*.bundle")):
        helpers.run_proc(["git", "clone", "-q", str(bundle), str(base / bundle.stem)], base, timeout=600)
    return base


def _repo(name: str, tmp_path: Path, histories: Path | None) -> Path:
    if histories is not None:
        return histories / name
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    root = tmp_path / name
    shutil.copytree(CORPUS / name, root)
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "snapshot")
    return root


def _check(root: Path, want: dict[str, Any]) -> None:
    before = helpers.repo_state(root)
    res = helpers.run_cli(["status", "--format", "json"], root)
    assert res.code == 0, res.text
    body = json.loads(res.out)
    rows = {r["path"]: r for r in body["files"]}
    layout = body["layout"]
    origins = [line for line in layout if " comes from " in line]
    assert sorted(line.split()[1] for line in origins) == sorted(want["clusters"])  # none phantom, none twice
    assert all("comes from flux entry point" in line for line in origins)
    for cluster, home in want["clusters"].items():
        assert any(line.startswith(f"cluster: {cluster} ({home}): ") for line in layout), layout
    for rel, clusters in want["applies"].items():
        assert rows[rel]["clusters"] == clusters, (rel, rows[rel])
    assert not any(line.startswith("conflict:") for line in layout), layout
    res = helpers.run_cli(["init", "--dry-run"], root)
    assert res.code == 0, res.text
    res = helpers.run_cli(["rotate", "start", "--all", "--dry-run", "--format", "json"], root)
    if want["key_secrets"] is None:
        assert res.code == 2 and "no age key to rotate" in res.err, res.text
    else:
        plan = json.loads(res.out)
        assert len(plan["keys"]) == 1 and plan["keys"][0]["clusters"] == sorted(want["clusters"])
        assert plan["clusters"] == sorted(want["clusters"]) and plan["key_delivery"] == want["delivery"]
        assert plan["key_secrets"] == want["key_secrets"]
        carriers = sorted(r["path"] for r in rows.values() if plan["keys"][0]["old"] in
                          r["recipients"].get("age", []))
        assert plan["files"] == carriers  # every sops file that carries the key, applied by a cluster or not
        assert all(p.startswith("the old key is missing") or "cannot be opened" in p or "git repository" in p
                   for p in plan["problems"]), plan["problems"]
    assert helpers.repo_state(root) == before


@pytest.mark.parametrize("name", ["onedr0p__home-ops", "joryirving__home-ops", "mirceanton__home-ops"])
def test_corpus(tmp_path: Path, name: str) -> None:
    _check(_repo(name, tmp_path, None), EXPECTED[name])


@pytest.mark.parametrize("name", ["budimanjojo__home-cluster", "wrmilling__k3s-gitops", "billimek__k8s-gitops"])
def test_histories(tmp_path: Path, histories: Path, name: str) -> None:
    _check(_repo(name, tmp_path, histories), EXPECTED[name])

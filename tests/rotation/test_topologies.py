"""rotate status across the Flux topologies platform teams run: tag and semver promotion, feature
branches, gitless OCI sources, a management cluster serving every workload cluster, and key Secrets
Flux never applies. Each has a lagging cluster that must not be verified and a done one that must be.
Assertions read the JSON fields, not the prose."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secretops.repo import discovery, keysecrets
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from tests import fakeflux, helpers
from tests.rotation.conftest import head


def _status(root: Path, *extra: str) -> dict[str, Any]:
    res = helpers.run_cli(["rotate", "status", "--format", "json", *extra], root)
    assert res.code in (0, 1), res.text
    body = json.loads(res.out)
    return {c["name"]: c for c in body["clusters"]} | {"_verified": body["verified"]}


def _secrets_of(root: Path, name: str) -> list[tuple[str, str, dict[str, str]]]:
    repo = open_repo(root)
    ids = agekeys.load_identities()
    return [(s.name, s.namespace, {e.name: e.content for e in keysecrets.read_entries(root, s.rel, ids)})
            for s in discovery.scan(repo).key_secrets_for(repo, name)]


def _apply(cluster: fakeflux.Cluster, root: Path, name: str, sha: str, *, ns: str = "flux-system",
           ks_name: str = "flux-system", ref: str = "main", managed: bool = True, revision: str | None = None) -> None:
    """Play Flux in one cluster: ``ks_name`` applied ``sha`` and loaded the key Secret of that commit."""
    ks = cluster.get("kustomizations", ns, ks_name)
    assert ks is not None
    fakeflux.set_applied(ks, sha, ref=ref, revision=revision)
    for secret, _ns, entries in _secrets_of(root, name):
        cluster.put("secrets", fakeflux.key_secret(secret, ns, entries, managed=managed))


@pytest.fixture
def kube(rfleet: Path, isolated_home: Path) -> Iterator[fakeflux.FakeKube]:
    with fakeflux.FakeKube() as server:
        for name in ("dev", "staging", "prod"):
            cluster = server.add(name)
            cluster.put("kustomizations", fakeflux.kustomization("flux-system", path=f"./clusters/{name}"))
        os.environ["KUBECONFIG"] = str(server.kubeconfig(isolated_home / ".kube" / "config",
                                                         ["dev", "staging", "prod"]))
        for name in ("dev", "staging", "prod"):
            _apply(server.clusters[name], rfleet, name, head(rfleet))
        yield server


def _start(root: Path) -> tuple[str, str]:
    base = head(root)
    res = helpers.run_cli(["rotate", "start", "--all"], root)
    assert res.code == 0, res.text
    return base, head(root)


def test_tag_promotion(rfleet: Path, kube: fakeflux.FakeKube) -> None:
    helpers.write(rfleet / "clusters/prod/flux-system/gotk-sync.yaml",
                  "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
                  "spec:\n  ref:\n    tag: v0.0.3\n  url: ssh://git@github.com/acme/fleet\n")
    helpers.git(rfleet, "add", "-A")
    helpers.git(rfleet, "commit", "-qm", "prod follows a release tag")
    base = head(rfleet)
    res = helpers.run_cli(["rotate", "start", "--all"], rfleet)
    assert res.code == 0 and "clusters/prod/flux-system/gotk-sync.yaml: tag v0.0.3" in res.err
    c1 = head(rfleet)
    prod = kube.clusters["prod"]
    prod.get("gitrepositories", "flux-system", "flux-system")["spec"]["ref"] = {"tag": "v0.0.3"}
    _apply(prod, rfleet, "prod", base, ref="v0.0.3")
    for name in ("dev", "staging"):
        _apply(kube.clusters[name], rfleet, name, c1)
    got = _status(rfleet)
    assert got["dev"]["verified"] and got["staging"]["verified"] and not got["prod"]["verified"]
    ks = got["prod"]["kustomizations"][0]
    assert ks["ref"] == {"tag": "v0.0.3"} and ks["action"] == "promote-tag"
    res = helpers.run_cli(["rotate", "tag", "v0.0.4"], rfleet)  # cut a release at commit 1, then promote it
    assert res.code == 0 and helpers.git(rfleet, "rev-list", "-n", "1", "v0.0.4").strip() == c1
    prod.get("gitrepositories", "flux-system", "flux-system")["spec"]["ref"] = {"tag": "v0.0.4"}
    _apply(prod, rfleet, "prod", c1, ref="v0.0.4")
    assert _status(rfleet)["_verified"]


@pytest.mark.parametrize("ref,action", [({"semver": ">=1.0.0 <2.0.0"}, "promote-semver"),
                                        ({"branch": "sandbox"}, "merge-branch"),
                                        ({"commit": "0" * 40}, "pinned")])
def test_other_refs_say_what_to_do(rfleet: Path, kube: fakeflux.FakeKube, ref: dict[str, str], action: str) -> None:
    base, c1 = _start(rfleet)
    kube.clusters["staging"].get("gitrepositories", "flux-system", "flux-system")["spec"]["ref"] = ref
    _apply(kube.clusters["staging"], rfleet, "staging", base, ref=next(iter(ref.values())))
    _apply(kube.clusters["dev"], rfleet, "dev", c1)
    got = _status(rfleet)
    assert got["dev"]["verified"] and not got["staging"]["verified"]
    assert got["staging"]["kustomizations"][0]["action"] == action
    assert got["staging"]["kustomizations"][0]["ref"] == ref


def test_gitless_oci_sources(rfleet: Path, kube: fakeflux.FakeKube) -> None:
    base, c1 = _start(rfleet)
    for name, sha in (("dev", c1), ("prod", base)):
        cluster = kube.clusters[name]
        ks = cluster.get("kustomizations", "flux-system", "flux-system")
        ks["spec"]["sourceRef"] = {"kind": "OCIRepository", "name": "fleet"}
        oci = fakeflux.ocirepository("fleet", sha)
        cluster.put("ocirepositories", oci)
        _apply(cluster, rfleet, name, sha, revision=oci["status"]["artifact"]["revision"])
    _apply(kube.clusters["staging"], rfleet, "staging", c1)
    got = _status(rfleet)
    assert got["dev"]["verified"] and got["staging"]["verified"] and not got["prod"]["verified"]
    dev, prod = got["dev"]["kustomizations"][0], got["prod"]["kustomizations"][0]
    assert dev["source_kind"] == "OCIRepository" and dev["artifact"].startswith("latest@sha256:")
    assert dev["revision"] == f"main@sha1:{c1}" and prod["action"] == "push-artifact"
    other = fakeflux.ocirepository("fleet", c1, url="https://github.com/acme/another-repo")
    kube.clusters["dev"].put("ocirepositories", other)  # an artifact of another repository is not ours
    assert not _status(rfleet)["dev"]["verified"]


def test_management_cluster_asked_once(rfleet: Path, isolated_home: Path) -> None:
    helpers.write(rfleet / ".secretops.yaml", "version: 1\nclusters:\n" + "".join(
        f"  {n}: {{path: clusters/{n}, kube_context: hub}}\n" for n in ("dev", "staging", "prod")))
    helpers.git(rfleet, "add", "-A")
    helpers.git(rfleet, "commit", "-qm", "one management cluster")
    with fakeflux.FakeKube() as server:
        hub = server.add("hub")
        for name in ("dev", "staging", "prod"):
            ks = fakeflux.kustomization(name, ns=name, path=f"./clusters/{name}")
            ks["spec"]["kubeConfig"] = {"secretRef": {"name": f"{name}-kubeconfig"}}
            ks["spec"]["sourceRef"]["namespace"] = "flux-system"
            hub.put("kustomizations", ks)
            _apply(hub, rfleet, name, head(rfleet), ns=name, ks_name=name)
        os.environ["KUBECONFIG"] = str(server.kubeconfig(isolated_home / ".kube" / "config", ["hub"]))
        base, c1 = _start(rfleet)
        for name in ("dev", "staging"):
            _apply(hub, rfleet, name, c1, ns=name, ks_name=name)
        before = server.requests
        got = _status(rfleet)
        asked = server.requests - before
    assert got["dev"]["verified"] and got["staging"]["verified"] and not got["prod"]["verified"]
    assert [k["name"] for k in got["prod"]["kustomizations"]] == ["prod"]
    assert asked <= 2 + 3, f"the hub was asked {asked} times for three clusters"


def test_key_secret_flux_does_not_apply(rfleet: Path, kube: fakeflux.FakeKube) -> None:
    base, c1 = _start(rfleet)
    for name in ("dev", "staging"):
        _apply(kube.clusters[name], rfleet, name, c1)
    prod = kube.clusters["prod"]
    _apply(prod, rfleet, "prod", c1, managed=False)
    old_secret = fakeflux.key_secret("sops-age", "flux-system", {"age.agekey": "# bootstrapped once by hand\n"},
                                     managed=False)
    prod.put("secrets", old_secret)
    got = _status(rfleet)
    assert got["dev"]["verified"] and not got["prod"]["verified"]
    assert got["prod"]["key_secret"] == "not-applied-by-flux"
    got = _status(rfleet, "--apply-key-secrets")
    assert got["prod"]["verified"], got["prod"]
    stored = prod.get("secrets", "flux-system", "sops-age")
    assert stored is not None and "age-rotation.agekey" in stored["data"]


@pytest.mark.parametrize("repo,clusters,suffix", [
    ("onedr0p__home-ops", ["main", "storage"], ".secret.sops.yaml"),
    ("joryirving__home-ops", ["main", "test", "utility"], ".sops.yaml"),
])
def test_zero_config_on_the_corpus(corpus: Path, repo: str, clusters: list[str], suffix: str) -> None:
    res = helpers.run_cli(["-C", str(corpus / repo), "rotate", "start", "--all", "--dry-run", "--format", "json"],
                          Path.cwd())
    plan = json.loads(res.out)
    assert plan["clusters"] == clusters, res.err
    assert plan["key_secrets"] and all(f.endswith(suffix) for f in plan["files"])


@pytest.mark.parametrize("repo,lagging,done", [("onedr0p__home-ops", "storage", "main"),
                                               ("joryirving__home-ops", "utility", "main")])
def test_zero_config_status_on_the_corpus(corpus: Path, tmp_path: Path, isolated_home: Path, repo: str,
                                          lagging: str, done: str) -> None:
    """The real layouts, with nothing configured: clusters and key Secrets are inferred, a lagging
    cluster is not verified and a done one is. Their keys are not available, so commit 1 is a state
    file committed in a throwaway copy (the corpus itself is only read)."""
    import shutil

    root = tmp_path / repo
    shutil.copytree(corpus / repo, root)
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "base")
    helpers.git(root, "remote", "add", "origin", fakeflux.REPO_URL)
    base = head(root)
    found = open_repo(root, infer=True)
    clusters = {c.name: c for c in found.clusters}
    owned = {n: [k.rel for k in discovery.scan(found).key_secrets_for(found, n)] for n in clusters}
    old = discovery.scan(found).key_secrets[0].recipients[0]
    new = agekeys.generate()
    state = {"version": 1, "id": "corpus", "phase": "started", "base_commit": base, "branch": "main",
             "started_at": "2026-01-01T00:00:00Z", "keys": [{"old": old, "new": new.public, "clusters": list(clusters)}],
             "clusters": [{"name": n, "kube_context": n, "key_secrets": owned[n]} for n in clusters]}
    helpers.write(root / ".secretops/rotation.yaml", json.dumps(state))
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "commit 1")
    c1 = head(root)
    with fakeflux.FakeKube() as server:
        for name, cluster in clusters.items():
            fake = server.add(name)
            ks = fakeflux.kustomization("flux-system", path=f"./{cluster.path}")
            fake.put("kustomizations", ks)
            fakeflux.set_applied(ks, c1 if name == done else base)
            keys = f"# public key: {new.public}\n{new.secret}\n" if name == done else ""
            fake.put("secrets", fakeflux.key_secret("sops-age", "flux-system", {"age.agekey": keys}))
        os.environ["KUBECONFIG"] = str(server.kubeconfig(isolated_home / ".kube" / "config", list(clusters)))
        res = helpers.run_cli(["rotate", "status", "--format", "json"], root)
    body = {c["name"]: c for c in json.loads(res.out)["clusters"]}
    assert res.code == 1 and "inferred" in res.err
    assert body[done]["verified"] and not body[lagging]["verified"], body

"""Scan.key_secrets_for by index gives the answers the search over every key Secret gave, on
generated fleets: Flux decryptions by name and namespace, key Secrets in cluster folders, under
`bootstrap/<cluster>/`, shared, or named by no Flux (the owner fallback)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from secretops.repo import config as config_mod
from secretops.repo.discovery import Scan
from secretops.repo.keysecrets import KeySecret
from secretops.repo.model import Repo
from tests import helpers

SYNC = ("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n"
        "  namespace: flux-system\nspec:\n  path: ./{path}\n  sourceRef:\n    kind: GitRepository\n"
        "    name: flux-system\n{decryption}---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: ssh://git@example.com/x\n")
DECRYPTION = "  decryption:\n    provider: sops\n    secretRef:\n      name: {name}\n"


def _searched(scan: Scan, repo: Repo, cluster_name: str) -> list[KeySecret]:
    """The search that the index replaced, word for word."""
    cluster = repo.cluster(cluster_name)
    if cluster.key_secret:
        return [k for k in scan.key_secrets if k.rel == cluster.key_secret]
    flux = repo.flux_cluster(cluster)
    wanted = {(d.secret, d.namespace) for d in flux.decryptions if d.secret} if flux else set()
    if flux and flux.global_secret and any(d.global_flag for d in flux.decryptions):
        wanted.add((flux.global_secret, "flux-system"))
    if not wanted:
        inside = [k for k in scan.key_secrets if scan.owners.get(k.rel) == cluster.name]
        return inside or [k for k in scan.key_secrets if scan.owners.get(k.rel) is None]
    named = [k for k in scan.key_secrets if (k.name, k.namespace) in wanted]
    named = named or [k for k in scan.key_secrets if k.name in {n for n, _ns in wanted}]
    if len(named) <= 1:
        return named
    applied = [k for k in named if cluster.name in repo.clusters_of(k.rel)]
    if applied:
        return applied
    others = {c.name for c in repo.clusters if c.name != cluster.name}
    mine = [k for k in named if cluster.name in k.rel.split("/")[:-1]]
    return mine or [k for k in named if not repo.clusters_of(k.rel) and not others & set(k.rel.split("/")[:-1])]


def _fleet(root: Path, seed: int) -> tuple[Repo, Scan]:
    rng = random.Random(seed)
    names = [f"c{n}" for n in range(rng.randint(4, 14))]
    secrets: list[KeySecret] = []
    for name in names:
        home = f"clusters/{name}"
        helpers.write(root / home / "apps" / "cm.yaml", "kind: ConfigMap\n")
        if rng.random() < 0.85:
            secret = rng.choice(["sops-age", "sops-age", "sops-gpg", f"{name}-age"])
            decryption = DECRYPTION.format(name=secret) if rng.random() < 0.8 else ""
            helpers.write(root / home / "flux-system" / "gotk-sync.yaml", SYNC.format(path=home, decryption=decryption))
        for _ in range(rng.randint(0, 3)):
            folder = rng.choice([f"{home}/flux-system", f"{home}/apps", f"bootstrap/{name}", "bootstrap", "shared",
                                 f"bootstrap/{rng.choice(names)}"])
            secrets.append(KeySecret(f"{folder}/key{len(secrets)}.enc.yaml", rng.choice(["sops-age", "sops-gpg",
                                     f"{name}-age"]), rng.choice(["flux-system", "flux-system", "default"]),
                                     (("stringData", "age.agekey"),), ()))
    for k in secrets:  # on disk, so that the Flux of the cluster whose folder holds one applies it
        helpers.write(root / k.rel, "kind: Secret\n")
    repo = Repo(root, False, config_mod.load(root))
    owners = {k.rel: (c.name if (c := repo.cluster_of(k.rel)) else None) for k in secrets}
    return repo, Scan((), (), tuple(secrets), owners)


@pytest.mark.parametrize("seed", range(12))
def test_the_index_answers_as_the_search(tmp_path: Path, seed: int) -> None:
    repo, scan = _fleet(tmp_path, seed)
    assert repo.clusters and scan.key_secrets
    found = 0
    for cluster in repo.clusters:
        expected = _searched(scan, repo, cluster.name)
        assert scan.key_secrets_for(repo, cluster.name) == expected, cluster.name
        found += len(expected)
    assert found


def test_a_cluster_named_key_secret_is_its_own(tmp_path: Path) -> None:
    repo, scan = _fleet(tmp_path, 1)
    pinned = Repo(tmp_path, False, config_mod.load(tmp_path))
    name = pinned.clusters[0].name
    helpers.write(tmp_path / ".secretops.yaml", f"version: 1\nclusters:\n  {name}:\n    path: clusters/{name}\n"
                  f"    key_secret: {scan.key_secrets[0].rel}\n")
    pinned = Repo(tmp_path, False, config_mod.load(tmp_path))
    assert scan.key_secrets_for(pinned, name) == _searched(scan, pinned, name) == [scan.key_secrets[0]]


def test_of_several_so_named_the_applied_one_then_the_one_in_its_folder(tmp_path: Path) -> None:
    for name in ("c0", "c1", "c2"):
        helpers.write(tmp_path / f"clusters/{name}/flux-system/gotk-sync.yaml",
                      SYNC.format(path=f"clusters/{name}", decryption=DECRYPTION.format(name="sops-age")))
    rels = ["clusters/c0/flux-system/a.enc.yaml", "bootstrap/c0/b.enc.yaml", "clusters/c1/flux-system/c.enc.yaml",
            "bootstrap/c2/d.enc.yaml", "bootstrap/e.enc.yaml"]
    for rel in rels:
        helpers.write(tmp_path / rel, "kind: Secret\n")
    secrets = tuple(KeySecret(rel, "sops-age", "flux-system", (("stringData", "age.agekey"),), ()) for rel in rels)
    repo = Repo(tmp_path, False, config_mod.load(tmp_path))
    scan = Scan((), (), secrets, {k.rel: (c.name if (c := repo.cluster_of(k.rel)) else None) for k in secrets})
    assert [k.rel for k in scan.key_secrets_for(repo, "c0")] == [rels[0]]  # applied, not bootstrap/c0's too
    assert [k.rel for k in scan.key_secrets_for(repo, "c2")] == [rels[3]]  # none applied: the one under its name
    for name in ("c0", "c1", "c2"):
        assert scan.key_secrets_for(repo, name) == _searched(scan, repo, name)

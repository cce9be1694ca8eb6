"""Placement by index (Repo.placement, Repo.cluster, Repo.flux_cluster, Topology.of) gives the answers
the search over every cluster gave, on the real repositories and on generated ones mixing Flux entry
points, plain cluster folders and `.secretops.yaml` overrides."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from secretops.flux import topology as topology_mod
from secretops.repo import config as config_mod
from secretops.repo.model import Repo
from tests import helpers
from tests.conftest import CORPUS


def _searched(repo: Repo, rel: str) -> tuple[tuple[str, ...], str]:
    """The per-cluster loop that placement replaced, word for word."""
    names: list[str] = []
    source = topology_mod.NONE
    for cluster in repo.clusters:
        flux = (repo.topology.of(cluster.name) if not repo.config.explicit_clusters else
                next((c for c in repo.topology.clusters if cluster.path in (c.path, c.home)), None))
        if flux is not None:
            if flux.name in repo.topology.clusters_of(rel):
                names.append(cluster.name)
                source = topology_mod.KUSTOMIZATION
        elif rel == cluster.path or rel.startswith(cluster.path + "/") or cluster.path in ("", "."):
            names.append(cluster.name)
            if source == topology_mod.NONE:
                source = topology_mod.OVERRIDE if repo.config.explicit_clusters else topology_mod.FOLDER
    return tuple(sorted(names)), source


def _same(root: Path) -> int:
    repo = Repo(root, False, config_mod.load(root))
    for c in repo.topology.clusters:
        assert repo.topology.of(c.name) == next(x for x in repo.topology.clusters if x.name == c.name)
    for cluster in repo.clusters:
        assert repo.cluster(cluster.name) == next(c for c in repo.clusters if c.name == cluster.name)
        if repo.config.explicit_clusters:
            assert repo.flux_cluster(cluster) == next(
                (c for c in repo.topology.clusters if cluster.path in (c.path, c.home)), None)
    files = repo.files()
    for rel in [*files, *{f.rsplit("/", 1)[0] for f in files if "/" in f}, "elsewhere.yaml"]:
        assert repo.placement(rel) == _searched(repo, rel), rel
    return len(files)


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()) if CORPUS.is_dir() else [])
def test_placement_on_real_repositories(name: str) -> None:
    assert _same(CORPUS / name) > 0


SYNC = ("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n"
        "  namespace: flux-system\nspec:\n  path: ./{path}\n  sourceRef:\n    kind: GitRepository\n"
        "    name: flux-system\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: ssh://git@example.com/x\n")


def _fleet(root: Path, seed: int, override: bool) -> None:
    rng = random.Random(seed)
    homes = []
    for name in [f"c{n}" for n in range(rng.randint(3, 12))]:
        home = f"clusters/{name}" if rng.random() < 0.8 else f"envs/{name}/k8s"
        homes.append(home)
        helpers.write(root / home / "apps" / "s.enc.yaml", "kind: Secret\n")
        helpers.write(root / home / "apps" / "cm.yaml", "kind: ConfigMap\n")
        if rng.random() < 0.6:
            helpers.write(root / home / "flux-system" / "gotk-sync.yaml", SYNC.format(path=home))
    helpers.write(root / "base" / "shared.enc.yaml", "kind: Secret\n")
    if override:
        paths = [*homes[:3], f"{homes[0]}/apps", "base", homes[-1].split("/")[0]]
        helpers.write(root / ".secretops.yaml", "version: 1\nclusters:\n" + "".join(
            f"  o{n}: {{path: {p}, kube_context: o{n}}}\n" for n, p in enumerate(rng.sample(paths, 4))))


@pytest.mark.parametrize("override", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_placement_on_generated_fleets(tmp_path: Path, seed: int, override: bool) -> None:
    _fleet(tmp_path, seed, override)
    assert _same(tmp_path) > 0

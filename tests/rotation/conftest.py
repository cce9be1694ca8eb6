from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from secretops.repo import discovery as scan
from secretops.repo import keysecrets
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from tests import fakeflux, helpers
from tests.conftest import make_fleet

CLUSTERS = ("dev", "staging", "prod")


def with_remote(root: Path) -> Path:
    helpers.git(root, "remote", "add", "origin", fakeflux.REPO_URL + ".git")
    return root


@pytest.fixture
def rfleet(tmp_path: Path) -> Path:
    return with_remote(make_fleet(tmp_path / "fleet"))


@pytest.fixture
def rshared(tmp_path: Path) -> Path:
    return with_remote(make_fleet(tmp_path / "shared", shared_key=True))


def head(root: Path) -> str:
    return helpers.git(root, "rev-parse", "HEAD").strip()


def play_flux(kube: fakeflux.FakeKube, root: Path, sha: str, clusters: tuple[str, ...] | None = None,
              **status: object) -> None:
    """What Flux does in each cluster: apply ``sha`` and load the key Secret from the repo at that commit."""
    repo = open_repo(root)
    found = scan.scan(repo)
    ids = agekeys.load_identities()
    for name in clusters or tuple(kube.clusters):
        cluster = kube.clusters[name]
        ks = cluster.get("kustomizations", "flux-system", "flux-system")
        assert ks is not None
        fakeflux.set_applied(ks, sha, **status)  # type: ignore[arg-type]
        if status.get("ready", True):
            for secret in found.key_secrets_for(repo, name):
                entries = keysecrets.read_entries(root, secret.rel, ids)
                cluster.put("secrets", fakeflux.key_secret(secret.name, secret.namespace,
                                                           {e.name: e.content for e in entries}))


@pytest.fixture
def flux(rfleet: Path, isolated_home: Path) -> Iterator[fakeflux.FakeKube]:
    with fakeflux.FakeKube() as kube:
        for name in CLUSTERS:
            cluster = kube.add(name)
            cluster.put("kustomizations", fakeflux.kustomization("flux-system", path=f"./clusters/{name}"))
            cluster.put("kustomizations", fakeflux.kustomization("infra", secret=None))
            cluster.put("gitrepositories", fakeflux.gitrepository("other", "https://github.com/acme/other.git"))
            cluster.put("kustomizations", fakeflux.kustomization("other-apps", source="other"))
        path = kube.kubeconfig(isolated_home / ".kube" / "config", list(CLUSTERS))
        os.environ["KUBECONFIG"] = str(path)
        play_flux(kube, rfleet, head(rfleet))
        yield kube

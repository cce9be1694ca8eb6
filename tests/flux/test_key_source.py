"""rotate status is never "verified" where Flux could not decrypt commit 2: one test for each way
kustomize-controller names its key (a Kustomization's secretRef, the controller's global
`--sops-age-secret`, KMS, nothing at all) and for a Secret or Deployment the user may not read (403).
Assertions read the JSON fields; each case has the side that must pass too."""

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
    assert body["verified"] == (res.code == 0)
    return {c["name"]: c for c in body["clusters"]}


def _entries(root: Path, cluster: str, sha: str | None = None) -> dict[str, str]:
    """The key Secret's entries as the repository holds them (at HEAD: both keys after commit 1)."""
    repo = open_repo(root)
    ids = agekeys.load_identities()
    out: dict[str, str] = {}
    for secret in discovery.scan(repo).key_secrets_for(repo, cluster):
        out.update({e.name: e.content for e in keysecrets.read_entries(root, secret.rel, ids)})
    return out


class Keys(dict[str, str]):
    def __repr__(self) -> str:  # private keys never reach a failure report
        return f"Keys({sorted(self)})"


@pytest.fixture
def world(rfleet: Path, isolated_home: Path) -> Iterator[tuple[Path, fakeflux.FakeKube, dict[str, str], str]]:
    """One cluster, `dev`, whose Flux applied commit 1; its Kustomization names no secretRef. The
    old-only key entries are kept to play a cluster whose key Secret never got the new key."""
    with fakeflux.FakeKube() as kube:
        cluster = kube.add("dev")
        cluster.put("kustomizations", fakeflux.kustomization("flux-system", path="./clusters/dev", secret=None))
        ks = cluster.get("kustomizations", "flux-system", "flux-system")
        assert ks is not None
        ks["spec"]["decryption"] = {"provider": "sops"}
        os.environ["KUBECONFIG"] = str(kube.kubeconfig(isolated_home / ".kube" / "config", ["dev"]))
        old_only = Keys(_entries(rfleet, "dev"))
        assert helpers.run_cli(["rotate", "start", "--cluster", "dev"], rfleet).code == 0
        c1 = head(rfleet)
        fakeflux.set_applied(ks, c1)
        yield rfleet, kube, old_only, c1


def test_global_key_holding_only_the_old_key_is_not_verified(world: tuple[Path, fakeflux.FakeKube, dict[str, str],
                                                                           str]) -> None:
    root, kube, old_only, _c1 = world
    dev = kube.clusters["dev"]
    dev.put("deployments", fakeflux.controller(("--sops-age-secret=sops-age-global",)))
    dev.put("secrets", fakeflux.key_secret("sops-age-global", "flux-system", old_only, managed=False))
    got = _status(root)["dev"]  # a hand-made global Secret: Flux never applies the repository's one to it
    assert not got["verified"] and got["key_secret"] == "not-applied-by-flux"
    assert any("global key Secret flux-system/sops-age-global" in p for p in got["problems"])
    # delivered through the API: both keys, and then verified
    got = _status(root, "--apply-key-secrets")["dev"]
    assert got["verified"], got
    held = fakeflux.secret_publics(dev.get("secrets", "flux-system", "sops-age-global"))
    assert set(fakeflux.publics_of(old_only)) < held


def test_global_flag_as_two_arguments(world: tuple[Path, fakeflux.FakeKube, dict[str, str], str]) -> None:
    root, kube, _old_only, _c1 = world
    dev = kube.clusters["dev"]
    dev.put("deployments", fakeflux.controller(("--sops-age-secret", "sops-age")))
    dev.put("secrets", fakeflux.key_secret("sops-age", "flux-system", _entries(root, "dev")))
    assert _status(root)["dev"]["verified"]


def test_no_key_at_all_is_not_verified(world: tuple[Path, fakeflux.FakeKube, dict[str, str], str]) -> None:
    root, kube, _old_only, _c1 = world
    dev = kube.clusters["dev"]
    dev.put("secrets", fakeflux.key_secret("sops-age", "flux-system", _entries(root, "dev")))
    got = _status(root)["dev"]  # no Deployment at all
    assert not got["verified"] and got["key_secret"] == "none"
    dev.put("deployments", fakeflux.controller())  # a controller without the flag or KMS credentials
    got = _status(root)["dev"]
    assert not got["verified"] and "no --sops-age-secret flag" in " ".join(got["problems"])


def test_kms_through_a_service_account(world: tuple[Path, fakeflux.FakeKube, dict[str, str], str]) -> None:
    """KMS needs no age delivery, but only files that keep a KMS recipient can be opened by it: these
    files have age recipients only, so commit 2 would leave Flux nothing to decrypt with."""
    root, kube, _old_only, _c1 = world
    dev = kube.clusters["dev"]
    dev.put("deployments", fakeflux.controller())
    dev.get("kustomizations", "flux-system", "flux-system")["spec"]["decryption"]["serviceAccountName"] = "sops-kms"  # type: ignore[index]
    got = _status(root)["dev"]
    assert not got["verified"] and got["key_secret"] == "kms"
    assert "age recipients only" in " ".join(got["problems"])


def test_unreadable_secret_or_controller_is_not_verified(world: tuple[Path, fakeflux.FakeKube, dict[str, str],
                                                                        str]) -> None:
    root, kube, _old_only, _c1 = world
    dev = kube.clusters["dev"]
    dev.put("deployments", fakeflux.controller(("--sops-age-secret=sops-age",)))
    dev.put("secrets", fakeflux.key_secret("sops-age", "flux-system", _entries(root, "dev")))
    assert _status(root)["dev"]["verified"]
    dev.forbidden.add("secrets")
    got = _status(root)["dev"]
    assert not got["verified"] and got["key_secret"] == "unreadable"
    assert "could not be read (HTTP 403)" in " ".join(got["problems"])
    dev.forbidden = {"deployments"}
    got = _status(root)["dev"]
    assert not got["verified"] and "kustomize-controller Deployment could not be read (HTTP 403)" in \
        " ".join(got["problems"])


def test_secret_ref_holding_only_the_old_key(world: tuple[Path, fakeflux.FakeKube, dict[str, str], str]) -> None:
    root, kube, old_only, _c1 = world
    dev = kube.clusters["dev"]
    dev.get("kustomizations", "flux-system", "flux-system")["spec"]["decryption"]["secretRef"] = {"name": "sops-age"}  # type: ignore[index]
    dev.put("secrets", fakeflux.key_secret("sops-age", "flux-system", old_only))
    got = _status(root)["dev"]
    assert not got["verified"] and got["key_secret"] == "old-key-only"
    dev.put("secrets", fakeflux.key_secret("sops-age", "flux-system", _entries(root, "dev")))
    assert _status(root)["dev"]["verified"]


def test_decryption_failure_names_the_missing_key(world: tuple[Path, fakeflux.FakeKube, dict[str, str], str]) -> None:
    root, kube, old_only, c1 = world
    dev = kube.clusters["dev"]
    ks = dev.get("kustomizations", "flux-system", "flux-system")
    assert ks is not None
    ks["spec"]["decryption"]["secretRef"] = {"name": "sops-age"}
    dev.put("secrets", fakeflux.key_secret("sops-age", "flux-system", {}))  # emptied by hand
    fakeflux.set_applied(ks, c1, ready=False, attempted=c1,
                         message="decryption failed for 'apps': failed to get the data key required to decrypt")
    got = _status(root)["dev"]
    assert not got["verified"]
    lacks = [p for p in got["problems"] if "cannot decrypt: its key Secret flux-system/sops-age lacks the key" in p]
    assert lacks and "age1" in lacks[0]
    assert not any(k in " ".join(got["problems"]) for k in old_only.values())

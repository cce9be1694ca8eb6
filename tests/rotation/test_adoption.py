"""Adopting repositories as they are (built by tests/wild.py, never by secretops): status, the dry
run, a full rotation against the fake API server with the new keys delivered through the API (the
key Secrets were made with kubectl and never committed), then updatekeys. Results are judged by the
real sops with key files that hold exactly the old keys or exactly the new keys."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from secretops.sops import agekeys
from secretops.sops.agekeys import Identity
from tests import fakeflux, helpers, wild
from tests.rotation.conftest import head, with_remote


@pytest.fixture(params=["flux-folders", "flux-operator"])
def repo(request: pytest.FixtureRequest, tmp_path: Path, isolated_home: Path) -> wild.Wild:
    return wild.per_cluster_repo(tmp_path / "home-ops", operator=request.param == "flux-operator")


def _json(root: Path, *args: str, code: int = 0) -> dict:  # type: ignore[type-arg]
    res = helpers.run_cli([*args, "--format", "json"], root)
    assert res.code == code, res.text
    return json.loads(res.out)  # type: ignore[no-any-return]


def test_status_reads_every_config_and_attributes_by_keys(repo: wild.Wild) -> None:
    body = _json(repo.root, "status")
    rows = {r["path"]: r for r in body["files"]}
    assert set(rows) == set(repo.all_files())  # no `.sops.yaml` among them: configuration, not a file
    assert all(r["state"] == "ok" for r in rows.values()), [r for r in rows.values() if r["state"] != "ok"]
    assert rows["apps/prod/main-only.sops.yaml"]["cluster"] == "main"  # main's key alone
    assert rows["apps/common/shared.sops.yaml"]["cluster"] is None  # every cluster's key: shared
    assert rows["kubernetes/staging/apps/db/app/secret.sops.yaml"]["rule"].startswith("kubernetes/staging/.sops.yaml")
    layout = "\n".join(body["layout"])
    assert "config: kubernetes/main/.sops.yaml governs kubernetes/main/" in layout
    assert "config: kubernetes/staging/.sops.yaml governs kubernetes/staging/" in layout
    assert "cluster: main (kubernetes/main)" in layout and "key Secret in the cluster only" in layout
    assert repo.keys["main"].public[:12] in layout


def test_dry_run_plans_for_key_secrets_in_the_cluster_only(repo: wild.Wild) -> None:
    before = helpers.repo_state(repo.root)
    plan = _json(repo.root, "rotate", "start", "--all", "--dry-run")
    assert plan["problems"] == []
    assert sorted(plan["clusters"]) == ["main", "staging"]
    assert plan["key_delivery"] == {"main": "api", "staging": "api"}
    assert sorted(plan["files"]) == repo.all_files()
    assert {k["old"] for k in plan["keys"]} == {k.public for k in repo.keys.values()}
    assert helpers.repo_state(repo.root) == before


def _digest(root: Path, rel: str, key: Identity) -> str:
    """A hash of what the real sops decrypts (the plaintext itself never reaches any output)."""
    import hashlib
    import subprocess

    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", rel], cwd=root, capture_output=True,
                         env=dict(os.environ, **agekeys.identity_env([key])), timeout=60)
    assert res.returncode == 0, rel
    return hashlib.sha256(res.stdout).hexdigest()


@pytest.fixture
def flux(repo: wild.Wild, isolated_home: Path) -> Iterator[fakeflux.FakeKube]:
    """Each cluster's Flux: a Kustomization with no secretRef, the controller's --sops-age-secret,
    and a key Secret made by hand (`kubectl create secret generic sops-age --from-file=age.agekey`)."""
    with_remote(repo.root)
    with fakeflux.FakeKube() as kube:
        for name, key in repo.keys.items():
            cluster = kube.add(name)
            ks = fakeflux.kustomization("cluster-apps", path=f"./kubernetes/{name}/apps", secret=None)
            ks["spec"]["decryption"] = {"provider": "sops"}
            cluster.put("kustomizations", ks)
            cluster.put("kustomizations", fakeflux.kustomization("flux-system", path=f"./kubernetes/{name}",
                                                                 secret=None))
            cluster.put("deployments", fakeflux.controller(("--sops-age-secret=sops-age",)))
            cluster.put("secrets", fakeflux.key_secret("sops-age", "flux-system",
                                                       {"age.agekey": f"{key.secret}\n"}, managed=False))
            cluster.put("fluxinstances", {"apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxInstance",
                                          "metadata": {"name": "flux", "namespace": "flux-system"},
                                          "status": {"lastAppliedRevision": "v2.9.4@sha256:" + "a" * 64}})
        os.environ["KUBECONFIG"] = str(kube.kubeconfig(isolated_home / ".kube" / "config", list(repo.keys)))
        yield kube


def _apply(kube: fakeflux.FakeKube, sha: str) -> None:
    for cluster in kube.clusters.values():
        for name in ("cluster-apps", "flux-system"):
            ks = cluster.get("kustomizations", "flux-system", name)
            assert ks is not None
            fakeflux.set_applied(ks, sha)


def test_full_rotation_delivers_keys_through_the_api(repo: wild.Wild, flux: fakeflux.FakeKube) -> None:
    root = repo.root
    res = helpers.run_cli(["rotate", "start", "--all"], root)
    assert res.code == 0, res.text
    c1 = head(root)
    all_keys = agekeys.load_identities()
    new = {c: next(i for i in all_keys if i.public not in {k.public for k in repo.keys.values()}
                   and i.public in (root / f"kubernetes/{c}/.sops.yaml").read_text()) for c in repo.keys}
    # commit 1: every file opens with the old key alone and with the new key alone (real sops)
    for c, files in repo.files.items():
        for rel in files:
            owners = list(repo.keys) if c == "shared" else [c]
            for o in owners:
                assert helpers.sops_opens(root, rel, [repo.keys[o]]) and helpers.sops_opens(root, rel, [new[o]]), rel
    _apply(flux, c1)
    got = {c["name"]: c for c in _json(root, "rotate", "status", code=1)["clusters"]}
    assert not any(c["verified"] for c in got.values())
    assert {c["key_secret"] for c in got.values()} == {"old-key-only"}
    before = {n: dict(c.get("secrets", "flux-system", "sops-age")["data"]) for n, c in flux.clusters.items()}  # type: ignore[index]
    got = {c["name"]: c for c in _json(root, "rotate", "status", "--apply-key-secrets")["clusters"]}
    assert all(c["verified"] for c in got.values()), got
    for name, cluster in flux.clusters.items():
        secret = cluster.get("secrets", "flux-system", "sops-age")
        assert fakeflux.secret_publics(secret) == {repo.keys[name].public, new[name].public}
        assert secret["data"]["age.agekey"] == before[name]["age.agekey"]  # type: ignore[index]  # the old key stays
    res = helpers.run_cli(["rotate", "finish"], root)
    assert res.code == 0, res.text
    old_ring = list(repo.keys.values())
    for c, files in repo.files.items():
        for rel in files:
            owners = list(repo.keys) if c == "shared" else [c]
            assert all(helpers.sops_opens(root, rel, [new[o]]) for o in owners), rel
            assert not helpers.sops_opens(root, rel, old_ring), rel
    for rel in repo.foreign:  # PGP and KMS recipients carried through untouched
        text = (root / rel).read_text()
        assert wild.KMS_ARN in text and wild.PGP_FP in text
    for c in repo.keys:
        text = (root / f"kubernetes/{c}/.sops.yaml").read_text()
        assert f"  - &{c} {new[c].public}  # flux in {c}" in text  # the anchor's value, replaced once
        assert text.count(f"*{c}") == 3 and repo.keys[c].public not in text
        assert "# IMPORTANT: keep this rule first" in text and "# catch-all: anything else" in text
    assert helpers.git(root, "status", "--porcelain") == ""


def test_updatekeys_brings_every_file_to_its_rule(repo: wild.Wild) -> None:
    root = repo.root
    operator = agekeys.generate()
    config = root / "kubernetes/staging/.sops.yaml"
    text = config.read_text()
    config.write_text(text.replace(f"age: >-\n      {repo.keys['staging'].public}",
                                   f"age: >-\n      {repo.keys['staging'].public},{operator.public}"))
    helpers.git(root, "commit", "-qam", "staging: the operator key too")
    drifted = [f for f in repo.files["staging"]]
    plan = helpers.run_cli(["updatekeys", "--dry-run"], root)
    assert plan.code == 0 and all(f"would update {f}" in plan.out for f in drifted), plan.text
    assert helpers.git(root, "status", "--porcelain") == ""
    values = {f: _digest(root, f, repo.keys["staging"]) for f in drifted}
    res = helpers.run_cli(["updatekeys"], root)
    assert res.code == 0, res.text
    changed = helpers.git(root, "diff", "--name-only").split()
    assert sorted(changed) == sorted(drifted)
    for f in drifted:
        assert helpers.sops_opens(root, f, [operator]) and helpers.sops_opens(root, f, [repo.keys["staging"]])
        assert not helpers.sops_opens(root, f, [repo.keys["main"]])
        diff = helpers.git(root, "diff", "-U0", "--", f)
        changed_lines = [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
        assert not any("ENC[" in ln or "lastmodified" in ln or "mac:" in ln for ln in changed_lines), f
        assert _digest(root, f, operator) == values[f]
    assert all(r["state"] == "ok" for r in _json(root, "status")["files"])
    assert "0 file(s) updated" in helpers.run_cli(["updatekeys"], root).out

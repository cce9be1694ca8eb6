"""Acceptance: a fleet moves to post-quantum age keys against the fake API server.

dev runs kustomize-controller 1.9, staging 1.8 and prod's version cannot be read (a FluxInstance with a
range). The move is refused, writing nothing, until staging is upgraded and prod's version asserted;
then commit 1 and commit 2 run. The PQ side is judged by the reference age (npm age-encryption) and
Node's AES-GCM, the X25519 side by the real sops with key files holding only the old or only the new keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from secretops.repo import discovery as scan
from secretops.repo import keysecrets
from secretops.repo.model import open_repo
from secretops.sops import agekeys, rewrap
from tests import fakeflux, helpers
from tests.pq.judge import judge_data_keys, judge_sops_file
from tests.rotation.conftest import CLUSTERS, head, play_flux

KC = "ghcr.io/fluxcd/kustomize-controller:v{}"


@pytest.fixture
def pqflux(rfleet: Path, isolated_home: Path) -> Iterator[fakeflux.FakeKube]:
    with fakeflux.FakeKube() as kube:
        for name in CLUSTERS:
            cluster = kube.add(name)
            cluster.put("kustomizations", fakeflux.kustomization("flux-system", path=f"./clusters/{name}"))
        kube.clusters["dev"].put("deployments", fakeflux.controller(image=KC.format("1.9.0")))
        kube.clusters["staging"].put("deployments", fakeflux.controller(image=KC.format("1.8.2")))
        kube.clusters["prod"].put("fluxinstances", fakeflux.flux_instance("2.x"))  # a range: proves nothing
        path = kube.kubeconfig(isolated_home / ".kube" / "config", list(CLUSTERS))
        os.environ["KUBECONFIG"] = str(path)
        play_flux(kube, rfleet, head(rfleet))
        yield kube


def _encrypted(root: Path) -> list[str]:
    return sorted(p.rel for p in scan.scan(open_repo(root)).encrypted)


def _history_x25519_keys(root: Path, until: str, identities: list[str]) -> set[str]:
    """Every data key an X25519 stanza wraps, in every version of every sops file up to ``until``."""
    found: set[str] = set()
    for sha in helpers.git(root, "rev-list", until).split():
        for rel in helpers.git(root, "ls-tree", "-r", "--name-only", sha).split():
            if rel.endswith(".yaml") and not rel.startswith(".") and "sops:" in (
                    text := helpers.git(root, "show", f"{sha}:{rel}")):
                found |= judge_data_keys(text, identities)["x25519"]
    return found


def test_full_post_quantum_migration(rfleet: Path, pqflux: fakeflux.FakeKube, keys_file: Path) -> None:
    root = rfleet
    person = agekeys.generate()  # a person's X25519 key on one file: no cluster's key, left as it is
    shared = "apps/shared.enc.yaml"
    (root / shared).write_text(rewrap.rewrap_text((root / shared).read_text(), shared, agekeys.load_identities(),
                                                  [person.public]))
    helpers.git(root, "commit", "-qam", "a person can read the shared secret")
    base = head(root)
    old_keys = agekeys.load_identities()
    assert old_keys and not any(k.post_quantum for k in old_keys)
    res = helpers.run_cli(["status", "--quantum", "--format", "json"], root)
    quantum = json.loads(res.out)["quantum"]
    assert quantum["x25519_only"] == _encrypted(root) and person.public in quantum["people_x25519"]
    assert {c["cluster"]: c["kustomize_controller"] for c in quantum["clusters"]} == {
        "dev": "1.9.0", "staging": "1.8.2", "prod": None}

    # the dry run shows each cluster's version and readiness, and writes nothing
    before = helpers.repo_state(root)
    res = helpers.run_cli(["rotate", "start", "--to-pq", "--all", "--dry-run"], root)
    assert res.code == 1, res.text
    assert "dev" in res.out and "kustomize-controller 1.9.0 (read from the Deployment image)" in res.out
    assert "NOT READY  kustomize-controller 1.8.2" in res.out and "range" in res.out
    res = helpers.run_cli(["rotate", "start", "--to-pq", "--all", "--dry-run", "--format", "json"], root)
    ready = {r["cluster"]: r["ready"] for r in json.loads(res.out)["readiness"]}
    assert ready == {"dev": True, "staging": False, "prod": False}

    # refused: one line per cluster not ready, nothing written (tree, index, HEAD, key file)
    keys_before = keys_file.read_bytes()
    res = helpers.run_cli(["rotate", "start", "--to-pq", "--all"], root)
    assert res.code == 2, res.text
    lines = [ln for ln in res.err.splitlines() if ln.startswith("secretops: error: ")]
    assert sorted(ln.split()[2] for ln in lines[:2]) == ["prod:", "staging:"] and "nothing was written" in lines[-1]
    assert helpers.repo_state(root) == before and keys_file.read_bytes() == keys_before

    # staging upgraded, prod asserted (schema-checked) and committed: now it runs
    pqflux.clusters["staging"].put("deployments", fakeflux.controller(image=KC.format("1.9.1")))
    helpers.write(root / ".secretops.yaml", "version: 1\nkustomize_controller_versions:\n  prod: 1.10\n")
    res = helpers.run_cli(["rotate", "start", "--to-pq", "--all", "--dry-run"], root)
    assert res.code == 2 and "quoted version" in res.err
    helpers.write(root / ".secretops.yaml", 'version: 1\nkustomize_controller_versions:\n  prod: "1.9.0"\n')
    helpers.git(root, "add", ".secretops.yaml")
    helpers.git(root, "commit", "-qm", "prod runs Flux 2.9 (asserted)")
    res = helpers.run_cli(["rotate", "start", "--to-pq", "--all", "--dry-run"], root)
    assert res.code == 0, res.text
    assert "asserted in .secretops.yaml, not read" in res.out
    res = helpers.run_cli(["rotate", "start", "--to-pq", "--all"], root)
    assert res.code == 0, res.text
    c1 = head(root)
    new_keys = [i for i in agekeys.load_identities() if i.post_quantum]
    assert len(new_keys) == len({k.public for k in old_keys}) and new_keys
    assert "AGE-SECRET-KEY" not in res.out + res.err

    # commit 1: every file opens with the old keys alone (real sops) and with the new ones alone (reference age),
    # with the same data key; each key Secret holds both identities
    for rel in _encrypted(root):
        assert helpers.sops_opens(root, rel, old_keys), rel
        judged = judge_sops_file(root / rel, [k.secret for k in new_keys])
        assert judged["opened"] and all(v for v in judged["values"].values()), rel
        assert judged["datakey"] in judge_data_keys((root / rel).read_text(), [k.secret for k in old_keys])["x25519"]
    for ks in scan.scan(open_repo(root)).key_secrets:
        held = keysecrets.identities_of(keysecrets.read_entries(root, ks.rel, old_keys), ks.rel)
        assert any(i.post_quantum for i in held) and any(not i.post_quantum for i in held), ks.rel

    # status: not applied yet; then Flux applies commit 1 and every cluster is verified (prod: asserted)
    res = helpers.run_cli(["rotate", "status"], root)
    assert res.code == 1
    play_flux(pqflux, root, c1)
    pqflux.clusters["staging"].put("deployments", fakeflux.controller(image=KC.format("1.8.2")))  # rolled back
    patches = len(pqflux.clusters["staging"].patches)
    res = helpers.run_cli(["rotate", "status", "--apply-key-secrets"], root)
    assert res.code == 1 and "kustomize-controller 1.8.2" in res.out and "not verified" in res.out, res.text
    assert len(pqflux.clusters["staging"].patches) == patches  # no key handed to it through the API
    pqflux.clusters["staging"].put("deployments", fakeflux.controller(image=KC.format("1.9.1")))
    res = helpers.run_cli(["rotate", "status"], root)
    assert res.code == 0, res.text
    assert "asserted in .secretops.yaml, not read" in res.out

    # commit 2: PQ keys only, with new data keys
    res = helpers.run_cli(["rotate", "finish"], root)
    assert res.code == 0, res.text
    c2 = head(root)
    assert helpers.git(root, "rev-list", "--count", f"{base}..{c2}").strip() == "3"
    history = _history_x25519_keys(root, c1, [k.secret for k in old_keys])
    assert history
    key_secrets = {k.rel for k in scan.scan(open_repo(root)).key_secrets}
    for rel in _encrypted(root):
        text = (root / rel).read_text()
        assert "age1pq1" in text and not any(k.public in text for k in old_keys), rel
        judged = judge_sops_file(root / rel, [k.secret for k in new_keys])
        assert judged["datakey"] not in history, f"{rel} reuses a data key that history wraps for X25519"
        assert not helpers.sops_opens(root, rel, old_keys), rel
        if rel not in key_secrets:  # every other value is what it was, under its new data key
            assert judged["values"] == judge_sops_file_at(root, c1, rel, new_keys), rel
    res = helpers.run_cli(["status", "--quantum"], root)
    assert f"quantum readiness: 0 of {len(_encrypted(root))} encrypted file(s) are X25519-only" in res.out
    assert "1 X25519 recipient(s) are no cluster's key" in res.out and person.public[:12] in res.out
    assert person.public in (root / shared).read_text()  # left as it was
    assert "asserted in .secretops.yaml, not read" in res.out
    for rel in key_secrets:  # the key Secrets hold the PQ identities only
        held = keysecrets.identities_of(keysecrets.read_entries(root, rel, new_keys), rel)
        assert held and all(i.post_quantum for i in held), rel
    _everyday_work_after(root, new_keys, person)


def _everyday_work_after(root: Path, new_keys: list[agekeys.Identity], person: agekeys.Identity) -> None:
    """decrypt, encrypt, diff, check and updatekeys on the post-quantum fleet; the pinned sops wheel (3.11)
    takes PQ keys (probed), and opens each file with the new keys alone."""
    for rel in _encrypted(root):
        assert helpers.sops_opens(root, rel, new_keys), rel
    rel = "clusters/dev/apps/app0.enc.yaml"
    res = helpers.run_cli(["decrypt", rel], root)
    assert res.code == 0, res.text
    clear = root / "clusters/dev/apps/app0.clear.yaml"
    value = helpers.plant("pq-new-value-8Kw2")
    clear.write_text(clear.read_text().replace("pw-dev-0", value))
    res = helpers.run_cli(["encrypt", "--rm", "clusters/dev/apps/app0.clear.yaml"], root)
    assert res.code == 0, res.text
    assert value in judge_sops_file(root / rel, [k.secret for k in new_keys])["values"]["stringData:password"]
    helpers.git(root, "add", "-A")
    res = helpers.run_cli(["check", "--staged"], root)
    assert res.code == 0, res.text
    res = helpers.run_cli(["diff", "--staged"], root)
    assert res.code == 0 and rel in res.out and value not in res.out, res.text
    helpers.git(root, "commit", "-qm", "a new password")
    res = helpers.run_cli(["updatekeys", "--dry-run"], root)
    assert res.code in (0, 1), res.text


def judge_sops_file_at(root: Path, sha: str, rel: str, keys: list[agekeys.Identity]) -> dict[str, str]:
    copy = root.parent / "at-commit.yaml"
    copy.write_text(helpers.git(root, "show", f"{sha}:{rel}"))
    return judge_sops_file(copy, [k.secret for k in keys])["values"]  # type: ignore[no-any-return]


def test_compromised_rotation_gives_every_file_a_new_data_key(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    """`rotate start --compromised` (X25519 to X25519): commit 2 re-keys every file, so no value at HEAD opens
    with a data key that any stanza of the history up to commit 1 wraps."""
    root = rfleet
    old_keys = agekeys.load_identities()
    res = helpers.run_cli(["rotate", "start", "--all", "--compromised"], root)
    assert res.code == 0, res.text
    c1 = head(root)
    assert "compromised: true" in (root / ".secretops/rotation.yaml").read_text()
    play_flux(flux, root, c1)
    res = helpers.run_cli(["rotate", "finish"], root)
    assert res.code == 0, res.text
    assert "change these values at their source" in res.out
    new_keys = [i for i in agekeys.load_identities() if i.public not in {o.public for o in old_keys}]
    history = _history_x25519_keys(root, c1, [k.secret for k in old_keys + new_keys])
    for rel in _encrypted(root):
        assert helpers.sops_opens(root, rel, new_keys) and not helpers.sops_opens(root, rel, old_keys), rel
        now = judge_data_keys((root / rel).read_text(), [k.secret for k in new_keys])["x25519"]
        assert now and not now & history, f"{rel} keeps a data key the history wraps"

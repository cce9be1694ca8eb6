"""The Flux topology: clusters are the entry points Flux syncs, files are placed by what each
cluster's Kustomizations apply, and each cluster's key is the one its decryption Secret holds.
Repositories are built without secretops (tests/flux_shapes.py); what secretops infers is checked
against what their Flux manifests say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from secretops.flux import topology
from tests import fakeflux, flux_shapes, helpers


def _status(root: Path, code: int = 0) -> dict[str, Any]:
    res = helpers.run_cli(["status", "--format", "json"], root)
    assert res.code == code, res.text
    return json.loads(res.out)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(flux_shapes.SHAPES))
def test_status_places_every_file_where_flux_applies_it(tmp_path: Path, name: str) -> None:
    shape = flux_shapes.SHAPES[name](tmp_path / name)
    body = _status(shape.root)
    rows = {r["path"]: r for r in body["files"]}
    assert set(rows) == set(shape.applies)
    for rel, clusters in shape.applies.items():
        assert set(rows[rel]["clusters"]) == clusters, (rel, rows[rel])
        assert rows[rel]["placement"] in (("kustomization",) if clusters else ("none", "keys")), rel
    layout = body["layout"]
    for cluster, path in shape.paths.items():  # exactly the clusters Flux syncs, each once, from its entry point
        assert any(line.startswith(f"cluster: {cluster} comes from flux entry point") and f"path ./{path})" in line
                   for line in layout), (cluster, layout)
    named = sorted({line.split()[1] for line in layout if line.startswith("cluster: ")})
    assert named == sorted(shape.paths)
    for cluster in shape.paths:  # `status --cluster` lists the files it shares with others too
        res = helpers.run_cli(["status", "--cluster", cluster, "--format", "json"], shape.root)
        listed = {r["path"]: r for r in json.loads(res.out)["files"]}
        assert set(shape.files_of(cluster)) <= set(listed), cluster
        assert all(r["placement"] == "keys" for p, r in listed.items() if p not in shape.files_of(cluster))
    assert not any(line.startswith("conflict:") for line in layout if name != "bootstrap_path"), layout


@pytest.mark.parametrize("name", ["overlays", "management", "instance"])
def test_each_cluster_gets_its_own_key_and_people_keep_theirs(tmp_path: Path, name: str) -> None:
    shape = flux_shapes.SHAPES[name](tmp_path / name)
    plan = json.loads(helpers.run_cli(["rotate", "start", "--all", "--dry-run", "--format", "json"], shape.root).out)
    assert plan["problems"] == []
    assert {k["old"]: k["clusters"] for k in plan["keys"]} == {k.public: [c] for c, k in shape.keys.items()}
    assert shape.person.public not in {k["old"] for k in plan["keys"]}  # the person's key is nobody's cluster key
    assert sorted(plan["files"]) == sorted(shape.applies)
    layout = _status(shape.root)["layout"]
    assert any(line.startswith("recipient: ") and "no cluster's age key" in line and f"on {len(shape.applies)} file"
               in line for line in layout), layout


def test_key_secrets_under_bootstrap_folders_are_each_clusters(tmp_path: Path) -> None:
    shape = flux_shapes.overlays(tmp_path / "o")
    plan = json.loads(helpers.run_cli(["rotate", "start", "--all", "--dry-run", "--format", "json"], shape.root).out)
    assert sorted(plan["key_secrets"]) == sorted(shape.key_secrets.values())
    assert plan["key_delivery"] == {"alpha": "git", "beta": "git"}


def test_keys_from_files_without_opening_the_key_secret(tmp_path: Path, isolated_home: Path) -> None:
    """No key of the user's opens anything: each cluster's key is the one every file only it applies
    carries, less the person's key that the other cluster's files carry too."""
    shape = flux_shapes.overlays(tmp_path / "o")
    (isolated_home / ".config/sops/age/keys.txt").write_text("")
    layout = _status(shape.root)["layout"]
    for cluster, key in shape.keys.items():
        line = next(x for x in layout if x.startswith(f"cluster: {cluster} ("))
        assert key.public[:12] in line and shape.person.public[:12] not in line, line


def test_anchors_name_each_clusters_key(tmp_path: Path) -> None:
    shape = flux_shapes.instance(tmp_path / "i")
    layout = _status(shape.root)["layout"]
    for cluster, key in shape.keys.items():
        line = next(x for x in layout if x.startswith(f"cluster: {cluster} ("))
        assert key.public[:12] in line and "key Secret in the cluster only" in line, line
        assert any(x.startswith(f"cluster: {cluster} decrypts with the controller's global key")
                   and "sops-age" in x for x in layout), layout


def test_ambiguous_key_is_settled_by_the_printed_lines(tmp_path: Path) -> None:
    """One cluster, its key Secret in the cluster only, a person's key beside its key on every file:
    which one is Flux's cannot be told. status says so; start refuses and prints the lines; with
    those lines in .secretops.yaml the plan rotates the cluster's key alone."""
    shape = flux_shapes.bootstrap_path(tmp_path / "b")
    layout = _status(shape.root)["layout"]
    assert any(x.startswith("conflict: cluster bootstrap:") for x in layout), layout
    before = helpers.repo_state(shape.root)
    res = helpers.run_cli(["rotate", "start", "--all"], shape.root)
    assert res.code == 2 and "cluster bootstrap:" in res.err, res.text
    assert helpers.repo_state(shape.root) == before
    lines = [ln[4:] for ln in res.err.splitlines() if ln.startswith("    ")]
    assert lines[:2] == ["version: 1", "clusters:"] and "    path: bootstrap" in lines
    key = shape.keys["bootstrap"].public
    settled = "\n".join(ln if not ln.strip().startswith("age_keys:") else f"    age_keys: [{key}]" for ln in lines)
    helpers.commit_file(shape.root, ".secretops.yaml", settled + "\n", "settle the cluster key")
    plan = json.loads(helpers.run_cli(["rotate", "start", "--all", "--dry-run", "--format", "json"], shape.root).out)
    assert plan["problems"] == [] and [k["old"] for k in plan["keys"]] == [key]
    rows = {r["path"]: r for r in _status(shape.root)["files"]}
    assert rows["apps/web/app/secret.sops.yaml"]["clusters"] == ["bootstrap"]


def test_flux_system_app_folders_and_unsynced_folders_are_not_clusters(tmp_path: Path) -> None:
    shape = flux_shapes.bootstrap_path(tmp_path / "b")
    from secretops.repo.model import open_repo

    repo = open_repo(shape.root)
    assert [(c.name, c.path) for c in repo.clusters] == [("bootstrap", "bootstrap")]
    assert repo.cluster_source("bootstrap") == topology.ENTRY


def test_a_cluster_reached_twice_is_one_cluster(tmp_path: Path) -> None:
    shape = flux_shapes.instance(tmp_path / "i")
    from secretops.repo.model import open_repo

    found = open_repo(shape.root).topology
    assert [c.name for c in found.clusters] == ["main", "test"]
    assert all(sorted(e.kind for e in c.entries) == ["bootstrap", "flux-instance"] for c in found.clusters)


def _read(files: dict[str, str]) -> topology.Topology:
    return topology.read(files, lambda rel: files[rel].encode())


def test_kustomize_build_rules() -> None:
    """A folder without kustomization.yaml is every manifest below it, except sub-folders with their
    own (built as such); generators, patches and components count; remote bases do not; paths that
    do not exist are problems, not skips; a sync of another source (./ of an OCI artifact) is no cluster."""
    ks = flux_shapes.ks_yaml
    files = {
        "clusters/a/flux-system/gotk-sync.yaml": flux_shapes.gotk_sync("clusters/a"),
        "clusters/a/flux-install.yaml": ks("flux", "./").replace("GitRepository\n    name: flux-system",
                                                                "OCIRepository\n    name: flux-manifests"),
        "clusters/a/apps.yaml": ks("apps", "./apps"),
        "apps/one/x.yaml": "kind: ConfigMap\n",
        "apps/one/notes.txt": "not a manifest\n",
        "apps/two/kustomization.yaml": flux_shapes.kustomization_yaml(
            "https://github.com/acme/base//x?ref=v1", "missing.yaml",
            extra="patches:\n  - path: patch.yaml\ncomponents:\n  - ../../components/c\n"
                  "secretGenerator:\n  - name: s\n    files:\n      - key=s.sops.bin\n"),
        "apps/two/patch.yaml": "kind: Deployment\n",
        "apps/two/s.sops.bin": "{}",
        "apps/two/ignored.yaml": "kind: ConfigMap\n",
        "components/c/kustomization.yaml": flux_shapes.kustomization_yaml("c.yaml"),
        "components/c/c.yaml": "kind: ConfigMap\n",
        "unsynced/flux-system/kustomization.yaml": flux_shapes.kustomization_yaml(),
    }
    found = _read(files)
    assert [(c.name, c.path) for c in found.clusters] == [("a", "clusters/a")]
    placed = {rel for rel in files if found.clusters_of(rel)}
    assert placed == {"clusters/a/flux-system/gotk-sync.yaml", "clusters/a/flux-install.yaml", "clusters/a/apps.yaml",
                      "apps/one/x.yaml", "apps/two/kustomization.yaml", "apps/two/patch.yaml",
                      "apps/two/s.sops.bin", "components/c/kustomization.yaml", "components/c/c.yaml"}
    assert found.problems == ("apps/two/kustomization.yaml: missing.yaml does not exist",)
    assert found.decrypted_by("apps/one/x.yaml") == ("a",)


def test_decryption_patched_onto_children_and_kms() -> None:
    parent = flux_shapes.ks_yaml("apps", "./apps", decrypt=False) + (
        "  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata:\n          name: not-used\n        spec:\n          decryption:\n            provider: sops\n"
        "            secretRef:\n              name: patched\n      target:\n        kind: Kustomization\n")
    kms = flux_shapes.ks_yaml("kms", "./kms", decrypt=False) + (
        "  decryption:\n    provider: sops\n    serviceAccountName: kustomize-controller-kms\n")
    files = {"c/flux-system/gotk-sync.yaml": flux_shapes.gotk_sync("c", secret=None), "c/apps.yaml": parent,
             "apps/ks.yaml": flux_shapes.ks_yaml("child", "./child", decrypt=False, ns="team"),
             "child/s.yaml": "kind: Secret\n", "c/kms.yaml": kms, "kms/s.yaml": "kind: Secret\n"}
    found = _read(files)
    cluster = found.of("c")
    assert cluster is not None
    described = {d.describe() for d in cluster.decryptions}
    assert "Secret team/patched" in described and "KMS (serviceAccountName kustomize-controller-kms)" in described
    assert found.kms == ("c/kms.yaml",)
    assert found.decrypted_by("child/s.yaml") == ("c",)


def test_unreadable_and_broken_manifests_do_not_crash() -> None:
    files = {"c/flux-system/gotk-sync.yaml": flux_shapes.gotk_sync("c"),
             "c/kustomization.yaml": "resources: [\n", "c/bad.yaml": "kind: Kustomization\napiVersion: [\n"}
    found = topology.read(files, lambda rel: None if rel == "c/bad.yaml" else files[rel].encode())
    assert found.clusters == () and found.problems == ("c/kustomization.yaml cannot be read as YAML",)


def test_odd_manifests_are_read_without_a_crash(tmp_path: Path) -> None:
    """Every shape a real tree can hold: wrong types, cycles, paths that leave the repository, binary
    bytes in a .yaml file. The answer is clusters and problems, never an exception."""
    files = {
        "c/flux-system/gotk-sync.yaml": flux_shapes.gotk_sync("c"),
        "c/kustomization.yaml": "resources: [flux-system, ../k]\n",
        "k/kustomization.yaml": "resources: abc\ncomponents: [../d, 7, {x: 1}]\npatches: [1, {path: [2]}]\n"
                                "secretGenerator: [{files: x}, {envs: [3]}, 5]\n",
        "d/kustomization.yaml": "resources: [../k, ../../outside]\n",
        "e/odd.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: x\nspec: [1, 2]\n"
                      "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: y}\n"
                      "spec: {path: {a: 1}, sourceRef: x, decryption: [1]}\n---\n- a list\n---\nplain\n",
        "f/instance.yaml": "kind: FluxInstance\nmetadata: {name: f}\nspec:\n  sync: {path: ../../outside}\n",
        "g/values.yaml": "instance:\n  sync: [1]\n",
        "h/binary.yaml": "\x00\x01kustomize.toolkit.fluxcd.io\xff",
    }
    found = _read(files)
    assert [c.name for c in found.clusters] == ["c"]
    assert "d/kustomization.yaml: ../../outside leads outside the repository" in found.problems
    assert any("FluxInstance f: sync.path leads outside" in p for p in found.problems)
    root = tmp_path / "odd"
    root.mkdir()
    helpers.git(root, "init", "-q")
    for rel, text in files.items():
        helpers.write(root / rel, text)
    assert _status(root)["files"] == []


def test_a_second_source_of_the_same_repository_is_followed() -> None:
    """A `release` GitRepository of the same repository (a tag) beside flux-system: its Kustomizations
    are this cluster's; one of another repository is not followed."""
    release = flux_shapes.gotk_sync("x").split("---\n")[1].replace("name: flux-system\n  namespace", "name: release\n"
                                                                     "  namespace", 1)
    other = release.replace("name: release", "name: other").replace(fakeflux.REPO_URL, "https://github.com/a/b")
    files = {"c/flux-system/gotk-sync.yaml": flux_shapes.gotk_sync("c"),
             "c/sources.yaml": f"---\n{release}---\n{other}",
             "c/apps.yaml": flux_shapes.ks_yaml("prod", "./prod").replace("name: flux-system\n    namespace",
                                                                          "name: release\n    namespace")
             + flux_shapes.ks_yaml("them", "./them").replace("name: flux-system\n    namespace",
                                                             "name: other\n    namespace"),
             "prod/s.yaml": "kind: Secret\n", "them/s.yaml": "kind: Secret\n"}
    found = _read(files)
    assert found.clusters_of("prod/s.yaml") == ("c",) and found.clusters_of("them/s.yaml") == ()


def test_files_that_disagree_with_the_key_secret_are_named(tmp_path: Path) -> None:
    """alpha's key Secret holds alpha's key, but one file only alpha applies is encrypted for beta's:
    status names it, and start refuses without a write."""
    shape = flux_shapes.overlays(tmp_path / "o")
    rel = "overlays/cache/alpha/secret.sops.yaml"
    flux_shapes.encrypt(shape.root, rel, helpers.secret_yaml("cache", helpers.plant("pw-wrong-Qv7")),
                        [shape.person.public, shape.keys["beta"].public])
    helpers.git(shape.root, "commit", "-qam", "cache: the wrong key")
    layout = _status(shape.root)["layout"]
    conflict = next(x for x in layout if x.startswith("conflict: cluster alpha:"))
    assert rel in conflict and "the key Secret bootstrap/alpha/sops-age.sops.yaml" in conflict
    before = helpers.repo_state(shape.root)
    res = helpers.run_cli(["rotate", "start", "--all"], shape.root)
    assert res.code == 2 and rel in res.err, res.text
    assert helpers.repo_state(shape.root) == before


def test_gitless_bootstrap_from_an_oci_artifact() -> None:
    """`flux bootstrap` with an OCIRepository source (the repository pushed with `flux push artifact`)."""
    sync = flux_shapes.gotk_sync("clusters/edge").replace("kind: GitRepository", "kind: OCIRepository")
    found = _read({"clusters/edge/flux-system/gotk-sync.yaml": sync, "clusters/edge/apps/s.yaml": "kind: Secret\n"})
    assert [(c.name, c.path) for c in found.clusters] == [("edge", "clusters/edge")]
    assert found.decrypted_by("clusters/edge/apps/s.yaml") == ("edge",)

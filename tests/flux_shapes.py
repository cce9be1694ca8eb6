"""Flux repositories in the shapes issue 21 found in the wild, built without secretops: the real sops,
keys made with pyrage, git. Each shape says what its Flux manifests mean (clusters, the files each one
applies, each cluster's key), so tests can hold secretops to it.

- ``overlays``: overlay-per-cluster (`overlays/<component>/<cluster>/` on a shared `base/`), applied by
  each cluster's Kustomizations; key Secrets under `bootstrap/<cluster>/`; a dotenv sops file that a
  secretGenerator reads; a person's key on every file;
- ``bootstrap_path``: one cluster made by `flux bootstrap --path ./bootstrap`, an app folder named
  `flux-system`, a folder no Kustomization applies, a key Secret kept in the cluster only;
- ``management``: a hub whose Kustomizations carry `spec.kubeConfig` (two workload clusters), their
  key Secrets in the hub's namespaces, in git;
- ``instance``: Flux Operator `FluxInstance`s (as the flux-instance chart's values) whose clusters
  also have their own bootstrap sync (one cluster each, not two); per-cluster keys as `.sops.yaml`
  anchors; the controller's global `--sops-age-secret`; a shared component both clusters apply.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from secretops.sops import agekeys
from secretops.sops.agekeys import Identity
from tests import fakeflux, helpers

ENCRYPTED_REGEX = "^(data|stringData)$"


@dataclass(frozen=True)
class LiveKs:
    """A Kustomization as the cluster's API serves it."""

    context: str
    name: str
    namespace: str
    path: str
    secret: str | None  # decryption secretRef; None: the controller's global key
    kube_config: bool = False


@dataclass
class Shape:
    root: Path
    person: Identity  # the user's own key: on every file
    keys: dict[str, Identity]  # cluster -> its Flux key
    paths: dict[str, str]  # cluster -> the path its entry point syncs
    applies: dict[str, set[str]] = field(default_factory=dict)  # sops file -> clusters that apply it
    key_secrets: dict[str, str] = field(default_factory=dict)  # cluster -> its key Secret file in git
    live: list[LiveKs] = field(default_factory=list)
    api_secrets: dict[str, tuple[str, str]] = field(default_factory=dict)  # cluster -> (ns, name), cluster only
    global_flag: set[str] = field(default_factory=set)  # contexts whose controller has --sops-age-secret
    contexts: dict[str, str] = field(default_factory=dict)  # cluster -> kube context

    def files_of(self, cluster: str) -> list[str]:
        return sorted(f for f, cs in self.applies.items() if cluster in cs)


def encrypt(root: Path, rel: str, plaintext: str, recipients: list[str]) -> None:
    """The real sops with a throwaway config naming exactly these recipients (never secretops)."""
    tmp = root.parent / f".shape-{root.name}"
    tmp.mkdir(exist_ok=True)
    regex = f"    encrypted_regex: '{ENCRYPTED_REGEX}'\n" if rel.endswith((".yaml", ".yml")) else ""
    (tmp / ".sops.yaml").write_text(f"creation_rules:\n  - age: {','.join(recipients)}\n{regex}")
    res = helpers.run_proc([helpers.sops_bin(), "--config", str(tmp / ".sops.yaml"), "encrypt",
                            "--filename-override", rel, "/dev/stdin"], root, input=plaintext.encode())
    assert res.code == 0, res.err
    helpers.write(root / rel, res.out)
    shutil.rmtree(tmp)


def _key_secret(ident: Identity, name: str = "sops-age", ns: str = "flux-system") -> str:
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\ntype: Opaque\n"
            f"stringData:\n  age.agekey: |\n    # public key: {ident.public}\n    {ident.secret}\n")


def gotk_sync(path: str, secret: str | None = "sops-age") -> str:
    """What `flux bootstrap --path` writes in `<path>/flux-system/gotk-sync.yaml`."""
    return (f"---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
            f"  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  secretRef:\n"
            f"    name: flux-system\n  url: {fakeflux.REPO_URL}\n" + ks_yaml("flux-system", f"./{path}", secret=secret))


def ks_yaml(name: str, path: str, ns: str = "flux-system", secret: str | None = "sops-age",
            kube_config: str | None = None, decrypt: bool = True) -> str:
    text = (f"---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\nspec:\n  interval: 10m0s\n  path: {path}\n  prune: true\n  sourceRef:\n"
            f"    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n")
    if kube_config:
        text += f"  kubeConfig:\n    secretRef:\n      name: {kube_config}\n"
    if decrypt:
        text += "  decryption:\n    provider: sops\n" + (f"    secretRef:\n      name: {secret}\n" if secret else "")
    return text


def kustomization_yaml(*resources: str, extra: str = "") -> str:
    listed = "".join(f"  - {r}\n" for r in resources)
    return f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{listed}{extra}"


def _start(root: Path, clusters: list[str]) -> tuple[Identity, dict[str, Identity]]:
    root.mkdir(parents=True)
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.git(root, "remote", "add", "origin", fakeflux.REPO_URL + ".git")
    person = agekeys.generate()
    agekeys.append_to_key_file([person], "me")
    helpers.write(root / "README.md", "# home-ops\n")
    return person, {c: agekeys.generate() for c in clusters}


def _secret(shape: Shape, rel: str, clusters: list[str], name: str, extra: str = "") -> None:
    value = helpers.plant(f"pw-{name}-{len(shape.applies)}-Qv7")
    recipients = [shape.person.public, *sorted({shape.keys[c].public for c in clusters})]
    if rel.endswith(".env"):
        encrypt(shape.root, rel, f"PASSWORD={value}\n", recipients)
    else:
        encrypt(shape.root, rel, helpers.secret_yaml(name, value) + extra, recipients)
    shape.applies[rel] = set(clusters)


def _commit(shape: Shape, message: str) -> Shape:
    helpers.git(shape.root, "add", "-A")
    helpers.git(shape.root, "commit", "-qm", message)
    return shape


def overlays(root: Path) -> Shape:
    person, keys = _start(root, ["alpha", "beta"])
    shape = Shape(root, person, keys, {c: f"clusters/{c}" for c in keys})
    helpers.write(root / ".sops.yaml", "creation_rules:\n"
                  + "".join(f"  - path_regex: (overlays/.*/{c}|bootstrap/{c})/.*\\.sops\\.(ya?ml|env)$\n"
                            f"    encrypted_regex: '{ENCRYPTED_REGEX}'\n    age: {person.public},{keys[c].public}\n"
                            for c in keys) +
                  f"  - path_regex: .*\\.sops\\.(ya?ml|env)$\n    encrypted_regex: '{ENCRYPTED_REGEX}'\n"
                  f"    age: {person.public},{keys['alpha'].public},{keys['beta'].public}\n")
    helpers.write(root / "base/db/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\n")
    helpers.write(root / "base/db/kustomization.yaml", kustomization_yaml("deployment.yaml", "shared.sops.yaml"))
    _secret(shape, "base/db/shared.sops.yaml", ["alpha", "beta"], "db-shared")
    for c in keys:
        helpers.write(root / f"clusters/{c}/flux-system/gotk-sync.yaml", gotk_sync(f"clusters/{c}"))
        helpers.write(root / f"clusters/{c}/flux-system/kustomization.yaml",
                      kustomization_yaml("gotk-sync.yaml"))
        helpers.write(root / f"clusters/{c}/apps.yaml", ks_yaml("db", f"./overlays/db/{c}")
                      + ks_yaml("cache", f"./overlays/cache/{c}"))
        helpers.write(root / f"overlays/db/{c}/kustomization.yaml", kustomization_yaml(
            "../../../base/db", "secret.sops.yaml",
            extra="secretGenerator:\n  - name: db-env\n    envs:\n      - db.sops.env\n"))
        _secret(shape, f"overlays/db/{c}/secret.sops.yaml", [c], f"db-{c}")
        _secret(shape, f"overlays/db/{c}/db.sops.env", [c], f"db-env-{c}")
        helpers.write(root / f"overlays/cache/{c}/kustomization.yaml", kustomization_yaml("secret.sops.yaml"))
        _secret(shape, f"overlays/cache/{c}/secret.sops.yaml", [c], f"cache-{c}")
        rel = f"bootstrap/{c}/sops-age.sops.yaml"
        encrypt(root, rel, _key_secret(keys[c]), [person.public, keys[c].public])
        shape.applies[rel] = set()
        shape.key_secrets[c] = rel
        shape.live += [LiveKs(c, "flux-system", "flux-system", f"./clusters/{c}", "sops-age"),
                       LiveKs(c, "db", "flux-system", f"./overlays/db/{c}", "sops-age"),
                       LiveKs(c, "cache", "flux-system", f"./overlays/cache/{c}", "sops-age")]
        shape.contexts[c] = c
    return _commit(shape, "overlays per cluster")


def bootstrap_path(root: Path) -> Shape:
    person, keys = _start(root, ["bootstrap"])
    key = keys["bootstrap"]
    shape = Shape(root, person, keys, {"bootstrap": "bootstrap"})
    helpers.write(root / ".sops.yaml", f"creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n"
                  f"    encrypted_regex: '{ENCRYPTED_REGEX}'\n    age: {person.public},{key.public}\n")
    helpers.write(root / "bootstrap/flux-system/gotk-sync.yaml", gotk_sync("bootstrap"))
    helpers.write(root / "bootstrap/flux-system/kustomization.yaml", kustomization_yaml("gotk-sync.yaml"))
    helpers.write(root / "bootstrap/apps.yaml", ks_yaml("apps", "./apps"))
    # an app folder named flux-system: Flux's own monitoring, not a cluster
    helpers.write(root / "apps/flux-system/monitoring/podmonitor.yaml",
                  "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata:\n  name: flux-system\n")
    _secret(shape, "apps/flux-system/monitoring/webhook.sops.yaml", ["bootstrap"], "webhook")
    _secret(shape, "apps/web/app/secret.sops.yaml", ["bootstrap"], "web")
    # a folder nothing applies: not a cluster, its file applied by none (still rotated: it carries the key)
    helpers.write(root / "archive/old-cluster/flux-system/kustomization.yaml", kustomization_yaml())
    _secret(shape, "archive/old-cluster/secret.sops.yaml", ["bootstrap"], "archived")
    shape.applies["archive/old-cluster/secret.sops.yaml"] = set()
    shape.live += [LiveKs("bootstrap", "flux-system", "flux-system", "./bootstrap", "sops-age"),
                   LiveKs("bootstrap", "apps", "flux-system", "./apps", "sops-age")]
    shape.api_secrets["bootstrap"] = ("flux-system", "sops-age")
    shape.contexts["bootstrap"] = "bootstrap"
    return _commit(shape, "flux bootstrap --path ./bootstrap")


def management(root: Path) -> Shape:
    person, keys = _start(root, ["hub", "dev", "prod"])
    shape = Shape(root, person, keys, {"hub": "clusters/hub", "dev": "workloads/dev", "prod": "workloads/prod"})
    helpers.write(root / ".sops.yaml", "creation_rules:\n" + "".join(
        f"  - path_regex: {where}/.*\\.sops\\.yaml$\n    encrypted_regex: '{ENCRYPTED_REGEX}'\n"
        f"    age: {person.public},{keys[c].public}\n"
        for where, c in (("workloads/dev", "dev"), ("workloads/prod", "prod"), ("(clusters|bootstrap)/hub", "hub"))))
    helpers.write(root / "clusters/hub/flux-system/gotk-sync.yaml", gotk_sync("clusters/hub"))
    workloads = ""
    for c in ("dev", "prod"):
        workloads += ks_yaml(c, f"./workloads/{c}", ns=c, kube_config=f"{c}-kubeconfig")
        rel = f"clusters/hub/keys/{c}.sops.yaml"  # the hub decrypts for it, with a Secret in its namespace
        encrypt(root, rel, _key_secret(keys[c], ns=c), [person.public, keys["hub"].public])
        shape.applies[rel] = {"hub"}
        shape.key_secrets[c] = rel
        _secret(shape, f"workloads/{c}/app/secret.sops.yaml", [c], f"app-{c}")
        helpers.write(root / f"workloads/{c}/app/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n")
        shape.live.append(LiveKs("hub", c, c, f"./workloads/{c}", "sops-age", kube_config=True))
        shape.contexts[c] = "hub"
    helpers.write(root / "clusters/hub/workloads.yaml", workloads)
    _secret(shape, "clusters/hub/infra/dns.sops.yaml", ["hub"], "dns")
    encrypt(root, "bootstrap/hub/sops-age.sops.yaml", _key_secret(keys["hub"]), [person.public, keys["hub"].public])
    shape.applies["bootstrap/hub/sops-age.sops.yaml"] = set()
    shape.key_secrets["hub"] = "bootstrap/hub/sops-age.sops.yaml"
    shape.live.append(LiveKs("hub", "flux-system", "flux-system", "./clusters/hub", "sops-age"))
    shape.contexts["hub"] = "hub"
    return _commit(shape, "a management cluster")


def _instance_values(cluster: str) -> str:
    return f"""---
instance:
  distribution:
    version: 2.5.1
  sync:
    kind: GitRepository
    name: flux-system
    url: {fakeflux.REPO_URL}
    ref: refs/heads/main
    path: kubernetes/clusters/{cluster}
  kustomize:
    patches:
      - patch: |
          - op: add
            path: /spec/template/spec/containers/0/args/-
            value: --sops-age-secret=sops-age
        target:
          kind: Deployment
          name: kustomize-controller
      - patch: |
          - op: add
            path: /spec/decryption
            value:
              provider: sops
        target:
          kind: Kustomization
"""


def instance(root: Path) -> Shape:
    person, keys = _start(root, ["main", "test"])
    shape = Shape(root, person, keys, {c: f"kubernetes/clusters/{c}" for c in keys})
    anchors = "".join(f"  - &{c} {k.public}\n" for c, k in keys.items())
    helpers.write(root / ".sops.yaml", f"keys:\n  - &me {person.public}\n{anchors}creation_rules:\n"
                  + "".join(f"  - path_regex: kubernetes/apps/{c}/.*\\.sops\\.yaml$\n"
                            f"    encrypted_regex: '{ENCRYPTED_REGEX}'\n"
                            f"    key_groups:\n      - age:\n          - *me\n          - *{c}\n" for c in keys)
                  + f"  - path_regex: kubernetes/components/.*\\.sops\\.yaml$\n    encrypted_regex: '{ENCRYPTED_REGEX}'\n"
                  "    key_groups:\n      - age:\n          - *me\n" + "".join(f"          - *{c}\n" for c in keys))
    helpers.write(root / "kubernetes/components/common/kustomization.yaml",
                  "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n"
                  "  - ./cluster-secrets.sops.yaml\n")
    _secret(shape, "kubernetes/components/common/cluster-secrets.sops.yaml", list(keys), "cluster-secrets")
    for c in keys:
        base = f"kubernetes/clusters/{c}"
        helpers.write(root / f"{base}/flux-instance/helm/values.yaml", _instance_values(c))
        helpers.write(root / f"{base}/flux-instance/kustomization.yaml",
                      kustomization_yaml(extra="configMapGenerator:\n  - name: values\n    files:\n"
                                         "      - values.yaml=./helm/values.yaml\n"))
        helpers.write(root / f"{base}/flux-system/gotk-sync.yaml", gotk_sync(base, secret=None))  # its own sync too
        helpers.write(root / f"{base}/apps.yaml", ks_yaml("cluster-apps", f"./kubernetes/apps/{c}", secret=None))
        helpers.write(root / f"kubernetes/apps/{c}/kustomization.yaml", kustomization_yaml(
            "./web", extra="components:\n  - ../../components/common\n"))
        helpers.write(root / f"kubernetes/apps/{c}/web/kustomization.yaml", kustomization_yaml("secret.sops.yaml"))
        _secret(shape, f"kubernetes/apps/{c}/web/secret.sops.yaml", [c], f"web-{c}")
        shape.live += [LiveKs(c, "flux-system", "flux-system", f"./{base}", None),
                       LiveKs(c, "cluster-apps", "flux-system", f"./kubernetes/apps/{c}", None)]
        shape.api_secrets[c] = ("flux-system", "sops-age")
        shape.global_flag.add(c)
        shape.contexts[c] = c
    return _commit(shape, "flux operator")


SHAPES = {"overlays": overlays, "bootstrap_path": bootstrap_path, "management": management, "instance": instance}


def serve(shape: Shape, kube: fakeflux.FakeKube, kubeconfig: Path) -> None:
    """Each cluster's API as Flux left it before the rotation: its Kustomizations, its controller, and
    its key Secret holding the old key (made by hand: Flux does not apply it)."""
    for context in sorted(set(shape.contexts.values())):
        server = kube.add(context)
        server.put("gitrepositories", fakeflux.gitrepository())
        server.put("deployments", fakeflux.controller(("--sops-age-secret=sops-age",) if context in shape.global_flag
                                                      else ()))
    for live in shape.live:
        ks = fakeflux.kustomization(live.name, ns=live.namespace, secret=live.secret, path=live.path)
        if live.secret is None:
            ks["spec"]["decryption"] = {"provider": "sops"}
        if live.kube_config:
            ks["spec"]["kubeConfig"] = {"secretRef": {"name": f"{live.name}-kubeconfig"}}
            ks["spec"]["sourceRef"]["namespace"] = "flux-system"
        kube.clusters[live.context].put("kustomizations", ks)
    for cluster, key in shape.keys.items():
        context = shape.contexts[cluster]
        ns = next((x.namespace for x in shape.live if x.context == context and x.kube_config and x.name == cluster),
                  "flux-system")
        kube.clusters[context].put("secrets", fakeflux.key_secret("sops-age", ns, {"age.agekey": f"{key.secret}\n"},
                                                                  managed=False))
    os.environ["KUBECONFIG"] = str(kube.kubeconfig(kubeconfig, sorted(set(shape.contexts.values()))))


def apply_everywhere(shape: Shape, kube: fakeflux.FakeKube, sha: str) -> None:
    for live in shape.live:
        ks = kube.clusters[live.context].get("kustomizations", live.namespace, live.name)
        assert ks is not None
        fakeflux.set_applied(ks, sha)


_RECIPIENT = re.compile(r"recipient\s*[=:]\s*[\"']?(age1[0-9a-z]+)")


def recipients_at_head(root: Path) -> dict[str, set[str]]:
    """Every sops file at HEAD and its age recipients, read with git and a YAML/JSON parser of the
    test's own (PyYAML, json, a regex for dotenv and INI), never with secretops."""
    import yaml

    names = subprocess.run(["git", "ls-tree", "-r", "--name-only", "-z", "HEAD"], cwd=root, check=True,
                           capture_output=True).stdout.decode().split("\0")
    out: dict[str, set[str]] = {}
    for rel in filter(None, names):
        data = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, check=True, capture_output=True).stdout
        if b"ENC[AES256_GCM," not in data:
            continue
        text = data.decode("utf-8", "replace")
        found: set[str] = set()
        try:
            docs = [json.loads(text)] if rel.endswith(".json") else list(yaml.safe_load_all(text))
        except (ValueError, yaml.YAMLError):
            docs = []
        for doc in docs:
            meta = doc.get("sops") if isinstance(doc, dict) else None
            if isinstance(meta, dict):
                groups = [meta, *(meta.get("key_groups") or [])]
                found |= {e["recipient"] for g in groups for e in g.get("age") or []}
        if not found:  # dotenv, INI and the like: the recipient lines
            found = set(_RECIPIENT.findall(text))
        out[rel] = found
    return out

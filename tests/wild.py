"""Repositories shaped like the ones found in the wild, built without secretops: the real sops,
keys made with pyrage and kept in the user's key file, and git. Shapes seen in public home-ops and
fleet repositories:

- one `.sops.yaml` per cluster folder (`kubernetes/<cluster>/.sops.yaml`) and none at the root,
  with a `keys:` list of anchors used as aliases, `key_groups`, `encrypted_regex`, and a catch-all
  rule at the end;
- encrypted files named `*.sops.yaml`, also under `apps/<env>/`, outside every config's folder;
- key Secrets made with `kubectl create secret generic sops-age --from-file=age.agekey=…`, never
  committed;
- Flux Kustomizations with `decryption: {provider: sops}` and no secretRef (the controller's
  `--sops-age-secret` global key), as the Flux Operator's `FluxInstance` patches set it;
- files that also carry PGP and AWS KMS recipients (their metadata shapes; no KMS is reachable).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from secretops.sops import agekeys
from secretops.sops.agekeys import Identity
from tests import helpers

PGP_FP = "85D77543B3D624B63CEA9E6DBC17301B491B3F21"
KMS_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_FOREIGN = f"""    kms:
        - arn: {KMS_ARN}
          created_at: "2026-01-01T00:00:00Z"
          enc: AQICAHhZ2xbogusciphertextAAAAfjB8BgkqhkiG9w0BBwagbzBtAgEAMGgGCSqGSIb3DQEHATAeBglghkgBZQMEAS4wEQQM
          aws_profile: ""
    pgp:
        - created_at: "2026-01-01T00:00:00Z"
          enc: |-
            -----BEGIN PGP MESSAGE-----

            hQEMAw3A5bogusAQf/abcdefghijklmnopqrstuvwxyz0123456789
            =abcd
            -----END PGP MESSAGE-----
          fp: {PGP_FP}
"""


@dataclass
class Wild:
    root: Path
    keys: dict[str, Identity]  # cluster -> its age key (the user's, in the key file)
    files: dict[str, list[str]] = field(default_factory=dict)  # cluster (or "shared") -> encrypted files
    foreign: list[str] = field(default_factory=list)  # files that also carry PGP and KMS recipients

    def all_files(self) -> list[str]:
        return sorted({f for fs in self.files.values() for f in fs})


def _config(cluster: str, key: str, kms: bool) -> str:
    extra = f"        pgp: [{PGP_FP}]\n        kms:\n          - arn: {KMS_ARN}\n" if kms else ""
    return f"""---
# {cluster}: one key for this cluster; the operator key lives in the password manager
keys:
  - &{cluster} {key}  # flux in {cluster}
creation_rules:
  - # IMPORTANT: keep this rule first
    path_regex: talos/.*\\.sops\\.ya?ml
    key_groups:
      - age:
          - *{cluster}
  - path_regex: legacy/.*\\.sops\\.ya?ml
    encrypted_regex: "^(data|stringData)$"
    key_groups:
      - age:
          - *{cluster}
{extra}  - path_regex: .*\\.sops\\.ya?ml
    encrypted_regex: '^(data|stringData)$'
    age: >-
      {key}
  - age: *{cluster}  # catch-all: anything else sops is asked to encrypt here
"""


def _bootstrap_sync(cluster: str) -> str:
    """The sync that applies the cluster's flux folder (as onedr0p's `flux/config/cluster.yaml`)."""
    return """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: home-kubernetes
  namespace: flux-system
spec:
  interval: 30m
  url: ssh://git@github.com/acme/home-ops
  ref:
    branch: main
""" + _flux(cluster, "home-kubernetes", "cluster", f"./kubernetes/{cluster}/flux")


def _flux(cluster: str, source: str = "flux-system", name: str = "cluster-apps", path: str = "") -> str:
    return f"""---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 30m
  path: {path or f"./kubernetes/{cluster}/apps"}
  prune: true
  sourceRef:
    kind: GitRepository
    name: {source}
  decryption:
    provider: sops
"""


def _encrypt(root: Path, rel: str, plaintext: str, recipients: list[str]) -> None:
    """The real sops, with a throwaway config naming exactly these recipients."""
    tmp = root.parent / f".wild-{root.name}"
    tmp.mkdir(exist_ok=True)
    (tmp / ".sops.yaml").write_text(f"creation_rules:\n  - encrypted_regex: '^(data|stringData)$'\n"
                                    f"    age: {','.join(recipients)}\n")
    res = helpers.run_proc([helpers.sops_bin(), "--config", str(tmp / ".sops.yaml"), "encrypt",
                            "--filename-override", rel, "/dev/stdin"], root, input=plaintext.encode())
    assert res.code == 0, res.err
    helpers.write(root / rel, res.out)
    shutil.rmtree(tmp)


def _add_foreign(path: Path) -> None:
    """PGP and AWS KMS recipients beside age, as sops writes them (the data key is not really
    wrapped for them: nothing here can reach a KMS or hold that PGP key)."""
    text = path.read_text()
    path.write_text(text.replace("sops:\n", "sops:\n" + _FOREIGN, 1))


def _flux_instance(cluster: str) -> str:
    """What the Flux Operator reads: its sync path names the cluster's folder."""
    return f"""---
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata:
  name: flux
  namespace: flux-system
spec:
  distribution:
    version: "2.x"
    registry: ghcr.io/fluxcd
  sync:
    kind: GitRepository
    url: https://github.com/acme/fleet.git
    ref: refs/heads/main
    path: kubernetes/{cluster}
  kustomize:
    patches:
      - patch: |
          - op: add
            path: /spec/template/spec/containers/0/args/-
            value: --sops-age-secret=sops-age
        target:
          kind: Deployment
          name: kustomize-controller
"""


def per_cluster_repo(root: Path, clusters: tuple[str, ...] = ("main", "staging"), *, kms: bool = True,
                     operator: bool = False) -> Wild:
    """``operator``: Flux installed by the Flux Operator (a FluxInstance per cluster, no flux folder)."""
    root.mkdir(parents=True)
    helpers.git(root, "init", "-q", "-b", "main")
    keys = {c: agekeys.generate() for c in clusters}
    agekeys.append_to_key_file(list(keys.values()), "my cluster keys")
    wild = Wild(root, keys)
    helpers.write(root / ".gitignore", "*.decrypted~*\n")
    helpers.write(root / "README.md", "# home-ops\n")
    for c in clusters:
        pub = keys[c].public
        base = f"kubernetes/{c}"
        helpers.write(root / base / ".sops.yaml", _config(c, pub, kms and c == clusters[0]))
        if operator:
            helpers.write(root / "bootstrap" / c / "flux-instance.yaml", _flux_instance(c))
            helpers.write(root / base / "config" / "cluster.yaml", _flux(c))
        else:
            helpers.write(root / base / "flux" / "config" / "cluster.yaml", _bootstrap_sync(c))
            helpers.write(root / base / "flux" / "apps.yaml", _flux(c, "home-kubernetes"))
        helpers.write(root / base / "apps" / "web" / "app" / "deployment.yaml",
                      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n")
        files = []
        for n, app in enumerate(("db", "cache")):
            rel = f"{base}/apps/{app}/app/secret.sops.yaml"
            _encrypt(root, rel, helpers.secret_yaml(app, helpers.plant(f"pw-{c}-{n}-Xk2")), [pub])
            files.append(rel)
        wild.files[c] = files
    first = clusters[0]
    if kms:
        rel = f"kubernetes/{first}/apps/legacy/payments.sops.yaml"
        _encrypt(root, rel, helpers.secret_yaml("payments", helpers.plant("pw-kms-Xk2")), [keys[first].public])
        _add_foreign(root / rel)
        wild.files[first].append(rel)
        wild.foreign.append(rel)
    # outside every config's folder: one cluster's key alone, and every cluster's key
    own = f"apps/prod/{first}-only.sops.yaml"
    _encrypt(root, own, helpers.secret_yaml("prod-only", helpers.plant("pw-prod-Xk2")), [keys[first].public])
    wild.files[first].append(own)
    shared = "apps/common/shared.sops.yaml"
    _encrypt(root, shared, helpers.secret_yaml("shared", helpers.plant("pw-shared-Xk2")), [k.public for k in
                                                                                         keys.values()])
    wild.files["shared"] = [shared]
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "home-ops")
    return wild


STORE_PLAIN = {"json": '{"db": {"password": "%s", "port": 5432}, "hosts": ["a", "b"]}\n',
                "dotenv": "# database\nDB_PASSWORD=%s\nDB_PORT=5432\n",
                "ini": "[database]\npassword = %s\nport = 5432\n\n[cache]\nhost = redis\n",
                "binary": 'db_password = "%s"\nregion = "eu-west-1"\n'}

# (path, store, cluster): the store is what sops is told (--input-type), whatever the name says
STORES = [
    ("kubernetes/main/apps/db/app/config.sops.json", "json", "main"),
    ("kubernetes/main/apps/db/app/app.env", "dotenv", "main"),
    ("kubernetes/main/apps/db/app/settings.ini", "ini", "main"),
    ("kubernetes/main/apps/db/app/creds.conf", "ini", "main"),  # INI content, a name sops reads as binary
    ("kubernetes/main/apps/db/app/terraform.tfvars", "binary", "main"),
    ("kubernetes/main/apps/db/app/kubeconfig", "binary", "main"),
    ("kubernetes/main/apps/db/app/backup.sops.json", "binary", "main"),  # the binary format named .json
    ("kubernetes/staging/apps/cache/app/values.toml", "binary", "staging"),
    ("kubernetes/staging/apps/cache/app/cache.env", "dotenv", "staging"),
    ("terraform/main/secrets.hcl", "binary", "main"),  # outside every `.sops.yaml`: no rule governs it
    ("scripts/deploy.sh", "binary", "main"),
    ("env/main.env", "dotenv", "main"),
]


def encrypt_store(root: Path, rel: str, store: str, recipients: list[str], plaintext: str) -> None:
    """The real sops, with a throwaway config naming exactly these recipients."""
    tmp = root.parent / f".stores-{root.name}"
    tmp.mkdir(exist_ok=True)
    (tmp / ".sops.yaml").write_text(f"creation_rules:\n  - age: {','.join(recipients)}\n")
    res = helpers.run_proc([helpers.sops_bin(), "--config", str(tmp / ".sops.yaml"), "encrypt", "--input-type", store,
                            "--output-type", store, "/dev/stdin"], root, input=plaintext.encode())
    assert res.code == 0, res.err
    helpers.write(root / rel, res.out)


def older_sops_json(path: Path) -> None:
    """The binary format as older sops wrote it (seen in the wild: `*.sh` files): four-space indent
    and null recipient lists. The MAC covers values only, so the file stays valid."""
    doc = json.loads(path.read_text())
    doc["sops"] = {"kms": None, "gcp_kms": None, "azure_kv": None, "hc_vault": None, **doc["sops"]}
    path.write_text(json.dumps(doc, indent=4) + "\n")


def opens(root: Path, rel: str, store: str, keys: list[Identity]) -> bool:
    """The real sops, told the store, with exactly these keys (no rules read; output discarded)."""
    import os
    import subprocess

    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", "--input-type", store,
                          "--output-type", store, rel], cwd=root, capture_output=True, timeout=60,
                         env=dict(os.environ, **agekeys.identity_env(keys)))
    return res.returncode == 0


def stores_repo(root: Path) -> Wild:
    """`per_cluster_repo` with a file of every store beside the YAML ones (see STORES)."""
    repo = per_cluster_repo(root, kms=False)
    for n, (rel, store, cluster) in enumerate(STORES):
        encrypt_store(root, rel, store, [repo.keys[cluster].public], STORE_PLAIN[store] % helpers.plant(f"pw-{n}-Qx7"))
        repo.files[cluster].append(rel)
    older_sops_json(root / "scripts/deploy.sh")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "secrets of every store")
    return repo

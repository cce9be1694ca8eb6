"""A history shaped like a real home-ops repository, built with `git fast-import` in seconds:
about 10,000 commits, mostly one-line version bumps by a bot (renovate); a 500 KB
gotk-components.yaml re-committed 30 times; 1,500 files of which 100 are sops files (encrypted
once with the real sops, re-encrypted now and then); a few real leaks planted along the way."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from bench import fleet

DEPLOY = """---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app{n}
spec:
  interval: 30m
  chart:
    spec:
      chart: app-template
      version: 3.{v}.0
      sourceRef: {{kind: HelmRepository, name: bjw-s, namespace: flux-system}}
  values:
    controllers:
      app{n}:
        containers:
          app:
            image:
              repository: ghcr.io/home-operations/app{n}
              tag: 1.{v}.{n}@sha256:{digest}
            env:
              TZ: Europe/Berlin
              DB_HOST: postgres-rw.database.svc.cluster.local
            resources: {{requests: {{cpu: 10m}}, limits: {{memory: 512Mi}}}}
    service:
      app: {{controller: app{n}, ports: {{http: {{port: 8080}}}}}}
"""

CRD = """---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: thing{n}.source.toolkit.fluxcd.io
  labels: {{app.kubernetes.io/version: v2.{v}.0}}
spec:
  group: source.toolkit.fluxcd.io
  names: {{kind: Thing{n}, plural: thing{n}s}}
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        description: Thing{n} is the Schema for the things API. SecretRef specifies the Secret containing
          authentication credentials, a token or a password for the source.
        properties:
          spec:
            properties:
              secretRef: {{description: The name of the Secret in the same namespace, type: object}}
              interval: {{type: string, pattern: "^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$"}}
            type: object
        type: object
    served: true
    storage: true
"""


def _blob(out: list[bytes], data: bytes) -> str:
    mark = f":{len(out) + 1}"
    out.append(b"blob\nmark " + mark.encode() + b"\ndata " + str(len(data)).encode() + b"\n" + data + b"\n")
    return mark


def _app(n: int) -> str:
    """Nested as in real home-ops repositories (`kubernetes/apps/<namespace>/<app>/app/`): no folder
    holds more than ~30 entries there, and git's tree diffs cost what they cost on them."""
    return f"kubernetes/apps/ns{n % 50}/app{n}/app/helmrelease.yaml"


def build(root: Path, home: Path, commits: int = 10_000, files: int = 1500, sops_files: int = 100,
          gotk_versions: int = 30) -> dict[str, int]:
    e = fleet.env(home)
    root.mkdir(parents=True)
    fleet.git(root, "init", "-q", "-b", "main", e=e)
    rng = random.Random(7)
    # 100 real sops files, encrypted once with the real sops (two versions each: re-encrypted later)
    scratch = root.parent / "sops-src"
    scratch.mkdir()
    fleet.git(scratch, "init", "-q", "-b", "main", e=e)
    subprocess.run([str(Path(sys.executable).parent / "secretops"), "init", "--cluster", "main"], cwd=scratch, env=e,
                   check=True, capture_output=True)
    jobs = [(f"clusters/main/apps/s{n:03d}.enc.yaml", fleet.SECRET.format(n=n, t=n, pw=fleet.rand(20)))
            for n in range(sops_files)]
    fleet.encrypt_all(scratch, jobs, e)
    sops_texts = {rel: (scratch / rel).read_bytes() for rel, _ in jobs}
    stream: list[bytes] = []
    tree: dict[str, str] = {}
    marks = 0

    def commit(message: str, changes: dict[str, bytes], when: int) -> None:
        nonlocal marks
        lines = []
        for path, data in changes.items():
            tree[path] = _blob(stream, data)
            lines.append(f"M 100644 {tree[path]} {path}\n".encode())
        marks += 1
        head = (f"commit refs/heads/main\nmark :c{marks}\ncommitter renovate[bot] <bot@example.com> "
                f"{1_700_000_000 + when * 60} +0000\ndata {len(message)}\n{message}\n").encode()
        stream.append(head + b"".join(lines) + b"\n")

    first: dict[str, bytes] = {".sops.yaml": (scratch / ".sops.yaml").read_bytes(), ".gitignore": b"*.clear.yaml\n"}
    versions = {n: 0 for n in range(files - sops_files - 1)}
    for n in versions:
        first[_app(n)] = DEPLOY.format(n=n, v=0, digest=f"{n:064x}").encode()
    first.update(sops_texts)
    gotk = "".join(CRD.format(n=i, v=0) for i in range(420)).encode()
    first["kubernetes/flux-system/gotk-components.yaml"] = gotk
    commit("initial import", first, 0)
    gotk_at = set(rng.sample(range(1, commits), gotk_versions - 1))
    leaks = {commits // 5: "ghp_", commits // 2: "xoxb-", (4 * commits) // 5: "AKIA"}
    planted = 0
    for c in range(1, commits):
        changes: dict[str, bytes] = {}
        if c in gotk_at:
            v = len([x for x in gotk_at if x <= c])
            changes["kubernetes/flux-system/gotk-components.yaml"] = "".join(
                CRD.format(n=i, v=v) for i in range(420)).encode()
            message = f"chore(deps): update flux to v2.{v}.0"
        elif c % 97 == 0:
            rel = rng.choice(list(sops_texts))
            changes[rel] = sops_texts[rel].replace(b"lastmodified", b"lastmodified", 1)  # re-commit as is
            message = "chore: re-encrypt"
        else:
            n = rng.randrange(len(versions))
            versions[n] += 1
            changes[_app(n)] = DEPLOY.format(
                n=n, v=versions[n], digest=f"{n * 1000 + versions[n]:064x}").encode()
            message = f"fix(container): update image app{n} to 1.{versions[n]}.{n}"
        if c in leaks:
            token = {"ghp_": "ghp_" + fleet.rand(36), "xoxb-": "xoxb-" + "1234567890-1234567890123-" + fleet.rand(24),
                     "AKIA": "AKIA" + fleet.rand(16).upper()}[leaks[c]]
            changes[f"kubernetes/apps/leak{c}/values.yaml"] = f"token: {token}\n".encode()
            planted += 1
        commit(message, changes, c)
    data = b"".join(stream) + b"done\n"
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=root, env=e, input=data, check=True)
    fleet.git(root, "reset", "-q", "--hard", "main", e=e)
    return {"commits": commits, "files": len(tree), "planted": planted}

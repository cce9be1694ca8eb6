"""Synthetic repositories for the benchmarks: real git, real sops, real age keys."""

from __future__ import annotations

import os
import random
import secrets
import string
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from secretops.sops import agekeys
from secretops.sops import binary as sops

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{n}
  namespace: team-{t}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/example/app-{n}:1.{n}.0
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db-{n}
                  key: password
            - name: LOG_LEVEL
              value: info
"""
HELM = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: chart-{n}
spec:
  interval: 30m
  values:
    existingSecret: chart-{n}-secret
    auth:
      password: ${{CHART_{n}_PASSWORD}}
    podAnnotations:
      checksum/config: sha256:{digest}
"""
SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: db-{n}
  namespace: team-{t}
type: Opaque
stringData:
  username: app{n}
  password: {pw}
  url: postgres://app{n}:{pw}@db-{n}.svc:5432/app
"""


def rand(n: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def env(home: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("SOPS_", "GIT_", "XDG_"))}
    e.update(HOME=str(home), GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
             GIT_COMMITTER_EMAIL="b@x", GIT_CONFIG_GLOBAL=os.devnull)
    return e


def git(root: Path, *args: str, e: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=root, env=e, check=True, capture_output=True)


def build_check_repo(root: Path, home: Path, files: int = 2000, encrypted: int = 400) -> dict[str, list[str]]:
    """2,000 YAML files: 400 real sops files, some plaintext Secrets, planted credentials, the rest plain."""
    rng = random.Random(7)
    e = env(home)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main", e=e)
    ident = agekeys.generate()
    keys = home / ".config/sops/age/keys.txt"
    os.environ["HOME"] = str(home)
    agekeys.append_to_key_file([ident], "bench", keys)
    (root / ".sops.yaml").write_text(f"creation_rules:\n  - path_regex: \\.enc\\.yaml$\n"
                                     f"    encrypted_regex: ^(data|stringData)$\n    age: {ident.public}\n")
    (root / ".gitignore").write_text("*.clear.yaml\n")
    kinds: dict[str, list[str]] = {"encrypted": [], "plaintext-secret": [], "credential": [], "plain": []}
    jobs = []
    for n in range(files):
        team = n % 25
        folder = root / "clusters" / f"c{n % 10}" / f"team-{team}"
        folder.mkdir(parents=True, exist_ok=True)
        if n < encrypted:
            rel = f"clusters/c{n % 10}/team-{team}/db-{n}.enc.yaml"
            jobs.append((rel, SECRET.format(n=n, t=team, pw=rand(20))))
            kinds["encrypted"].append(rel)
        elif n < encrypted + 20:
            rel = f"clusters/c{n % 10}/team-{team}/secret-{n}.yaml"
            (root / rel).write_text(SECRET.format(n=n, t=team, pw=rand(20)))
            kinds["plaintext-secret"].append(rel)
        elif n < encrypted + 40:
            rel = f"clusters/c{n % 10}/team-{team}/ci-{n}.yaml"
            aws = "AK" + "IA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
            token = rng.choice(["gh" + "p_" + rand(36), aws, "xo" + "xb-1234567890-"
                                + rand(24), "sk" + "_live_" + rand(24), "AI" + "za" + rand(35)])
            (root / rel).write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ci-{n}\n"
                                    f"data:\n  notify: enabled\n  token: {token}\n")
            kinds["credential"].append(rel)
        else:
            rel = f"clusters/c{n % 10}/team-{team}/app-{n}.yaml"
            template = MANIFEST if n % 2 else HELM
            (root / rel).write_text(template.format(n=n, t=team, digest=secrets.token_hex(32)))
            kinds["plain"].append(rel)

    encrypt_all(root, jobs, e)
    git(root, "add", "-A", e=e)
    git(root, "commit", "-qm", "fleet", e=e)
    return kinds


def encrypt_all(root: Path, jobs: list[tuple[str, str]], e: dict[str, str]) -> None:
    """Encrypt (path, plaintext) pairs with the real sops and the repo's rules, four at a time."""
    binary = sops.locate()

    def encrypt(job: tuple[str, str]) -> None:
        rel, text = job
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        out = subprocess.run([binary, "--config", str(root / ".sops.yaml"), "encrypt", "--filename-override", rel,
                              "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"],
                             cwd=root, env=e, input=text.encode(), capture_output=True, check=True)
        (root / rel).write_bytes(out.stdout)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(encrypt, jobs))


def build_history_repos(work: Path, home: Path, files: int = 50, commits: int = 150,
                        per_commit: int = 5) -> tuple[Path, Path, int]:
    """A repo whose 150 commits keep touching the same 50 files, and a flat repo holding each of
    its unique blobs once (the cost `--history` should match)."""
    e = env(home)
    hist, flat = work / "history", work / "flat"
    for root in (hist, flat):
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main", e=e)
        (root / ".gitignore").write_text("*.clear.yaml\n")
    contents: list[str] = []
    for n in range(files):
        text = MANIFEST.format(n=n, t=n % 5) if n % 2 else HELM.format(n=n, digest=secrets.token_hex(32))
        (hist / f"app-{n}.yaml").write_text(text)
        contents.append(text)
    git(hist, "add", "-A", e=e)
    git(hist, "commit", "-qm", "c0", e=e)
    rng = random.Random(3)
    for c in range(1, commits):
        for n in rng.sample(range(files), per_commit):
            path = hist / f"app-{n}.yaml"
            text = path.read_text() + f"# revision {c}\n"
            path.write_text(text)
            contents.append(text)
        git(hist, "commit", "-qam", f"c{c}", e=e)
    for i, text in enumerate(contents):
        (flat / f"blob-{i}.yaml").write_text(text)
    git(flat, "add", "-A", e=e)
    git(flat, "commit", "-qm", "flat", e=e)
    return hist, flat, len(contents)

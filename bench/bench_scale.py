"""A fleet of 10,000 clusters: `rotate start` + `finish` over 50,000 files, and `rotate status` with
500 ms added to every API response.

The fleet is built fast, without one sops call per file: the real sops encrypts five templates once,
and each cluster's copies get the template's data key wrapped for that cluster's own age key (what
`sops updatekeys` would write). A sample of the rotated files is then judged by the real `sops -d`
with key files that hold only the new or only the old keys.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench import fleet
from secretops.sops import agekeys, datakey
from secretops.sops import binary as sops

BIN = Path(sys.executable).parent
CLUSTERS = int(os.environ.get("BENCH_SCALE_CLUSTERS", "10000"))
PER_CLUSTER = 5
SYNC = """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  secretRef:
    name: flux-system
  url: {url}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/{name}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  decryption:
    provider: sops
    secretRef:
      name: sops-age
"""


def _name(c: int) -> str:
    return f"c{c:05d}"


def _templates(work: Path, e: dict[str, str]) -> tuple[agekeys.Identity, list[str]]:
    """Five Secrets encrypted once by the real sops for a throwaway key."""
    ident = agekeys.generate()
    cfg = work / "template.sops.yaml"
    cfg.write_text(f"creation_rules:\n  - encrypted_regex: ^(data|stringData)$\n    age: {ident.public}\n")
    out = []
    for n in range(PER_CLUSTER):
        text = fleet.SECRET.format(n=n, t=n, pw=fleet.rand(24))
        proc = subprocess.run([sops.locate(), "--config", str(cfg), "encrypt", "--input-type", "yaml",
                               "--output-type", "yaml", "/dev/stdin"], input=text.encode(), env=e,
                              capture_output=True, check=True)
        out.append(proc.stdout.decode())
    return ident, out


def _swap_stanza(text: str, old_public: str, public: str, enc: str) -> str:
    head, sep, tail = text.partition(f"recipient: {old_public}\n")
    assert sep, "template without its recipient"
    lines = tail.split("\n")
    end = next(i for i, line in enumerate(lines) if "-----END AGE ENCRYPTED FILE-----" in line)
    indent = " " * (len(lines[1]) - len(lines[1].lstrip()))
    body = "\n".join(indent + line for line in enc.strip().split("\n"))
    return head + f"recipient: {public}\n" + lines[0] + "\n" + body + "\n" + "\n".join(lines[end + 1:])


def _write_cluster(args: tuple[str, str, list[tuple[bytes, str]], str, str]) -> None:
    root, name, templates, old_public, public = args
    apps = Path(root) / "clusters" / name / "apps"
    apps.mkdir(parents=True)
    (Path(root) / "clusters" / name / "flux-system").mkdir()
    (Path(root) / "clusters" / name / "flux-system" / "gotk-sync.yaml").write_text(
        SYNC.format(url="ssh://git@github.com/acme/fleet", name=name))
    for n, (key, text) in enumerate(templates):
        (apps / f"s{n}.enc.yaml").write_text(_swap_stanza(text, old_public, public, datakey.wrap(key, public)))


def build(root: Path, home: Path, clusters: int = CLUSTERS) -> list[agekeys.Identity]:
    e = fleet.env(home)
    root.mkdir(parents=True)
    ident, texts = _templates(root.parent, e)
    from secretops.sops import document, metadata

    templates = []
    for n, text in enumerate(texts):
        meta = metadata.from_documents(document.parse(f"t{n}.yaml", text.encode()).documents)[0]
        assert meta is not None
        templates.append((datakey.unwrap(meta, [ident], f"t{n}.yaml"), text))
    keys = [agekeys.generate() for _ in range(clusters)]
    rules = ["creation_rules:"]
    for c, key in enumerate(keys):
        rules += [f"  - path_regex: ^clusters/{_name(c)}/", "    encrypted_regex: ^(data|stringData)$",
                  f"    age: {key.public}"]
    (root / ".sops.yaml").write_text("\n".join(rules) + "\n")
    (root / ".gitignore").write_text("*.clear.yaml\n")
    jobs = [(str(root), _name(c), templates, ident.public, key.public) for c, key in enumerate(keys)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_write_cluster, jobs, chunksize=64))
    key_file = home / ".config/sops/age/keys.txt"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text("".join(f"# public key: {k.public}\n{k.secret}\n" for k in keys))
    key_file.chmod(0o600)
    fleet.git(root, "init", "-q", "-b", "main", e=e)
    fleet.git(root, "remote", "add", "origin", "ssh://git@github.com/acme/fleet", e=e)
    fleet.git(root, "add", "-A", e=e)
    fleet.git(root, "commit", "-qm", "fleet", e=e)
    return keys


def _timed(args: list[str], cwd: Path, e: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the command and its workers) and peak memory (MB, the largest process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "secretops"), *args], cwd=cwd, env=e, capture_output=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"secretops {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()[-600:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return took, cpu, after.ru_maxrss / 1024


# sops also reads the default key file (which holds every key): point its folder at nothing
_ONLY_THE_FILE = {"XDG_CONFIG_HOME": os.devnull, "SOPS_AGE_KEY": "", "SOPS_AGE_SSH_PRIVATE_KEY_FILE": os.devnull}


def _judge(root: Path, home: Path, old: list[agekeys.Identity], sample: int = 20) -> str:
    """The real sops, with a key file of the new keys only, opens a sample; with the old keys only, none."""
    e = fleet.env(home)
    rng = random.Random(5)
    files = sorted(str(p.relative_to(root)) for p in (root / "clusters").glob("c*/apps/s*.enc.yaml"))
    picked = rng.sample(files, min(sample, len(files)))
    old_publics = {k.public for k in old}
    held = agekeys.parse((home / ".config/sops/age/keys.txt").read_text(), "keys.txt")
    new_only = "\n".join(k.secret for k in held if k.public not in old_publics)
    opened = refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in (("new", new_only), ("old", "\n".join(k.secret for k in old))):
            kf = Path(tmp) / f"{label}.txt"
            kf.write_text(text + "\n")
            for rel in picked:
                proc = subprocess.run([sops.locate(), "decrypt", rel], cwd=root, capture_output=True,
                                      env={**e, "SOPS_AGE_KEY_FILE": str(kf), **_ONLY_THE_FILE})
                if label == "new":
                    opened += proc.returncode == 0
                else:
                    refused += proc.returncode != 0
    return f"real sops on {len(picked)} sampled files: {opened} open with the new keys only, " \
           f"{refused} refuse the old keys only"


def run_rotation() -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="secretops-bench-scale-"))
    home = work / "home"
    home.mkdir()
    root = work / "fleet"
    try:
        start = time.perf_counter()
        old = build(root, home)
        built = time.perf_counter() - start
        e = fleet.env(home)
        t_start, cpu1, rss1 = _timed(["rotate", "start", "--all"], root, e)
        t_finish, cpu2, rss2 = _timed(["rotate", "finish", "--unverified"], root, e)
        verdict = _judge(root, home, old)
        total = t_start + t_finish
        return [f"fleet of {CLUSTERS} clusters x {PER_CLUSTER} files ({CLUSTERS * PER_CLUSTER} sops files, one "
                f"creation rule and one key per cluster) built in {built:.0f} s",
                f"rotate start --all {t_start:.1f} s ({cpu1:.1f} CPU-s) + finish {t_finish:.1f} s ({cpu2:.1f} CPU-s)"
                f" = {total:.1f} s (goal <= 240 s); peak memory {max(rss1, rss2):.0f} MB", verdict]
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _status_fleet(clusters: int, delay: float) -> Iterator[tuple[Path, dict[str, str], object]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests import fakeflux

    work = Path(tempfile.mkdtemp(prefix="secretops-bench-status-"))
    home = work / "home"
    (home / ".kube").mkdir(parents=True)
    root = work / "repo"
    root.mkdir()
    e = fleet.env(home)
    try:
        fleet.git(root, "init", "-q", "-b", "main", e=e)
        (root / "README.md").write_text("fleet\n")
        fleet.git(root, "add", "-A", e=e)
        fleet.git(root, "commit", "-qm", "base", e=e)
        fleet.git(root, "remote", "add", "origin", fakeflux.REPO_URL, e=e)
        new, old = agekeys.generate(), agekeys.generate()
        names = [_name(n) for n in range(clusters)]
        state = {"version": 1, "id": "bench", "phase": "started", "base_commit": "0" * 40, "branch": "main",
                 "started_at": "2026-01-01T00:00:00Z",
                 "keys": [{"old": old.public, "new": new.public, "clusters": names}],
                 "clusters": [{"name": n, "kube_context": n, "key_secrets": ["x"]} for n in names]}
        (root / ".secretops").mkdir()
        (root / ".secretops/rotation.yaml").write_text(json.dumps(state))
        fleet.git(root, "add", "-A", e=e)
        fleet.git(root, "commit", "-qm", "commit 1", e=e)
        c1 = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
        content = f"# public key: {new.public}\n{new.secret}\n# public key: {old.public}\n{old.secret}\n"
        with fakeflux.FakeKube(delay=delay) as kube:
            for name in names:
                cluster = kube.add(name)
                ks = fakeflux.kustomization("flux-system")
                fakeflux.set_applied(ks, c1)
                cluster.put("kustomizations", ks)
                cluster.put("secrets", fakeflux.key_secret("sops-age", "flux-system", {"age.agekey": content}))
                cluster.put("deployments", fakeflux.controller(image="ghcr.io/fluxcd/kustomize-controller:v1.9.0"))
            e["KUBECONFIG"] = str(kube.kubeconfig(home / ".kube/config", names))
            yield root, e, kube
    finally:
        shutil.rmtree(work, ignore_errors=True)


def status_once(clusters: int, delay: float) -> str:
    with _status_fleet(clusters, delay) as (root, e, kube):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([str(BIN / "secretops"), "rotate", "status", "--format", "json"], cwd=root, env=e,
                              capture_output=True)
        took = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests = kube.requests  # type: ignore[attr-defined]
    data = json.loads(proc.stdout or b"{}")
    ok = sum(1 for c in data.get("clusters", []) if c["verified"])
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return (f"rotate status across {clusters} clusters, {delay * 1000:.0f} ms added to every response (local TLS "
            f"fake API server, {requests} requests): {took:.1f} s, {ok}/{clusters} verified, {cpu:.1f} CPU-s, "
            f"peak memory {after.ru_maxrss / 1024:.0f} MB (goal <= 60 s at 10,000 x 500 ms)")


PREFLIGHT = """
import json, sys, time
from secretops.flux import readiness
names = json.loads(sys.argv[1])
start = time.perf_counter()
found = readiness.read_all([(n, n) for n in names], {})
print(json.dumps({"seconds": time.perf_counter() - start, "ready": sum(r.ready for r in found)}))
"""


def preflight_once(clusters: int, delay: float) -> str:
    """The post-quantum pre-flight (`rotate start --to-pq`'s read of every kustomize-controller), alone:
    the plan around it is the rotation's, timed above."""
    with _status_fleet(clusters, delay) as (_root, e, kube):
        names = json.dumps([_name(n) for n in range(clusters)])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([sys.executable, "-c", PREFLIGHT, names], env=e, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests = kube.requests  # type: ignore[attr-defined]
    data = json.loads(proc.stdout or b"{}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return (f"post-quantum pre-flight across {clusters} clusters, {delay * 1000:.0f} ms a response ({requests} "
            f"requests): {data.get('seconds', 0):.1f} s, {data.get('ready', 0)}/{clusters} proved on 1.9, "
            f"{cpu:.1f} CPU-s (goal <= 60 s)")


def run_status() -> list[str]:
    return [status_once(CLUSTERS, 0.5), preflight_once(CLUSTERS, 0.5)]

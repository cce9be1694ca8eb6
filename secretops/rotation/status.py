"""`rotate status`: the rotation, commit 1, and every cluster's answer, asked concurrently."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from secretops.errors import KubeError, SecretopsError, StateError
from secretops.flux import api as fluxapi
from secretops.flux import clustercheck, fanout, kubeconfig
from secretops.flux import judge as flux
from secretops.flux.clustercheck import ApplyKeySecret
from secretops.flux.judge import ClusterStatus, Target
from secretops.git import command as git
from secretops.repo.model import Repo
from secretops.rotation.state import ClusterRef, RotationState, commit_one, require_state
from secretops.util.display import short
from secretops.util.progress import Observer, Silent

REFUSED = (401, 403)  # the server answered: these credentials will not do, however long one waits
WORKERS = fanout.WORKERS


@dataclass(frozen=True)
class StatusReport:
    state: RotationState
    commit1: str
    clusters: tuple[ClusterStatus, ...]

    @property
    def verified(self) -> bool:
        return bool(self.clusters) and all(c.verified for c in self.clusters)

    def problems(self) -> list[str]:
        if not self.clusters:
            return ["the rotation names no cluster to verify"]
        return [f"{c.name}: {p}" for c in self.clusters for p in c.problems]


def check_all(state: RotationState, target: Target, *, reconcile: bool = False, timeout: float = 10.0,
              workers: int = WORKERS, only: Iterable[str] | None = None, apply: ApplyKeySecret | None = None,
              config: kubeconfig.Kubeconfig | None = None, lasting: set[str] | None = None,
              asserted: Mapping[str, str] | None = None) -> list[ClusterStatus]:
    """Every cluster, each API server asked once (a management cluster serving many workload clusters
    included), servers asked concurrently and bounded; an unreachable one is a result, never a success.
    Clusters whose failure waiting cannot fix (no such context, credentials refused) go into ``lasting``."""
    lasting = set() if lasting is None else lasting
    config = config or kubeconfig.load()
    lock = threading.Lock()
    cache: dict[str, bool | None] = {}
    descends = target.descends

    def cached(sha: str) -> bool | None:
        with lock:
            if sha not in cache:
                cache[sha] = descends(sha)
            return cache[sha]

    target = dataclasses.replace(target, descends=cached)
    wanted = [c for c in state.clusters if only is None or c.name in set(only)]
    servers: dict[str, list[ClusterRef]] = {}
    for ref in wanted:
        servers.setdefault(ref.kube_context, []).append(ref)

    def one_server(refs: list[ClusterRef]) -> list[ClusterStatus]:
        context = refs[0].kube_context
        try:
            client = config.client(context, timeout)
        except SecretopsError as exc:  # the kubeconfig: no context, no usable cluster, a failed exec plugin
            with lock:
                lasting.update(r.name for r in refs)
            return [ClusterStatus(r.name, context, False, False, (exc.user_message,)) for r in refs]
        try:
            snap = fluxapi.snapshot(client)
            gate = _post_quantum_gate(snap, refs, asserted or {}) if state.post_quantum else {}
            # a cluster not proved ready for PQ keys is never verified, and never handed one through the API
            return [ClusterStatus(r.name, context, False, True, (gate[r.name][1],)) if not gate.get(r.name, (1,))[0]
                    else dataclasses.replace(clustercheck.check_cluster(
                        snap, r.name, r.kube_context,
                        {k.new for k in state.keys if r.name in k.clusters} or state.new_keys, target,
                        alone=len(refs) == 1, reconcile=reconcile, apply=apply),
                        warnings=client.warnings + ((gate[r.name][1],) if r.name in gate else ()))
                    for r in refs]
        except SecretopsError as exc:
            if isinstance(exc, KubeError) and exc.status in REFUSED:
                with lock:
                    lasting.update(r.name for r in refs)
            return [ClusterStatus(r.name, context, False, False, (exc.user_message,)) for r in refs]
        finally:
            client.close()

    done = {s.name: s for group in fanout.each(list(servers.values()), one_server, workers) for s in group}
    return [done[r.name] for r in wanted]


def _post_quantum_gate(snap: fluxapi.Snapshot, refs: list[ClusterRef],
                       asserted: Mapping[str, str]) -> dict[str, tuple[bool, str]]:
    """Each cluster: (proved ready for post-quantum keys, what was read or asserted). Not ready: the
    reason it is not verified; ready by assertion: a warning that says so."""
    from secretops.flux import readiness

    found = readiness.read(snap, refs[0].name)
    out: dict[str, tuple[bool, str]] = {}
    for r in refs:
        mine = readiness.with_assertion(readiness.Readiness(r.name, found.version, found.source), asserted)
        if not mine.ready:
            out[r.name] = (False, f"{mine.describe()}: post-quantum keys need kustomize-controller 1.9 "
                                  "(Flux 2.9); not verified")
        elif mine.asserted:
            out[r.name] = (True, mine.describe())
    return out


def poll(state: RotationState, target: Target, *, seconds: float, reconcile: bool, timeout: float = 10.0,
         interval: float = 3.0, workers: int = WORKERS, apply: ApplyKeySecret | None = None,
         observer: Observer | None = None, asserted: Mapping[str, str] | None = None) -> list[ClusterStatus]:
    """Poll until every cluster is verified or the time is up; only unverified clusters are asked again.
    It ends at once when what is left cannot change by waiting (no such context, credentials refused)."""
    obs = observer or Silent()
    deadline = time.monotonic() + seconds
    config = kubeconfig.load()  # once: exec credentials are reused between rounds until they expire
    lasting: set[str] = set()
    results = {s.name: s for s in check_all(state, target, reconcile=reconcile, timeout=timeout, workers=workers,
                                            apply=apply, config=config, lasting=lasting, asserted=asserted)}

    def waiting() -> list[str]:
        return [n for n, s in results.items() if not s.verified and n not in lasting]

    while time.monotonic() < deadline and waiting():
        done = sum(1 for s in results.values() if s.verified)
        obs.begin(f"waiting for Flux, {int(deadline - time.monotonic())}s left: clusters verified", len(results))
        for _ in range(done):
            obs.step()
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        for s in check_all(state, target, timeout=timeout, only=waiting(), workers=workers, config=config,
                           lasting=lasting, asserted=asserted):
            results[s.name] = s
    obs.end()
    return [results[c.name] for c in state.clusters]


def remote_urls(repo: Repo) -> set[str]:
    out = git.out(repo.root, "remote", "-v")
    return {flux.normalize_url(line.split()[1]) for line in out.splitlines() if len(line.split()) >= 2}


def target_of(repo: Repo, state: RotationState, commit1: str) -> Target:
    def descends(sha: str) -> bool | None:
        return git.is_ancestor(repo.root, commit1, sha)

    known = {c.name: c.path for c in repo.clusters}
    return Target(commit1, state.branch, descends, remote_urls(repo), {r.name: known.get(r.name, "")
                                                                       for r in state.clusters},
                  {c.name: c.key_secrets for c in state.clusters}, frozenset(state.old_keys),
                  frozenset(c.name for c in state.clusters if c.kms_covered))


def report(repo: Repo, *, wait: float = 0, reconcile: bool = False, timeout: float = 10.0,
           state: RotationState | None = None, workers: int = WORKERS,
           apply_key_secrets: bool = False, observer: Observer | None = None) -> StatusReport:
    state = state or require_state(repo.root)
    commit1 = commit_one(repo.root)
    if commit1 is None:
        raise StateError("commit 1 of the rotation was not found", hint="is the state file committed?")
    target = target_of(repo, state, commit1)
    apply = key_secret_applier(repo, state) if apply_key_secrets else None
    if wait > 0:
        results = poll(state, target, seconds=wait, reconcile=reconcile, timeout=timeout, workers=workers,
                       apply=apply, observer=observer, asserted=dict(repo.config.asserted_versions))
    else:
        results = check_all(state, target, reconcile=reconcile, timeout=timeout, workers=workers, apply=apply,
                            asserted=dict(repo.config.asserted_versions))
    return StatusReport(state, commit1, tuple(results))


def key_secret_applier(repo: Repo, state: RotationState) -> ApplyKeySecret:
    """Apply a cluster's key Secret from the repository (commit 1: both keys) through the API, for
    clusters whose Flux never applies it. Keys are decrypted in memory with the local keys."""
    from secretops.errors import AgeKeyError
    from secretops.repo import keysecrets
    from secretops.rotation.state import ROTATION_ENTRY
    from secretops.sops import agekeys

    ids = agekeys.load_identities()
    by_public = {i.public: i for i in ids}
    files = {c.name: c.key_secrets for c in state.clusters}

    def apply(snap: fluxapi.Snapshot, cluster: str, ns: str, name: str) -> None:
        entries: dict[str, str] = {}
        for rel in files.get(cluster, ()):
            entries.update({e.name: e.content for e in keysecrets.read_entries(repo.root, rel, ids)})
        if not files.get(cluster):  # the Secret lives in the cluster only: add the new keys beside the old
            new = [k.new for k in state.keys if cluster in k.clusters] or sorted(state.new_keys)
            missing = [k for k in new if k not in by_public]
            if missing:
                raise AgeKeyError(f"the new key {short(missing[0])} is not in your key file",
                                  hint="restore ~/.config/sops/age/keys.txt, or `secretops rotate abort`")
            entries[ROTATION_ENTRY] = keysecrets.key_text(by_public[k] for k in new)
        if entries:
            fluxapi.apply_key_secret(snap.client, ns, name, entries)

    return apply

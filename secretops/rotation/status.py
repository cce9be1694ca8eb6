"""`rotate status`: the rotation, commit 1, and every cluster's answer, asked concurrently."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from secretops.errors import SecretopsError, StateError
from secretops.git import command as git
from secretops.repo.model import Repo
from secretops.rotation import flux, kube
from secretops.rotation.flux import ClusterStatus
from secretops.rotation.state import ClusterRef, RotationState, commit_one, require_state


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


def check_all(state: RotationState, commit1: str, descends: Callable[[str], bool | None], repo_urls: set[str],
              *, reconcile: bool = False, timeout: float = 10.0, workers: int = 32,
              only: Iterable[str] | None = None) -> list[ClusterStatus]:
    """Every cluster at once, bounded; an unreachable cluster is a result, never a success."""
    config = kube.load_kubeconfig()
    lock = threading.Lock()
    cache: dict[str, bool | None] = {}

    def cached(sha: str) -> bool | None:
        with lock:
            if sha not in cache:
                cache[sha] = descends(sha)
            return cache[sha]

    wanted = [c for c in state.clusters if only is None or c.name in set(only)]

    def one(ref: ClusterRef) -> ClusterStatus:
        new = {k.new for k in state.keys if ref.name in k.clusters} or state.new_keys
        try:
            client = kube.client(ref.kube_context, config, timeout)
        except SecretopsError as exc:
            return ClusterStatus(ref.name, ref.kube_context, False, False, (exc.user_message,))
        try:
            return flux.check_cluster(client, ref, commit1, new, cached, repo_urls, reconcile)
        except SecretopsError as exc:
            return ClusterStatus(ref.name, ref.kube_context, False, False, (exc.user_message,))
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted)))) as pool:
        return list(pool.map(one, wanted))


def poll(state: RotationState, commit1: str, descends: Callable[[str], bool | None], repo_urls: set[str], *,
         seconds: float, reconcile: bool, timeout: float = 10.0, interval: float = 3.0,
         on_round: Callable[[list[ClusterStatus]], None] | None = None) -> list[ClusterStatus]:
    """Poll until every cluster is verified or the time is up; only unverified clusters are asked again."""
    deadline = time.monotonic() + seconds
    results = {s.name: s for s in check_all(state, commit1, descends, repo_urls, reconcile=reconcile,
                                            timeout=timeout)}
    while time.monotonic() < deadline and not all(s.verified for s in results.values()):
        if on_round:
            on_round(list(results.values()))
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        pending = [n for n, s in results.items() if not s.verified]
        for s in check_all(state, commit1, descends, repo_urls, timeout=timeout, only=pending):
            results[s.name] = s
    return [results[c.name] for c in state.clusters]


def remote_urls(repo: Repo) -> set[str]:
    out = git.out(repo.root, "remote", "-v")
    return {flux.normalize_url(line.split()[1]) for line in out.splitlines() if len(line.split()) >= 2}


def report(repo: Repo, *, wait: float = 0, reconcile: bool = False, timeout: float = 10.0,
           state: RotationState | None = None) -> StatusReport:
    state = state or require_state(repo.root)
    commit1 = commit_one(repo.root)
    if commit1 is None:
        raise StateError("commit 1 of the rotation was not found", hint="is the state file committed?")

    def descends(sha: str) -> bool | None:
        return git.is_ancestor(repo.root, commit1, sha)

    urls = remote_urls(repo)
    if wait > 0:
        results = poll(state, commit1, descends, urls, seconds=wait, reconcile=reconcile, timeout=timeout)
    else:
        results = check_all(state, commit1, descends, urls, reconcile=reconcile, timeout=timeout)
    return StatusReport(state, commit1, tuple(results))

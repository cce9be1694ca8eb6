"""`rotate status`: the rotation, commit 1, and each cluster's answer."""

from __future__ import annotations

from dataclasses import dataclass

from secretops import git
from secretops.errors import StateError
from secretops.repo import Repo
from secretops.rotation import flux
from secretops.rotation.flux import ClusterStatus
from secretops.rotation.state import RotationState, commit_one, require_state


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
        results = flux.wait(state, commit1, descends, urls, seconds=wait, reconcile=reconcile, timeout=timeout)
    else:
        results = flux.check_all(state, commit1, descends, urls, reconcile=reconcile, timeout=timeout)
    return StatusReport(state, commit1, tuple(results))

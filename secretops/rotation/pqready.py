"""The pre-flight of a move to post-quantum keys: every cluster's kustomize-controller, read through
its API server (or asserted in `.secretops.yaml` where the API cannot show it), must be 1.9 or newer
before commit 1 puts an ``AGE-SECRET-KEY-PQ-1…`` line into its key Secret."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from secretops.errors import StateError
from secretops.flux import readiness
from secretops.flux.readiness import Readiness
from secretops.rotation.state import ClusterRef


class NotReady(StateError):
    """Some clusters cannot take PQ keys: one line per cluster in ``lines``."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = tuple(lines)
        super().__init__(f"{len(lines)} cluster(s) cannot take post-quantum keys yet: {lines[0]}",
                         hint="upgrade them to Flux 2.9 (kustomize-controller 1.9) or assert the version in "
                              ".secretops.yaml (kustomize_controller_versions), then run again")


def read_all(clusters: Sequence[ClusterRef], asserted: Mapping[str, str], *, timeout: float = 10.0,
             workers: int = 0) -> list[Readiness]:
    return readiness.read_all([(c.name, c.kube_context) for c in clusters], asserted, timeout=timeout,
                              workers=workers)


def problems(found: Sequence[Readiness]) -> list[str]:
    """One line per cluster that is not ready, saying what was read and what it needs."""
    out = []
    for r in found:
        if not r.ready:
            need = "needs kustomize-controller 1.9 (Flux 2.9) or newer"
            out.append(f"{r.cluster}: {r.describe()}; {need}")
    return out


def require_ready(found: Sequence[Readiness]) -> None:
    lines = problems(found)
    if lines:
        raise NotReady(lines)

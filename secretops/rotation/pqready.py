"""The pre-flight of a move to post-quantum keys: every cluster's kustomize-controller, read through
its API server (or asserted in `.secretops.yaml` where the API cannot show it), must be 1.9 or newer
before commit 1 puts an ``AGE-SECRET-KEY-PQ-1…`` line into its key Secret."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from secretops.errors import SecretopsError, StateError
from secretops.flux import api as fluxapi
from secretops.flux import kubeconfig, readiness
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
             workers: int = 128, config: kubeconfig.Kubeconfig | None = None) -> list[Readiness]:
    """Each cluster's readiness; an API server is asked once for all the clusters it serves."""
    try:
        config = config or kubeconfig.load()
    except SecretopsError as exc:
        return [with_assertion(Readiness(r.name, None, f"no kubeconfig to ask its API server ({exc.message})"),
                                asserted) for r in clusters]
    servers: dict[str, list[ClusterRef]] = {}
    for ref in clusters:
        servers.setdefault(ref.kube_context, []).append(ref)

    def one(refs: list[ClusterRef]) -> list[Readiness]:
        try:
            client = config.client(refs[0].kube_context, timeout)
        except SecretopsError as exc:
            return [Readiness(r.name, None, f"its API server cannot be asked: {exc.message}") for r in refs]
        try:
            found = readiness.read(fluxapi.Snapshot(client, [], {}), refs[0].name)
            return [Readiness(r.name, found.version, found.source, found.global_secret) for r in refs]
        except SecretopsError as exc:
            return [Readiness(r.name, None, f"its API server cannot be asked: {exc.message}") for r in refs]
        finally:
            client.close()

    if not servers:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(servers)))) as pool:
        read = [r for group in pool.map(one, servers.values()) for r in group]
    return [with_assertion(r, asserted) for r in read]


def with_assertion(found: Readiness, asserted: Mapping[str, str]) -> Readiness:
    """A version the API proves wins; an asserted one stands in only where the API shows none."""
    claim = asserted.get(found.cluster)
    if found.version is not None or claim is None:
        return found
    return Readiness(found.cluster, claim, "asserted", found.global_secret, asserted=True)


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

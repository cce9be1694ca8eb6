"""Can a cluster's Flux decrypt with post-quantum age keys? kustomize-controller 1.9 (Flux 2.9)
vendors age 1.3; an older one fails the whole decryption as soon as its key Secret holds one
``AGE-SECRET-KEY-PQ-1…`` line. The version is read through the API, strongest proof first:

1. the kustomize-controller Deployment's image tag (what runs);
2. the Flux Operator's FluxReport: the kustomize-controller component's image tag (what it observed);
3. the FluxInstance: the revision it last applied, else an exact ``spec.distribution.version``
   (a range such as ``2.x`` proves nothing).

Flux 2.N ships kustomize-controller 1.N. Anything else (a digest-only image, ``latest``, a fork's
own tag, a Deployment that cannot be read) is "unknown", never ready.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from secretops.errors import KubeError
from secretops.flux import api

if TYPE_CHECKING:
    from secretops.flux import kubeconfig

MINIMUM = (1, 9)  # kustomize-controller; Flux 2.9
OPERATOR = "/apis/fluxcd.controlplane.io/v1"
_TAG = re.compile(r":v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.-]*)?(?:@sha256:[0-9a-f]+)?$")
_FLUX = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+|x|\*))?(?:@.*)?$")


@dataclass(frozen=True)
class Readiness:
    """One cluster's answer. ``version`` is kustomize-controller's (``1.9.0``), or None when unproved."""

    cluster: str
    version: str | None
    source: str  # "Deployment image", "FluxReport", "FluxInstance", "asserted", or the reason it is unknown
    global_secret: str | None = None  # --sops-age-secret, when the controller uses one
    asserted: bool = False

    @property
    def ready(self) -> bool:
        return self.version is not None and parse(self.version) >= MINIMUM

    def describe(self) -> str:
        if self.version is None:
            return f"kustomize-controller version unknown ({self.source})"
        how = "asserted in .secretops.yaml, not read" if self.asserted else f"read from the {self.source}"
        return f"kustomize-controller {self.version} ({how})"


def parse(version: str) -> tuple[int, int]:
    match = re.match(r"^v?(\d+)\.(\d+)", version.strip())
    return (int(match[1]), int(match[2])) if match else (0, 0)


def image_version(image: str) -> str | None:
    """``1.9.0`` from ``ghcr.io/fluxcd/kustomize-controller:v1.9.0@sha256:…``; None without a version tag."""
    if "kustomize-controller" not in image:
        return None
    match = _TAG.search(image)
    return f"{match[1]}.{match[2]}.{match[3] or 0}" if match else None


def flux_to_controller(version: str) -> str | None:
    """Flux ``2.N[.P]`` (or an ``2.N.x`` pin) means kustomize-controller ``1.N``; ranges prove nothing."""
    match = _FLUX.match(version.strip())
    if not match or match[1] != "2":
        return None
    return f"1.{match[2]}"


def _operator_items(client: Any, plural: str) -> list[Mapping[str, Any]]:
    try:
        found = client.get_or_none(f"{OPERATOR}/{plural}")
    except KubeError:
        return []
    return [i for i in (found or {}).get("items") or [] if isinstance(i, Mapping)]


def read(snap: api.Snapshot, cluster: str) -> Readiness:
    """The cluster's kustomize-controller version and global key Secret, from its API server."""
    client = snap.client
    try:
        ctl = api.controller(snap)
        why = "no kustomize-controller Deployment was found"
    except KubeError as exc:
        ctl, why = None, f"its Deployment could not be read (HTTP {exc.status})" if exc.status else exc.message
    global_secret = ctl.age_secret if ctl else None
    image = next((i for i in ctl.images if "kustomize-controller" in i), "") if ctl else ""
    if image:
        found = image_version(image)
        if found:
            return Readiness(cluster, found, "Deployment image", global_secret)
        why = "its Deployment's image has no version tag"
    for report in _operator_items(client, "fluxreports"):
        for comp in (report.get("spec") or {}).get("components") or []:
            if isinstance(comp, Mapping) and comp.get("name") == "kustomize-controller":
                found = image_version(str(comp.get("image") or ""))
                if found:
                    return Readiness(cluster, found, "FluxReport", global_secret)
    for inst in _operator_items(client, "fluxinstances"):
        status, spec = inst.get("status") or {}, inst.get("spec") or {}
        for candidate in (status.get("lastAppliedRevision"), (spec.get("distribution") or {}).get("version")):
            found = flux_to_controller(str(candidate)) if candidate else None
            if found:
                return Readiness(cluster, found, "FluxInstance", global_secret)
        why = "the FluxInstance names a version range, not a version"
    return Readiness(cluster, None, why, global_secret)


def read_all(clusters: Sequence[tuple[str, str]], asserted: Mapping[str, str], *, timeout: float = 10.0,
             workers: int = 0, config: kubeconfig.Kubeconfig | None = None) -> list[Readiness]:
    """Each (cluster, kube context)'s readiness; an API server is asked once for all the clusters it serves."""
    from secretops.errors import SecretopsError
    from secretops.flux import fanout, kubeconfig

    try:
        config = config or kubeconfig.load()
    except SecretopsError as exc:
        return [with_assertion(Readiness(name, None, f"no kubeconfig to ask its API server ({exc.message})"),
                               asserted) for name, _ in clusters]
    servers: dict[str, list[str]] = {}
    for name, context in clusters:
        servers.setdefault(context, []).append(name)

    def one(item: tuple[str, list[str]]) -> list[Readiness]:
        context, names = item
        try:
            client = config.client(context, timeout)
        except SecretopsError as exc:
            return [Readiness(n, None, f"its API server cannot be asked: {exc.message}") for n in names]
        try:
            found = read(api.Snapshot(client, [], {}), names[0])
            return [Readiness(n, found.version, found.source, found.global_secret) for n in names]
        except SecretopsError as exc:
            return [Readiness(n, None, f"its API server cannot be asked: {exc.message}") for n in names]
        finally:
            client.close()

    found = [r for group in fanout.each(list(servers.items()), one, workers or fanout.WORKERS) for r in group]
    return [with_assertion(r, asserted) for r in found]


def with_assertion(found: Readiness, asserted: Mapping[str, str]) -> Readiness:
    """A version the API proves wins; an asserted one stands in only where the API shows none."""
    claim = asserted.get(found.cluster)
    if found.version is not None or claim is None:
        return found
    return Readiness(found.cluster, claim, "asserted", found.global_secret, asserted=True)

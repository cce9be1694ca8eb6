"""Ask each cluster's Flux whether commit 1 is applied and its key Secret holds the new key."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from secretops.rotation import kube
from secretops.rotation.state import ClusterRef
from secretops.sops import agekeys

KS_VERSIONS = ("v1", "v1beta2")
SRC_VERSIONS = ("v1", "v1beta2")
_SHA = re.compile(r"(?:^|[@/:])([0-9a-f]{40})$")


@dataclass(frozen=True)
class KsStatus:
    namespace: str
    name: str
    revision: str | None
    verified: bool
    reason: str


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    context: str
    verified: bool
    reachable: bool
    problems: tuple[str, ...] = ()
    kustomizations: tuple[KsStatus, ...] = field(default=())
    key_secret: str = "unknown"  # has-new-key | old-key-only | missing | unknown


def revision_sha(revision: str | None) -> str | None:
    """`main@sha1:<sha>`, `refs/heads/main@sha1:<sha>`, `sha1:<sha>` or the legacy `main/<sha>`."""
    match = _SHA.search(revision or "")
    return match.group(1) if match else None


def normalize_url(url: str) -> str:
    u = url.strip().lower()
    scp = re.match(r"^([^/@:]+@)?([^/:]+):(?!//)(.*)$", u)
    if scp and "://" not in u:
        u = f"{scp.group(2)}/{scp.group(3)}"
    u = re.sub(r"^[a-z0-9+.\-]+://", "", u)
    u = re.sub(r"^[^@/]+@", "", u)
    u = re.sub(r"^([^/:]+):\d+/", r"\1/", u)
    return u.rstrip("/").removesuffix(".git")


def _list(client: kube.Client, group: str, plural: str, versions: Iterable[str]) -> list[dict[str, Any]]:
    for version in versions:
        data = client.get_or_none(f"/apis/{group}/{version}/{plural}")
        if data is not None:
            return list(data.get("items") or [])
    return []


def _ready(ks: dict[str, Any]) -> dict[str, Any]:
    return next((c for c in (ks.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), {})


def _ks_status(ks: dict[str, Any], commit1: str, descends: Callable[[str], bool | None]) -> KsStatus:
    meta, spec, status = ks.get("metadata") or {}, ks.get("spec") or {}, ks.get("status") or {}
    ns, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
    applied, attempted = status.get("lastAppliedRevision"), status.get("lastAttemptedRevision")
    ready = _ready(ks)
    sha = revision_sha(applied)

    def out(ok: bool, reason: str) -> KsStatus:
        return KsStatus(ns, name, applied, ok, reason)

    if spec.get("suspend"):
        return out(False, f"{ns}/{name} is suspended")
    if meta.get("generation") is not None and status.get("observedGeneration") != meta.get("generation"):
        return out(False, f"{ns}/{name} has not observed its latest generation yet")
    if ready.get("status") != "True":
        message = str(ready.get("message") or ready.get("reason") or "not ready")[:300]
        if attempted and attempted != applied:
            return out(False, f"{ns}/{name} failed to apply {str(revision_sha(attempted))[:12]}: {message}")
        return out(False, f"{ns}/{name} is not Ready: {message}")
    if sha is None:
        return out(False, f"{ns}/{name} reports no applied revision")
    if sha != commit1:
        known = descends(sha)
        if known is None:
            return out(False, f"{ns}/{name} applied {sha[:12]}, which is not in the local repository (git fetch)")
        if not known:
            return out(False, f"{ns}/{name} has not applied commit 1 yet (at {sha[:12]})")
    return out(True, "applied")


def _secret_keys(client: kube.Client, ns: str, name: str) -> set[str] | None:
    import base64

    data = client.get_or_none(f"/api/v1/namespaces/{ns}/secrets/{name}")
    if data is None:
        return None
    publics: set[str] = set()
    for key, value in (data.get("data") or {}).items():
        if str(key).endswith(".agekey"):
            text = base64.b64decode(value).decode("utf-8", "replace")
            publics |= {i.public for i in agekeys.parse(text, f"Secret {ns}/{name}")}
    return publics


def request_reconcile(client: kube.Client, ks: dict[str, Any]) -> None:
    """Like `flux reconcile ks --with-source`: annotate the source and the Kustomization."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    patch = {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": stamp}}}
    meta, ref = ks["metadata"], (ks.get("spec") or {}).get("sourceRef") or {}
    version = str(ks.get("apiVersion", "kustomize.toolkit.fluxcd.io/v1")).split("/")[-1]
    if ref.get("kind") == "GitRepository":
        src_ns = ref.get("namespace") or meta["namespace"]
        client.merge_patch(f"/apis/source.toolkit.fluxcd.io/v1/namespaces/{src_ns}/gitrepositories/{ref['name']}",
                           patch)
    client.merge_patch(f"/apis/kustomize.toolkit.fluxcd.io/{version}/namespaces/{meta['namespace']}/"
                       f"kustomizations/{meta['name']}", patch)


def check_cluster(client: kube.Client, ref: ClusterRef, commit1: str, new_keys: set[str],
                  descends: Callable[[str], bool | None], repo_urls: set[str], reconcile: bool) -> ClusterStatus:
    items = _list(client, "kustomize.toolkit.fluxcd.io", "kustomizations", KS_VERSIONS)
    sources = {(s["metadata"].get("namespace"), s["metadata"].get("name")):
               normalize_url(s.get("spec", {}).get("url", ""))
               for s in _list(client, "source.toolkit.fluxcd.io", "gitrepositories", SRC_VERSIONS)}
    mine = []
    for ks in items:
        spec, meta = ks.get("spec") or {}, ks.get("metadata") or {}
        if (spec.get("decryption") or {}).get("provider") != "sops":
            continue
        src = spec.get("sourceRef") or {}
        url = sources.get((src.get("namespace") or meta.get("namespace"), src.get("name")))
        if repo_urls and url is not None and url not in repo_urls:
            continue
        mine.append(ks)
    if not mine:
        return ClusterStatus(ref.name, ref.kube_context, False, True,
                             ("no Kustomization with spec.decryption reads this repository",))
    if reconcile:
        for ks in mine:
            request_reconcile(client, ks)
    statuses = tuple(_ks_status(ks, commit1, descends) for ks in mine)
    problems = [s.reason for s in statuses if not s.verified]
    key_state = "has-new-key"
    seen: dict[tuple[str, str], set[str] | None] = {}
    for ks in mine:
        ns = ks["metadata"]["namespace"]
        name = ((ks["spec"].get("decryption") or {}).get("secretRef") or {}).get("name")
        if not name:
            continue
        if (ns, name) not in seen:
            seen[(ns, name)] = _secret_keys(client, ns, name)
        keys = seen[(ns, name)]
        if keys is None:
            key_state = "missing"
            problems.append(f"the key Secret {ns}/{name} does not exist in the cluster")
        elif not new_keys <= keys:
            key_state = "old-key-only"
            problems.append(f"the key Secret {ns}/{name} does not hold the new key yet")
    problems = list(dict.fromkeys(problems))
    return ClusterStatus(ref.name, ref.kube_context, not problems, True, tuple(problems), statuses, key_state)

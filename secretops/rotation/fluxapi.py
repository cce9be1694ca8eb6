"""What secretops asks of and sends to a cluster's API server: one snapshot of Flux's objects per
server (a management cluster serving many workload clusters is asked once), key Secrets, reconcile
requests, and applying a key Secret Flux does not apply itself."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from secretops.rotation import kube
from secretops.sops import agekeys

KS_GROUP, SRC_GROUP = "kustomize.toolkit.fluxcd.io", "source.toolkit.fluxcd.io"
VERSIONS = ("v1", "v1beta2")
FLUX_LABEL = "kustomize.toolkit.fluxcd.io/name"  # set on every object a Kustomization applied


@dataclass
class Snapshot:
    """Flux's Kustomizations and their sources on one API server, read once."""

    client: kube.Client
    kustomizations: list[dict[str, Any]]
    git: dict[tuple[str, str], dict[str, Any]]
    oci: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    secrets: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict, repr=False)  # age keys


def _list(client: kube.Client, group: str, plural: str) -> list[dict[str, Any]]:
    for version in VERSIONS:
        data = client.get_or_none(f"/apis/{group}/{version}/{plural}")
        if data is not None:
            return list(data.get("items") or [])
    return []


def _by_key(items: Iterable[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(i["metadata"].get("namespace", "")), str(i["metadata"].get("name", ""))): i for i in items}


def snapshot(client: kube.Client) -> Snapshot:
    """Kustomizations and GitRepositories in two requests; OCIRepositories only if one is used."""
    items = _list(client, KS_GROUP, "kustomizations")
    snap = Snapshot(client, items, _by_key(_list(client, SRC_GROUP, "gitrepositories")))
    if any(((ks.get("spec") or {}).get("sourceRef") or {}).get("kind") == "OCIRepository" for ks in items):
        snap.oci = _by_key(_list(client, SRC_GROUP, "ocirepositories"))
    return snap


def secret(snap: Snapshot, ns: str, name: str) -> dict[str, Any] | None:
    """A Secret, fetched once per snapshot (clusters on one hub often share nothing, sometimes all)."""
    if (ns, name) not in snap.secrets:
        snap.secrets[(ns, name)] = snap.client.get_or_none(f"/api/v1/namespaces/{ns}/secrets/{name}")
    return snap.secrets[(ns, name)]


def secret_publics(obj: Mapping[str, Any], label: str) -> set[str]:
    """The age public keys a key Secret holds (derived in memory, never shown)."""
    publics: set[str] = set()
    for key, value in (obj.get("data") or {}).items():
        if str(key).endswith(".agekey"):
            text = base64.b64decode(value).decode("utf-8", "replace")
            publics |= {i.public for i in agekeys.parse(text, label)}
    return publics


def managed_by_flux(obj: Mapping[str, Any]) -> bool:
    return FLUX_LABEL in ((obj.get("metadata") or {}).get("labels") or {})


def request_reconcile(client: kube.Client, ks: dict[str, Any]) -> None:
    """Like `flux reconcile ks --with-source`: annotate the source and the Kustomization."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    patch = {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": stamp}}}
    meta, ref = ks["metadata"], (ks.get("spec") or {}).get("sourceRef") or {}
    version = str(ks.get("apiVersion", f"{KS_GROUP}/v1")).split("/")[-1]
    plural = {"GitRepository": "gitrepositories", "OCIRepository": "ocirepositories"}.get(str(ref.get("kind")))
    if plural:
        src_ns = ref.get("namespace") or meta["namespace"]
        client.merge_patch(f"/apis/{SRC_GROUP}/v1/namespaces/{src_ns}/{plural}/{ref['name']}", patch)
    client.merge_patch(f"/apis/{KS_GROUP}/{version}/namespaces/{meta['namespace']}/kustomizations/{meta['name']}",
                       patch)


def apply_key_secret(client: kube.Client, ns: str, name: str, entries: Mapping[str, str]) -> None:
    """Put ``*.agekey`` entries into a Secret the way `kubectl apply` would: merge into an existing
    one, or create it. The keys travel only in the request body, never in argv or a log."""
    data = {k: base64.b64encode(v.encode()).decode() for k, v in entries.items()}
    if client.get_or_none(f"/api/v1/namespaces/{ns}/secrets/{name}") is None:
        client.request("POST", f"/api/v1/namespaces/{ns}/secrets",
                       {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                        "metadata": {"name": name, "namespace": ns}, "data": data})
    else:
        client.merge_patch(f"/api/v1/namespaces/{ns}/secrets/{name}", {"data": data})

"""What secretops asks of and sends to a cluster's API server: one snapshot of Flux's objects per
server (a management cluster serving many workload clusters is asked once), key Secrets, the
kustomize-controller's own decryption settings, reconcile requests, and applying a key Secret Flux
does not apply itself."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from secretops.errors import KubeError
from secretops.flux import kube
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
    controllers: list[Controller | KubeError | None] = field(default_factory=list)  # asked once, on demand


@dataclass(frozen=True)
class Controller:
    """How kustomize-controller decrypts when a Kustomization names no secretRef: the global key
    Secret (`--sops-age-secret`, in the controller's namespace) and KMS credentials in its environment."""

    namespace: str
    age_secret: str | None
    kms_env: tuple[str, ...]
    images: tuple[str, ...] = ()  # its containers' images (the tag says its version)


KMS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "GOOGLE_APPLICATION_CREDENTIALS",
           "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "VAULT_ADDR", "VAULT_TOKEN")
CONTROLLER = "/apis/apps/v1/namespaces/flux-system/deployments/kustomize-controller"
CONTROLLER_LISTS = ("/apis/apps/v1/deployments?labelSelector=app.kubernetes.io%2Fcomponent%3Dkustomize-controller",
                    "/apis/apps/v1/deployments?labelSelector=app%3Dkustomize-controller")


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


def controller(snap: Snapshot) -> Controller | None:
    """The kustomize-controller Deployment's decryption settings, read once per snapshot. None when
    no such Deployment exists; raises KubeError when it cannot be read (e.g. HTTP 403)."""
    if not snap.controllers:
        try:
            snap.controllers.append(_read_controller(snap.client))
        except KubeError as exc:
            snap.controllers.append(exc)
    found = snap.controllers[0]
    if isinstance(found, KubeError):
        raise found
    return found


def _read_controller(client: kube.Client) -> Controller | None:
    dep = client.get_or_none(CONTROLLER)
    for path in CONTROLLER_LISTS:
        if dep is not None:
            break
        items = (client.get_or_none(path) or {}).get("items") or []
        dep = items[0] if items else None
    if not isinstance(dep, Mapping):
        return None
    containers = (((dep.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    secret, env = None, []
    images = tuple(str(c.get("image") or "") for c in containers)
    for container in containers:
        args = [str(a) for a in (container.get("args") or []) + (container.get("command") or [])]
        for n, arg in enumerate(args):
            if arg.startswith("--sops-age-secret="):
                secret = arg.split("=", 1)[1] or None
            elif arg == "--sops-age-secret" and n + 1 < len(args):
                secret = args[n + 1]
        env += [str(e.get("name")) for e in container.get("env") or [] if str(e.get("name")) in KMS_ENV]
    ns = str((dep.get("metadata") or {}).get("namespace") or "flux-system")
    return Controller(ns, secret, tuple(dict.fromkeys(env)), images)


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

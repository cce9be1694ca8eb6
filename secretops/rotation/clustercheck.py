"""One cluster's answer, from the snapshot of the API server it lives on: its Kustomizations, their
sources and revisions, and whether the key Secret each of them decrypts with holds the new key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from secretops.rotation import flux, fluxapi
from secretops.rotation.flux import ClusterStatus, Target
from secretops.rotation.state import ClusterRef

ApplyKeySecret = Callable[[fluxapi.Snapshot, str, str, str], None]  # (snapshot, cluster, namespace, name)


def _applied_by_flux(obj: dict[str, Any], files: Sequence[str], snap: fluxapi.Snapshot) -> bool:
    """Flux applies a key Secret when its file lies under some Kustomization's path and the Secret in
    the cluster carries Flux's ownership label; a bootstrap-only Secret has neither."""
    paths = [flux.ks_path(ks) for ks in snap.kustomizations]
    in_path = not files or any(f.startswith(p + "/") or p == "" for f in files for p in paths)
    return in_path and fluxapi.managed_by_flux(obj)


def check_cluster(snap: fluxapi.Snapshot, ref: ClusterRef, new_keys: set[str], target: Target, *, alone: bool,
                  reconcile: bool, apply: ApplyKeySecret | None) -> ClusterStatus:
    items = flux.mine(snap, ref, target, alone)
    if not items:
        where = "" if alone else f" for this cluster (by spec.path under {target.paths.get(ref.name, '?')}/ or " \
                                 "by spec.kubeConfig)"
        return ClusterStatus(ref.name, ref.kube_context, False, True,
                             (f"no Kustomization with spec.decryption reads this repository{where}",))
    if reconcile:
        for ks in items:
            fluxapi.request_reconcile(snap.client, ks)
    statuses = tuple(flux.judge(snap, ks, target) for ks in items)
    problems = [s.reason for s in statuses if not s.verified]
    key_state = "has-new-key"
    for ks in items:
        ns = str(ks["metadata"]["namespace"])
        name = (((ks.get("spec") or {}).get("decryption") or {}).get("secretRef") or {}).get("name")
        if not name:
            continue
        obj = fluxapi.secret(snap, ns, name)
        if obj is not None and new_keys <= fluxapi.secret_publics(obj, f"Secret {ns}/{name}"):
            continue
        files = target.key_files.get(ref.name, ())
        if obj is None or not _applied_by_flux(obj, files, snap):
            if apply is not None:
                apply(snap, ref.name, ns, name)
                snap.secrets.pop((ns, name), None)
                obj = fluxapi.secret(snap, ns, name)
                if obj is not None and new_keys <= fluxapi.secret_publics(obj, f"Secret {ns}/{name}"):
                    continue
            if obj is None:
                key_state = "missing"
                problems.append(f"the key Secret {ns}/{name} does not exist in the cluster; apply it with "
                                "`secretops rotate status --apply-key-secrets`")
            else:
                key_state = "not-applied-by-flux"
                problems.append(f"the key Secret {ns}/{name} is not applied by Flux (its file lies under no "
                                "Kustomization path, or the Secret has no kustomize.toolkit.fluxcd.io labels), so "
                                "Flux will never load the new key: run `secretops rotate status --apply-key-secrets`")
        else:
            key_state = "old-key-only"
            problems.append(f"the key Secret {ns}/{name} does not hold the new key yet")
    problems = list(dict.fromkeys(problems))
    return ClusterStatus(ref.name, ref.kube_context, not problems, True, tuple(problems), statuses, key_state)

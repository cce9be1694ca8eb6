"""One cluster's answer, from the snapshot of the API server it lives on: its Kustomizations, their
sources and revisions, and whether the key Flux really decrypts with holds the new key.

Which key that is, as kustomize-controller decides it:
- `spec.decryption.secretRef`: that Secret, in the Kustomization's own namespace;
- no secretRef: the controller's global key, the Secret named by `--sops-age-secret` in the
  controller's namespace (read from its Deployment through the API);
- no age Secret at all: KMS, through `spec.decryption.serviceAccountName` or credentials in the
  controller's environment; an age rotation does not touch it as long as every file keeps its KMS
  (or PGP, Vault) recipient.
Anything that cannot be read or proved is a problem with a reason, never a silent pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from secretops.errors import KubeError
from secretops.flux import api, judge
from secretops.flux.judge import ClusterStatus, KsStatus, Target
from secretops.util.display import short

ApplyKeySecret = Callable[[api.Snapshot, str, str, str], None]  # (snapshot, cluster, namespace, name)
_DECRYPT_ERROR = re.compile(r"decrypt|sops|age identit|data key", re.IGNORECASE)


@dataclass(frozen=True)
class KeySource:
    """Where one Kustomization's age key comes from."""

    how: str  # secret-ref | global | kms | none | unknown
    namespace: str = ""
    name: str = ""
    reason: str = ""  # for none and unknown: what could not be read or found


def key_source(snap: api.Snapshot, ks: dict[str, Any]) -> KeySource:
    ns = str(ks["metadata"].get("namespace", ""))
    decryption = (ks.get("spec") or {}).get("decryption") or {}
    name = (decryption.get("secretRef") or {}).get("name")
    if name:
        return KeySource("secret-ref", ns, str(name))
    try:
        ctl = api.controller(snap)
    except KubeError as exc:
        return KeySource("unknown", reason=f"{ns}/{ks['metadata'].get('name')} names no decryption.secretRef, and "
                         f"the kustomize-controller Deployment could not be read ({_http(exc)}), so the global key "
                         "Flux decrypts with is unknown")
    if ctl is not None and ctl.age_secret:
        return KeySource("global", ctl.namespace, ctl.age_secret)
    account = decryption.get("serviceAccountName")
    if account or (ctl is not None and ctl.kms_env):
        via = f"service account {account}" if account else "the controller's KMS credentials"
        return KeySource("kms", ns, str(account or ""), via)
    where = "no kustomize-controller Deployment was found" if ctl is None else \
        "the kustomize-controller has no --sops-age-secret flag and no KMS credentials"
    return KeySource("none", reason=f"{ns}/{ks['metadata'].get('name')} names no decryption.secretRef and {where}: "
                     "Flux has no age key to decrypt it with")


def _http(exc: KubeError) -> str:
    return f"HTTP {exc.status}" if exc.status else exc.message


def _applied_by_flux(obj: dict[str, Any], files: Sequence[str], snap: api.Snapshot) -> bool:
    """Flux applies a key Secret when its file lies under some Kustomization's path and the Secret in
    the cluster carries Flux's ownership label; a bootstrap-only Secret has neither."""
    paths = [judge.ks_path(ks) for ks in snap.kustomizations]
    in_path = not files or any(f.startswith(p + "/") or p == "" for f in files for p in paths)
    return in_path and api.managed_by_flux(obj)


def _publics(snap: api.Snapshot, ns: str, name: str) -> tuple[dict[str, Any] | None, set[str]]:
    obj = api.secret(snap, ns, name)
    return obj, (api.secret_publics(obj, f"Secret {ns}/{name}") if obj is not None else set())


@dataclass
class _Verdict:
    problems: list[str]
    state: str = "has-new-key"  # has-new-key | old-key-only | missing | not-applied-by-flux | unreadable | kms | none

    def fail(self, state: str, problem: str) -> None:
        self.state = state
        self.problems.append(problem)


def check_cluster(snap: api.Snapshot, name: str, context: str, new_keys: set[str], target: Target, *, alone: bool,
                  reconcile: bool, apply: ApplyKeySecret | None) -> ClusterStatus:
    items = judge.mine(snap, name, target, alone)
    if not items:
        where = "" if alone else f" for this cluster (by spec.path under {target.paths.get(name, '?')}/ or " \
                                 "by spec.kubeConfig)"
        return ClusterStatus(name, context, False, True,
                             (f"no Kustomization with spec.decryption reads this repository{where}",))
    if reconcile:
        for ks in items:
            api.request_reconcile(snap.client, ks)
    statuses = tuple(judge.judge(snap, ks, target) for ks in items)
    verdict = _Verdict([s.reason for s in statuses if not s.verified])
    sources: dict[tuple[str, str], KeySource] = {}
    for ks in items:
        src = key_source(snap, ks)
        sources[(str(ks["metadata"].get("namespace")), str(ks["metadata"].get("name")))] = src
        _check_source(snap, src, name, new_keys, target, apply, verdict)
    _explain_decryption_failures(snap, statuses, sources, new_keys | target.old_keys, verdict)
    problems = tuple(dict.fromkeys(verdict.problems))
    return ClusterStatus(name, context, not problems, True, problems, statuses, verdict.state)


def _check_source(snap: api.Snapshot, src: KeySource, cluster: str, new_keys: set[str], target: Target,
                  apply: ApplyKeySecret | None, verdict: _Verdict) -> None:
    if src.how in ("none", "unknown"):
        verdict.fail("unreadable" if src.how == "unknown" else "none", src.reason)
        return
    if src.how == "kms":
        if cluster not in target.kms_only:
            verdict.fail("kms", f"Flux decrypts through KMS ({src.reason}), but files of this rotation have age "
                         "recipients only: after commit 2 nothing but the new age key would open them, and Flux "
                         "has no age key Secret")
        elif verdict.state == "has-new-key":
            verdict.state = "kms"
        return
    ns, name = src.namespace, src.name
    label = f"the {'global ' if src.how == 'global' else ''}key Secret {ns}/{name}"
    try:
        obj, publics = _publics(snap, ns, name)
        if obj is not None and new_keys <= publics:
            return
        files = target.key_files.get(cluster, ())
        if obj is None or not files or not _applied_by_flux(obj, files, snap):
            if apply is not None and (obj is not None or files):
                apply(snap, cluster, ns, name)
                snap.secrets.pop((ns, name), None)
                obj, publics = _publics(snap, ns, name)
                if obj is not None and new_keys <= publics:
                    return
            if obj is None:
                verdict.fail("missing", f"{label} does not exist in the cluster" + (
                    "; apply it with `secretops rotate status --apply-key-secrets`" if files else
                    "; create it with the cluster's current key (kubectl create secret generic …)"))
            elif not files:
                verdict.fail("old-key-only", f"{label} lives in the cluster only and does not hold the new key: "
                             "deliver it with `secretops rotate status --apply-key-secrets` (both keys stay)")
            else:
                verdict.fail("not-applied-by-flux", f"{label} is not applied by Flux (its file lies under no "
                             "Kustomization path, or the Secret has no kustomize.toolkit.fluxcd.io labels), so Flux "
                             "will never load the new key: run `secretops rotate status --apply-key-secrets`")
        else:
            verdict.fail("old-key-only", f"{label} does not hold the new key yet")
    except KubeError as exc:
        verdict.fail("unreadable", f"{label} could not be read ({_http(exc)}): secretops cannot prove it holds the "
                     "new key")


def _explain_decryption_failures(snap: api.Snapshot, statuses: Sequence[KsStatus],
                                 sources: dict[tuple[str, str], KeySource], keys: set[str], verdict: _Verdict) -> None:
    """A Kustomization that failed to decrypt: say which of the rotation's keys its Secret lacks."""
    for status in statuses:
        src = sources.get((status.namespace, status.name))
        if status.verified or src is None or src.how not in ("secret-ref", "global") or \
                not _DECRYPT_ERROR.search(status.reason):
            continue
        try:
            obj, publics = _publics(snap, src.namespace, src.name)
        except KubeError:
            continue  # already reported as unreadable
        lacking = sorted(keys - publics)
        if obj is not None and lacking:
            verdict.problems.append(f"{status.namespace}/{status.name} cannot decrypt: its key Secret "
                                    f"{src.namespace}/{src.name} lacks the key {short(lacking[0])}"
                                    + (f" and {len(lacking) - 1} more" if len(lacking) > 1 else ""))

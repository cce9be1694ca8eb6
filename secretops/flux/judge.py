"""Judge, from one API server's snapshot, whether a cluster's Flux applied commit 1. Knows Flux's
topologies: branch, tag and semver refs; OCI artifacts (`flux push artifact`); ExternalArtifact
sources (ArtifactGenerator, Flux 2.7+) and OCI sources whose Kustomization records the git commit in
`status.lastAppliedOriginRevision`; Bucket sources (no git revision: never verified); management
clusters whose Kustomizations apply workload clusters through `spec.kubeConfig`. A Flux Operator's
`FluxInstance` reports the Flux distribution it installed, not a git revision: only the
Kustomizations it generates are judged."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from secretops.flux import api

_SHA = re.compile(r"(?:^|[@/:])([0-9a-f]{40})$")
OCI_REVISION, OCI_SOURCE = "org.opencontainers.image.revision", "org.opencontainers.image.source"


@dataclass(frozen=True)
class KsStatus:
    namespace: str
    name: str
    revision: str | None  # the applied git revision (for OCI: the artifact's recorded git revision)
    verified: bool
    reason: str
    source_kind: str = "GitRepository"
    ref: dict[str, str] = field(default_factory=dict)  # {"branch": "main"}, {"tag": "v1.2.0"}, {"semver": "…"}
    artifact: str | None = None  # OCI: the artifact revision, e.g. latest@sha256:…
    action: str = ""  # wait | promote-tag | promote-semver | merge-branch | pinned | push-artifact | fix


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    context: str
    verified: bool
    reachable: bool
    problems: tuple[str, ...] = ()
    kustomizations: tuple[KsStatus, ...] = field(default=())
    key_secret: str = "unknown"  # has-new-key | old-key-only | missing | not-applied-by-flux | unknown
    warnings: tuple[str, ...] = ()  # e.g. insecure-skip-tls-verify


@dataclass(frozen=True)
class Target:
    """What the judgement needs to know of the rotation and the repository."""

    commit1: str
    branch: str
    descends: Callable[[str], bool | None]
    repo_urls: set[str]
    paths: Mapping[str, str]  # cluster name -> its folder in the repository
    key_files: Mapping[str, Sequence[str]]  # cluster name -> its key Secret files (none: in the cluster only)
    old_keys: frozenset[str] = frozenset()  # the rotation's keys, to say which one a failing decryption lacks
    kms_only: frozenset[str] = frozenset()  # clusters whose every file keeps a KMS/PGP/Vault recipient


def revision_sha(revision: str | None) -> str | None:
    """`main@sha1:<sha>`, `v1.2.0@sha1:<sha>`, `refs/heads/main@sha1:<sha>`, `sha1:<sha>`, `main/<sha>`."""
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


def ks_path(ks: Mapping[str, Any]) -> str:
    return str((ks.get("spec") or {}).get("path") or "").strip().removeprefix("./").strip("/")


def belongs(ks: Mapping[str, Any], cluster: str, folder: str) -> bool:
    """A Kustomization is a cluster's when its path lies in the cluster's folder, or when it applies
    to a remote cluster (`spec.kubeConfig`) whose Secret names this cluster."""
    path = ks_path(ks)
    if path and folder and (path == folder or path.startswith(folder + "/")):
        return True
    ref = ((ks.get("spec") or {}).get("kubeConfig") or {}).get("secretRef") or {}
    return bool(ref.get("name")) and re.search(rf"(?:^|[-_.]){re.escape(cluster)}(?:$|[-_.])", ref["name"]) is not None


def _source(snap: api.Snapshot, ks: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
    ref = (ks.get("spec") or {}).get("sourceRef") or {}
    key = (str(ref.get("namespace") or ks["metadata"].get("namespace", "")), str(ref.get("name", "")))
    kind = str(ref.get("kind", "GitRepository"))
    sources = {"OCIRepository": snap.oci, "GitRepository": snap.git}.get(kind)  # others are not fetched
    return kind, sources.get(key) if sources is not None else None


def _from_repo(kind: str, src: Mapping[str, Any] | None, urls: set[str]) -> bool | None:
    """True/False when the source's URL says whether it is this repository; None when it cannot say."""
    if src is None or not urls:
        return None
    if kind == "OCIRepository":
        url = ((src.get("status") or {}).get("artifact") or {}).get("metadata", {}).get(OCI_SOURCE)
    else:
        url = (src.get("spec") or {}).get("url")
    return None if not url else normalize_url(str(url)) in urls


def mine(snap: api.Snapshot, cluster: str, target: Target, alone: bool) -> list[dict[str, Any]]:
    """The cluster's Kustomizations that decrypt with sops and read this repository. On a server that
    serves this cluster only, every such Kustomization counts when none is attributable by path."""
    candidates = []
    for ks in snap.kustomizations:
        if ((ks.get("spec") or {}).get("decryption") or {}).get("provider") != "sops":
            continue
        kind, src = _source(snap, ks)
        if _from_repo(kind, src, target.repo_urls) is False:
            continue
        candidates.append(ks)
    folder = target.paths.get(cluster, "")
    own = [ks for ks in candidates if belongs(ks, cluster, folder)]
    if own or not alone:
        return own
    return [ks for ks in candidates if not (ks.get("spec") or {}).get("kubeConfig")]


def _ref_words(kind: str, ref: Mapping[str, str], artifact: str | None) -> str:
    if kind in ("OCIRepository", "ExternalArtifact"):
        return f"the {'OCI artifact' if kind == 'OCIRepository' else 'ExternalArtifact'} {artifact or '(none yet)'}"
    for key in ("tag", "semver", "name", "commit", "branch"):
        if ref.get(key):
            return {"semver": f"semver range {ref[key]!r}"}.get(key, f"{key} {ref[key]}")
    return "branch (default)"


def judge(snap: api.Snapshot, ks: dict[str, Any], target: Target) -> KsStatus:
    meta, spec, status = ks.get("metadata") or {}, ks.get("spec") or {}, ks.get("status") or {}
    ns, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
    kind, src = _source(snap, ks)
    ref = {k: str(v) for k, v in ((src or {}).get("spec") or {}).get("ref", {}).items() if isinstance(v, str | int)}
    applied, attempted = status.get("lastAppliedRevision"), status.get("lastAttemptedRevision")
    artifact: str | None = None
    revision = applied
    origin = status.get("lastAppliedOriginRevision")  # the git commit behind an artifact (Flux 2.7+)
    if kind in ("OCIRepository", "ExternalArtifact"):
        art = ((src or {}).get("status") or {}).get("artifact") or {}
        artifact = art.get("revision") or applied
        recorded = (art.get("metadata") or {}).get(OCI_REVISION)
        revision = origin or (recorded if applied and applied == artifact else None)
    follows = _ref_words(kind, ref, artifact)

    def out(ok: bool, reason: str, action: str = "") -> KsStatus:
        return KsStatus(ns, name, revision, ok, reason, kind, ref, artifact, action)

    ready: dict[str, Any] = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    if spec.get("suspend"):
        return out(False, f"{ns}/{name} is suspended", "fix")
    if meta.get("generation") is not None and status.get("observedGeneration") != meta.get("generation"):
        return out(False, f"{ns}/{name} has not observed its latest generation yet", "wait")
    if ready.get("status") != "True":
        message = str(ready.get("message") or ready.get("reason") or "not ready")[:300]
        if attempted and attempted != applied:
            return out(False, f"{ns}/{name} failed to apply {attempted}: {message}", "fix")
        return out(False, f"{ns}/{name} is not Ready: {message}", "wait")
    if kind == "Bucket":
        return out(False, f"{ns}/{name} follows a Bucket source, which carries no git revision: secretops cannot "
                   "prove it applied commit 1 (check it by hand, then `rotate finish --unverified`)", "fix")
    sha = revision_sha(revision)
    if kind == "ExternalArtifact" and sha is None:
        return out(False, f"{ns}/{name} follows an ExternalArtifact whose Kustomization records no "
                   "status.lastAppliedOriginRevision: secretops cannot tell which git commit it applied", "wait")
    if kind == "OCIRepository" and sha is None:
        why = "carries no git revision (push it with `flux push artifact --revision=<branch>@sha1:<sha>`)" \
            if applied == artifact else "applied an older artifact than its source holds"
        return out(False, f"{ns}/{name} follows {follows}, which {why}", "push-artifact")
    if sha is None:
        return out(False, f"{ns}/{name} reports no applied revision", "wait")
    known = True if sha == target.commit1 else target.descends(sha)
    if known is None:
        return out(False, f"{ns}/{name} applied {sha[:12]}, which is not in the local repository (git fetch)", "wait")
    if known:
        return out(True, "applied")
    return out(False, *_behind(ns, name, kind, ref, follows, sha, target))


def _behind(ns: str, name: str, kind: str, ref: Mapping[str, str], follows: str, sha: str,
            target: Target) -> tuple[str, str]:
    """Why a Kustomization is not at commit 1 yet, and what the operator must do about it."""
    c1 = target.commit1[:12]
    if kind in ("OCIRepository", "ExternalArtifact"):
        return (f"{ns}/{name} follows {follows} built from {sha[:12]}: push an artifact of commit {c1} or later "
                "(`flux push artifact … --revision=<branch>@sha1:<sha>`)", "push-artifact")
    if ref.get("tag"):
        return (f"{ns}/{name} follows tag {ref['tag']} (at {sha[:12]}): cut a tag at or after commit 1 ({c1}) and "
                "promote it (`secretops rotate tag NAME`, then point the GitRepository at it)", "promote-tag")
    if ref.get("semver"):
        return (f"{ns}/{name} follows semver range {ref['semver']!r} (at {sha[:12]}): push a tag in that range at "
                f"or after commit 1 ({c1}), e.g. `secretops rotate tag vX.Y.Z`", "promote-semver")
    if ref.get("commit") or ref.get("name"):
        return (f"{ns}/{name} is pinned to {follows} (at {sha[:12]}): move it to commit 1 ({c1}) or later",
                "pinned")
    branch = ref.get("branch")
    if branch and branch != target.branch:
        return (f"{ns}/{name} follows branch {branch}, not {target.branch} (at {sha[:12]}): merge commit 1 "
                f"({c1}) into {branch}", "merge-branch")
    return f"{ns}/{name} has not applied commit 1 yet (at {sha[:12]})", "wait"

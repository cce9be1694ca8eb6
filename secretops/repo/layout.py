"""What a repository says about itself, for adopting it as it is: which age keys each cluster
decrypts with, where its key Secret lives (in git, or in the cluster only), how its Flux names the
key (a Kustomization's secretRef, the controller's global `--sops-age-secret`, or KMS), and which
cluster a file outside every cluster folder belongs to (by its keys).

Nothing here decrypts or writes; it reads file metadata and Flux manifests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from secretops.repo.discovery import Scan
from secretops.repo.model import Repo
from secretops.sops.document import ParsedFile

_GLOBAL_FLAG = re.compile(rb"--sops-age-secret[= ]\s*([A-Za-z0-9][A-Za-z0-9.-]*)")
_MARKERS = (b"--sops-age-secret", b"decryption:", b"decryption: {", b"FluxInstance", b"flux-instance")


@dataclass(frozen=True)
class ClusterKeys:
    cluster: str
    keys: tuple[str, ...]  # age public keys its Flux decrypts with
    key_secrets: tuple[str, ...]  # in-git key Secret files (none: the key Secret lives in the cluster only)
    evidence: str  # how the keys were found, in words
    delivery: str  # git | api | none (no age key: KMS, PGP or nothing to rotate)


@dataclass(frozen=True)
class FluxHints:
    """What the repository's Flux manifests say about decryption."""

    global_secret: tuple[str, str] | None = None  # (secret name, file that sets --sops-age-secret)
    kms_accounts: tuple[str, ...] = ()  # files of Kustomizations that decrypt through serviceAccountName
    secret_refs: dict[str, str] = field(default_factory=dict)  # file -> decryption.secretRef name


@dataclass(frozen=True)
class Layout:
    clusters: tuple[ClusterKeys, ...]
    configs: tuple[tuple[str, str], ...]  # (.sops.yaml, the folder it governs)
    hints: FluxHints

    def owners(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        return {c.cluster for c in self.clusters if wanted & set(c.keys)}

    def cluster_of(self, repo: Repo, parsed: ParsedFile) -> str | None:
        """A file's cluster: by folder; else, when its keys are one cluster's alone, that cluster."""
        cluster = repo.cluster_of(parsed.rel)
        if cluster is not None:
            return cluster.name
        if parsed.meta is None:
            return None
        owners = self.owners(parsed.meta.recipients.age)
        return next(iter(owners)) if len(owners) == 1 else None

    def of(self, name: str) -> ClusterKeys | None:
        return next((c for c in self.clusters if c.cluster == name), None)


def flux_hints(repo: Repo, files: Iterable[str]) -> FluxHints:
    """Read only the YAML files that mention decryption or the global flag (a substring test first)."""
    from secretops.util import yamlio

    global_secret: tuple[str, str] | None = None
    kms: list[str] = []
    refs: dict[str, str] = {}
    for rel in files:
        if not rel.endswith((".yaml", ".yml")) or repo.is_clear_name(rel):
            continue
        try:
            data = (repo.root / rel).read_bytes()
        except OSError:
            continue  # discovery reports unreadable files; hints are advice only
        if not any(m in data for m in _MARKERS):
            continue
        flag = _GLOBAL_FLAG.search(data)
        if flag and global_secret is None:
            global_secret = (flag.group(1).decode(), rel)
        if b"decryption" not in data:
            continue
        for doc in yamlio.load_all_lenient(data.decode("utf-8", "replace")) or []:  # None: a template
            if not isinstance(doc, Mapping) or doc.get("kind") != "Kustomization":
                continue
            dec = (doc.get("spec") or {}).get("decryption")
            if not isinstance(dec, Mapping) or dec.get("provider") != "sops":
                continue
            ref = (dec.get("secretRef") or {}).get("name") if isinstance(dec.get("secretRef"), Mapping) else None
            if ref:
                refs[rel] = str(ref)
            elif dec.get("serviceAccountName"):
                kms.append(rel)
    return FluxHints(global_secret, tuple(kms), refs)


def infer(repo: Repo, scan: Scan, holders: Mapping[str, list[str]] | None = None) -> Layout:
    """Each cluster's keys. In order of evidence: the keys its key Secret in git holds (``holders``:
    file -> public keys, from decrypting it) or is encrypted for; else the recipients of the
    encrypted files in its folder; else the recipients its `.sops.yaml` rule gives its folder."""
    holders = holders or {}
    configs = tuple((cfg.rel, cfg.folder or ".") for cfg in repo.sops_config.configs)
    out: list[ClusterKeys] = []
    for cluster in repo.clusters:
        secrets = [k for k in scan.key_secrets_for(repo, cluster.name)]
        if secrets:
            keys = sorted({p for k in secrets for p in holders.get(k.rel, k.recipients)})
            out.append(ClusterKeys(cluster.name, tuple(keys), tuple(k.rel for k in secrets),
                                   f"key Secret {', '.join(k.rel for k in secrets)}", "git"))
            continue
        inside = [p for p in scan.encrypted if p.meta is not None and repo.cluster_of(p.rel) == cluster]
        keys = sorted({k for p in inside if p.meta is not None for k in p.meta.recipients.age})
        evidence = f"recipients of {len(inside)} encrypted file(s) under {cluster.path}/"
        if not keys:
            rule = repo.sops_config.rule_for(f"{cluster.path}/x{repo.config.encrypted_suffix}")
            keys = sorted(rule.recipients.age) if rule else []
            evidence = f"{rule.describe()}, which governs {cluster.path}/" if rule else "no age key found"
        out.append(ClusterKeys(cluster.name, tuple(keys), (), evidence, "api" if keys else "none"))
    return Layout(tuple(out), configs, flux_hints(repo, _manifests(repo)))


def _manifests(repo: Repo) -> list[str]:
    return [r for r in repo.files(include_ignored_clear=False) if r.endswith((".yaml", ".yml"))]


def describe(repo: Repo, layout: Layout) -> list[str]:
    """What was inferred, in lines for the user (public keys shortened, never a private one)."""
    from secretops.util.display import short

    lines = [f"encrypted files: *{repo.config.encrypted_suffix}"]
    for rel, folder in layout.configs:
        lines.append(f"config: {rel} governs {folder}/" if folder != "." else f"config: {rel} governs the repository")
    if not layout.configs:
        lines.append("config: no .sops.yaml (files are inventoried from their own metadata)")
    for c in layout.clusters:
        path = next((x.path for x in repo.clusters if x.name == c.cluster), "?")
        keys = ", ".join(short(k) for k in c.keys) or "none"
        where = {"git": "key Secret in git", "api": "key Secret in the cluster only",
                 "none": "no age key"}[c.delivery]
        lines.append(f"cluster: {c.cluster} ({path}): keys {keys} ({c.evidence}); {where}")
    if layout.hints.global_secret:
        name, rel = layout.hints.global_secret
        lines.append(f"flux: global decryption key Secret {name} (--sops-age-secret, set in {rel})")
    for rel in layout.hints.kms_accounts[:3]:
        lines.append(f"flux: {rel} decrypts through KMS (decryption.serviceAccountName)")
    return lines

"""What a repository says about itself, for adopting it as it is: which age keys each cluster
decrypts with (the key Secret its Flux names, opened when the user's keys can, else the files only it
applies), where that Secret lives (in git, or in the cluster only), which recipients are no cluster's
(people's, CI's, PGP, KMS), where the evidence disagrees, and which cluster a file that no Flux
Kustomization applies belongs to (by its keys).

Nothing here writes; key Secrets are decrypted in memory only (``holders``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from secretops.repo import config as config_mod
from secretops.repo import keysecrets
from secretops.repo.discovery import Scan
from secretops.repo.model import Repo
from secretops.sops.agekeys import Identity
from secretops.sops.document import ParsedFile
from secretops.util.index import first_by


@dataclass(frozen=True)
class ClusterKeys:
    cluster: str
    keys: tuple[str, ...]  # age public keys its Flux decrypts with
    key_secrets: tuple[str, ...]  # in-git key Secret files (none: the key Secret lives in the cluster only)
    evidence: str  # how the keys were found, in words
    delivery: str  # git | api | none (no age key: KMS, PGP or nothing to rotate)
    source: str = ""  # where the cluster itself comes from: flux entry point | override | folder
    conflict: str = ""  # evidence that disagrees, in words ("" when none)


@dataclass(frozen=True)
class FluxHints:
    """What the repository's Flux manifests say about decryption."""

    global_secret: tuple[str, str] | None = None  # (secret name, file that sets --sops-age-secret)
    kms_accounts: tuple[str, ...] = ()  # files of Kustomizations that decrypt through serviceAccountName


@dataclass(frozen=True)
class Layout:
    clusters: tuple[ClusterKeys, ...]
    configs: tuple[tuple[str, str], ...]  # (.sops.yaml, the folder it governs)
    hints: FluxHints
    others: tuple[tuple[str, int], ...] = ()  # (recipient, files carrying it) that are no cluster's key
    problems: tuple[str, ...] = ()  # what Flux would fail on: paths that do not exist, and the like

    def owners(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        return {c.cluster for c in self.clusters if wanted & set(c.keys)}

    def cluster_of(self, repo: Repo, parsed: ParsedFile) -> str | None:
        """A file's cluster: the one Flux cluster that applies it; else, outside every cluster's
        reach, the one cluster whose key it carries."""
        names = repo.clusters_of(parsed.rel)
        if names:
            return names[0] if len(names) == 1 else None
        if parsed.meta is None:
            return None
        owners = self.owners(parsed.meta.recipients.age)
        return next(iter(owners)) if len(owners) == 1 else None

    def of(self, name: str) -> ClusterKeys | None:
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, ClusterKeys]:
        return first_by(self.clusters, lambda c: c.cluster)  # the first of a name, as a search finds it

    @property
    def conflicts(self) -> tuple[ClusterKeys, ...]:
        return tuple(c for c in self.clusters if c.conflict)

    def settling_lines(self, repo: Repo) -> list[str]:
        """The `.secretops.yaml` lines that settle every conflict: each cluster with its path and the
        keys the strongest evidence gives it (edit them if they are wrong)."""
        lines = ["version: 1", "clusters:"]
        for c in repo.clusters:
            found = self.of(c.name)
            keys = ", ".join(found.keys) if found else ""
            lines += [f"  {c.name}:", f"    path: {c.path}", f"    kube_context: {c.kube_context}",
                      f"    age_keys: [{keys}]"]
        return lines


def infer(repo: Repo, scan: Scan, holders: Mapping[str, list[str]] | None = None) -> Layout:
    """Each cluster's keys. In order of evidence: `.secretops.yaml`'s `age_keys`; the keys its key
    Secret in git holds (``holders``: file -> public keys, from decrypting it); the keys that every
    file this cluster alone applies is encrypted for (less the keys that other clusters' files
    carry too: people's, CI's); the keys its key Secret is encrypted for; its `.sops.yaml` rule."""
    holders = holders or {}
    configs = tuple((cfg.rel, cfg.folder or ".") for cfg in repo.sops_config.configs)
    age_files = [p for p in scan.encrypted if p.meta is not None and p.encrypted]
    alone: dict[str, list[ParsedFile]] = {}
    for parsed in age_files:
        names = repo.clusters_of(parsed.rel)
        if len(names) == 1:
            alone.setdefault(names[0], []).append(parsed)
    found: dict[str, ClusterKeys] = {}
    guessed: dict[str, set[str]] = {}
    for cluster in repo.clusters:
        secrets = scan.key_secrets_for(repo, cluster.name)
        rels = tuple(k.rel for k in secrets)
        mine = alone.get(cluster.name, [])
        delivery = "git" if secrets else "api"
        source = repo.cluster_source(cluster.name)
        if cluster.age_keys:
            keys, evidence = set(cluster.age_keys), f"age_keys in {config_mod.FILENAME}"
        elif secrets and all(k.rel in holders for k in secrets):
            keys = {p for k in secrets for p in holders[k.rel]}
            evidence = f"the key Secret {', '.join(rels)}"
        elif mine:
            keys = set.intersection(*(set(p.meta.recipients.age) for p in mine if p.meta is not None))
            evidence = f"the keys each of the {len(mine)} file(s) only {cluster.name} applies is encrypted for"
            guessed[cluster.name] = keys
        elif secrets:
            keys = {r for k in secrets for r in k.recipients}
            evidence = f"the recipients of its key Secret {', '.join(rels)}"
            guessed[cluster.name] = keys
        else:
            rule = repo.sops_config.rule_for(f"{cluster.path}/x{repo.config.encrypted_suffix}")
            keys = set(rule.recipients.age) if rule else set()
            evidence = f"{rule.describe()}, which governs {cluster.path}/" if rule else "no age key found"
            delivery = "api" if keys else "none"
        found[cluster.name] = ClusterKeys(cluster.name, tuple(sorted(keys)), rels, evidence,
                                          delivery if keys else "none", source)
    _narrow(repo, found, guessed)
    out = tuple(_judge(found[c.name], alone.get(c.name, []), c.name in guessed) for c in repo.clusters)
    ours = {k for c in out for k in c.keys}
    counts: dict[str, int] = {}
    for parsed in age_files:
        assert parsed.meta is not None
        for kind, values in parsed.meta.recipients.by_kind:
            for value in values:
                name = value if kind == "age" else f"{kind}:{value}"
                if name not in ours:
                    counts[name] = counts.get(name, 0) + 1
    flux = repo.topology
    hints = FluxHints(flux.global_secret, flux.kms)
    return Layout(out, configs, hints, tuple(sorted(counts.items())), repo.topology.problems)


def _narrow(repo: Repo, found: dict[str, ClusterKeys], guessed: dict[str, set[str]]) -> None:
    """Keys guessed from files: a key that a cluster with other keys also carries is nobody's own
    (a person's, CI's); a `.sops.yaml` anchor named after the cluster picks its key."""
    import dataclasses

    anchors = _anchors(repo)
    for name, keys in guessed.items():
        if len(keys) < 2:
            continue
        spread = {k for other, c in found.items() if other != name
                  for k in guessed.get(other, set(c.keys)) if guessed.get(other, set(c.keys)) != keys}
        narrowed = keys - spread
        named = {k for k in narrowed if name.lower() in anchors.get(k, set())}
        narrowed = named or narrowed
        if narrowed and narrowed != keys:
            found[name] = dataclasses.replace(found[name], keys=tuple(sorted(narrowed)),
                                              evidence=found[name].evidence + " (less keys other clusters carry"
                                              + (", and by the .sops.yaml anchor named after it)" if named else ")"))


def _anchors(repo: Repo) -> dict[str, set[str]]:
    """age key -> the (lowercased) names of the `.sops.yaml` anchors that hold it."""
    out: dict[str, set[str]] = {}
    for cfg in repo.sops_config.configs:
        try:
            text = (repo.root / cfg.rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for name, key in _ANCHOR.findall(text):
            out.setdefault(key, set()).add(name.lower())
    return out


_ANCHOR = re.compile(r"&([A-Za-z0-9_.-]+)\s+[\"']?(age1[0-9a-z]{58,})")


def _judge(keys: ClusterKeys, mine: list[ParsedFile], guessed: bool) -> ClusterKeys:
    """Evidence that disagrees: files the cluster alone applies that its keys do not open, or keys
    that cannot be told apart from a person's."""
    import dataclasses

    from secretops.util.display import short

    if not keys.keys:
        if guessed and any(p.meta is not None and p.meta.recipients.age for p in mine):
            return dataclasses.replace(keys, conflict=f"the {len(mine)} file(s) only it applies share no age key: "
                                       + ", ".join(p.rel for p in mine[:4]))
        return keys
    lacking = [p.rel for p in mine if p.meta is not None and not set(keys.keys) & set(p.meta.recipients.age)]
    if lacking:
        return dataclasses.replace(keys, conflict=f"{len(lacking)} file(s) only it applies are not encrypted for "
                                   f"{', '.join(short(k) for k in keys.keys)} ({keys.evidence}): "
                                   + ", ".join(lacking[:4]))
    if guessed and len(keys.keys) > 1:
        return dataclasses.replace(keys, conflict=f"{len(keys.keys)} keys ({', '.join(short(k) for k in keys.keys)}) "
                                   "are on every file only it applies; which one is its Flux key cannot be told")
    return keys


def holders(repo: Repo, scan: Scan, identities: Iterable[Identity]) -> dict[str, list[Identity]]:
    """Key Secret file -> the private keys it holds, for those the given keys open (in memory)."""
    from secretops.errors import AgeKeyError

    ids = list(identities)
    out: dict[str, list[Identity]] = {}
    if not ids:
        return out
    for ks in scan.key_secrets:
        try:
            entries = keysecrets.read_entries(repo.root, ks.rel, ids)
        except AgeKeyError:
            continue
        out[ks.rel] = keysecrets.identities_of(entries, ks.rel)
    return out


def describe(repo: Repo, layout: Layout) -> list[str]:
    """What was inferred, in lines for the user (public keys shortened, never a private one)."""
    from secretops.util.display import short

    lines = [f"encrypted files: *{repo.config.encrypted_suffix}"]
    for rel, folder in layout.configs:
        lines.append(f"config: {rel} governs {folder}/" if folder != "." else f"config: {rel} governs the repository")
    if not layout.configs:
        lines.append("config: no .sops.yaml (files are inventoried from their own metadata)")
    if not repo.clusters:
        lines.append("clusters: none (no Flux entry point: no bootstrap sync, FluxInstance or kubeConfig "
                     "Kustomization)")
    for c in layout.clusters:
        cfg = repo.cluster(c.cluster)
        keys = ", ".join(short(k) for k in c.keys) or "none"
        where = {"git": "key Secret in git", "api": "key Secret in the cluster only",
                 "none": "no age key"}[c.delivery]
        flux = repo.flux_cluster(cfg)
        lines.append(f"cluster: {c.cluster} ({cfg.path}): keys {keys} ({c.evidence}); {where}")
        lines.append(f"cluster: {c.cluster} comes from {c.source}" + (
            f": {'; '.join(e.describe() for e in flux.entries)}" if flux else ""))
        if flux and flux.decryptions:
            lines.append(f"cluster: {c.cluster} decrypts with "
                         + ", ".join(dict.fromkeys(d.describe() for d in flux.decryptions))
                         + (f" (--sops-age-secret={flux.global_secret})" if flux.global_secret and any(
                             d.global_flag for d in flux.decryptions) else ""))
        if c.conflict:
            lines.append(f"conflict: cluster {c.cluster}: {c.conflict}")
    for recipient, count in layout.others:
        kind, _, value = recipient.rpartition(":") if not recipient.startswith("age1") else ("", "", recipient)
        what = f"{kind} {short(value)}" if kind else short(value)
        lines.append(f"recipient: {what} is no cluster's age key (on {count} file(s); a rotation keeps it)")
    if layout.hints.global_secret:
        name, rel = layout.hints.global_secret
        lines.append(f"flux: global decryption key Secret {name} (--sops-age-secret, set in {rel})")
    for rel in layout.hints.kms_accounts[:3]:
        lines.append(f"flux: {rel} decrypts through KMS (decryption.serviceAccountName)")
    for problem in layout.problems[:5]:
        lines.append(f"flux: {problem}")
    if len(layout.problems) > 5:
        lines.append(f"flux: {len(layout.problems) - 5} more path(s) Flux would not find")
    return lines

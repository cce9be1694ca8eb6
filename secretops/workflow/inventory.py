"""`status`: every encrypted and clear file, its cluster, its recipients and its rule's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from secretops.flux.readiness import Readiness
from secretops.repo.discovery import Scan
from secretops.repo.layout import Layout
from secretops.repo.model import Repo
from secretops.sops import agekeys
from secretops.sops.binary import Sops
from secretops.sops.document import ParsedFile

OK, NOT_ENCRYPTED, MISMATCH, UNKNOWN_KEY = "ok", "not-encrypted", "recipients-mismatch", "unknown-key"
UNCOMPARED = "not-compared"  # a clear copy whose encrypted file no key here decrypts


@dataclass(frozen=True)
class FileStatus:
    path: str
    kind: str  # encrypted | clear
    cluster: str | None
    state: str
    recipients: dict[str, list[str]] = field(default_factory=dict)
    rule: str | None = None
    rule_recipients: dict[str, list[str]] | None = None
    decryptable: bool | None = None
    sops_version: str | None = None
    lastmodified: str | None = None
    detail: str = ""
    clusters: tuple[str, ...] = ()  # every cluster that applies it (a shared file: several)
    placement: str = "none"  # where that answer came from: kustomization | override | folder | keys | none
    store: str | None = None  # the sops store its content is in (yaml, json, dotenv, ini, binary)


def _encrypted_status(repo: Repo, parsed: ParsedFile, known: frozenset[str], mine: set[str],
                      layout: Layout) -> FileStatus:
    cluster = layout.cluster_of(repo, parsed)
    names, placement = repo.placement(parsed.rel)
    if cluster and not names:
        placement = "keys"  # no Flux Kustomization applies it; its keys are one cluster's alone
    rule = repo.sops_config.rule_for(parsed.rel)
    base = dict(path=parsed.rel, kind="encrypted", cluster=cluster, clusters=names, placement=placement,
                rule=rule.describe() if rule else None,
                rule_recipients=rule.recipients.as_dict() if rule else None)
    if parsed.error or not parsed.encrypted:
        why = parsed.error or (f"document {parsed.plaintext_documents()[0] + 1} has no sops metadata"
                               if parsed.meta else "no sops metadata")
        return FileStatus(state=NOT_ENCRYPTED, detail=why, **base)  # type: ignore[arg-type]
    meta = parsed.meta
    assert meta is not None
    have = meta.recipients.as_sets()
    unknown = [r for r in meta.recipients.age if r not in known]
    if repo.sops_config.config_for(parsed.rel) is None:  # outside every config: judged by its own metadata
        state, detail = OK, "no .sops.yaml governs this folder; recipients read from the file"
    elif unknown:
        state, detail = UNKNOWN_KEY, f"{len(unknown)} age recipient(s) appear in no .sops.yaml rule"
    elif rule is None:
        state, detail = MISMATCH, "no creation rule matches this path"
    elif have != rule.recipients.as_sets():
        missing = sum(len(v - have.get(k, frozenset())) for k, v in rule.recipients.as_sets().items())
        extra = sum(len(v - rule.recipients.as_sets().get(k, frozenset())) for k, v in have.items())
        state, detail = MISMATCH, (f"{missing} missing, {extra} extra recipient(s) against {rule.describe()}; "
                                   f"fix: `secretops updatekeys {parsed.rel}`")
    else:
        state, detail = OK, ""
    decryptable = bool(mine & set(meta.recipients.age)) if mine else None
    return FileStatus(state=state, recipients=meta.recipients.as_dict(), decryptable=decryptable,
                      sops_version=meta.version, lastmodified=meta.lastmodified, detail=detail,
                      store=parsed.store, **base)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Quantum:
    """How far the repository is from post-quantum age keys (`status --quantum`). Public keys only."""

    x25519_only: tuple[str, ...]  # encrypted files whose age recipients are all X25519
    encrypted: int
    people_x25519: tuple[str, ...]  # X25519 recipients that are no cluster's key: `rotate --to-pq` leaves them
    clusters: tuple[Readiness, ...] = ()


@dataclass(frozen=True)
class Inventory:
    root: str
    rows: tuple[FileStatus, ...]
    layout: tuple[str, ...] = ()  # what was inferred about the repository, in lines
    quantum: Quantum | None = None


def quantum(repo: Repo, scan: Scan, layout: Layout, *, clusters: bool, timeout: float = 10.0) -> Quantum:
    """Files still X25519-only, X25519 recipients that are no cluster's key, and (with ``clusters``)
    each cluster's kustomize-controller version, read through its API or asserted in .secretops.yaml."""
    metas = [p.meta for p in scan.encrypted if p.meta is not None and p.meta.recipients.age]
    only = tuple(sorted(p.rel for p in scan.encrypted if p.meta is not None and p.meta.recipients.age
                        and agekeys.x25519_only(p.meta.recipients.age)))
    cluster_keys = {k for c in layout.clusters for k in c.keys}
    named = {r for m in metas for r in m.recipients.age} | set(repo.sops_config.age_keys)
    people = tuple(sorted(r for r in named if r not in cluster_keys and not agekeys.is_post_quantum_recipient(r)))
    found: tuple[Readiness, ...] = ()
    if clusters:
        from secretops.flux import readiness

        found = tuple(readiness.read_all([(c.name, c.kube_context) for c in repo.clusters],
                                         dict(repo.config.asserted_versions), timeout=timeout))
    return Quantum(only, len(scan.encrypted), people, found)


def _clear_state(repo: Repo, rel: str, enc: ParsedFile | None, mine: set[str], sops: Sops | None) -> tuple[str, str]:
    """`in-sync`, `stale` or `edited` (workflow.files.clear_state); `not-compared` when no key at hand
    decrypts its encrypted file (nothing is claimed that was not proved)."""
    from secretops.errors import SecretopsError
    from secretops.workflow.files import EDITED, STALE, clear_state

    if enc is None or enc.meta is None:
        return EDITED, f"not encrypted yet: run `secretops encrypt {rel}`"
    if not mine & set(enc.meta.recipients.age):
        return UNCOMPARED, f"none of your age keys decrypts {enc.rel}, so the copy was not compared"
    try:
        plain = (sops or Sops(repo.root)).decrypt(enc.rel)
    except SecretopsError as exc:
        return UNCOMPARED, f"{enc.rel} did not decrypt ({exc.message}), so the copy was not compared"
    state = clear_state(repo, rel, plain)
    if state == EDITED:
        return EDITED, f"holds edits not encrypted yet: run `secretops encrypt {rel}`"
    if state == STALE:
        return STALE, f"{enc.rel} changed since: run `secretops decrypt {enc.rel}` to refresh the copy"
    return state or EDITED, ""


def inventory(repo: Repo, scan: Scan, identities: Sequence[agekeys.Identity] | None = None,
              layout: Layout | None = None, sops: Sops | None = None) -> list[FileStatus]:
    from secretops.repo import layout as layout_mod

    ids = agekeys.load_identities() if identities is None else identities
    mine = {i.public for i in ids}
    known = repo.sops_config.age_keys
    layout = layout or layout_mod.infer(repo, scan)
    out = [_encrypted_status(repo, p, known, mine, layout) for p in scan.encrypted]
    encrypted = {p.rel: p for p in scan.encrypted}
    for rel in scan.clear:
        enc = repo.config.encrypted_name(rel)
        names, placement = repo.placement(rel)
        rule = repo.sops_config.rule_for(enc)
        state, detail = _clear_state(repo, rel, encrypted.get(enc), mine, sops)
        out.append(FileStatus(
            path=rel, kind="clear", cluster=names[0] if len(names) == 1 else None, state=state,
            clusters=names, placement=placement,
            recipients=rule.recipients.as_dict() if rule else {}, rule=rule.describe() if rule else None,
            rule_recipients=rule.recipients.as_dict() if rule else None, detail=detail))
    return sorted(out, key=lambda s: s.path)

"""`status`: every encrypted and clear file, its cluster, its recipients and its rule's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from secretops.repo.discovery import Scan
from secretops.repo.layout import Layout
from secretops.repo.model import Repo
from secretops.sops import agekeys
from secretops.sops.document import ParsedFile

OK, NOT_ENCRYPTED, MISMATCH, UNKNOWN_KEY = "ok", "not-encrypted", "recipients-mismatch", "unknown-key"


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
    store: str | None = None  # the sops store its content is in (yaml, json, dotenv, ini, binary)


def _encrypted_status(repo: Repo, parsed: ParsedFile, known: frozenset[str], mine: set[str],
                      layout: Layout) -> FileStatus:
    cluster = layout.cluster_of(repo, parsed)
    rule = repo.sops_config.rule_for(parsed.rel)
    base = dict(path=parsed.rel, kind="encrypted", cluster=cluster,
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
class Inventory:
    root: str
    rows: tuple[FileStatus, ...]
    layout: tuple[str, ...] = ()  # what was inferred about the repository, in lines


def inventory(repo: Repo, scan: Scan, identities: Sequence[agekeys.Identity] | None = None,
              layout: Layout | None = None) -> list[FileStatus]:
    from secretops.repo import layout as layout_mod

    ids = agekeys.load_identities() if identities is None else identities
    mine = {i.public for i in ids}
    known = repo.sops_config.age_keys
    layout = layout or layout_mod.infer(repo, scan)
    out = [_encrypted_status(repo, p, known, mine, layout) for p in scan.encrypted]
    encrypted_names = {p.rel for p in scan.encrypted}
    for rel in scan.clear:
        enc = repo.config.encrypted_name(rel)
        cluster = repo.cluster_of(rel)
        rule = repo.sops_config.rule_for(enc)
        out.append(FileStatus(
            path=rel, kind="clear", cluster=cluster.name if cluster else None, state=OK,
            recipients=rule.recipients.as_dict() if rule else {}, rule=rule.describe() if rule else None,
            rule_recipients=rule.recipients.as_dict() if rule else None,
            detail="" if enc in encrypted_names else f"not encrypted yet: run `secretops encrypt {rel}`"))
    return sorted(out, key=lambda s: s.path)

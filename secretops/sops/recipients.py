"""Change a file's age recipients (in-process re-wrap, or sops on a temp copy) and verify the result."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from secretops.errors import ConfigError, StateError
from secretops.sops import agekeys, creation_rules_edit, datakey, document, rewrap
from secretops.sops import creation_rules as rules
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.sops.metadata import SopsMeta
from secretops.util.fsutil import atomic_write, private_tempdir

VERIFIED, CHANGED, UNCHANGED = "verified", "changed", "unchanged"
REKEYED = "rekeyed"  # a new data key made in-process: proven by `verify`, not by a sops sample


def change(root: Path, sops: Sops, rel: str, identities: Sequence[Identity], add: Sequence[str],
           remove: Collection[str], prove: Mapping[str, Identity] | None = None,
           scanned: document.ParsedFile | None = None) -> str:
    """Add and remove recipients with one atomic write. With ``prove``, the new text is verified in
    memory before it is written (VERIFIED); sops-handled and untouched files still need `verify`.
    ``scanned``: the file as the command's scan parsed it (used only if the file still holds that text)."""
    text = (root / rel).read_text(encoding="utf-8")
    current = scanned if scanned is not None and scanned.text == text else document.parse_light(rel, text.encode())
    try:
        new = rewrap.rewrap_text(text, rel, identities, add, remove, current)
    except rewrap.Unsupported:
        return CHANGED if _with_sops(root, sops, rel, add, remove) else UNCHANGED
    if new == text:
        return UNCHANGED
    if prove is not None:
        meta = document.parse_light(rel, new.encode()).meta
        before = current.meta
        # per file, never a copy of the fleet's key sets (50,000 files x 10,000 keys)
        expected = {k for k in (before.recipients.age if before else ()) if k not in remove} | set(add)
        verify_meta(meta, rel, expected, remove, prove, prove.keys())
    atomic_write(root / rel, new.encode())
    return VERIFIED if prove is not None else CHANGED


def _with_sops(root: Path, sops: Sops, rel: str, add: Sequence[str], remove: Collection[str]) -> bool:
    """Key groups, post-quantum keys, the JSON, dotenv, INI and binary stores: `sops updatekeys`
    (data key kept) on a temp copy, under a one-rule config made from the file's rule in the already
    edited `.sops.yaml` (or, for a file no rule governs, from its own recipients with the change)."""
    meta = document.parse_light(rel, (root / rel).read_bytes()).meta
    have = list(meta.recipients.age) if meta else []
    if set(add) <= set(have) and not set(have) & set(remove):
        return False
    wanted = [r for r in have if r not in remove] + [r for r in add if r not in have and r not in remove]
    atomic_write(root / rel, updated_by_sops(root, sops, rel, fallback=(meta, wanted)))
    return True


def updated_by_sops(root: Path, sops: Sops, rel: str,
                    fallback: tuple[SopsMeta | None, Sequence[str]] | None = None) -> bytes:
    """The file as `sops updatekeys -y` leaves it, made on a private copy under a one-rule config
    built from the rule of the `.sops.yaml` that governs it; the file itself is not touched. With
    ``fallback`` (its metadata, the age keys it should list), a file that no rule governs gets a
    rule of its own recipients: the age keys given, its PGP keys unchanged."""
    config = sops.config_for(rel)
    rule = None
    if config is not None:
        config_rel = config.relative_to(root).as_posix()
        config_text = config.read_text(encoding="utf-8")
        rule = rules.parse_text(config_text, config, config_rel).rule_for(rel)
    if rule is not None and config is not None:
        one_rule: str | None = creation_rules_edit.rule_without_path(config_text, rule.position)
    else:
        one_rule = _own_rule(*fallback) if fallback is not None else None
    if one_rule is None:
        raise ConfigError(f"no .sops.yaml creation rule matches {rel}", hint="add one, then run again")
    with private_tempdir() as tmp:
        (tmp / ".sops.yaml").write_text(one_rule)
        copy = tmp / Path(rel).name
        copy.write_bytes((root / rel).read_bytes())
        sops.updatekeys_with(tmp / ".sops.yaml", str(copy), rel)
        return copy.read_bytes()


def own_rule_possible(meta: SopsMeta) -> bool:
    """sops can re-key this file without a `.sops.yaml` rule (see updated_by_sops)."""
    return _own_rule(meta, ["age1"]) is not None


def _own_rule(meta: SopsMeta | None, age: Sequence[str]) -> str | None:
    """A one-rule config for a file no rule governs: only age and PGP recipients in one key group
    can be written back exactly (KMS and Vault entries carry more than their ids)."""
    import json

    if meta is None:
        return None
    kinds = {kind for kind, _ in meta.recipients.by_kind}
    if meta.uses_key_groups or not kinds <= {"age", "pgp"}:
        return None
    rule: dict[str, str] = {"age": ",".join(age)} if age else {}
    if meta.recipients.get("pgp"):
        rule["pgp"] = ",".join(meta.recipients.get("pgp"))
    return "creation_rules:\n  - " + json.dumps(rule) + "\n" if rule else None


def new_data_key(root: Path, sops: Sops, rel: str, identities: Sequence[Identity] = ()) -> str:
    """A fresh data key, every value re-encrypted (a compromised key, a move to PQ keys): in-process
    for YAML files (REKEYED), else `sops rotate` (CHANGED)."""
    from secretops.sops import rekey

    if identities:
        try:
            text = (root / rel).read_text(encoding="utf-8")
            atomic_write(root / rel, rekey.fresh_data_key(text, rel, identities).encode())
            return REKEYED
        except rewrap.Unsupported:
            pass
    atomic_write(root / rel, sops.rotate_stdout(rel))
    return CHANGED


def age_of(root: Path, rel: str) -> set[str]:
    """The age recipients a file lists now (read without decrypting)."""
    return age_of_text(rel, (root / rel).read_text(encoding="utf-8"))


def age_of_text(rel: str, text: str) -> set[str]:
    meta = document.parse_light(rel, text.encode()).meta
    return set(meta.recipients.age) if meta else set()


def verify(root: Path, rel: str, present: Iterable[str], absent: Collection[str],
           identities: Mapping[str, Identity], prove: Iterable[str] | None = None) -> None:
    """The file lists what it should and none of ``absent``; each key in ``prove`` (default: every
    present key) opens the real data key (checked against the MAC)."""
    meta = document.parse_light(rel, (root / rel).read_bytes()).meta
    verify_meta(meta, rel, set(present), absent, identities, None if prove is None else set(prove))


def verify_meta(meta: SopsMeta | None, rel: str, present: set[str], absent: Collection[str],
                identities: Mapping[str, Identity], prove: Collection[str] | None) -> None:
    if meta is None:
        raise StateError(f"verification failed: {rel} lost its sops metadata", hint="run the command again")
    have = set(meta.recipients.age)
    missing, extra = set(present) - have, {k for k in have if k in absent}  # the file's few keys, looked up
    if missing or extra:
        raise StateError(f"verification failed: {rel} has {len(missing)} missing and {len(extra)} extra recipient(s)",
                         hint="run the command again")
    stanzas = dict(meta.age_stanzas)
    wanted = present if prove is None else prove
    for pub in [p for p in stanzas if p in wanted and p in identities]:
        key = datakey.stanza_key(stanzas[pub], identities[pub])
        if key is not None and meta.uses_key_groups:
            continue  # a Shamir share, not the data key: the real sops decrypts these files in the sample
        if key is None or not datakey.mac_matches(meta, key):
            raise StateError(f"verification failed: {rel} cannot be opened with the key {pub[:12]}…",
                             hint="run the command again")


def sample_decrypt(sops: Sops, rels: Sequence[str], identities: Iterable[Identity], every: bool) -> int:
    """The real sops decrypts (a sample of) the files with exactly these keys; output is discarded.
    Each file gets the ones among them that it lists (a fleet's 10,000 new keys do not fit in one
    environment variable), or all of them when it lists none that can be read here."""
    ids = list(identities)
    chosen = list(rels) if every else list(rels[:3])
    for rel in chosen:
        sops.decrypt(rel, env=agekeys.identity_env(listed_keys(sops.root, rel, ids)))
    return len(chosen)


def listed_keys(root: Path, rel: str, identities: Sequence[Identity]) -> list[Identity]:
    """The identities whose public key the file lists (what sops needs of a fleet's 10,000 keys,
    which do not fit in one environment variable); all of them when it lists none readable here."""
    from secretops.errors import SecretopsError

    try:
        listed = age_of(root, rel)
    except (OSError, UnicodeDecodeError, SecretopsError):
        listed = set()
    return listed_in(listed, identities)


def listed_in(listed: Iterable[str], identities: Sequence[Identity]) -> list[Identity]:
    """The identities among ``listed`` (a file's age recipients); all of them when none is."""
    wanted = set(listed)
    return [i for i in identities if i.public in wanted] or list(identities)

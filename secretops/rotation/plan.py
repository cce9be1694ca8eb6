"""Plan a rotation by key: which keys, which files, which key Secrets, which clusters."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from secretops.errors import AgeKeyError, InputError, SettleError, StateError
from secretops.repo import config as config_mod
from secretops.repo import layout as layout_mod
from secretops.repo.discovery import Scan
from secretops.repo.model import Repo
from secretops.rotation.state import STATE_FILE, ClusterRef, Journal
from secretops.sops import datakey, recipients, rewrap
from secretops.sops.agekeys import Identity, Keyring
from secretops.util.display import short


@dataclass(frozen=True)
class Plan:
    old_keys: tuple[str, ...]
    clusters: tuple[ClusterRef, ...]
    key_clusters: dict[str, tuple[str, ...]]  # old key -> clusters that use it
    files: tuple[str, ...]  # encrypted files with an old key as recipient (key Secrets included)
    key_secrets: tuple[str, ...]  # key Secret files holding an old private key
    rules: int  # `.sops.yaml` rules that name an old key
    fallback: tuple[str, ...]  # files sops must handle (key groups, post-quantum, dotenv, INI)
    notes: tuple[str, ...] = ()  # how each cluster gets its new key, in words


def require_no_rotation(repo: Repo) -> None:
    if not repo.is_git:
        return
    if (repo.root / STATE_FILE).exists():
        raise StateError("a rotation is already in progress", hint="finish it (`secretops rotate finish`) or abort it")
    if Journal.load(repo.root) is not None:
        raise StateError("an interrupted rotation command left a journal", hint="run that command again or abort")


def build(repo: Repo, scan: Scan, names: Sequence[str], every: bool, local: list[Identity],
          problems: list[str] | None = None) -> tuple[Plan, Keyring]:
    """The plan and every identity it can use. Raises before anything is written.

    With ``problems`` (a dry run), failed preconditions are collected there instead, and a key
    Secret that cannot be opened is assumed to hold the keys it is encrypted for.

    A cluster's keys come from its key Secret in git when it has one; otherwise (the key Secret was
    made with `kubectl create secret` and lives in the cluster only) from the files and rules of its
    folder, and `rotate status --apply-key-secrets` delivers the new key through the API. A cluster
    with no age key (KMS or PGP only) needs no age delivery and is left out, with a note.
    """
    if not names and not every:
        raise InputError("say which keys to rotate", hint="pass --cluster NAME (repeatable) or --all")
    chosen = [repo.cluster(n) for n in names] if names else list(repo.clusters)
    holders = layout_mod.holders(repo, scan, local)
    identities = Keyring({i.secret: i for i in [*local, *(i for ids in holders.values() for i in ids)]}.values())
    for ks in scan.key_secrets:
        if ks.rel not in holders:
            err = AgeKeyError(f"the old key is missing: none of your age keys can decrypt {ks.rel}",
                              hint="add the cluster's current key to ~/.config/sops/age/keys.txt")
            if any(ks.rel in (k.rel for k in scan.key_secrets_for(repo, c.name)) for c in chosen):
                if problems is None:
                    raise err
                problems.append(err.user_message)
            holders[ks.rel] = [Identity(pub, "") for pub in ks.recipients]
    layout = layout_mod.infer(repo, scan, {rel: [i.public for i in ids] for rel, ids in holders.items()})
    old: dict[str, set[str]] = {}
    refs: list[ClusterRef] = []
    notes: list[str] = []
    for cluster in chosen:
        found = layout.of(cluster.name)
        if found is not None and found.conflict and not found.keys:
            _require_settled(repo, layout, [cluster.name], problems)
            continue
        if found is None or not found.keys:
            if names:
                raise StateError(f"cluster {cluster.name} has no age key to rotate (no key Secret in git, and its "
                                 "files and rules name no age recipient)",
                                 hint="a cluster that decrypts through KMS or PGP needs no age rotation")
            notes.append(f"{cluster.name}: no age key (KMS, PGP or no secrets): needs no age delivery, left out")
            continue
        for key in found.keys:
            old.setdefault(key, set()).add(cluster.name)
        if found.delivery == "api":
            notes.append(f"{cluster.name}: its key Secret lives in the cluster only ({found.evidence}); after "
                         "commit 1, `rotate status --apply-key-secrets` adds the new key to it through the API "
                         "(both keys stay; nothing is printed)")
        refs.append(ClusterRef(cluster.name, cluster.kube_context, found.key_secrets))
    if every and not chosen:
        for ids in holders.values():
            for ident in ids:
                old.setdefault(ident.public, set())
    if not old:
        raise StateError("no age key to rotate was found", hint="check the key Secrets with `secretops status`")
    planned = {r.name for r in refs}
    for other in layout.clusters:  # a shared key pulls in every cluster that uses it
        if other.cluster in planned or not old.keys() & set(other.keys):
            continue
        cluster = repo.cluster(other.cluster)
        refs.append(ClusterRef(cluster.name, cluster.kube_context, other.key_secrets))
        planned.add(cluster.name)
        for key in set(other.keys) & set(old):
            old[key].add(cluster.name)
    if layout.hints.global_secret:
        name, rel = layout.hints.global_secret
        notes.append(f"Flux's global decryption key: Secret {name} (--sops-age-secret, set in {rel}); "
                     "`rotate status` reads the controller's flag through the API")
    plan = _files(repo, scan, old, refs, holders, identities, problems)  # a broken file: its own fix first
    _require_settled(repo, layout, [c.name for c in chosen] + [r.name for r in refs], problems)
    require_covered(repo, [*plan.files, *plan.key_secrets], plan.old_keys, problems)
    covered = _kms_covered(scan, old)
    refs = [dataclasses.replace(r, kms_covered=covered.get(r.name, False)) for r in plan.clusters]
    return dataclasses.replace(plan, clusters=tuple(refs), notes=tuple(notes)), identities


def _require_settled(repo: Repo, layout: layout_mod.Layout, names: Sequence[str],
                     problems: list[str] | None) -> None:
    """Evidence that disagrees about a cluster's key is settled by the user, never by a guess."""
    for name in dict.fromkeys(names):
        found = layout.of(name)
        if found is None or not found.conflict:
            continue
        lines = tuple(layout.settling_lines(repo))
        err = SettleError(f"cluster {name}: {found.conflict}",
                          hint=f"say which key is the cluster's: put these lines in {config_mod.FILENAME} "
                               "(check each age_keys), then run again", lines=lines)
        if problems is None:
            raise err
        problems.append(err.user_message)
        problems += [f"  {line}" for line in lines]
        return


def require_covered(repo: Repo, planned: Sequence[str], keys: Sequence[str], problems: list[str] | None) -> None:
    """Every sops file of the repository (any store, any folder, inside or outside every config's
    reach) that carries a key being rotated is planned: read from the raw bytes, not from what the
    scan understood, so no file is left behind on a key that is about to go."""
    from secretops.sops.creation_rules import is_config

    needles = [k.encode() for k in keys]
    known = set(planned)
    for rel in repo.files(include_ignored_clear=False):
        if rel in known or is_config(rel) or rel == STATE_FILE:
            continue
        try:
            data = (repo.root / rel).read_bytes()
        except OSError as exc:
            err = InputError(f"{rel} cannot be read ({exc.strerror or type(exc).__name__}): it may carry a key "
                             "being rotated", hint="fix its permissions, or remove it")
        else:
            if b"ENC[AES256_GCM," not in data:  # first: the key search costs one pass per key
                continue
            hit = next((k for k, n in zip(keys, needles) if n in data), None)
            if hit is None:
                continue
            err = InputError(f"{rel} is encrypted for the key being rotated {short(hit)}, but secretops cannot "
                             "re-key it, so the rotation would leave it on the old key",
                             hint=f"re-key it by hand (`sops updatekeys -y {rel}`) or remove that key from it, "
                                  "then run again")
        if problems is None:
            raise err
        problems.append(err.user_message)


def _kms_covered(scan: Scan, old: dict[str, set[str]]) -> dict[str, bool]:
    """Cluster -> every file its keys open keeps a KMS, PGP or Vault recipient the rotation leaves
    alone (a cluster no file of its keys names is left out: False). One pass over the files."""
    out: dict[str, bool] = {}
    for parsed in scan.encrypted:
        if parsed.meta is None:
            continue
        users = {c for k in parsed.meta.recipients.age if k in old for c in old[k]}
        if users:
            covered = parsed.meta.recipients.has_non_age()
            for cluster in users:
                out[cluster] = out.get(cluster, True) and covered
    return out


def _files(repo: Repo, scan: Scan, old: dict[str, set[str]], refs: list[ClusterRef],
           holders: dict[str, list[Identity]], identities: Sequence[Identity], problems: list[str] | None) -> Plan:
    keys = set(old)
    files, fallback, unreadable = [], [], []
    for parsed in scan.encrypted:
        meta = parsed.meta
        if meta is None or not parsed.encrypted:
            continue
        have = set(meta.recipients.age)
        rule = repo.sops_config.rule_for(parsed.rel)
        expected = set(rule.recipients.age) & keys if rule else set()
        if expected - have:
            err = StateError(f"{parsed.rel} already lacks the old key {short(sorted(expected - have)[0])} that its "
                             f"rule names", hint=f"fix it first: `sops updatekeys -y {parsed.rel}`")
            if problems is None:
                raise err
            problems.append(err.user_message)
        if not have & keys:
            continue
        files.append(parsed.rel)
        if meta.uses_key_groups or parsed.store not in rewrap.SPLICED:
            fallback.append(parsed.rel)
            if rule is None and not recipients.own_rule_possible(meta):
                err = StateError(f"{parsed.rel}: sops must re-key it (key groups, or the {parsed.store} store), and no "
                                 ".sops.yaml rule governs it while it holds KMS or Vault recipients",
                                 hint="add a creation rule for it that lists its recipients, then run again")
                if problems is None:
                    raise err
                problems.append(err.user_message)
            continue
        try:
            datakey.unwrap(meta, identities, parsed.rel)  # every affected file must open with the old keys
        except AgeKeyError:
            if problems is None:
                raise
            unreadable.append(parsed.rel)
    if unreadable and problems is not None:
        problems.append(f"{len(unreadable)} file(s) cannot be opened with your age keys, e.g. {unreadable[0]}")
    rules_hit = sum(1 for r in repo.sops_config.rules if set(r.recipients.age) & keys)
    secrets = tuple(sorted(rel for rel, ids in holders.items() if {i.public for i in ids} & keys))
    return Plan(tuple(sorted(keys)), tuple(refs), {k: tuple(sorted(v)) for k, v in old.items()},
                tuple(files), secrets, rules_hit, tuple(fallback))

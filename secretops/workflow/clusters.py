"""Retiring a cluster: its rule goes, its key leaves the other rules and every file it shares, and no
file is ever left that no remaining key opens. (Adding one is `init --cluster NAME`, which gives the
new key to the shared rule and re-wraps the shared files.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

from secretops.errors import InputError, StateError
from secretops.repo import discovery
from secretops.repo.model import Repo
from secretops.sops import creation_rules_edit, rewrap
from secretops.util.display import safe
from secretops.util.fsutil import atomic_write
from secretops.workflow.init import require_full_checkout, require_no_rotation


@dataclass(frozen=True)
class Removed:
    cluster: str
    keys: tuple[str, ...]  # public keys that left the rules and files (none if another cluster shares them)
    written: tuple[str, ...]


def remove(repo: Repo, name: str) -> Removed:
    require_no_rotation(repo)
    require_full_checkout(repo)
    cfg = repo.config
    path = next((c.path for c in repo.config.clusters if c.name == name), f"{cfg.clusters_dir}/{name}")
    suffix_re = re.escape(cfg.encrypted_suffix) + "$"
    own = f"^{re.escape(path)}/.*{suffix_re}"
    rules = repo.sops_config.rules
    mine = next((r for r in rules if r.path_regex == own), None)
    if mine is None:
        raise InputError(f"no .sops.yaml rule belongs to cluster {safe(name)} ({own})",
                         hint="cluster remove retires clusters whose rule is `^<path>/…`; edit others by hand")
    found = discovery.scan(repo)
    inside = [p.rel for p in found.encrypted if p.rel.startswith(path + "/")]
    if inside:
        raise StateError(f"{safe(path)} still holds {len(inside)} encrypted file(s), e.g. {safe(inside[0])}",
                         hint=f"retire the cluster first: `git rm -r {safe(path)}`, commit, let Flux prune; then run "
                              "this again")
    others = {k for r in rules if r is not mine and r.path_regex and r.path_regex.startswith("^")
              for k in r.recipients.age}
    gone = tuple(sorted(set(mine.recipients.age) - others))
    text = (repo.root / ".sops.yaml").read_text(encoding="utf-8")
    edited = creation_rules_edit.drop_rule(text, mine.position)
    edited = creation_rules_edit.replace_keys(edited, {k: [] for k in gone}) if gone else edited
    writes = [(".sops.yaml", edited.encode())]
    for parsed in found.encrypted:
        meta = parsed.meta
        if meta is None or not set(meta.recipients.age) & set(gone):
            continue
        left = [k for k in meta.recipients.age if k not in gone]
        if not left and not [k for k, _ in meta.recipients.by_kind if k != "age"]:
            raise StateError(f"{safe(parsed.rel)} opens only with {safe(name)}'s key; retiring it would leave the "
                             "file undecryptable", hint="re-encrypt it for another cluster's key, or remove it first")
        try:
            writes.append((parsed.rel, rewrap.rewrap_text(parsed.text, parsed.rel, (), (), gone).encode()))
        except rewrap.Unsupported:
            raise InputError(f"{safe(parsed.rel)} cannot be re-wrapped in-process (key groups or a non-YAML store)",
                             hint="remove the key with `sops updatekeys -y FILE` after updating .sops.yaml") from None
    for rel, data in writes:  # every file was prepared in memory above: nothing is written before that
        atomic_write(repo.root / rel, data)
    return Removed(name, gone, tuple(rel for rel, _ in writes))

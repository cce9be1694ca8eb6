"""`rotate abort`: back to the old keys only, and the new keys forgotten. Works after any
interrupted or refused start, finish or abort."""

from __future__ import annotations

from secretops.errors import StateError
from secretops.git import command as git
from secretops.repo import discovery, keysecrets
from secretops.repo.model import Repo
from secretops.rotation import common, removal
from secretops.rotation.removal import EndResult
from secretops.rotation.state import ROTATION_ENTRY, STATE_FILE, Journal, load_state
from secretops.sops import agekeys
from secretops.sops.agekeys import Keyring
from secretops.sops.binary import Sops
from secretops.sops.creation_rules_edit import Loaded
from secretops.util.display import short
from secretops.util.fsutil import atomic_delete
from secretops.util.progress import Observer, Silent


def abort(repo: Repo, sops: Sops, *, push: bool = False, observer: Observer | None = None) -> EndResult:
    obs = observer or Silent()
    pending = Journal.load(repo.root) if repo.is_git else None
    if pending is not None:
        common.require_git_ready(repo, pending)
    if pending is not None and pending.op == "start" and pending.stage != "committed" \
            and common.committed(repo.root, pending.rotation_id, "1") is None:
        return undo_start(repo, pending)
    if pending is not None and pending.op == "finish":
        _undo_finish(repo, pending)
    journal = removal.journal_for(repo, "abort")
    loaded = common.require_valid_configs(repo, "abort")
    if journal is None and load_state(repo.root) is None:
        orphans = _orphan_keys(repo)
        if orphans:  # a start killed before its journal: only unused new keys were written
            agekeys.remove_from_key_file(orphans)
            return EndResult("-", None, ())
    found = discovery.scan(repo)
    if journal is None:
        state = common.ready(repo)
        plan = removal.targets(found, state.new_keys)
        ids = common.identities(repo, found)
        _require_old_keys_left(found, plan["files"], state.new_keys)
        _require_old_keys_local(found, plan["files"], state.new_keys)
        common.require_openable(repo, plan["files"], ids)
        common.require_space_for(repo, [*plan["files"], *plan["key_secrets"]], "rotate abort")
        journal = Journal("abort", state.id, git.head(repo.root) or "",
                          {"drop": sorted(state.new_keys), "branch": state.branch, **plan})
        journal.save(repo.root)
    else:
        ids = common.identities(repo, found)
    return _apply(repo, sops, journal, ids, push, obs, loaded)


def _apply(repo: Repo, sops: Sops, journal: Journal, ids: Keyring, push: bool, obs: Observer,
           loaded: dict[str, Loaded] | None = None) -> EndResult:
    root, body = repo.root, journal.plan
    drop = set(body["drop"])
    files, secrets = list(body["files"]), list(body["key_secrets"])
    common.clean_temps(repo, [STATE_FILE, *common.configs(repo), *files, *secrets])
    for rel in secrets:  # the key Secret's own entries never changed: only the rotation entry goes
        entry = next((e for e in keysecrets.read_entries(root, rel, ids) if e.name == ROTATION_ENTRY), None)
        if entry is not None:
            keysecrets.unset_entry(sops, root, rel, entry.field, entry.name, ids)
    removal.drop_from_rules(repo, drop, loaded)
    results = removal.change_files(repo, sops, files, ids, drop, lambda rel: [], None, "removing new keys", obs)
    old = [i for i in ids if i.public not in drop]
    sha = removal.verify_and_commit(repo, sops, journal, results, drop, ids, None, old, False, "abort",
                                    _message(journal), obs, push)
    agekeys.remove_from_key_file(drop)
    journal.delete(root)
    return EndResult(journal.rotation_id, sha, tuple(sorted(set(files) | set(secrets))))


def _require_old_keys_left(found: discovery.Scan, files: list[str], new: set[str]) -> None:
    """A file that only a new key opens (added after commit 1 for the new key only) would be lost."""
    metas = {p.rel: p.meta for p in found.encrypted}
    for rel in files:
        meta = metas.get(rel)
        if meta is not None and not set(meta.recipients.age) - new and not \
                [k for k, _ in meta.recipients.by_kind if k != "age"]:
            raise StateError(f"{rel} is encrypted for a new key only; aborting would leave it undecryptable",
                             hint="re-encrypt it for the old key too (`sops updatekeys -y FILE`), or finish instead")


def _require_old_keys_local(found: discovery.Scan, files: list[str], new: set[str]) -> None:
    """Abort forgets the new keys: the local key file must hold an old key for every file, or no local
    key would open anything afterwards (the old keys may sit only in the key Secrets)."""
    local = {i.public for i in agekeys.load_identities()}
    metas = {p.rel: p.meta for p in found.encrypted}
    for rel in files:
        meta = metas.get(rel)
        if meta is None or [k for k, _ in meta.recipients.by_kind if k != "age"]:
            continue
        kept = set(meta.recipients.age) - new
        if kept and not kept & local:
            raise StateError(f"your key file holds none of the old keys {rel} keeps after an abort (e.g. "
                             f"{short(sorted(kept)[0])}); aborting would leave no local key that opens it",
                             hint="add the old key to your key file (the cluster's key Secret holds it), then run "
                                  "`secretops rotate abort` again; or `secretops rotate finish` instead")


def _undo_finish(repo: Repo, journal: Journal) -> None:
    """An interrupted or refused finish: if commit 2 was made the rotation is over; else put back
    commit 1's files and forget the finish."""
    sha = common.committed(repo.root, journal.rotation_id, "2")
    if sha is not None:
        journal.delete(repo.root)
        raise StateError(f"rotation {journal.rotation_id} was finished by commit {sha[:12]}; there is nothing to "
                         "abort", hint="to return to the old keys, start a new rotation")
    removal.undo_uncommitted(repo, journal)
    journal.delete(repo.root)


def _orphan_keys(repo: Repo) -> set[str]:
    """Rotation keys in the local key file that no rule and no encrypted file uses."""
    used = set(repo.sops_config.age_keys)
    for parsed in discovery.scan(repo).encrypted:
        if parsed.meta:
            used |= set(parsed.meta.recipients.age)
    return set(agekeys.labeled("rotation ")) - used


def undo_start(repo: Repo, journal: Journal) -> EndResult:
    """An interrupted start, not committed: put back what HEAD has and forget the new keys."""
    removal.undo_uncommitted(repo, journal)
    atomic_delete(repo.root / STATE_FILE)
    repo.forget()
    agekeys.remove_from_key_file(set(journal.plan["mapping"].values()))
    journal.delete(repo.root)
    return EndResult(journal.rotation_id, None, tuple(journal.plan["files"]))


def _message(journal: Journal) -> str:
    keys = "\n".join(f"Removed: {short(k)}" for k in sorted(journal.plan["drop"]))
    return ("secretops: abort the age key rotation (back to the old keys only)\n\n"
            "The new keys are removed from every secret, rule and key Secret.\n\n"
            f"{keys}\n{common.TRAILER}: {journal.rotation_id}\nSecretops-Step: abort\n")

"""`rotate abort`: back to the old keys only, and the new keys forgotten."""

from __future__ import annotations

from secretops import agekeys, git
from secretops import scan as scan_mod
from secretops.fsutil import atomic_delete
from secretops.progress import Observer, Silent
from secretops.repo import Repo
from secretops.rotation import common
from secretops.rotation.finish import EndResult, drop, journal_for, ready, targets
from secretops.rotation.state import STATE_FILE, Journal, load_state
from secretops.sops import Sops


def abort(repo: Repo, sops: Sops, *, push: bool = False, observer: Observer | None = None) -> EndResult:
    obs = observer or Silent()
    started = Journal.load(repo.root) if repo.is_git else None
    if started is not None and started.op == "start" and started.stage != "committed":
        if common.committed(repo.root, started.rotation_id, "1") is None:
            return _undo_start(repo, started)
        started.delete(repo.root)  # killed right after commit 1: the start is complete
    journal = journal_for(repo, "abort")
    if journal is None and load_state(repo.root) is None:
        orphans = _orphan_keys(repo)
        if orphans:  # a start killed before its journal: only unused new keys were written
            agekeys.remove_from_key_file(orphans)
            return EndResult("-", None, ())
    if journal is None:
        state = ready(repo)
        journal = Journal("abort", state.id, git.head(repo.root) or "",
                          {"drop": sorted(state.new_keys), "keep": {}, "branch": state.branch,
                           **targets(scan_mod.scan(repo), state.new_keys)})
        journal.save(repo.root)
    return drop(repo, sops, journal, push, False, obs)


def _orphan_keys(repo: Repo) -> set[str]:
    """Rotation keys in the local key file that no rule and no encrypted file uses."""
    used = set(repo.sops_config.age_keys)
    for parsed in scan_mod.scan(repo).encrypted:
        if parsed.meta:
            used |= set(parsed.meta.recipients.age)
    return set(agekeys.labeled("rotation ")) - used


def _undo_start(repo: Repo, journal: Journal) -> EndResult:
    """An interrupted start, not committed: put back what HEAD has and forget the new keys."""
    root, body = repo.root, journal.plan
    paths = [".sops.yaml", *body["files"], *body["key_secrets"]]
    common.clean_temps(repo, [*paths, STATE_FILE])
    git.git(root, "checkout", journal.head, "--", *sorted(set(paths)))
    atomic_delete(root / STATE_FILE)
    agekeys.remove_from_key_file(set(body["mapping"].values()))
    journal.delete(root)
    return EndResult(journal.rotation_id, None, tuple(body["files"]))

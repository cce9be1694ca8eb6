"""What finish and abort share: the journal's targets, dropping keys from rules and files, the
verification of the result and its commit. Each command has its own path over these."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from secretops.errors import StateError
from secretops.repo import discovery
from secretops.repo.model import Repo
from secretops.rotation import common
from secretops.rotation.state import ROTATION_ENTRY, STATE_FILE, Journal
from secretops.sops import recipients
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.sops.creation_rules_edit import Loaded
from secretops.sops.document import ParsedFile
from secretops.util import parallel
from secretops.util.fsutil import atomic_delete
from secretops.util.progress import Observer


@dataclass(frozen=True)
class EndResult:
    rotation_id: str
    commit: str | None
    files: tuple[str, ...]
    change_at_source: tuple[str, ...] = ()  # Secret names whose real values must change (--compromised)
    unverified: bool = False


def journal_for(repo: Repo, op: str) -> Journal | None:
    """The journal of an interrupted ``op`` to resume; a completed start's journal is dropped."""
    journal = Journal.load(repo.root) if repo.is_git else None
    if journal is not None and journal.op == "start" and (
            journal.stage == "committed" or common.committed(repo.root, journal.rotation_id, "1")):
        journal.delete(repo.root)  # a start killed after its commit: it is complete
        journal = None
    if journal is not None and journal.op != op:
        raise StateError(f"an interrupted `rotate {journal.op}` left a journal",
                         hint=f"run `secretops rotate {journal.op}` again, or `secretops rotate abort`")
    return journal


def targets(found: discovery.Scan, drop: set[str]) -> dict[str, list[str]]:
    """The files to change, fixed in the journal so that a resumed run commits all of them."""
    files = [p.rel for p in found.encrypted if p.meta and set(p.meta.recipients.age) & drop]
    secrets = [k.rel for k in found.key_secrets if ROTATION_ENTRY in {n for _, n in k.entries}]
    return {"files": sorted(files), "key_secrets": sorted(secrets)}


def drop_from_rules(repo: Repo, drop: set[str], loaded: dict[str, Loaded] | None = None) -> None:
    common.edit_rules(repo, {k: [] for k in drop}, loaded)


def change_files(repo: Repo, sops: Sops, files: Sequence[str], ids: Sequence[Identity], drop: set[str],
                 add_for: Callable[[str], list[str]], proof: dict[str, Identity] | None, label: str,
                 obs: Observer, then: Callable[[str], str | None] | None = None,
                 scanned: Mapping[str, ParsedFile] | None = None) -> dict[str, str]:
    """Each file loses ``drop`` and gains ``add_for(rel)``, in parallel; ``then`` may rewrite it further.
    ``scanned``: the files as the command's scan parsed them."""

    def one(rel: str) -> str:
        status = recipients.change(repo.root, sops, rel, ids, add_for(rel), drop, proof, (scanned or {}).get(rel))
        return (then(rel) if then else None) or status

    return parallel.run(files, one, obs, label)


def verify_and_commit(repo: Repo, sops: Sops, journal: Journal, results: dict[str, str], drop: set[str],
                      ids: Sequence[Identity], prove: set[str] | None, sample_keys: Sequence[Identity],
                      verify_all: bool, step: str, message: str, obs: Observer, push: bool) -> str:
    """Every file lists no dropped key and opens with the kept ones; the real sops decrypts a sample
    with exactly ``sample_keys``; then the state file goes and the change is committed."""
    root, body = repo.root, journal.plan
    files, secrets = list(body["files"]), list(body["key_secrets"])
    touched = sorted(set(files) | set(secrets))
    done = {rel for rel, status in results.items() if status == recipients.VERIFIED}
    secret_set = set(secrets)
    rest = [rel for rel in touched if rel not in done or rel in secret_set]
    present = {rel: recipients.age_of(root, rel) for rel in rest}
    common.verify_files(repo, rest, present, drop, ids, obs, prove)
    by_sops = [rel for rel, status in results.items() if status == recipients.CHANGED]
    if sample_keys:  # none: post-quantum keys only and a sops that cannot take them (proven in memory above)
        common.sops_sample(sops, touched, secrets, sample_keys, verify_all, by_sops)
    atomic_delete(root / STATE_FILE)
    sha = common.committed(root, journal.rotation_id, step) or common.commit(
        root, [*common.configs(repo), *touched, STATE_FILE], message, journal)
    journal.stage = "committed"
    journal.save(root)
    if push:
        common.push(root, body["branch"])
    return sha


def undo_uncommitted(repo: Repo, journal: Journal) -> None:
    """Put back what HEAD holds for every path an interrupted command may have written."""
    body = journal.plan
    paths = sorted({*common.configs(repo), *body.get("files", []), *body.get("key_secrets", []), STATE_FILE})
    common.clean_temps(repo, paths)
    common.restore(repo.root, paths)
    repo.forget()  # what this command scans from here on is HEAD's version

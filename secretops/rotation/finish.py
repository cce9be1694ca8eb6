"""`rotate finish`: drop the old keys everywhere and make commit 2 (abort reuses `drop`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from secretops import agekeys, git, keysecret, sopsfile
from secretops import scan as scan_mod
from secretops.agekeys import Identity
from secretops.errors import CheckFailed, StateError
from secretops.fsutil import atomic_delete, atomic_write
from secretops.progress import Observer, Silent
from secretops.repo import Repo
from secretops.rotation import common, keysecrets, parallel, recipients, sopsyaml
from secretops.rotation.plan import short
from secretops.rotation.state import ROTATION_ENTRY, STATE_FILE, Journal, RotationState, require_state
from secretops.sops import Sops


@dataclass(frozen=True)
class EndResult:
    rotation_id: str
    commit: str | None
    files: tuple[str, ...]
    change_at_source: tuple[str, ...] = ()  # Secret names whose real values must change (--compromised)
    unverified: bool = False


def finish(repo: Repo, sops: Sops, *, unverified: bool = False, compromised: bool = False, push: bool = False,
           verify_all: bool = False, verified: Callable[[RotationState], list[str]] | None = None,
           observer: Observer | None = None) -> EndResult:
    obs = observer or Silent()
    journal = journal_for(repo, "finish")
    if journal is None:
        state = ready(repo)
        if not unverified:
            problems = verified(state) if verified else ["no cluster check was possible"]
            if problems:
                raise CheckFailed(f"not every cluster has applied commit 1 ({problems[0]})",
                                  hint="wait and check `secretops rotate status`, or pass --unverified")
        scanned = scan_mod.scan(repo)
        journal = Journal("finish", state.id, git.head(repo.root) or "",
                          {"drop": sorted(state.old_keys), "keep": {k.old: k.new for k in state.keys},
                           "unverified": unverified, "compromised": compromised, "branch": state.branch,
                           **targets(scanned, state.old_keys)})
        journal.save(repo.root)
        return drop(repo, sops, journal, push, verify_all, obs, scanned)
    return drop(repo, sops, journal, push, verify_all, obs)


def targets(scanned: scan_mod.Scan, drop: set[str]) -> dict[str, list[str]]:
    """The files to change, fixed in the journal so that a resumed run commits all of them."""
    files = [p.rel for p in scanned.encrypted if p.meta and set(p.meta.recipients.age) & drop]
    secrets = [k.rel for k in scanned.key_secrets if ROTATION_ENTRY in {n for _, n in k.entries}]
    return {"files": sorted(files), "key_secrets": sorted(secrets)}


def journal_for(repo: Repo, op: str) -> Journal | None:
    journal = Journal.load(repo.root) if repo.is_git else None
    if journal is not None and journal.op == "start" and (
            journal.stage == "committed" or common.committed(repo.root, journal.rotation_id, "1")):
        journal.delete(repo.root)  # a start killed after its commit: it is complete
        journal = None
    if journal is not None and journal.op != op:
        raise StateError(f"an interrupted `rotate {journal.op}` left a journal",
                         hint=f"run `secretops rotate {journal.op}` again first")
    return journal


def ready(repo: Repo) -> RotationState:
    state = require_state(repo.root)
    dirty = git.dirty_paths(repo.root)
    if dirty:
        raise StateError(f"the work tree is not clean ({len(dirty)} changed path(s), e.g. {dirty[0]})",
                         hint="commit or stash your changes first")
    if git.branch(repo.root) is None:
        raise StateError("HEAD is detached", hint="check out the rotation's branch first")
    return state


def drop(repo: Repo, sops: Sops, journal: Journal, push: bool, verify_all: bool, obs: Observer,
          scanned: scan_mod.Scan | None = None) -> EndResult:
    root, body = repo.root, journal.plan
    drop, keep = set(body["drop"]), dict(body["keep"])
    finishing = journal.op == "finish"
    files, secrets = list(body["files"]), list(body["key_secrets"])
    common.clean_temps(repo, [STATE_FILE, ".sops.yaml", *files, *secrets])
    ids = common.identities(repo, scanned or scan_mod.scan(repo))
    for rel in secrets:  # entries first: sops still opens the file with either key
        _settle_key_secret(repo, sops, rel, keep if finishing else None, ids)
    sops_yaml = (root / ".sops.yaml").read_text(encoding="utf-8")
    edited = sopsyaml.replace_keys(sops_yaml, {k: [] for k in drop})
    if edited != sops_yaml:
        atomic_write(root / ".sops.yaml", edited.encode())
    by_pub = {i.public: i for i in ids}
    proof = {k: by_pub[k] for k in (set(keep.values()) if finishing else set()) if k in by_pub}

    def drop_keys(rel: str) -> str:
        status = recipients.change(root, sops, rel, ids, (), drop, proof or None)
        if finishing and body.get("compromised"):
            recipients.new_data_key(root, sops, rel)
            return recipients.CHANGED
        return status

    results = parallel.run(files, drop_keys, obs, "removing old keys" if finishing else "removing new keys")
    done = {rel for rel, status in results.items() if status == recipients.VERIFIED}
    touched = sorted(set(files) | set(secrets))
    kept = set(keep.values()) if finishing else set()
    rest = [rel for rel in touched if rel not in done or rel in secrets]
    present = {rel: recipients.age_of(root, rel) for rel in rest}
    common.verify_files(repo, rest, present, drop, ids, obs, kept or None)
    by_sops = [rel for rel, status in results.items() if status == recipients.CHANGED]
    common.sops_sample(sops, touched, secrets, [by_pub[k] for k in kept] or ids, verify_all, by_sops)
    atomic_delete(root / STATE_FILE)
    step = "2" if finishing else "abort"
    sha = common.committed(root, journal.rotation_id, step) or common.commit(
        root, [".sops.yaml", *touched, STATE_FILE], _message(journal, step))
    journal.stage = "committed"
    journal.save(root)
    if push:
        common.push(root, body["branch"])
    if not finishing:
        agekeys.remove_from_key_file(drop)
    journal.delete(root)
    return EndResult(journal.rotation_id, sha, tuple(touched),
                     _secret_names(repo, files) if body.get("compromised") else (), bool(body.get("unverified")))


def _settle_key_secret(repo: Repo, sops: Sops, rel: str, keep: dict[str, str] | None,
                       ids: Sequence[Identity]) -> None:
    """finish: the original entries hold the new keys instead of the old; abort: they stay as they were.
    Either way the rotation entry goes."""
    entries = keysecrets.read_entries(repo.root, rel, ids)
    if keep is not None:
        by_pub = {i.public: i for i in ids}
        for entry in entries:
            if entry.name == ROTATION_ENTRY:
                continue
            held = [i.public for i in agekeys.parse(entry.content, rel)]
            old = [k for k in held if k in keep]
            if not old:
                continue
            content = keysecrets.without(entry.content, set(old), rel)
            content += keysecrets.key_text(by_pub[keep[k]] for k in old if keep[k] not in held)
            keysecrets.set_entry(sops, repo.root, rel, entry.field, entry.name, content, ids)
    rotation = next((e for e in entries if e.name == ROTATION_ENTRY), None)
    if rotation is not None:
        keysecrets.unset_entry(sops, repo.root, rel, rotation.field, rotation.name, ids)


def _secret_names(repo: Repo, files: list[str]) -> tuple[str, ...]:
    """Which Secrets' real values must change at their source: names and keys, never values."""
    out = []
    for rel in files:
        parsed = sopsfile.parse(rel, (repo.root / rel).read_bytes())
        for doc in parsed.documents:
            if isinstance(doc, dict) and doc.get("kind") == "Secret" and not keysecret.agekey_entries(doc):
                meta = doc.get("metadata") or {}
                keys = sorted({str(k) for f in ("data", "stringData") for k in (doc.get(f) or {})})
                out.append(f"{rel}: Secret {meta.get('namespace', '-')}/{meta.get('name', '?')} ({', '.join(keys)})")
    return tuple(out)


def _message(journal: Journal, step: str) -> str:
    body = journal.plan
    if step == "abort":
        head = "secretops: abort the age key rotation (back to the old keys only)"
        text = "The new keys are removed from every secret, rule and key Secret."
    else:
        head = "secretops: rotate age keys, step 2 of 2 (remove the old keys)"
        text = "Every affected secret is now encrypted for the new keys only."
        if body.get("compromised"):
            text += "\nEvery affected file has a new data key (the old key was compromised)."
    unverified = "\nUnverified: yes (finished with --unverified; Flux was not confirmed)" if body.get(
        "unverified") else ""
    keys = "\n".join(f"Removed: {short(k)}" for k in sorted(body["drop"]))
    return f"{head}\n\n{text}\n\n{keys}{unverified}\n{common.TRAILER}: {journal.rotation_id}\nSecretops-Step: {step}\n"


__all__ = ["EndResult", "finish"]

"""`rotate finish`: drop the old keys everywhere and make commit 2."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from secretops.errors import AgeKeyError, CheckFailed
from secretops.git import command as git
from secretops.repo import discovery, keysecrets
from secretops.repo.model import Repo
from secretops.rotation import common, removal
from secretops.rotation.removal import EndResult
from secretops.rotation.state import ROTATION_ENTRY, STATE_FILE, Journal, RotationState, commit_one
from secretops.sops import agekeys, binary, datakey, document, recipients
from secretops.sops.agekeys import Identity, Keyring
from secretops.sops.binary import Sops
from secretops.sops.creation_rules_edit import Loaded
from secretops.util import parallel
from secretops.util.display import short
from secretops.util.progress import Observer, Silent


def finish(repo: Repo, sops: Sops, *, unverified: bool = False, compromised: bool = False, push: bool = False,
           verify_all: bool = False, verified: Callable[[RotationState], list[str]] | None = None,
           observer: Observer | None = None) -> EndResult:
    obs = observer or Silent()
    journal = removal.journal_for(repo, "finish")
    loaded = common.require_valid_configs(repo, "finish")
    found = discovery.scan(repo)
    if journal is None:
        state = common.ready(repo)
        mapping = {k.old: k.new for k in state.keys}
        plan = removal.targets(found, state.old_keys)
        from secretops.rotation.plan import require_covered

        require_covered(repo, [*plan["files"], *plan["key_secrets"]], sorted(state.old_keys), None)
        require_new_keys_held(repo, found, mapping, plan["files"], plan["key_secrets"])
        ids = common.identities(repo, found)
        common.require_openable(repo, changed_since_commit_one(repo, plan["files"]), ids)
        common.require_space_for(repo, [*plan["files"], *plan["key_secrets"]], "rotate finish")
        if not unverified:
            problems = verified(state) if verified else ["no cluster check was possible"]
            if problems:
                raise CheckFailed(f"not every cluster has applied commit 1 ({problems[0]})",
                                  hint="wait and check `secretops rotate status`, or pass --unverified")
        compromised = compromised or state.compromised
        fresh = compromised or state.post_quantum  # a move to PQ keys re-keys too: history wraps the old data keys
        if fresh:
            require_sops_for_new_data_keys(repo, sops, found, plan["files"])
        journal = Journal("finish", state.id, git.head(repo.root) or "",
                          {"drop": sorted(state.old_keys), "keep": mapping, "unverified": unverified,
                           "compromised": compromised, "fresh_data_keys": fresh, "branch": state.branch, **plan})
        journal.save(repo.root)
    else:
        common.require_git_ready(repo, journal)
        require_new_keys_held(repo, found, journal.plan["keep"], journal.plan["files"], [])
        ids = common.identities(repo, found)
    metas = {p.rel: set(p.meta.recipients.age) for p in found.encrypted if p.meta is not None}
    if any(agekeys.is_post_quantum_recipient(k) for k in journal.plan["keep"].values()):
        sops = sops.for_post_quantum()
    return _apply(repo, sops, journal, ids, push, verify_all, obs, metas, loaded,
                  {p.rel: p for p in found.encrypted})


def require_sops_for_new_data_keys(repo: Repo, sops: Sops, found: discovery.Scan, files: Sequence[str]) -> None:
    """Files a new data key cannot be made for in-process (key groups, JSON, .env) go through
    `sops rotate`; with post-quantum recipients that needs sops 3.12. Said before any write."""
    by_rel = {p.rel: p for p in found.encrypted}
    need = [rel for rel in files if (p := by_rel.get(rel)) is not None and p.meta is not None and
            (p.format != "yaml" or p.meta.uses_key_groups) and
            not agekeys.x25519_only(p.meta.recipients.age)]
    if need and not sops.for_post_quantum().post_quantum:
        raise binary.requirement("rotate finish (a new data key for each file)", need)


def changed_since_commit_one(repo: Repo, files: Sequence[str]) -> list[str]:
    """The files to prove whole again: start proved every file it rewrote (values and MAC) before
    commit 1 and changed only their age blocks, so only files changed or added since need it."""
    commit1 = commit_one(repo.root)
    if commit1 is None:
        return list(files)
    changed = set(git.split_z(git.git(repo.root, "diff", "--name-only", "-z", "--no-renames", commit1, "HEAD").stdout))
    return [rel for rel in files if rel in changed]


def require_new_keys_held(repo: Repo, found: discovery.Scan, mapping: dict[str, str], files: Sequence[str],
                          key_secrets: Sequence[str]) -> None:
    """Before commit 2 makes them the only keys: every new private key is in the local key file, and
    opens each key Secret and one file that lists it. Otherwise the new keys could be lost for good."""
    local = Keyring(agekeys.load_identities())
    where = agekeys.key_file_for_writing()
    for new in sorted(set(mapping.values())):
        if new not in local.by_public:
            raise AgeKeyError(f"your key files lack the new private key {short(new)}; finishing would leave files "
                              "that only it opens",
                              hint=f"restore the key file `rotate start` appended it to ({where}) from a backup "
                                   "taken after the start, then run finish again; or `secretops rotate abort`")
    metas = {p.rel: p.meta for p in found.encrypted}
    new_ring = Keyring(local.by_public[k] for k in set(mapping.values()))
    for rel in key_secrets:
        meta = metas.get(rel)
        if meta is not None:
            datakey.unwrap(meta, new_ring, rel)
    wanted = set(mapping.values())
    first: dict[str, str] = {}  # new key -> the first file that lists it (one pass, not one a key)
    for r in files:
        if (m := metas.get(r)) and not m.uses_key_groups:
            for k in m.recipients.age:
                if k in wanted:
                    first.setdefault(k, r)
    for new in sorted(wanted):
        sample = first.get(new)
        meta = metas.get(sample) if sample else None
        if sample and meta:
            try:
                datakey.unwrap(meta, Keyring([local.by_public[new]]), sample)
            except AgeKeyError:
                raise AgeKeyError(f"{sample} does not open with the new key {short(new)} from your key file",
                                  hint=f"check that {where} holds the key `rotate start` wrote; "
                                       "or `secretops rotate abort`") from None


def _apply(repo: Repo, sops: Sops, journal: Journal, ids: Keyring, push: bool, verify_all: bool,
           obs: Observer, recipients_now: dict[str, set[str]], loaded: dict[str, Loaded] | None = None,
           scanned: dict[str, document.ParsedFile] | None = None) -> EndResult:
    root, body = repo.root, journal.plan
    drop, keep = set(body["drop"]), dict(body["keep"])
    files, secrets = list(body["files"]), list(body["key_secrets"])
    common.clean_temps(repo, [STATE_FILE, *common.configs(repo), *files, *secrets])
    # Entries first (sops still opens the file with either key); each key Secret is its own file.
    parallel.run(secrets, lambda rel: _settle_key_secret(repo, sops, rel, keep, ids), obs, "key Secrets")
    removal.drop_from_rules(repo, drop, loaded)
    new_keys = set(keep.values())
    proof = {k: ids.by_public[k] for k in new_keys if k in ids.by_public}

    def bring_along(rel: str) -> list[str]:
        """A file encrypted for an old key only (added after commit 1) gets that key's new key."""
        have = recipients_now[rel] if rel in recipients_now else recipients.age_of(root, rel)
        return sorted({keep[k] for k in have if k in keep} - have)

    def new_data_key(rel: str) -> str | None:
        if not body.get("compromised") and not body.get("fresh_data_keys"):
            return None
        return recipients.new_data_key(root, sops, rel, ids)

    results = removal.change_files(repo, sops, files, ids, drop, bring_along, proof or None, "removing old keys",
                                   obs, new_data_key, scanned)
    sample = [ids.by_public[k] for k in new_keys]
    if not sops.post_quantum and any(i.post_quantum for i in sample):
        sample = []  # sops 3.11 takes no PQ key: each file's keys, data key and MAC were proven in memory
    sha = removal.verify_and_commit(repo, sops, journal, results, drop, ids, new_keys, sample, verify_all, "2",
                                    _message(journal), obs, push)
    journal.delete(root)
    return EndResult(journal.rotation_id, sha, tuple(sorted(set(files) | set(secrets))),
                     _secret_names(repo, files) if body.get("compromised") else (), bool(body.get("unverified")))


def _settle_key_secret(repo: Repo, sops: Sops, rel: str, keep: dict[str, str], ids: Sequence[Identity]) -> None:
    """The original entries hold the new keys instead of the old, and the rotation entry goes."""
    entries = keysecrets.read_entries(repo.root, rel, ids)
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
        parsed = document.parse(rel, (repo.root / rel).read_bytes())
        if parsed.store not in (None, "yaml"):  # sops keeps key names in clear: they may be shown
            what = "its whole content" if parsed.store == "binary" else ", ".join(_top_keys(parsed.documents))
            out.append(f"{rel}: {parsed.store} file ({what})")
            continue
        for doc in parsed.documents:
            if isinstance(doc, dict) and doc.get("kind") == "Secret" and not keysecrets.agekey_entries(doc):
                meta = doc.get("metadata") or {}
                keys = sorted({str(k) for f in ("data", "stringData") for k in (doc.get(f) or {})})
                out.append(f"{rel}: Secret {meta.get('namespace', '-')}/{meta.get('name', '?')} ({', '.join(keys)})")
    return tuple(out)


def _top_keys(documents: Sequence[object]) -> list[str]:
    return sorted({str(k) for doc in documents if isinstance(doc, dict) for k in doc if k != "sops"})


def _message(journal: Journal) -> str:
    body = journal.plan
    text = "Every affected secret is now encrypted for the new keys only."
    if any(agekeys.is_post_quantum_recipient(k) for k in body["keep"].values()):
        text += ("\nThe new keys are post-quantum (ML-KEM-768 + X25519, age 1.3); every file has a new data\n"
                 "key, so no data key that an X25519 stanza in the history wraps opens a value here.")
    if body.get("compromised"):
        text += "\nEvery affected file has a new data key (the old key was compromised)."
    elif body.get("fresh_data_keys"):
        text += "\nEvery affected file has a new data key."
    unverified = "\nUnverified: yes (finished with --unverified; Flux was not confirmed)" if body.get(
        "unverified") else ""
    keys = "\n".join(f"Removed: {short(k)}" for k in sorted(body["drop"]))
    return (f"secretops: rotate age keys, step 2 of 2 (remove the old keys)\n\n{text}\n\n{keys}{unverified}\n"
            f"{common.TRAILER}: {journal.rotation_id}\nSecretops-Step: 2\n")

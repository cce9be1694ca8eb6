"""`rotate start`: every secret encrypted for old + new keys, key Secrets holding both; commit 1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from secretops.errors import SecretopsError, StateError
from secretops.flux.readiness import Readiness
from secretops.git import command as git
from secretops.repo import discovery, keysecrets
from secretops.repo.model import Repo
from secretops.rotation import common, pqready
from secretops.rotation import plan as plan_mod
from secretops.rotation.plan import Plan
from secretops.rotation.state import ROTATION_ENTRY, STATE_FILE, ClusterRef, Journal, KeyChange, RotationState
from secretops.sops import agekeys, recipients
from secretops.sops import binary as sops_mod
from secretops.sops.agekeys import Identity, Keyring
from secretops.sops.binary import Sops
from secretops.sops.creation_rules_edit import Loaded
from secretops.util import parallel
from secretops.util.display import short
from secretops.util.fsutil import atomic_write
from secretops.util.progress import Observer, Silent


@dataclass(frozen=True)
class StartResult:
    plan: Plan
    problems: tuple[str, ...] = ()
    rotation_id: str | None = None
    commit: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()
    checked: int = 0
    resumed: bool = False
    readiness: tuple[Readiness, ...] = ()  # with to_pq: each cluster's kustomize-controller, read before commit 1


def start(repo: Repo, sops: Sops | None, names: tuple[str, ...], every: bool, *, dry_run: bool = False,
          push: bool = False, verify_all: bool = False, observer: Observer | None = None, to_pq: bool = False,
          compromised: bool = False, timeout: float = 10.0) -> StartResult:
    """With ``to_pq`` the new keys are post-quantum and every cluster must first prove (through its API,
    or an assertion in `.secretops.yaml`) a kustomize-controller that reads them; with ``compromised``
    (implied by ``to_pq``) finish gives every file a new data key."""
    obs = observer or Silent()
    journal = Journal.load(repo.root) if repo.is_git else None
    if journal and journal.op != "start":
        raise StateError(f"an interrupted `rotate {journal.op}` left a journal",
                         hint=f"run `secretops rotate {journal.op}` again to finish it")
    if journal is None:
        problems: list[str] = []
        if dry_run:
            for check in (common.require_clean, plan_mod.require_no_rotation):
                try:
                    check(repo)
                except SecretopsError as exc:
                    problems.append(exc.user_message)
            plan, _ids = plan_mod.build(repo, discovery.scan(repo), names, every, agekeys.load_identities(), problems)
            found = _readiness(repo, plan, timeout) if to_pq else []
            problems += pqready.problems(found)
            if to_pq and sops is not None:
                problems += _sops_problems(plan, sops)
            return StartResult(plan, tuple(dict.fromkeys(problems)), readiness=tuple(found))
        branch = common.require_clean(repo)
        plan_mod.require_no_rotation(repo)
        loaded = common.require_valid_configs(repo, "start")
        scanned = discovery.scan(repo)
        plan, ids = plan_mod.build(repo, scanned, names, every, agekeys.load_identities())
        common.require_openable(repo, plan.files, ids, sops)  # every file, before the first write
        agekeys.require_key_file_writable()  # the new keys must have a place before anything names them
        common.require_space_for(repo, [*plan.files, *plan.key_secrets, *common.configs(repo)], "rotate start")
        if to_pq:  # last, right before the first write: the versions are as fresh as they can be
            assert sops is not None
            sops_problems = _sops_problems(plan, sops)
            if sops_problems:
                raise sops_mod.requirement("rotate start --to-pq", plan.fallback)
            pqready.require_ready(_readiness(repo, plan, timeout))
        journal, new = _begin(repo, plan, branch, to_pq, compromised)
        ring = Keyring([*ids, *new])
        ring.data_keys.update(ids.data_keys)  # the data keys the plan proved: not unwrapped twice
    else:
        common.require_git_ready(repo, journal)
        loaded = None
        obs.info(f"resuming the interrupted start of rotation {journal.rotation_id}")
        scanned = discovery.scan(repo)
        ring = common.identities(repo, scanned)
    assert sops is not None
    if journal.plan.get("post_quantum"):
        sops = sops.for_post_quantum()
    try:
        return _apply(repo, sops, journal, scanned, ring, push, verify_all, obs, loaded)
    except OSError as exc:  # a full disk or a read-only folder half-way: put everything back
        why = f"{exc.strerror or type(exc).__name__}" + (f" ({short(str(exc.filename))})" if exc.filename else "")
        if common.committed(repo.root, journal.rotation_id, "1") is None:
            from secretops.rotation.abort import undo_start

            try:
                undo_start(repo, journal)
            except (OSError, SecretopsError):
                raise StateError(f"rotate start failed: {why}", hint="free space, then run `secretops rotate start` "
                                 "again to resume, or `secretops rotate abort`") from None
            raise StateError(f"rotate start failed: {why}; everything it had written was put back",
                             hint="free space (or fix the permissions), then run it again") from None
        raise
    except SecretopsError as exc:  # a file the real sops cannot read after all, a tool that failed: put it back
        if common.committed(repo.root, journal.rotation_id, "1") is not None:
            raise
        from secretops.rotation.abort import undo_start

        try:
            undo_start(repo, journal)
        except (OSError, SecretopsError):
            raise exc from None
        raise StateError(f"{exc.message}; rotate start put back everything it had written", hint=exc.hint) from None


def _readiness(repo: Repo, plan: Plan, timeout: float) -> list[Readiness]:
    return pqready.read_all(plan.clusters, dict(repo.config.asserted_versions), timeout=timeout)


def _sops_problems(plan: Plan, sops: Sops) -> list[str]:
    """Files only sops can re-wrap (key groups, JSON, .env) need a sops that takes PQ keys."""
    if not plan.fallback or sops.for_post_quantum().post_quantum:
        return []
    return [sops_mod.requirement("rotate start --to-pq", plan.fallback).message]


def _begin(repo: Repo, plan: Plan, branch: str, to_pq: bool = False,
           compromised: bool = False) -> tuple[Journal, list[Identity]]:
    rotation_id = common.now().replace(":", "").replace("-", "")
    new = {old: agekeys.generate(post_quantum=to_pq) for old in plan.old_keys}
    # the new private keys are safe on disk before anything uses them (one write for them all)
    labels = {old: ", ".join(plan.key_clusters.get(old, ())) or "no cluster" for old in new}
    agekeys.append_labelled_to_key_file([(ident, f"rotation {rotation_id}, replaces {short(old)} ({labels[old]})")
                                         for old, ident in new.items()])
    head = git.head(repo.root) or ""
    body = {"mapping": {old: ident.public for old, ident in new.items()}, "files": list(plan.files),
            "key_secrets": list(plan.key_secrets), "branch": branch, "started_at": common.now(),
            "clusters": [[c.name, c.kube_context, list(c.key_secrets), c.kms_covered] for c in plan.clusters],
            "key_clusters": {k: list(v) for k, v in plan.key_clusters.items()},
            "post_quantum": to_pq, "compromised": compromised or to_pq}
    journal = Journal("start", rotation_id, head, body)
    journal.save(repo.root)
    return journal, list(new.values())


def _apply(repo: Repo, sops: Sops, journal: Journal, scanned: discovery.Scan, ids: Keyring, push: bool,
           verify_all: bool, obs: Observer, loaded: dict[str, Loaded] | None = None) -> StartResult:
    root, body = repo.root, journal.plan
    mapping: dict[str, str] = body["mapping"]
    files: list[str] = body["files"]
    common.clean_temps(repo, [*files, *common.configs(repo), STATE_FILE])
    by_rel = {p.rel: p for p in scanned.encrypted}
    metas = {rel: p.meta for rel, p in by_rel.items()}
    missing = [new for new in mapping.values() if new not in ids.by_public]
    if missing:
        raise StateError(f"the new key {short(missing[0])} is not in your key file",
                         hint="restore ~/.config/sops/age/keys.txt, or `secretops rotate abort`")
    common.edit_rules(repo, {old: [old, new] for old, new in mapping.items()}, loaded)
    wanted: dict[str, set[str]] = {}
    by_pub = {i.public: i for i in ids}
    proof = {new: by_pub[new] for new in mapping.values()}

    def add_keys(rel: str) -> list[Any]:
        meta = metas.get(rel)
        have = set(meta.recipients.age) if meta else recipients.age_of(root, rel)
        add = [mapping[k] for k in sorted(have) if k in mapping]
        status = recipients.change(root, sops, rel, ids, add, (), proof, by_rel.get(rel))
        return [status, sorted({k for k in have if k in mapping} | set(add))]

    results = parallel.run(files, add_keys, obs, "adding new keys")
    done = {rel for rel, (status, _) in results.items() if status == recipients.VERIFIED}
    wanted.update({rel: set(keys) for rel, (_, keys) in results.items()})
    parallel.run(body["key_secrets"], lambda rel: _add_rotation_entry(repo, sops, rel, mapping, ids), obs,
                 "key Secrets")
    state = _state(journal)
    if not (root / STATE_FILE).exists():
        (root / STATE_FILE).parent.mkdir(exist_ok=True)
        atomic_write(root / STATE_FILE, state.to_yaml().encode())
    # Old stanzas are kept byte for byte and opened the data key already; the new ones are proven:
    # in memory before each write, or here for what this run did not write itself (and key Secrets).
    secrets = set(body["key_secrets"])
    rest = [rel for rel in files if rel not in done or rel in secrets]
    common.verify_files(repo, rest, wanted, set(), ids, obs, set(mapping.values()))
    by_sops = [rel for rel, (status, _) in results.items() if status == recipients.CHANGED]
    sample = list(proof.values())
    if any(i.post_quantum for i in sample) and not sops.post_quantum:
        # sops 3.11 takes no PQ key: the new stanzas were proven in memory (key and MAC); the real sops
        # proves the files whole with the old keys instead
        sample = [ids.by_public[old] for old in mapping if old in ids.by_public]
    checked = common.sops_sample(sops, files, body["key_secrets"], sample, verify_all, by_sops)
    sha = common.committed(root, journal.rotation_id, "1") or common.commit(
        root, [*common.configs(repo), *files, *body["key_secrets"], STATE_FILE], _message(state), journal)
    journal.stage = "committed"
    journal.save(root)
    if push:
        common.push(root, body["branch"])
    journal.delete(root)
    return StartResult(_plan_of(journal), rotation_id=journal.rotation_id, commit=sha,
                       mapping=tuple(mapping.items()), checked=checked)


def _add_rotation_entry(repo: Repo, sops: Sops, rel: str, mapping: dict[str, str], ids: Sequence[Identity]) -> None:
    # Runs once per key Secret, in parallel on large fleets: each touches its own file only.
    """The key Secret holds both keys: its old entries stay, the new keys go into a second entry."""
    entries = keysecrets.read_entries(repo.root, rel, ids)
    if any(e.name == ROTATION_ENTRY for e in entries):
        return
    held = {i.public for i in keysecrets.identities_of(entries, rel)}
    by_pub = {i.public: i for i in ids}
    new = [by_pub[mapping[old]] for old in sorted(held) if old in mapping]
    keysecrets.set_entry(sops, repo.root, rel, entries[0].field, ROTATION_ENTRY, keysecrets.key_text(new), ids)


def _state(journal: Journal) -> RotationState:
    body = journal.plan
    keys = tuple(KeyChange(old, new, tuple(body["key_clusters"].get(old, ()))) for old, new in body["mapping"].items())
    clusters = tuple(ClusterRef(c[0], c[1], tuple(c[2]), bool(c[3]) if len(c) > 3 else False)
                     for c in body["clusters"])
    return RotationState(journal.rotation_id, "started", journal.head, body["branch"], keys, clusters,
                         body["started_at"], bool(body.get("post_quantum")), bool(body.get("compromised")))


def _plan_of(journal: Journal) -> Plan:
    body = journal.plan
    return Plan(tuple(body["mapping"]), _state(journal).clusters,
                {k: tuple(v) for k, v in body["key_clusters"].items()}, tuple(body["files"]),
                tuple(body["key_secrets"]), 0, ())


def _message(state: RotationState) -> str:
    clusters = ", ".join(c.name for c in state.clusters) or "-"
    keys = "\n".join(f"Key: {short(k.old)} -> {short(k.new)}" for k in state.keys)
    if state.post_quantum:
        return (f"secretops: move to post-quantum age keys, step 1 of 2 (add the new keys)\n\n"
                f"Every affected secret is now encrypted for the old X25519 key and the new\n"
                f"post-quantum key (ML-KEM-768 + X25519, age 1.3), and each key Secret holds both.\n"
                f"Every cluster's kustomize-controller was proved 1.9 or newer first. Let Flux apply\n"
                f"this commit, check with `secretops rotate status`, then `secretops rotate finish`\n"
                f"(commit 2 gives every file a new data key).\n\n"
                f"Clusters: {clusters}\n{keys}\n{common.TRAILER}: {state.id}\nSecretops-Step: 1\n")
    return (f"secretops: rotate age keys, step 1 of 2 (add the new keys)\n\n"
            f"Every affected secret is now encrypted for the old and the new key, and each key\n"
            f"Secret holds both keys. Let Flux apply this commit in every cluster, check with\n"
            f"`secretops rotate status`, then run `secretops rotate finish`.\n\n"
            f"Clusters: {clusters}\n{keys}\n{common.TRAILER}: {state.id}\nSecretops-Step: 1\n")

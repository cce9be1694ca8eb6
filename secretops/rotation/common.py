"""What start, finish and abort share: identities, commits, the journal, verification."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from secretops.errors import InputError, SecretopsError, StateError
from secretops.git import command as git
from secretops.git import commit as gitcommit
from secretops.repo import keysecrets
from secretops.repo.discovery import Scan
from secretops.repo.model import Repo
from secretops.rotation.state import Journal, RotationState, require_state
from secretops.sops import agekeys, creation_rules_edit, recipients
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.util import lock as util_lock
from secretops.util.display import safe
from secretops.util.fsutil import atomic_delete, atomic_write, remove_stale_temps
from secretops.util.progress import Observer

TRAILER = "Secretops-Rotation"


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identities(repo: Repo, scan: Scan) -> agekeys.Keyring:
    """Local keys, plus those the key Secrets hold (they may be the only copy of a cluster key)."""
    local = agekeys.load_identities()
    found = list(local)
    for ks in scan.key_secrets:
        with contextlib.suppress(SecretopsError):  # a Secret we cannot open holds nothing we need
            found += keysecrets.identities_of(keysecrets.read_entries(repo.root, ks.rel, local), ks.rel)
    return agekeys.Keyring({i.secret: i for i in found}.values())


def committed(root: Path, rotation_id: str, step: str) -> str | None:
    """HEAD, if it is already this rotation's commit for ``step`` (a crash right after committing)."""
    body = git.out(root, "log", "-1", "--format=%B").strip()
    if f"{TRAILER}: {rotation_id}" in body and f"Secretops-Step: {step}" in body:
        gitcommit.sync_index(root)  # a kill between the commit and the index update leaves a stale index
        return git.head(root)
    return None


def commit(root: Path, paths: Iterable[str], message: str, journal: Journal) -> str:
    """Commit exactly ``paths``; the journal records that git is at work, so that a lock git leaves
    behind when this command is killed can be told from another git command's."""
    journal.stage = "committing"
    journal.save(root)
    return gitcommit.commit(root, sorted(set(paths)), message)


def require_git_ready(repo: Repo, journal: Journal | None = None) -> None:
    """No index lock in the way (our own stale one is removed) and an identity to commit with."""
    lock = git.index_lock(repo.root)
    if lock is not None:
        held = git.open_by_a_process(lock)
        ours = held is not True and journal is not None and journal.stage == "committing" and \
            lock.stat().st_mtime >= Journal.path(repo.root).stat().st_mtime - 1
        if not ours and held is False:  # no git holds it: left by a git that a killed secretops command ran
            killed = util_lock.killed_before()
            since = dt.datetime.strptime(killed.since, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp() \
                if killed is not None else None
            ours = since is not None and lock.stat().st_mtime >= since - 1
        if not ours:
            state = "no process holds it open: it was left by a killed git command" if held is False else \
                "another git command is running, or one was killed"
            raise StateError(f"git's index is locked ({lock} exists); {state}",
                             hint="wait for any git command to end; if none runs, remove that file and run again")
        lock.unlink()  # git was killed inside this command's (or its killed run's) work: the lock is stale
    problem = git.identity_problem(repo.root)
    if problem:
        raise StateError(problem, hint='set them: git config user.name "…"; git config user.email "…"')
    require_writable_git(repo)


def require_writable_git(repo: Repo) -> None:
    """The journal and git's own objects go into .git: a read-only .git is refused before any write
    (probed with a real file: permission bits say nothing to root or to a read-only mount)."""
    import os
    import tempfile

    folder = Journal.path(repo.root).parent

    def probe(where: Path) -> None:
        if hasattr(os, "O_TMPFILE"):  # an unnamed file: nothing to clean up, nothing another reader sees
            os.close(os.open(where, os.O_TMPFILE | os.O_WRONLY, 0o600))
            return
        fd, name = tempfile.mkstemp(prefix=".probe.", suffix=".secretops-tmp", dir=where)
        os.close(fd)
        os.unlink(name)

    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(folder))
        if not folder.is_dir():
            probe(folder.parent)
        else:
            probe(folder)
        probe((git.common_dir(repo.root) or git.git_dir(repo.root)) / "objects")  # shared by linked worktrees
    except OSError as exc:
        raise StateError(f"cannot write into {git.git_dir(repo.root)} ({exc.strerror or type(exc).__name__})",
                         hint="make .git writable (or free space), then run the command again") from None


def require_no_git_operation(repo: Repo) -> None:
    """No merge, `git am`, rebase, cherry-pick, revert or bisect half done: a commit made now would
    become part of it (commit 1 a merge commit)."""
    busy = git.operation_in_progress(repo.root)
    if busy is not None:
        what, how = busy
        raise StateError(f"{what} is in progress in this repository", hint=f"finish or abort it first (`{how}`)")


def require_full_checkout(repo: Repo) -> None:
    """A sparse checkout holds only some files on disk: a rotation would change only those and leave
    the other clusters with the old keys. Refused; work in a full checkout."""
    if git.is_sparse(repo.root):
        raise StateError("this is a sparse checkout: a rotation must see every file of the repository",
                         hint="run it in a full checkout (`git sparse-checkout disable`)")


def require_clean(repo: Repo) -> str:
    """A git repository with a branch checked out and nothing changed; returns the branch."""
    if not repo.is_git:
        raise InputError("rotation needs a git repository", hint="run it inside your GitOps repository")
    require_space_for(repo, [], "a rotation")  # before git itself writes the index (git status refreshes it)
    require_no_git_operation(repo)
    require_full_checkout(repo)
    require_git_ready(repo)
    branch = git.branch(repo.root)
    if branch is None:
        raise StateError("HEAD is detached", hint="check out a branch first")
    dirty = []
    for path in git.dirty_paths(repo.root):
        name = path.rsplit("/", 1)[-1]
        if name.startswith(".") and name.endswith(".secretops-tmp"):  # a killed write of ours: not the user's
            atomic_delete(repo.root / path)
            repo.forget()  # the steps after this list the files without it
        else:
            dirty.append(path)
    if dirty:
        raise StateError(f"the work tree is not clean ({len(dirty)} changed path(s), e.g. {safe(dirty[0])})",
                         hint="commit or stash your changes first")
    return branch


def ready(repo: Repo) -> RotationState:
    """A rotation in progress and a clean tree to finish or abort it in."""
    state = require_state(repo.root)
    require_clean(repo)
    return state


def require_space_for(repo: Repo, files: Sequence[str], what: str) -> None:
    """Room for every file a rotation rewrites (each about twice its size while it is replaced), the
    index, the commit's objects, the journal and the key file, checked before the first write."""
    from secretops.util.fsutil import require_space

    sizes = [(repo.root / rel).stat().st_size for rel in files if (repo.root / rel).is_file()]
    index = git.git_dir(repo.root) / "index"
    index_size = index.stat().st_size if index.is_file() else 0
    largest = max([*sizes, index_size, 8192]) * 2
    require_space(repo.root, 3 * sum(sizes) + 2 * index_size, largest, what)


def require_valid_configs(repo: Repo, command: str) -> dict[str, creation_rules_edit.Loaded]:
    """Every `.sops.yaml` parses (and its regexes compile) before the first write: a broken one found
    half-way would leave key Secrets changed and rules not. Returns each one as read, for edit_rules."""
    from secretops.errors import ConfigError

    try:
        repo.sops_config  # noqa: B018 - loading validates every config
        loaded = {}
        for rel in configs(repo):
            loaded[rel] = creation_rules_edit.Loaded((repo.root / rel).read_text(encoding="utf-8"))
        return loaded
    except ConfigError as exc:
        raise ConfigError(exc.message, hint=f"fix it and commit the fix, then run `secretops rotate {command}` "
                          "again") from None
    except UnicodeDecodeError:
        raise ConfigError("a .sops.yaml is not UTF-8 text", hint=f"fix it, then run `secretops rotate {command}` "
                          "again") from None


def restore(root: Path, paths: Sequence[str]) -> None:
    """The index and the work tree hold HEAD's version of ``paths`` again (paths HEAD lacks are removed)."""
    # Exact paths through stdin, never pathspecs on argv: git matches each pathspec against every
    # entry (50,000 x 50,000 on a fleet), and argv has a size limit.
    wanted = set(paths)
    at_head: dict[str, str] = {}  # path -> "mode object" at HEAD
    for rec in git.split_z(git.git(root, "ls-tree", "-r", "-z", "--full-tree", "HEAD").stdout):
        meta, _, rel = rec.partition("\t")
        if rel in wanted:
            mode, _kind, oid = meta.split(" ")
            at_head[rel] = f"{mode} {oid}"
    gone = sorted(wanted - at_head.keys())

    def listing(rels: Sequence[str]) -> bytes:
        return b"".join(r.encode("utf-8", "surrogateescape") + b"\0" for r in rels)

    if gone:  # out of the index, as `git reset HEAD -- path` takes a path HEAD lacks
        git.git(root, "update-index", "-z", "--force-remove", "--stdin", input=listing(gone))
    if at_head:
        info = b"".join(f"{entry}\t".encode() + r.encode("utf-8", "surrogateescape") + b"\0"
                        for r, entry in sorted(at_head.items()))
        git.git(root, "update-index", "-z", "--index-info", input=info)
        git.git(root, "checkout-index", "-f", "-u", "-z", "--stdin", input=listing(sorted(at_head)))
    for rel in gone:
        atomic_delete(root / rel)


def push(root: Path, branch: str) -> None:
    git.git(root, "push", "origin", branch, timeout=300)


def verify_files(repo: Repo, files: Sequence[str], present_for: dict[str, set[str]], absent: set[str],
                 ids: Sequence[Identity], observer: Observer, prove: set[str] | None = None) -> None:
    """Each file lists the right keys and none of ``absent``; each key in ``prove`` (default: all
    present) opens its real data key (checked against the MAC)."""
    by_pub = {i.public: i for i in ids}
    observer.begin("verifying", len(files))
    for rel in files:  # CPU-bound (pyrage holds the GIL): one thread
        recipients.verify(repo.root, rel, present_for.get(rel, set()), absent, by_pub,
                          None if prove is None else prove & present_for.get(rel, set()))
        observer.step(rel)
    observer.end()


def sops_sample(sops: Sops, files: Sequence[str], key_secrets: Sequence[str], keys: Iterable[Identity],
                every: bool, through_sops: Sequence[str] = ()) -> int:
    """The real sops decrypts, with exactly ``keys``: two files, one key Secret and every file that
    sops itself rewrote (key groups, dotenv, INI), or every file."""
    apart = {*key_secrets, *through_sops}
    others = [f for f in files if f not in apart]
    chosen = list(files) if every else [*others[:2], *list(key_secrets)[:1], *through_sops]
    return recipients.sample_decrypt(sops, chosen, list(keys), True)


def configs(repo: Repo) -> list[str]:
    """Every `.sops.yaml` of the repository (repo-relative): a rotation edits each one that names a key."""
    return list(repo.sops_config.paths)


def edit_rules(repo: Repo, mapping: dict[str, list[str]],
               loaded: dict[str, creation_rules_edit.Loaded] | None = None) -> None:
    """Each `.sops.yaml` gets ``mapping`` applied (see creation_rules_edit.replace_keys); unchanged ones
    are not written. ``loaded``: the configs as require_valid_configs read them."""
    for rel in configs(repo):
        text = (repo.root / rel).read_text(encoding="utf-8")
        edited = creation_rules_edit.replace_keys(text, mapping, (loaded or {}).get(rel))
        if edited != text:
            atomic_write(repo.root / rel, edited.encode())


def clean_temps(repo: Repo, paths: Sequence[str]) -> None:
    """Temp files a killed write left: beside the repository files, the journal and the key file."""
    remove_stale_temps(repo.root, list(paths))
    repo.forget()
    remove_stale_temps(Journal.path(repo.root).parent, [Journal.path(repo.root).name])
    key_file = agekeys.key_file_for_writing()
    remove_stale_temps(key_file.parent, [key_file.name])


def _deep(data: bytes, indent: int = 1000) -> bool:
    """A document nested hundreds of levels deep (an indentation past ``indent`` columns, as many open
    brackets in a row, or lists in lists on one line): rare, and what the real sops may refuse to read."""
    return any(len(line) - len(line.lstrip(b" ")) > indent for line in data.splitlines()) or \
        b"[" * indent in data or b"{" * indent in data or b"- " * (indent // 2) in data  # `- - - …`: a list in a list


def require_openable(repo: Repo, files: Sequence[str], ids: agekeys.Keyring, sops: Sops | None = None) -> None:
    """Every file is whole and opens with ``ids``, proven before the first write (see sops.integrity);
    files only sops can prove are decrypted by the real sops when one is given."""
    from secretops.sops import integrity
    from secretops.util import parallel
    from secretops.util.progress import Silent

    def one(rel: str) -> bool:  # discovery never lists symlinks; atomic_write refuses them besides
        data = (repo.root / rel).read_bytes()
        if _deep(data):
            return False  # the real sops has a nesting limit of its own: it must read this one before any write
        return integrity.check(rel, data, ids)

    proven = parallel.run(files, one, Silent(), "checking files")  # CPU-bound: both cores on large fleets
    for rel in files:
        if not proven[rel] and sops is not None:
            sops.decrypt(rel, env=agekeys.identity_env(recipients.listed_keys(repo.root, rel, list(ids))))

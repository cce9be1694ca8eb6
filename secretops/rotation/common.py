"""What start, finish and abort share: identities, commits, the journal, verification."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from secretops import agekeys, git, gitcommit
from secretops.agekeys import Identity
from secretops.errors import SecretopsError
from secretops.fsutil import checkpoint, remove_stale_temps
from secretops.progress import Observer
from secretops.repo import Repo
from secretops.rotation import keysecrets, recipients
from secretops.scan import Scan
from secretops.sops import Sops

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


def commit(root: Path, paths: Iterable[str], message: str) -> str:
    sha = gitcommit.commit(root, sorted(set(paths)), message)
    checkpoint()
    return sha


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
    sops itself rewrote (key groups, JSON, .env), or every file."""
    others = [f for f in files if f not in set(key_secrets) and f not in set(through_sops)]
    chosen = list(files) if every else [*others[:2], *list(key_secrets)[:1], *through_sops]
    return recipients.sample_decrypt(sops, chosen, list(keys), True)


def clean_temps(repo: Repo, paths: Sequence[str]) -> None:
    remove_stale_temps(repo.root, list(paths))

"""Clusters that follow a release tag or a semver range apply commit 1 only once a tag at or after it
exists and is promoted: find them in the repository, and tag commit 1."""

from __future__ import annotations

from collections.abc import Sequence

from secretops.errors import InputError, StateError
from secretops.git import command as git
from secretops.repo.model import Repo
from secretops.rotation.state import commit_one
from secretops.sops import document
from secretops.util.display import safe


def tag_followers(repo: Repo, files: Sequence[str] | None = None) -> list[str]:
    """`path: tag v1.2.0` for each GitRepository manifest in the repository whose ref is a tag or a
    semver range (production clusters promoted by release)."""
    out = []
    for rel in files if files is not None else repo.files(include_ignored_clear=False):
        if not rel.endswith((".yaml", ".yml")):
            continue
        data = (repo.root / rel).read_bytes()
        if b"GitRepository" not in data or (b"tag:" not in data and b"semver:" not in data):
            continue
        for doc in document.parse(rel, data).documents:
            if isinstance(doc, dict) and doc.get("kind") == "GitRepository":
                ref = (doc.get("spec") or {}).get("ref") or {}
                for key in ("tag", "semver"):
                    if isinstance(ref, dict) and ref.get(key):
                        out.append(f"{safe(rel)}: {key} {safe(str(ref[key]))}")
    return out


def tag_commit_one(repo: Repo, name: str, push: bool = False) -> str:
    """Tag commit 1 as ``name`` (refused if the tag exists elsewhere); returns commit 1."""
    commit1 = commit_one(repo.root)
    if commit1 is None:
        raise StateError("no rotation commit 1 was found", hint="start a rotation first (`secretops rotate start`)")
    if git.git(repo.root, "check-ref-format", f"refs/tags/{name}", ok_codes=(0, 1)).returncode:
        raise InputError(f"{safe(name)!r} is not a valid tag name", hint="for example v1.4.0")
    existing = git.git(repo.root, "rev-parse", "-q", "--verify", f"refs/tags/{name}^{{commit}}", ok_codes=(0, 1))
    if existing.returncode == 0:
        if existing.stdout.decode().strip() != commit1:
            raise StateError(f"the tag {safe(name)} already exists on another commit", hint="choose a new tag")
    else:
        git.git(repo.root, "tag", "-a", name, commit1, "-m", f"secretops: release with rotation commit 1 ({name})")
    if push:
        git.git(repo.root, "push", "origin", f"refs/tags/{name}", timeout=300)
    return commit1

"""A check's first git reads, begun before the checker loads: git answers while Python imports.

Nothing here decides anything: each read the check is about to make is begun now, and the same
call later (``git.command.git``) takes its answer. A read that is not asked for is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secretops.git import blobs
from secretops.git import command as git

CONFIG_PATHSPECS = (".sops.yaml", "*/.sops.yaml")  # the index's creation rules, without listing every file


def clear_copy_listings(clear_suffix: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two `git ls-files` calls that find clear copies: tracked or not, and ignored."""
    pattern = f"*{clear_suffix}"
    return (("ls-files", "-z", "--cached", "--others", "--", pattern),
            ("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", pattern))


def begin(root: Path, mode: str, paths: Sequence[str], clear_suffix: str, cache: bool) -> None:
    """The first reads of ``check --MODE [FILE…]`` in a git repository (none for --diff)."""
    if mode == "history":
        _history(root, cache)
    elif mode in ("staged", "all"):
        from secretops.repo.config import FILENAME

        # --all looks for clear copies unless .secretops.yaml declares the convention (engine.run)
        looks = mode == "all" and not (root / FILENAME).is_file()
        _index(root, mode, paths, clear_suffix if looks else None)


def _index(root: Path, mode: str, paths: Sequence[str], clear_suffix: str | None) -> None:
    """--staged or --all: the list of blobs, the index's `.sops.yaml` files, a blob reader, and
    (``clear_suffix``) the clear-copy listings."""
    if mode == "staged" and not paths:
        git.start(root, *git.STAGED_ARGS)
    else:
        git.start(root, *git.INDEX_ARGS, *git.literal(paths))
    git.start(root, *git.INDEX_ARGS, *CONFIG_PATHSPECS)
    blobs.reader(root)
    if clear_suffix is not None:
        for args in clear_copy_listings(clear_suffix):
            git.start(root, *args)


def _history(root: Path, cache: bool) -> None:
    """--history: the commit order (unless a cache makes it unneeded) and the tree's names."""
    if not cache or not _cache_file(root).is_file():
        blobs.start_topo_order(root)
    git.start(root, *HEAD_NAMES)


HEAD_NAMES = ("ls-tree", "-r", "-z", "--name-only", "HEAD")  # the names at HEAD (which rules make a claim)


def _cache_file(root: Path) -> Path:
    from secretops.check import cache

    return cache.path(root)

"""Helpers the command modules share: open the repo, make sops."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from secretops.cli.progress import Progress
from secretops.repo.model import Repo, open_repo
from secretops.sops.binary import Sops

__all__ = ["Progress", "repo", "sops_for", "writes"]

F = TypeVar("F", bound=Callable[..., Any])


def repo() -> Repo:
    """The repository, with what secretops inferred about its layout said once on stderr."""
    import click

    found = open_repo(infer=True)
    for note in found.inferred:
        click.echo(f"inferred: {note} (override in .secretops.yaml)", err=True)
    return found


def sops_for(r: Repo) -> Sops:
    return Sops(r.root)


def writes(func: F) -> F:
    """A command that writes the tree, the index, the key file or .git/secretops: it runs holding the
    clone's one lock (util/lock.py), taken before anything is read. A dry run writes nothing and
    takes none; outside a git repository there is no git dir to hold it in."""

    @functools.wraps(func)
    def locked(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("dry_run"):
            return func(*args, **kwargs)
        from pathlib import Path

        import click

        from secretops.git import command as git
        from secretops.util import lock

        folder = git.common_dir(Path.cwd())
        if folder is None:
            return func(*args, **kwargs)
        with lock.hold(folder, click.get_current_context().command_path) as held:
            if held.left is not None:
                click.echo(f"note: {held.left.words()} was killed before it ended; its lock is cleared", err=True)
            return func(*args, **kwargs)

    return locked  # type: ignore[return-value]

"""Helpers the command modules share: open the repo, make sops."""

from __future__ import annotations

from secretops.cli.progress import Progress
from secretops.repo.model import Repo, open_repo
from secretops.sops.binary import Sops

__all__ = ["Progress", "repo", "sops_for"]


def repo() -> Repo:
    """The repository, with what secretops inferred about its layout said once on stderr."""
    import click

    found = open_repo(infer=True)
    for note in found.inferred:
        click.echo(f"inferred: {note} (override in .secretops.yaml)", err=True)
    return found


def sops_for(r: Repo) -> Sops:
    return Sops(r.root)

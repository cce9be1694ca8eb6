"""Helpers the command modules share: open the repo, make sops."""

from __future__ import annotations

from secretops.cli.progress import Progress
from secretops.repo.model import Repo, open_repo
from secretops.sops.binary import Sops

__all__ = ["Progress", "repo", "sops_for"]


def repo() -> Repo:
    return open_repo()


def sops_for(r: Repo) -> Sops:
    return Sops(r.root)

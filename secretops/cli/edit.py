from __future__ import annotations

import click

from secretops.cli.app import exit_with
from secretops.cli.common import repo, sops_for, writes
from secretops.workflow.edit import edit as run_edit


@click.command()
@click.argument("path", type=click.Path())
@writes
def edit(path: str) -> None:
    """Edit an encrypted file in sops's editor ($SOPS_EDITOR or $EDITOR)."""
    r = repo()
    rc = run_edit(r, sops_for(r), path)
    if rc not in (0, 200):  # 200: sops saw no change
        exit_with(1)

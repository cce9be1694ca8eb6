from __future__ import annotations

import click

from secretops.git.command import require_repo
from secretops.workflow import hook


@click.command("install-hook")
@click.option("--force", is_flag=True, help="Replace another pre-commit hook (kept as pre-commit.bak).")
def install_hook(force: bool) -> None:
    """Install the plain git pre-commit hook that runs `secretops check --staged`."""
    from pathlib import Path

    out = hook.install(require_repo(Path.cwd()), force)
    if out.backup:
        click.echo(f"kept the previous hook as {out.backup}")
    click.echo(f"installed {out.path}")

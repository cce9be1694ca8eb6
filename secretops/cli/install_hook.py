from __future__ import annotations

import click

from secretops.cli.common import writes
from secretops.git.command import require_repo
from secretops.workflow import hook


@click.command("install-hook")
@click.option("--force", is_flag=True, help="Replace another pre-commit hook (kept as pre-commit.bak).")
@writes
def install_hook(force: bool) -> None:
    """Install the plain git pre-commit hook that runs `secretops check --staged`."""
    from pathlib import Path

    from secretops.cli.common import repo
    from secretops.util.fsutil import atomic_write
    from secretops.workflow import gitwiring

    root = require_repo(Path.cwd())
    r = repo()
    target, backup = hook.plan(root, force)  # every refusal before the first write
    attributes = gitwiring.attributes_update(r.root, r.config.encrypted_suffix)
    wiring = gitwiring.plan(r.root)
    out = hook.install(target, backup)
    if out.backup:
        click.echo(f"kept the previous hook as {out.backup}")
    click.echo(f"installed {out.path}")
    if attributes is not None:
        atomic_write(r.root / ".gitattributes", attributes, 0o644)
        click.echo(f"added `{gitwiring.attribute_line(r.config.encrypted_suffix)}` to .gitattributes (commit it)")
    for key in gitwiring.apply(r.root, wiring):
        click.echo(f"set {key} in this clone's git config")

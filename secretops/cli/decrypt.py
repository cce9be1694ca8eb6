from __future__ import annotations

import click

from secretops.cli.common import Progress, repo, sops_for, writes
from secretops.util.display import safe
from secretops.workflow.decrypt import decrypt as run_decrypt


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--force", is_flag=True, help="Decrypt even if .gitignore does not ignore clear files, and overwrite "
              "clear copies that hold edits.")
@writes
def decrypt(paths: tuple[str, ...], force: bool) -> None:
    """Decrypt *.enc.yaml files into *.clear.yaml working copies (mode 0600)."""
    r = repo()
    out = run_decrypt(r, sops_for(r), paths, force=force, observer=Progress())
    for rel in out.written:
        click.echo(f"decrypted {safe(rel)}")
    for rel in out.unchanged:
        click.echo(f"unchanged {safe(rel)}")
    if not out.written and not out.unchanged:
        click.echo("nothing to decrypt")

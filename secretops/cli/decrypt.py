from __future__ import annotations

import click

from secretops.cli.common import Progress, repo, sops_for
from secretops.workflow.decrypt import decrypt as run_decrypt


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--force", is_flag=True, help="Decrypt even if .gitignore does not ignore clear files.")
def decrypt(paths: tuple[str, ...], force: bool) -> None:
    """Decrypt *.enc.yaml files into *.clear.yaml working copies (mode 0600)."""
    r = repo()
    out = run_decrypt(r, sops_for(r), paths, force=force, observer=Progress())
    for rel in out.written:
        click.echo(f"decrypted {rel}")
    if not out.written:
        click.echo("nothing to decrypt")

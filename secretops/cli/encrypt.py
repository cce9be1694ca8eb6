from __future__ import annotations

import click

from secretops.cli.common import Progress, repo, sops_for, writes
from secretops.util.display import safe
from secretops.workflow.encrypt import encrypt as run_encrypt


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--rm", "remove_clear", is_flag=True, help="Remove each clear file once it is encrypted.")
@writes
def encrypt(paths: tuple[str, ...], remove_clear: bool) -> None:
    """Encrypt *.clear.yaml files into their *.enc.yaml siblings (all of them without PATHs)."""
    r = repo()
    out = run_encrypt(r, sops_for(r), paths, remove_clear=remove_clear, observer=Progress())
    for rel in out.written:
        click.echo(f"encrypted {safe(rel)}")
    for rel in out.unchanged:
        click.echo(f"unchanged {safe(rel)}")
    for rel in out.removed:
        click.echo(f"removed {safe(rel)}")
    if not (out.written or out.unchanged):
        click.echo("nothing to encrypt")

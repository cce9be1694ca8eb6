from __future__ import annotations

import click

from secretops.cli.common import repo, sops_for
from secretops.util.display import safe
from secretops.workflow import init as scaffold


@click.command()
@click.option("--cluster", "clusters", multiple=True, help="Cluster name (default: the folders under clusters/).")
@click.option("--shared-key", is_flag=True, help="One age key for every cluster.")
def init(clusters: tuple[str, ...], shared_key: bool) -> None:
    """Set up .sops.yaml, ignore files, the pre-commit hook, keys and each cluster's key Secret."""
    r = repo()
    out = scaffold.init(r, sops_for(r), clusters, shared_key)
    for rel in out.written:
        click.echo(f"wrote {safe(rel)}")
    if out.key_file:
        click.echo(f"new private keys were appended to {out.key_file} (mode 0600); back it up")
    for warning in out.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo("bootstrap each cluster once (the key goes through a pipe, never the command line):")
    for cmd in out.bootstrap:
        click.echo(f"  {cmd}")

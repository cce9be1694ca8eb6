from __future__ import annotations

import click

from secretops.cli.common import repo, sops_for, writes
from secretops.util.display import safe
from secretops.workflow import init as scaffold


@click.command()
@click.option("--cluster", "clusters", multiple=True, help="Cluster name (default: the folders under clusters/).")
@click.option("--shared-key", is_flag=True, help="One age key for every cluster.")
@click.option("--dry-run", is_flag=True, help="Show what init finds and what it would add; write nothing.")
@writes
def init(clusters: tuple[str, ...], shared_key: bool, dry_run: bool) -> None:
    """Set up a new repository (.sops.yaml, keys, key Secrets, ignore files, the pre-commit hook), or
    adopt an existing one: then no key, rule or key Secret is written and no file replaced."""
    r = repo()
    out = scaffold.init(r, None if dry_run else sops_for(r), clusters, shared_key, dry_run=dry_run)
    for line in out.found:
        click.echo(f"found: {safe(line)}")
    for rel in out.written:
        exists = (r.root / rel).exists() != (not dry_run and rel in out.created)
        what = ("would add to" if exists else "would create") if dry_run else ("added to" if exists else "wrote")
        click.echo(f"{what} {safe(rel)}")
    if out.adopted:
        click.echo(("nothing to add; " if not out.written else "") + "an existing sops repository: init "
                   "writes no key, no creation rule and no key Secret, and replaces no file"
                   + (" (dry run, nothing written)" if dry_run else ""))
        for warning in out.warnings:
            click.echo(f"note: {warning}", err=True)
        return
    if dry_run:
        click.echo(f"would generate {out.new_keys} age key(s) (dry run, nothing written)")
        return
    if out.key_file:
        click.echo(f"new private keys were appended to {out.key_file} (mode 0600); back it up")
    for warning in out.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo("bootstrap each cluster once (the key goes through a pipe, never the command line):")
    for cmd in out.bootstrap:
        click.echo(f"  {cmd}")

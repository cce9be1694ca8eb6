from __future__ import annotations

import click

from secretops.cli.common import repo, sops_for, writes
from secretops.util.display import safe
from secretops.workflow import init as scaffold


@click.command()
@click.option("--cluster", "clusters", multiple=True, help="Cluster name (default: the folders under clusters/).")
@click.option("--shared-key", is_flag=True, help="One age key for every cluster.")
@click.option("--dry-run", is_flag=True, help="Print every line init would write, and the git config and hook it "
              "would set; write nothing.")
@writes
def init(clusters: tuple[str, ...], shared_key: bool, dry_run: bool) -> None:
    """Set up a new repository (.sops.yaml, keys, key Secrets, ignore lines, .gitattributes), or adopt an
    existing one: then no key, rule or key Secret is written and no file replaced.

    Either way the repository ends guarded: init sets the merge driver and textconv in this clone's git
    config and installs the git pre-commit hook (`secretops check --staged`). A hook of another tool is
    left alone, and init ends with the command to run (`secretops install-hook --force`); a hook made by
    pre-commit runs the secretops hook that init adds to .pre-commit-config.yaml."""
    r = repo()
    out = scaffold.init(r, None if dry_run else sops_for(r), clusters, shared_key, dry_run=dry_run)
    for line in out.found:
        click.echo(f"found: {safe(line)}")
    added = dict(out.added)
    for rel in out.written:
        exists = (r.root / rel).exists() != (not dry_run and rel in out.created)
        what = ("would add to" if exists else "would create") if dry_run else ("added to" if exists else "wrote")
        click.echo(f"{what} {safe(rel)}" + (":" if dry_run and added.get(rel) else ""))
        for line in added.get(rel, ()) if dry_run else ():
            click.echo(f"  {safe(line)}")
    for entry in out.git_config:
        click.echo(f"{'would set' if dry_run else 'set'} in this clone's git config: {safe(entry)}")
    if out.hook:
        click.echo(f"hook: {safe(out.hook)}")
    if out.adopted:
        click.echo(("nothing to add; " if not out.written else "") + "an existing sops repository: init "
                   "writes no key, no creation rule and no key Secret, and replaces no file"
                   + (" (dry run, nothing written)" if dry_run else ""))
        for warning in out.warnings:
            click.echo(f"note: {warning}", err=True)
    elif dry_run:
        click.echo(f"would generate {out.new_keys} age key(s) (dry run, nothing written)")
    else:
        if out.key_file:
            click.echo(f"new private keys were appended to {out.key_file} (mode 0600); back it up")
        for warning in out.warnings:
            click.echo(f"warning: {warning}", err=True)
        if out.bootstrap:
            click.echo("bootstrap each cluster once (the key goes through a pipe, never the command line):")
        for cmd in out.bootstrap:
            click.echo(f"  {cmd}")
    if out.next_steps:
        click.echo("commits are not checked yet; to guard them, run:")
        for cmd in out.next_steps:
            click.echo(f"  {cmd}")

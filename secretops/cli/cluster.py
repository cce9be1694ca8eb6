from __future__ import annotations

import click

from secretops.cli.common import writes
from secretops.util.display import safe


@click.group()
def cluster() -> None:
    """Add a cluster to the repository, or retire one."""


@cluster.command()
@click.argument("name")
@click.option("--pq", "post_quantum", is_flag=True,
              help="A post-quantum key (age 1.3, ML-KEM-768 + X25519): the cluster must run Flux 2.9 or newer.")
@writes
def add(name: str, post_quantum: bool) -> None:
    """A key, a creation rule before the shared one, a key Secret and its bootstrap line for NAME; the
    shared rule and every shared file also get NAME's key."""
    from secretops.cli.common import repo, sops_for
    from secretops.workflow.init import init

    r = repo()
    out = init(r, sops_for(r), (name,), post_quantum=post_quantum)
    for rel in out.written:
        click.echo(f"wrote {safe(rel)}")
    if out.key_file:
        click.echo(f"the new private key was appended to {out.key_file} (mode 0600); back it up")
    click.echo("bootstrap the cluster once (the key goes through a pipe, never the command line):")
    for cmd in out.bootstrap:
        click.echo(f"  {cmd}")


@cluster.command()
@click.argument("name")
@writes
def remove(name: str) -> None:
    """Retire NAME: its rule goes, its key leaves the other rules and the files it shares."""
    from secretops.cli.common import repo
    from secretops.workflow.clusters import remove as run_remove

    out = run_remove(repo(), name)
    for rel in out.written:
        click.echo(f"wrote {safe(rel)}")
    click.echo(f"cluster {safe(name)} retired; {len(out.keys)} key(s) left the rules and shared files; commit it")

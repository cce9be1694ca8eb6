from __future__ import annotations

import click

from secretops.cli.common import repo
from secretops.formats import inventory as fmt
from secretops.repo import discovery as scan
from secretops.workflow import inventory


@click.command()
@click.option("--format", "format_", type=click.Choice(fmt.FORMATS.names), default="text", show_default=True)
@click.option("--cluster", default=None, help="Only files of this cluster.")
@click.option("--quantum", is_flag=True, help="Post-quantum readiness: X25519-only files, people's X25519 keys, "
              "and each cluster's kustomize-controller version (asked through its API).")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Per-request timeout (--quantum).")
def status(format_: str, cluster: str | None, quantum: bool, timeout: float) -> None:
    """Inventory: every encrypted and clear file, its cluster, recipients and rule."""
    r = repo()
    if cluster:
        r.cluster(cluster)  # an unknown name is an error before any work
    from secretops.repo import layout as layout_mod
    from secretops.sops import agekeys

    found = scan.scan(r)
    ids = agekeys.load_identities()
    held = layout_mod.holders(r, found, ids)  # a key Secret the user's keys open says its cluster's key
    layout = layout_mod.infer(r, found, {rel: [i.public for i in keys] for rel, keys in held.items()})
    rows = inventory.inventory(r, found, ids, layout=layout)
    if cluster:
        rows = [row for row in rows if row.cluster == cluster or cluster in row.clusters]  # shared files too
    inferred = tuple(layout_mod.describe(r, layout))
    pq = inventory.quantum(r, found, layout, clusters=True, timeout=timeout) if quantum else None
    click.echo(fmt.FORMATS.render(format_, inventory.Inventory(str(r.root), tuple(rows), inferred, pq)), nl=False)

from __future__ import annotations

import click

from secretops.cli.common import Progress, repo, sops_for, writes
from secretops.util.display import safe, short


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
@click.option("--verify-all", is_flag=True, help="Have the real sops decrypt every new file before writing, "
              "not a sample.")
@writes
def updatekeys(paths: tuple[str, ...], dry_run: bool, verify_all: bool) -> None:
    """Bring every encrypted file's recipients in line with its .sops.yaml creation rule (repo-wide
    `sops updatekeys`). Only key blocks change; everything is proved before the first write."""
    from secretops.repo import discovery
    from secretops.workflow import updatekeys as upd

    r = repo()
    scan = discovery.scan(r)
    if dry_run:
        report = upd.plan(r, scan, paths)
    else:
        report = upd.run(r, sops_for(r), scan, paths, verify_all=verify_all, observer=Progress())
    for d in report.drift:
        words = [f"+{short(k)}" for k in d.add] + [f"-{short(k)}" for k in d.remove]
        if d.other:
            words.append("PGP/KMS/Vault recipients differ")
        verb = "would update" if dry_run else "updated"
        click.echo(f"{verb} {safe(d.path)}: {' '.join(words) or 'key groups'} ({d.how})")
    for rel in report.no_rule:
        click.echo(f"no rule: {safe(rel)} (no .sops.yaml creation rule governs it; left as it is)", err=True)
    if dry_run:
        click.echo(f"{len(report.drift)} file(s) would be updated, {report.up_to_date} up to date (dry run, "
                   "nothing written)")
    else:
        click.echo(f"{report.written} file(s) updated, {report.up_to_date} up to date; the real sops decrypted "
                   f"{report.sops_checked} of them before anything was written")

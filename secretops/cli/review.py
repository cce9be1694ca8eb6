from __future__ import annotations

import click

from secretops.cli.common import repo


@click.command("diff")
@click.argument("spec", required=False, metavar="[BASE..HEAD]")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--staged", is_flag=True, help="Review the staged change (HEAD -> index) instead of a range.")
@click.option("--format", "format_", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
def diff(spec: str | None, paths: tuple[str, ...], staged: bool, format_: str) -> None:
    """What a change does to secrets, without keys: key paths added, removed and changed, recipients,
    re-encryptions, files that became unencrypted, clear files, the rotation state. Never a value."""
    from secretops.errors import InputError
    from secretops.formats.review import FORMATS
    from secretops.workflow.review import review

    r = repo()
    if staged and spec:
        paths, spec = (spec, *paths), None
    if not staged and not spec:
        raise InputError("say what to review", hint="pass BASE..HEAD (e.g. origin/main..HEAD) or --staged")
    click.echo(FORMATS.render(format_, review(r.root, r.config, spec, staged, [r.rel(p, must_exist=False)
                                                                               for p in paths])), nl=False)


@click.command("textconv", hidden=True)
@click.argument("path", type=click.Path(dir_okay=False))
def textconv(path: str) -> None:
    """git's textconv for encrypted files: their structure, values as fingerprints, recipients."""
    from pathlib import Path

    from secretops.workflow.review import textconv as convert

    click.echo(convert(Path(path).name if Path(path).suffix else "file.yaml", Path(path).read_bytes()), nl=False)


@click.command("merge-driver", hidden=True)
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("ours", type=click.Path(dir_okay=False))
@click.argument("theirs", type=click.Path(dir_okay=False))
@click.argument("path")
def merge_driver(base: str, ours: str, theirs: str, path: str) -> None:
    """git's merge driver for sops files (registered by install-hook): exit 0 merged, 1 conflict."""
    from pathlib import Path

    from secretops.cli.app import exit_with
    from secretops.cli.common import sops_for
    from secretops.workflow.merge import merge

    r = repo()
    out = merge(r, sops_for(r), Path(base), Path(ours), Path(theirs), path)
    click.echo(f"secretops merge: {out.message}", err=True)
    if not out.merged:
        exit_with(1)

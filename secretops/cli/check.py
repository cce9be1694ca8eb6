from __future__ import annotations

from pathlib import Path

import click

from secretops.cli.progress import Progress


@click.command()
@click.option("--staged", is_flag=True, help="Check the index: what is about to be committed (default); with FILEs, "
              "their index content.")
@click.option("--diff", "spec", metavar="BASE..HEAD", help="Check every blob the commits in a range add or change.")
@click.option("--all", "every", is_flag=True, help="Check every tracked file.")
@click.option("--history", is_flag=True, help="Check every unique blob reachable from any ref.")
@click.option("--format", "format_", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to a file.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Suppress findings listed in this baseline (default: .secretops-baseline.json if present).")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the current findings as a baseline and exit 0.")
@click.option("--no-inline-allow", is_flag=True, help="Ignore `secretops:allow` comments.")
@click.option("--no-cache", is_flag=True, help="--history: read every commit again, not only those added since "
              "the last run.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("paths", nargs=-1, type=click.Path())
def check(staged: bool, every: bool, history: bool, spec: str | None, format_: str, output: Path | None,
          baseline: Path | None, write_baseline: Path | None, no_inline_allow: bool, no_cache: bool, quiet: bool,
          paths: tuple[str, ...]) -> None:
    """Block what must never reach git: clear files, unencrypted sops files, plaintext Secrets, keys, tokens."""
    from secretops.cli.app import exit_with
    from secretops.cli.checkrun import run
    from secretops.errors import InputError

    chosen = [name for name, on in (("--staged", staged), ("--all", every), ("--history", history),
                                    ("--diff", spec is not None)) if on]
    if len(chosen) > 1:
        raise InputError(f"{' and '.join(chosen)} cannot be combined", hint="choose one mode")
    mode = "staged" if staged else "all" if every else "history" if history else None

    out = run(mode, spec, format_, output, baseline, write_baseline, not no_inline_allow, paths, Progress(quiet),
              cache=not no_cache)
    if out.stdout:
        click.echo(out.stdout, nl=False)
    if out.stderr:
        click.echo(out.stderr, nl=False, err=True)
    if out.code:
        exit_with(out.code)

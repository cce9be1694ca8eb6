from __future__ import annotations

from pathlib import Path

import click

from secretops.cli.progress import Progress


@click.command()
@click.option("--staged", "mode", flag_value="staged", help="Check the index: what is about to be committed (default).")
@click.option("--diff", "spec", metavar="BASE..HEAD", help="Check every blob the commits in a range add or change.")
@click.option("--all", "mode", flag_value="all", help="Check every tracked file.")
@click.option("--history", "mode", flag_value="history", help="Check every unique blob reachable from any ref.")
@click.option("--format", "format_", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to a file.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Suppress findings listed in this baseline (default: .secretops-baseline.json if present).")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the current findings as a baseline and exit 0.")
@click.option("--no-inline-allow", is_flag=True, help="Ignore `secretops:allow` comments.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("paths", nargs=-1, type=click.Path())
def check(mode: str | None, spec: str | None, format_: str, output: Path | None, baseline: Path | None,
          write_baseline: Path | None, no_inline_allow: bool, quiet: bool, paths: tuple[str, ...]) -> None:
    """Block what must never reach git: clear files, unencrypted sops files, plaintext Secrets, keys, tokens."""
    from secretops.check import allow, engine
    from secretops.cli.main import exit_with
    from secretops.errors import InputError
    from secretops.formats.findings import FORMATS
    from secretops.repo import open_repo

    if spec and mode:
        raise InputError("--diff cannot be combined with --staged, --all or --history")
    repo = open_repo()
    rels = tuple(repo.rel(p, must_exist=False) for p in paths)
    default_baseline = repo.root / allow.DEFAULT_BASELINE
    if baseline is None and write_baseline is None and default_baseline.is_file():
        baseline = default_baseline
    opts = engine.Options(mode="diff" if spec else (mode or "staged"), spec=spec, paths=rels,
                          inline_allow=not no_inline_allow, baseline=baseline)
    files = repo.files(include_ignored_clear=False) if not repo.is_git else ()
    report = engine.run(repo.root, repo.is_git, repo.config, opts, Progress(quiet), files)
    if write_baseline is not None:
        count = allow.write_baseline(write_baseline, report.findings)
        click.echo(f"wrote {count} finding(s) to {write_baseline}")
        return
    rendered = FORMATS[format_](report)
    if output is not None:
        from secretops.fsutil import atomic_write

        atomic_write(output, rendered.encode(), 0o644)
        click.echo(f"{len(report.findings)} finding(s); report written to {output}", err=True)
    else:
        click.echo(rendered, nl=False)
    if report.findings:
        exit_with(1)

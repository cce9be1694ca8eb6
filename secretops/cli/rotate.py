from __future__ import annotations

import click

from secretops.cli.app import exit_with
from secretops.cli.common import writes
from secretops.cli.progress import Progress
from secretops.repo.model import Repo


def _repo(command: str) -> Repo:
    """The repository; a broken `.sops.yaml` names the command to run again once it is fixed."""
    from secretops.cli.common import repo
    from secretops.errors import ConfigError

    try:
        return repo()
    except ConfigError as exc:
        raise ConfigError(exc.message, hint=f"fix it and commit the fix, then run `secretops rotate {command}` "
                          "again") from None


@click.group()
def rotate() -> None:
    """Two-commit age key rotation across every cluster, verified against Flux."""


@rotate.command()
@click.option("--cluster", "clusters", multiple=True, help="Rotate the keys this cluster uses (repeatable).")
@click.option("--all", "every", is_flag=True, help="Rotate the keys of every cluster.")
@click.option("--push", is_flag=True, help="Push commit 1 to origin.")
@click.option("--dry-run", is_flag=True, help="Print the plan and write nothing.")
@click.option("--verify-all", is_flag=True, help="Have the real sops decrypt every changed file, not a sample.")
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="The plan's format (with --dry-run).")
@click.option("--tag", "tag_name", metavar="NAME", help="Also tag commit 1 as NAME, for clusters that follow tags.")
@click.option("--to-pq", "to_pq", is_flag=True,
              help="Move to post-quantum age keys (age 1.3; needs kustomize-controller 1.9 in every cluster).")
@click.option("--compromised", is_flag=True,
              help="The old key is compromised: commit 2 gives every file a new data key.")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Per-request timeout per cluster (the --to-pq pre-flight).")
@writes
def start(clusters: tuple[str, ...], every: bool, push: bool, dry_run: bool, verify_all: bool, format_: str,
          tag_name: str | None, to_pq: bool, compromised: bool, timeout: float) -> None:
    """Commit 1: every secret encrypted for the old and the new key; key Secrets hold both."""
    from secretops.cli.common import repo, sops_for
    from secretops.formats.rotation import PLAN_FORMATS, PlanReport
    from secretops.rotation.pqready import NotReady
    from secretops.rotation.start import start as run_start

    r = repo()
    if dry_run:
        out = run_start(r, sops_for(r) if to_pq else None, clusters, every, dry_run=True, to_pq=to_pq,
                        timeout=timeout)
        report = PlanReport(out.plan, out.problems, out.readiness if to_pq else None)
        click.echo(PLAN_FORMATS.render(format_, report), nl=False)
        if out.problems:
            exit_with(1)
        return
    try:
        out = run_start(r, sops_for(r), clusters, every, push=push, verify_all=verify_all, observer=Progress(),
                        to_pq=to_pq, compromised=compromised, timeout=timeout)
    except NotReady as exc:
        from secretops.util.display import safe

        for line in exc.lines:  # one line per cluster; nothing was written
            click.echo(f"secretops: error: {safe(line)}", err=True)
        click.echo(f"secretops: error: nothing was written; {exc.hint}", err=True)
        exit_with(2)
        return
    click.echo(f"rotation {out.rotation_id}: commit 1 is {str(out.commit)[:12]} "
               f"({len(out.plan.files)} file(s), {len(out.plan.key_secrets)} key Secret(s), "
               f"sops decrypted {out.checked} sample(s) with the new keys only)")
    for old, new in out.mapping[:5]:
        click.echo(f"  {old[:12]}… -> {new[:12]}… (new {'post-quantum ' if to_pq else ''}private key in your "
                   "key file, not printed)")
    if len(out.mapping) > 5:
        click.echo(f"  … and {len(out.mapping) - 5} more key(s)")
    from secretops.rotation.promotion import tag_commit_one, tag_followers

    if tag_name:
        tag_commit_one(r, tag_name, push)
        click.echo(f"tagged commit 1 as {tag_name}{' and pushed the tag' if push else ''}")
    followers = tag_followers(r)
    if followers and not tag_name:
        click.echo(f"warning: {len(followers)} GitRepository manifest(s) follow a tag or semver range (e.g. "
                   f"{followers[0]}): those clusters apply commit 1 only after a tag at or after it is cut and "
                   "promoted (`secretops rotate tag NAME`)", err=True)
    click.echo("next: push, let Flux apply it, then `secretops rotate status --wait 600`"
               if not push else "pushed; next: `secretops rotate status --wait 600`")


@rotate.command()
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--wait", "wait_s", type=float, default=0,
              help="Poll until every cluster is verified, for SECONDS (progress on a terminal); ends at once on "
              "what waiting cannot fix (no such context, credentials refused).")
@click.option("--reconcile", is_flag=True, help="Ask Flux to reconcile now (like `flux reconcile --with-source`).")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Per-request timeout per cluster.")
@click.option("--concurrency", type=click.IntRange(1, 4096), default=384, show_default=True,
              help="API servers asked at once.")
@click.option("--apply-key-secrets", is_flag=True,
              help="Apply key Secrets that Flux does not apply (bootstrapped by hand) through the API.")
def status(format_: str, wait_s: float, reconcile: bool, timeout: float, concurrency: int,
           apply_key_secrets: bool) -> None:
    """Has Flux applied commit 1 in every cluster, and does each key Secret hold the new key?"""
    from secretops.cli.common import repo
    from secretops.cli.progress import Progress
    from secretops.formats.rotation import STATUS_FORMATS
    from secretops.rotation.status import report

    rep = report(repo(), wait=wait_s, reconcile=reconcile, timeout=timeout, workers=concurrency,
                 apply_key_secrets=apply_key_secrets, observer=Progress())
    click.echo(STATUS_FORMATS.render(format_, rep), nl=False)
    if not rep.verified:
        exit_with(1)


@rotate.command()
@click.argument("name")
@click.option("--push", is_flag=True, help="Push the tag to origin.")
@writes
def tag(name: str, push: bool) -> None:
    """Tag commit 1 of the rotation as NAME, for clusters that follow release tags or semver ranges."""
    from secretops.cli.common import repo
    from secretops.rotation.promotion import tag_commit_one

    commit1 = tag_commit_one(repo(), name, push)
    click.echo(f"tagged commit 1 ({commit1[:12]}) as {name}{'; pushed' if push else ''}; promote it to the "
               "clusters that follow tags, then `secretops rotate status`")


@rotate.command()
@click.option("--unverified", is_flag=True, help="Finish without Flux confirming (recorded in the commit).")
@click.option("--compromised", is_flag=True, help="Also give every affected file a new data key (sops rotate).")
@click.option("--push", is_flag=True, help="Push commit 2 to origin.")
@click.option("--verify-all", is_flag=True, help="Have the real sops decrypt every changed file, not a sample.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Per-request timeout per cluster.")
@writes
def finish(unverified: bool, compromised: bool, push: bool, verify_all: bool, timeout: float) -> None:
    """Commit 2: remove the old keys from rules, files and key Secrets."""
    from secretops.cli.common import sops_for
    from secretops.rotation.finish import finish as run_finish
    from secretops.rotation.status import report

    r = _repo("finish")

    def verified(state: object) -> list[str]:
        return report(r, timeout=timeout).problems()

    out = run_finish(r, sops_for(r), unverified=unverified, compromised=compromised, push=push,
                     verify_all=verify_all, verified=verified, observer=Progress())
    note = " (unverified, recorded in the commit)" if out.unverified else ""
    click.echo(f"rotation {out.rotation_id}: commit 2 is {str(out.commit)[:12]}{note}; "
               f"{len(out.files)} file(s) are encrypted for the new keys only")
    click.echo("the old private keys stay in your key file (old commits need them); remove them when you wish")
    if out.change_at_source:
        click.echo("the old key was compromised: change these values at their source too:")
        for line in out.change_at_source:
            click.echo(f"  {line}")


@rotate.command()
@click.option("--push", is_flag=True, help="Push the abort commit to origin.")
@writes
def abort(push: bool) -> None:
    """Go back to the old keys only and forget the new keys."""
    from secretops.cli.common import sops_for
    from secretops.rotation.abort import abort as run_abort

    r = _repo("abort")
    out = run_abort(r, sops_for(r), push=push, observer=Progress())
    if out.rotation_id == "-":
        click.echo("no rotation was in progress; unused new keys left by an interrupted start were removed")
    elif out.commit:
        click.echo(f"rotation {out.rotation_id} aborted: commit {out.commit[:12]} returns to the old keys only")
    else:
        click.echo(f"rotation {out.rotation_id} aborted before commit 1: the work tree is back as it was")

"""The click group: commands are imported only when they run."""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from secretops import __version__
from secretops.errors import SecretopsError

COMMANDS = {
    "init": "secretops.cli.init:init",
    "encrypt": "secretops.cli.encrypt:encrypt",
    "decrypt": "secretops.cli.decrypt:decrypt",
    "edit": "secretops.cli.edit:edit",
    "status": "secretops.cli.status:status",
    "check": "secretops.cli.check:check",
    "install-hook": "secretops.cli.install_hook:install_hook",
    "rotate": "secretops.cli.rotate:rotate",
    "cluster": "secretops.cli.cluster:cluster",
    "updatekeys": "secretops.cli.updatekeys:updatekeys",
    "diff": "secretops.cli.review:diff",
    "textconv": "secretops.cli.review:textconv",
    "merge-driver": "secretops.cli.review:merge_driver",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (the hook path stays short)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "directory", type=click.Path(file_okay=False), default=None,
              help="Run as if started in DIR (like git -C).")
@click.version_option(__version__, prog_name="secretops")
def cli(directory: str | None) -> None:
    """Manage SOPS-encrypted secrets in a multi-cluster Flux repository."""
    if directory:
        try:
            os.chdir(directory)
        except OSError:
            raise SecretopsError(f"cannot change to {directory}", hint="pass an existing folder to -C") from None


def exit_with(code: int) -> Any:
    """Commands return their exit code through click's context."""
    raise click.exceptions.Exit(code)

"""A one-line progress bar on stderr (the core reports through the Observer protocol)."""

from __future__ import annotations

import sys

import click


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, quiet: bool = False) -> None:
        self.enabled = sys.stderr.isatty() and not quiet
        self.label, self.total, self.done = "", 0, 0

    def begin(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._draw()

    def step(self, item: str = "") -> None:
        self.done += 1
        if self.done == self.total or self.done % 25 == 0:
            self._draw()

    def end(self) -> None:
        if self.enabled and self.total:
            click.echo("\r\033[K", nl=False, err=True)

    def info(self, message: str) -> None:
        self.end()
        click.echo(message, err=True)

    def _draw(self) -> None:
        if not self.enabled or not self.total:
            return
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r{self.label} [{bar}] {self.done}/{self.total}", nl=False, err=True)

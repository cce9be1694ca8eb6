"""How the core reports progress without printing: an observer the caller supplies."""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    def begin(self, label: str, total: int) -> None: ...

    def step(self, item: str = "") -> None: ...

    def end(self) -> None: ...

    def info(self, message: str) -> None: ...


class Silent:
    """The default observer: reports nothing."""

    def begin(self, label: str, total: int) -> None:
        pass

    def step(self, item: str = "") -> None:
        pass

    def end(self) -> None:
        pass

    def info(self, message: str) -> None:
        pass


class Notes(Silent):
    """No progress, but notes (a discarded cache) reach stderr: the hook's and CI's observer."""

    def info(self, message: str) -> None:
        import sys

        sys.stderr.write(message + "\n")

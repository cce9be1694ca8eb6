"""The one interface of every output format: a pure function from one value to text.

Each module offers a ``Formats`` of its value type; commands pick one by name. No format ever
receives a secret: the values passed here hold redacted previews and fingerprints only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")


class Formats(Generic[T]):
    """Named renderers for one value type."""

    def __init__(self, renderers: Mapping[str, Callable[[T], str]]) -> None:
        self._renderers = dict(renderers)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._renderers))

    def render(self, name: str, value: T) -> str:
        return self._renderers[name](value)
